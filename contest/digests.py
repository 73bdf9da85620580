"""The digest stored in place of a random secret (session ids, activation links).

A secret of 256 random bits needs no slow hash: SHA-256 is enough to make a copy of the table
useless, and it is cheap enough for the lookup every request makes.
"""
import hashlib


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
