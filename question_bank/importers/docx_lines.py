"""What one line of a Word bank is: a `Câu N` label, a topic heading, choices, or plain text.

Choices are found by their labels: `A.` `b)` at the start of a line, and further labels run
together on the same line after a tab or several spaces (`A. x<TAB>B. y<TAB>C. z`). A line of
three or more labels in sequence may also be separated by single spaces (`A. 5 B. 6 C. 7`).
"""
import re
from dataclasses import dataclass, field

from core.text import clean_text

from .docx_reader import Line
from .docx_styles import BOLD, MARK_NAMES, MARKS
from .validate import LETTERS, parse_difficulty

_SP = r"[ \t\u00a0\u2002\u2003\u2009]"
_QUESTION = re.compile(
    rf"^{_SP}*(?:câu(?:{_SP}+hỏi)?|question){_SP}*(?:số{_SP}*)?(\d{{1,5}})"
    rf"(?:{_SP}*[(\[]([^)\]]{{0,30}})[)\]])?{_SP}*([:.)\-–—])?{_SP}*",
    re.IGNORECASE,
)
_TOPIC = re.compile(
    r"^(?:(?:chủ|chuyên)\s*đề\s*(?:\d+|[IVXLCDM]+)?\s*[:.\-–)]\s*(?P<a>.*)"
    r"|(?:phần|chương)\s+(?:\d+|[IVXLCDM]+)(?!\w)\s*(?P<sep>[:.\-–)])?\s*(?P<b>.*))$",
    re.IGNORECASE,
)
_START = re.compile(rf"{_SP}*(\*{_SP}*)?([A-Ha-h]){_SP}*(?:[.)]|:(?=\s|$)){_SP}*")
_STRICT = re.compile(rf"(?:\t|[ \u00a0]{{2}}|\u00a0){_SP}*(\*{_SP}*)?([A-Ha-h]){_SP}*[.)]{_SP}*")
_LOOSE = re.compile(rf"{_SP}(\*{_SP}*)?([A-Ha-h])[.)]{_SP}+")
# What both _STRICT and _LOOSE need somewhere: a space, a letter, a `.` or `)`. Most lines have
# none after their first label, and one search is cheaper than the two label scans (big banks).
_LATER = re.compile(rf"{_SP}(?:\*{_SP}*)?[A-Ha-h]{_SP}*[.)]")
_LEVEL_TAGS = {"nb": "easy", "th": "medium", "vd": "hard", "vdc": "hard", "vdt": "medium"}
_META = re.compile(
    r"^(?P<key>giải\s*thích|hướng\s*dẫn(?:\s*giải)?|lời\s*giải|explanation|mức\s*độ|độ\s*khó|difficulty"
    r"|nguồn|căn\s*cứ|văn\s*bản|tài\s*liệu|source)\s*[:.]\s*(?P<value>.*)$",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Label:
    number: int
    rest: int  # where the text after the label starts
    difficulty: str | None


def question_label(line: Line) -> Label | None:
    """`Câu 12:`, `CÂU 12.`, `Câu 12)`, `Câu 12 (NB):`, or a bold `Câu 12` with no punctuation."""
    match = _QUESTION.match(line.text)
    if not match:
        return None
    rest = line.text[match.end():]
    if not match.group(3) and rest.strip() and not line.marks_at(match.start(1)) & BOLD:
        return None  # "Câu 2 và câu 3 đều đúng" is text, not a label
    return Label(int(match.group(1)), match.end(), _level_tag(match.group(2)))


def _level_tag(tag: str | None) -> str | None:
    if not tag:
        return None
    text = clean_text(tag).lower()
    if text in _LEVEL_TAGS:
        return _LEVEL_TAGS[text]
    try:
        return parse_difficulty(text)
    except ValueError:
        return None


def topic_heading(text: str, strict: bool = False) -> str | None:
    """`Chủ đề: X`, `Phần I. X`, `PHẦN II: X`, `Chương 3. X` → X (the label itself when X is empty).

    strict (inside a question's text): `Phần 2 của Nghị quyết…` without punctuation is text.
    """
    match = _TOPIC.match(text)
    if not match or (strict and match.group("b") and not match.group("sep")):
        return None
    return clean_text(match.group("a") or match.group("b") or "") or text


def meta_line(text: str) -> tuple[str, str] | None:
    """('explanation' | 'difficulty' | 'source', value) for `Giải thích: …`, `Mức độ: …`, `Nguồn: …`."""
    match = _META.match(text)
    if not match:
        return None
    key = match.group("key").lower()
    if key.startswith(("giải", "hướng", "lời", "explanation")):
        kind = "explanation"
    elif key.startswith(("mức", "độ", "difficulty")):
        kind = "difficulty"
    else:
        kind = "source"
    return kind, clean_text(match.group("value"))


@dataclass(slots=True)
class ChoiceLabel:
    star: bool
    letter: str  # upper case
    lower: bool
    letter_pos: int
    start: int  # where its text starts
    end: int = 0  # where its text ends


def split_choices(text: str, at_start: bool) -> tuple[int, list[ChoiceLabel]]:
    """(end of the text before the first label, choice labels) of one line.

    at_start: the line must begin with a label. Otherwise choices may follow question text on
    the same line: `A … B …` after tabs or several spaces, or `A. … B. … C. …` after single ones.
    """
    first = _START.match(text)
    later = _LATER.search(text, first.end() - 1 if first else 0)
    if first and not later:
        return 0, _close(text, [_label(first)])
    if first:
        labels = [_label(first)] + _sequence(text, _label(first), first.end(), _STRICT)
        if len(labels) == 1 and labels[0].letter == "A" and not labels[0].lower:
            # `A. x B. y C. z` on one line; a line from B on is one choice: `B. Mục C. và mục D. của …`
            loose = _sequence(text, labels[0], first.end(), _LOOSE)
            labels += loose if len(loose) >= 2 else []
        return 0, _close(text, labels)
    if not at_start and later:
        for pattern, needed in ((_STRICT, 2), (_LOOSE, 3)):
            for match in pattern.finditer(text):
                if match.group(2) == "A" or (match.group(2) == "a" and pattern is _STRICT):
                    labels = [_label(match)] + _sequence(text, _label(match), match.end(), pattern)
                    if len(labels) >= needed:
                        return match.start(), _close(text, labels)
    return len(text), []


def _label(match) -> ChoiceLabel:
    letter = match.group(2)
    label = ChoiceLabel(bool(match.group(1)), letter.upper(), letter.islower(), match.start(2), match.end())
    label.end = match.start()  # the separator's start, used by _close for the previous label
    return label


def _close(text: str, labels: list[ChoiceLabel]) -> list[ChoiceLabel]:
    # Each label's text runs to the separator before the next label, the last one to the line end.
    separators = [label.end for label in labels[1:]] + [len(text)]
    for label, stop in zip(labels, separators):
        label.end = stop
    return labels


def _sequence(text: str, first: ChoiceLabel, pos: int, pattern) -> list[ChoiceLabel]:
    found = []
    expected = LETTERS.index(first.letter) + 1
    for match in pattern.finditer(text, pos):
        letter = match.group(2)
        if expected >= len(LETTERS) or letter.islower() != first.lower:
            continue
        if letter.upper() == LETTERS[expected]:
            found.append(_label(match))
            expected += 1
    return found


@dataclass(slots=True)
class Choice:
    """One choice with how much of its text carries each mark, for telling the marked one apart."""

    letter: str
    lower: bool
    star: bool
    letter_marks: int
    parts: list[str] = field(default_factory=list)
    marked: list[int] = field(default_factory=lambda: [0] * len(MARKS))
    total: int = 0

    def add(self, line: Line, start: int, end: int) -> None:
        piece = line.text[start:end]
        if not piece.strip():
            return
        self.parts.append(piece)
        self.total += _visible(piece)
        for span_start, span_end, bits in line.spans:
            lo, hi = max(span_start, start), min(span_end, end)
            if lo < hi:
                count = _visible(line.text[lo:hi])
                for i, bit in enumerate(MARKS):
                    if bits & bit:
                        self.marked[i] += count

    @property
    def text(self) -> str:
        return clean_text(" ".join(self.parts))

    def text_marks(self) -> int:
        """Marks carried by at least half of the choice's visible characters."""
        if not self.total:
            return 0
        return sum(bit for i, bit in enumerate(MARKS) if self.marked[i] * 2 >= self.total)


def _visible(text: str) -> int:
    return len("".join(text.split()))


def choice_from(line: Line, label: ChoiceLabel) -> Choice:
    choice = Choice(label.letter, label.lower, label.star, line.marks_at(label.letter_pos))
    choice.add(line, label.start, label.end)
    return choice


def formatting_marks(choices: list[Choice]) -> dict[int, list[str]]:
    """{choice index: names (lazy strings) of the marks it carries that the other choices do not}.

    For each kind of mark, the choices whose text carries it are used when some but not all do;
    otherwise those whose letter carries it. A mark on every choice (a bold document) is no mark.
    """
    marked: dict[int, list[str]] = {}
    count = len(choices)
    text_marks = [c.text_marks() for c in choices]
    for bit in MARKS:
        by_text = [i for i, bits in enumerate(text_marks) if bits & bit]
        by_letter = [i for i, c in enumerate(choices) if c.letter_marks & bit]
        for group in (by_text, by_letter):
            if 0 < len(group) < count:
                for index in group:
                    marked.setdefault(index, []).append(MARK_NAMES[bit])
                break
    return marked
