"""Answers written as text in a Word bank: `Đáp án: B` under a question, and answer keys.

An answer key follows a `Bảng đáp án` / `Đáp án` heading: pairs such as `1-A`, `1.A`, `1A`,
`1: A`, `Câu 1: A` in paragraphs, or a table, either two rows (question numbers over letters,
possibly repeated in bands) or columns of number | letter, with label cells like `Câu`/`Đáp án`.
"""
import re

from flask_babel import gettext as _

from core.text import clean_text, fold

_SP = r"[ \t\u00a0]"
_ANSWER_LINE = re.compile(
    rf"^(?:đáp{_SP}*án(?:{_SP}+đúng)?(?:{_SP}+là)?|đa|answer|ans){_SP}*[:.=\-–]?{_SP}*(?:là{_SP}+)?"
    rf"(?:phương{_SP}*án{_SP}+)?(?P<full>\(?(?P<letter>[A-Za-z])\)?(?!\w)[\s.):;,\-–]*(?P<rest>.*))$",
    re.IGNORECASE,
)
_ANSWER_TEXT = re.compile(rf"^(?:đáp{_SP}*án(?:{_SP}+đúng)?|đa|answer){_SP}*:{_SP}*(?P<text>.+)$", re.IGNORECASE)
_KEY_HEADING = re.compile(
    r"^(?P<table>bảng\s+đáp\s*án|bảng\s+trả\s+lời|answer\s*key)?(?(table)|(?:đáp\s*án|answers?))(?!\w)(?P<rest>.*)$",
    re.IGNORECASE,
)
_HEADING_WORDS = re.compile(
    r"^(?:đúng|chi\s*tiết|câu\s*hỏi|trắc\s*nghiệm|tham\s*khảo|các\s*câu.*"
    r"|(?:phần|chương|chủ\s*đề|bộ\s*đề|đề(?:\s*thi)?(?:\s*số)?)\s*(?:\d+|[IVXLCDM]+)(?!\w).*)$",
    re.IGNORECASE,
)
_PAIR = re.compile(r"(?<!\w)(\d{1,4})\s*[-.:)–/=]?\s*\(?([A-Ha-h])\)?(?!\w)")
_NUMBER_CELL = re.compile(r"^(?:câu\s*)?(\d{1,4})\s*[.:)]?$", re.IGNORECASE)
_LETTER_CELL = re.compile(r"^\(?([A-Ha-h])\)?\.?$")
_LABEL_CELL = re.compile(
    r"^(?:câu(?:\s*hỏi)?|số\s*câu|stt|tt|đáp\s*án(?:\s*đúng)?|đa|answers?|questions?|no\.?|key|bảng\s+đáp\s*án)\s*[:.]?$",
    re.IGNORECASE,
)


def answer_line(text: str) -> tuple[str, str] | None:
    """(letter as written, rest) for `Đáp án: B`, `ĐA: b`, `Đáp án đúng là B.`, `Answer: (B)`."""
    match = _ANSWER_LINE.match(text)
    if not match or (match.group("rest") and match.group("letter").upper() not in "ABCDEFGH"):
        return None  # `Đáp án: z khác` is a full-text answer, not the letter z
    return match.group("letter"), clean_text(match.group("rest"))


def answer_parts(text: str) -> tuple[str, str, str] | None:
    """(letter as written, rest, everything after `Đáp án:`) — the whole may be a choice's text
    that starts with a letter: `Đáp án: A, B, C đều đúng`."""
    match = _ANSWER_LINE.match(text)
    if not match or (match.group("rest") and match.group("letter").upper() not in "ABCDEFGH"):
        return None
    return match.group("letter"), clean_text(match.group("rest")), clean_text(match.group("full"))


_OTHER_LETTER = re.compile(r"(?<!\w)([A-H])(?!\w)")
_NOTE = re.compile(r"^\(.*\)$")
_EXCERPT = 60


def _excerpt(text: str) -> str:
    return text if len(text) <= _EXCERPT else text[:_EXCERPT - 1] + "…"


def _same(a: str, b: str) -> bool:
    return fold(a.rstrip(" .;")) == fold(b.rstrip(" .;"))


