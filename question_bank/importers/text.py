"""Decoding text files: UTF-8 (BOM or not), then the legacy encodings that give valid Vietnamese."""
import unicodedata

from flask_babel import gettext as _

from .result import UnsafeFile

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
