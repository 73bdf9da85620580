"""Text cleaning and the duplicate key: the one place that decides when two texts are equal."""
import hashlib
import re
import unicodedata

_SPACES = re.compile(r"\s+")  # Unicode-aware: also no-break, figure and ideographic spaces
# Characters Word and Excel leave behind that render as nothing.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def clean_text(value) -> str:
    """NFC, invisible characters removed, every run of whitespace folded to one space."""
    if value is None:
        return ""
    text = str(value)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", _INVISIBLE.sub("", text)).strip()


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
