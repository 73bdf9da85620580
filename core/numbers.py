"""Whole numbers typed or sent by clients: ASCII digits, within what the database holds.

`str.isdigit()` and `int()` take far more than 0-9: "²".isdigit() is True yet int("²") raises;
int("١٢") and int("１２") are 12, int("1_000") is 1000, int(" +7 ") is 7; and a 20-digit id
overflows an integer column on PostgreSQL. Every id, page or count read from a URL, a form, a
token or a file goes through here (the contest's URL converter too).
"""
import re

MAX_ID = 2**31 - 1  # every id column is a 32-bit integer
MAX_PAGE = 10**6
_DIGITS = re.compile(r"[0-9]{1,18}")


def ascii_int(text, low: int = 0, high: int = MAX_ID) -> int:
    """`text` as an int when it is 1-18 ASCII digits (no sign, no space) in [low, high], else ValueError."""
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        raise ValueError(text)
    value = int(text)
    if not low <= value <= high:
        raise ValueError(text)
    return value


def parse_int(text, low: int = 0, high: int = MAX_ID) -> int | None:
    try:
        return ascii_int(text, low, high)
    except ValueError:
        return None


def parse_id(text) -> int | None:
    """A row id from a client (1 … 2³¹−1), or None when the text cannot name one."""
    return parse_int(text, 1, MAX_ID)


def page_number(text) -> int:
    """For `request.args.get("page", 1, type=page_number)`: a bad page is page 1, never an error."""
    return ascii_int(text, 1, MAX_PAGE)
