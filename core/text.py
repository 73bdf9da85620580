"""Text cleaning: the form every stored text takes."""
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
