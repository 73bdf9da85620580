"""A cell as the user sees it: one conversion for every sheet and CSV the app reads."""
import unicodedata
from datetime import date, datetime, time

from .text import clean_text


def cell_text(value) -> str:
    """A cell as the user sees it, cleaned: 2012 not 2012.0, 0.5 as 0.5, dates as dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, str):
        # Already clean (the common case): printable excludes every invisible and odd space.
        if value.isprintable() and "  " not in value and value.strip() == value and (
            value.isascii() or unicodedata.is_normalized("NFC", value)
        ):
            return value
        return clean_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}"  # Excel's "General" shows 15 significant digits
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    return clean_text(value)


def texts_of(cells) -> list[str]:
    return [cell_text(value) for value in cells]


def is_blank(cells) -> bool:
    for value in cells:
        if value is None or value == "":
            continue
        if not isinstance(value, str) or cell_text(value):
            return False
    return True
