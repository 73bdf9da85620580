"""The session key: the digest of a password hash that every session carries (User.get_id).

Changing or resetting the password changes it, which ends every other session. The web layer
compares it in Python (auth/views.py load_user) and quick_save.py in SQL: PostgreSQL with its
built-in sha256(), SQLite with this function registered on each connection (extensions.py).
"""
import hashlib

LENGTH = 16


def session_key_of(password_hash: str | None) -> str | None:
    return None if password_hash is None else hashlib.sha256(password_hash.encode()).hexdigest()[:LENGTH]