def named_letter(letter: str, rest: str, full: str, choices: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """(the letter of the choice an answer line names, or why it names none for sure).

    The whole text equal to a choice's text names that choice (`Đáp án: A và B` when C is
    “A và B”); otherwise what follows the letter must be that letter's own text (or a note in
    brackets); several letters, or the text of another choice, or any other text is refused."""
    if full and rest:
        same = [lt for lt, text in choices if _same(text, full)]
        if len(set(same)) == 1:
            return same[0], None
    upper = letter.upper()
    if not rest:
        return upper, None
    own = [text for lt, text in choices if lt == upper]
    if any(_same(text, rest) for text in own):
        return upper, None
    others = sorted({lt for lt, text in choices if lt != upper and _same(text, rest)})
    if others:
        return None, _("Dòng đáp án ghi %(letter)s nhưng chữ theo sau (“%(text)s”) là một phương án khác.",
                       letter=upper, text=_excerpt(rest))
    more = [m for m in _OTHER_LETTER.findall(rest) if m != upper]
    if more:
        return None, _("Dòng đáp án “%(answer)s” ghi nhiều phương án (%(letters)s); mỗi câu chỉ có một đáp án "
                       "— hãy ghi một chữ cái, hoặc chép đúng nội dung phương án.",
                       answer=_excerpt(full or f"{upper} {rest}"), letters=", ".join([upper, *dict.fromkeys(more)]))
    if _NOTE.match(rest):
        return upper, None  # `Đáp án: B (theo Nghị định 123)`
    if own:
        return None, _("Dòng đáp án ghi %(letter)s nhưng chữ theo sau (“%(text)s”) khác nội dung phương án "
                       "%(letter)s (“%(choice)s”); không xác định được đáp án đúng.",
                       letter=upper, text=_excerpt(rest), choice=_excerpt(own[0]))
    return upper, None  # no such choice: the caller says so


def answer_text_line(text: str) -> str | None:
    """The full text after `Đáp án:` when it is not a letter (matched against the choices)."""
    match = _ANSWER_TEXT.match(text)
    return clean_text(match.group("text")) if match else None


def key_heading(text: str) -> list[tuple[int, str]] | None:
    """The pairs on a `Bảng đáp án` / `Đáp án` heading line (often none), or None if it is not one."""
    match = _KEY_HEADING.match(text)
    if not match:
        return None
    rest = match.group("rest")
    pairs = pairs_in_text(rest)
    words = rest.strip(" :.-–\t")
    if match.group("table") or not words or _HEADING_WORDS.match(words) or len(pairs) >= 2:
        return pairs
    return None


def pairs_in_text(text: str) -> list[tuple[int, str]]:
    return [(int(number), letter.upper()) for number, letter in _PAIR.findall(text)]


def is_label_cell(text: str) -> bool:
    return bool(_LABEL_CELL.match(clean_text(text)))


def pairs_in_table(rows: list[list[str]]) -> list[tuple[int, str]]:
    """Pairs from a key table: number rows over letter rows, number | letter cells, or `1-A` cells."""
    rows = [[clean_text(cell) for cell in row] for row in rows]
    pairs: list[tuple[int, str]] = []
    i = 0
    while i < len(rows):
        row = rows[i]
        below = rows[i + 1] if i + 1 < len(rows) else []
        if _only(row, _NUMBER_CELL, _LETTER_CELL) and _only(below, _LETTER_CELL, _NUMBER_CELL):
            for top, bottom in zip(row, below):
                number, letter = _NUMBER_CELL.match(top), _LETTER_CELL.match(bottom)
                if number and letter:
                    pairs.append((int(number.group(1)), letter.group(1).upper()))
            i += 2
            continue
        j = 0
        while j < len(row):
            number = _NUMBER_CELL.match(row[j])
            letter = _LETTER_CELL.match(row[j + 1]) if number and j + 1 < len(row) else None
            if letter:
                pairs.append((int(number.group(1)), letter.group(1).upper()))
                j += 2
                continue
            if not number and not _LETTER_CELL.match(row[j]):
                pairs.extend(pairs_in_text(row[j]))
            j += 1
        i += 1
    return pairs


def _only(row: list[str], wanted, unwanted) -> bool:
    """The row has cells matching `wanted` and none matching `unwanted` (labels and blanks allowed)."""
    return any(wanted.match(cell) for cell in row) and not any(unwanted.match(cell) for cell in row)


def looks_like_key(rows: list[list[str]]) -> bool:
    """A table that yields pairs and holds nothing but numbers, letters, labels and blanks
    (`Câu 1 | A` rows are a key, not questions), or has a `Câu`/`Đáp án` label in its first row
    or column."""
    if not pairs_in_table(rows):
        return False
    cells = [clean_text(cell) for row in rows for cell in row]
    if all(not c or _NUMBER_CELL.match(c) or _LETTER_CELL.match(c) or is_label_cell(c) for c in cells):
        return True
    labels = [cell for cell in (rows[0] if rows else [])] + [row[0] for row in rows if row]
    return any(is_label_cell(cell) for cell in labels)


_PAIR_FILLER = re.compile(r"câu|đáp\s*án|[\s,;:.\-–|/()]", re.IGNORECASE)


def only_pairs(text: str) -> list[tuple[int, str]]:
    """The pairs of a line made of nothing else (`Câu 1: A, Câu 2: B`); [] for a question line."""
    pairs = pairs_in_text(text)
    if pairs and not _PAIR_FILLER.sub("", _PAIR.sub("", text)):
        return pairs
    return []
