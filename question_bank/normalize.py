"""Text cleaning and the duplicate key: the one place that decides when two texts are equal."""
import hashlib
import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Characters Word and Excel leave behind that render as nothing or as a space.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_NBSP = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u3000\t\r\n\v\f"), " ")


def clean_text(value) -> str:
    """NFC, invisible characters removed, every run of whitespace folded to one space."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = text.translate(_INVISIBLE).translate(_NBSP)
    return _SPACES.sub(" ", text).strip()


def fold(value: str) -> str:
    """Lower case, punctuation removed, spaces collapsed: the comparison form of a text."""
    text = clean_text(value).lower()
    text = "".join(" " if unicodedata.category(ch)[0] in "PS" else ch for ch in text)
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
