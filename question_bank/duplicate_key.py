"""The duplicate key: the one place that decides when two questions are the same question."""
import hashlib

from core.text import fold


def dedup_key(text: str, choices) -> str:
    """Two questions are duplicates when their stems and sets of choices fold to the same."""
    folded_choices = sorted({fold(choice) for choice in choices})
    payload = "\x1f".join([fold(text), *folded_choices])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
