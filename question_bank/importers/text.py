"""Decoding text files: UTF-8 (BOM or not), then the legacy encodings that give valid Vietnamese."""
import unicodedata

from .result import UnsafeFile

# Windows-1258 first: it is what Vietnamese Windows writes, and 1252 would turn its tones into junk.
LEGACY = ("cp1258", "cp1252")
_VIETNAMESE_MARKS = set("ăâđêôơưĂÂĐÊÔƠƯ")


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
        if encoding == "cp1258" or any(ch in _VIETNAMESE_MARKS for ch in text):
            return unicodedata.normalize("NFC", text)
        return unicodedata.normalize("NFC", text)
    raise UnsafeFile("Không đọc được mã ký tự của tệp; hãy lưu tệp dưới dạng UTF-8.")
