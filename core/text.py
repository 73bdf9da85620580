"""Text: cleaning and folding (when two texts are equal), decoding text files, counts as Vietnamese writes them."""
import re
import unicodedata

from flask_babel import gettext as _

from .files import UnsafeFile

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

# Windows-1258 first: it is what Vietnamese Windows writes, and 1252 would turn its tones into junk.
LEGACY = ("cp1258", "cp1252")


def decode(data: bytes) -> str:
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    for encoding in LEGACY:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Windows-1258 decodes any text it wrote; 1252 takes the few bytes 1258 leaves undefined.
        return unicodedata.normalize("NFC", text)
    raise UnsafeFile(_("Không đọc được mã ký tự của tệp; hãy lưu tệp dưới dạng UTF-8."))


def format_count(number: int) -> str:
    """100000 → "100.000", as Vietnamese writes thousands."""
    return f"{number:,}".replace(",", ".")
