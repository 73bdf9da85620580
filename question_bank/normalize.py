"""Text cleaning and the duplicate key: the one place that decides when two texts are equal."""
import hashlib
import re
import unicodedata

from core.text import _SPACES, clean_text  # noqa: F401  (clean_text: imported from here across the code)

_PUNCTUATION = re.compile(r"[^\w\s]|_")


def fold(value: str) -> str:
    """Lower case, punctuation and symbols removed, spaces collapsed: the comparison form."""
    text = _PUNCTUATION.sub(" ", clean_text(value).lower())
    return _SPACES.sub(" ", text).strip()


def strip_accents(value: str) -> str:
    """Vietnamese without diacritics (đ → d), for matching headers typed either way."""
    text = unicodedata.normalize("NFD", clean_text(value).lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return text.replace("đ", "d")


def dedup_key(text: str, choices) -> str:
    """Two questions are duplicates when their stems and sets of choices fold to the same."""
    folded_choices = sorted({fold(choice) for choice in choices})
    payload = "\x1f".join([fold(text), *folded_choices])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
