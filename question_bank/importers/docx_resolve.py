"""From what the Word reader collected to ParsedQuestions: matching the answer key, choosing
the correct choice among the ways a bank states it, and naming every conflict."""
from dataclasses import dataclass, field

from flask_babel import gettext as _

from core.text import clean_text, fold

from .docx_key import named_letter
from .docx_lines import Choice, formatting_marks
from .docx_styles import MARK_NAMES
from .result import ParsedQuestion, ParseResult
from .validate import LETTERS, letter_index

_EXCERPT = 60


def excerpt(text: str) -> str:
    return text if len(text) <= _EXCERPT else text[:_EXCERPT - 1] + "…"


@dataclass
class Draft:
    number: int
    where: str
    topic: str | None = None
    difficulty: str | None = None
    source: str | None = None
    explanation: str | None = None
    stem: list[str] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    answer_lines: list[str] = field(default_factory=list)  # letters as written after `Đáp án:`
    answer_texts: list[str] = field(default_factory=list)  # `Đáp án: <full text>`
    answer_written: list[tuple[str, str, str]] = field(default_factory=list)  # `Đáp án: B …`: answer_parts
    key_letters: list[str] = field(default_factory=list)  # from answer keys
    stray: list[tuple[str, str]] = field(default_factory=list)  # (text, letter before it) after choices
    problem: str | None = None  # a doubt about the key found while reading (two marks in a table…)
    missing: str | None = None  # what to say when no key is found, when the layout knows better


@dataclass
class KeySection:
    """An answer key; it answers first the questions between the previous key and itself."""

    start: int
    end: int
    entries: list[tuple[int, str]] = field(default_factory=list)


def resolve(drafts: list[Draft], keys: list[KeySection], result: ParseResult) -> ParseResult:
    _apply_keys(drafts, keys, result)
    keyed_ranges = [(k.start, k.end) for k in keys if k.entries]
    for position, draft in enumerate(drafts):
        in_key = any(start <= position < end for start, end in keyed_ranges)
        result.questions.append(_question(draft, in_key, result))
    return result


def _apply_keys(drafts: list[Draft], keys: list[KeySection], result: ParseResult) -> None:
    by_number: dict[int, list[int]] = {}
    for position, draft in enumerate(drafts):
        by_number.setdefault(draft.number, []).append(position)
    for section in keys:
        for number, letter in section.entries:
            positions = by_number.get(number, [])
            if not positions:
                result.error(_("Câu %(number)s", number=number),
                             _("Bảng đáp án có đáp án cho câu %(number)s nhưng tài liệu không có câu %(number)s.",
                               number=number))
                continue
            own = [p for p in positions if section.start <= p < section.end]
            target = next((p for p in own + positions if not drafts[p].key_letters), None)
            if target is None:  # a second entry for the same question
                target = (own or positions)[0]
            drafts[target].key_letters.append(letter)


def _question(draft: Draft, in_key: bool, result: ParseResult) -> ParsedQuestion:
    for text, letter in draft.stray:
        result.warn(draft.where, _("Đoạn “%(text)s” sau phương án %(letter)s không thuộc câu hỏi hay phương án "
                                   "nào; đã bỏ qua.", text=excerpt(text), letter=letter))
    choices = _ordered(draft, result)
    letters = [c.letter for c in choices]
    question = ParsedQuestion(
        where=draft.where, text=clean_text(" ".join(draft.stem)), choices=[c.text for c in choices],
        topic=draft.topic, difficulty=draft.difficulty, source=draft.source, explanation=draft.explanation,
    )
    stated, problem = _stated_letter(draft, choices)
    problem = draft.problem or problem
    stars = [i for i, c in enumerate(choices) if c.star]
    marks = formatting_marks(choices)
    if problem:
        question.answer_problem = problem
    elif stated:
        if stated not in letters:
            question.answer_problem = _("Đáp án %(letter)s không có trong các phương án.", letter=stated)
            return question
        index = letters.index(stated)
        question.correct = [index]
        if stars and stars != [index]:
            question.answer_problem = _("Phương án đánh dấu * (%(starred)s) khác với đáp án ghi là %(letter)s.",
                                        starred=_names(stars, letters), letter=stated)
        _warn_marks(result, draft.where, marks, index, letters, stated)
    elif stars:
        question.correct = stars
        _warn_marks(result, draft.where, marks, stars[0], letters, letters[stars[0]])
    elif marks:
        question.correct = sorted(marks)
    elif len(choices) >= 2:
        question.answer_problem = _no_answer(draft, choices, in_key)
    return question


def _ordered(draft: Draft, result: ParseResult) -> list[Choice]:
    """Choices in letter order when their letters are A, B, C… in any order (a column-wise grid)."""
    choices = draft.choices
    letters = [c.letter for c in choices]
    if sorted(letters) == list(LETTERS[:len(letters)]):
        return sorted(choices, key=lambda c: c.letter)
    repeated = sorted({letter for letter in letters if letters.count(letter) > 1})
    if repeated:
        result.error(draft.where, _("Phương án %(letters)s xuất hiện nhiều lần trong một câu; "
                                    "có thể thiếu nhãn “Câu N:” của câu tiếp theo.", letters=", ".join(repeated)))
    else:
        result.warn(draft.where, _("Các phương án (%(letters)s) không theo thứ tự A, B, C…; "
                                   "đã đọc theo thứ tự xuất hiện.", letters=", ".join(letters)))
    return choices


def _stated_letter(draft: Draft, choices: list[Choice]) -> tuple[str | None, str | None]:
    """(the letter the document writes as the answer, or a problem with what it writes)."""
    line_letters = []
    for written in draft.answer_lines:
        index = letter_index(written)
        if index is None:
            return None, _("Đáp án “%(answer)s” phải là một chữ cái A–H.", answer=written)
        line_letters.append(LETTERS[index])
    for letter, rest, full in draft.answer_written:
        named, problem = named_letter(letter, rest, full, [(c.letter, c.text) for c in choices])
        if problem:
            return None, problem
        if letter_index(named) is None:
            return None, _("Đáp án “%(answer)s” phải là một chữ cái A–H.", answer=letter)
        line_letters.append(named)
    for text in draft.answer_texts:
        match = [c.letter for c in choices if fold(c.text) == fold(text)]
        if not match:
            return None, _("Đáp án “%(answer)s” không khớp với phương án nào.", answer=text)
        line_letters.append(match[0])
    if len(set(line_letters)) > 1:
        return None, _("Câu hỏi có nhiều dòng đáp án khác nhau (%(letters)s).",
                       letters=", ".join(sorted(set(line_letters))))
    if len(set(draft.key_letters)) > 1:
        return None, _("Bảng đáp án ghi nhiều đáp án khác nhau cho câu %(number)s (%(letters)s).",
                       number=draft.number, letters=", ".join(sorted(set(draft.key_letters))))
    if line_letters and draft.key_letters and line_letters[0] != draft.key_letters[0]:
        return None, _("Đáp án ghi dưới câu hỏi (%(written)s) khác với bảng đáp án (%(keyed)s).",
                       written=line_letters[0], keyed=draft.key_letters[0])
    stated = (line_letters or draft.key_letters or [None])[0]
    return stated, None


def _warn_marks(result, where, marks, index, letters, stated) -> None:
    others = {i: names for i, names in marks.items() if i != index}
    for i, names in others.items():
        result.warn(where, _("Phương án %(letter)s được đánh dấu (%(marks)s) nhưng đáp án ghi là %(stated)s; "
                             "đã dùng %(stated)s.", letter=letters[i], marks=", ".join(map(str, names)), stated=stated))


def _names(indices, letters) -> str:
    return ", ".join(letters[i] for i in indices)


def _no_answer(draft: Draft, choices: list[Choice], in_key: bool) -> str:
    if draft.missing and not in_key:
        return draft.missing
    if in_key:
        return _("Bảng đáp án không có câu %(number)s và không phương án nào được đánh dấu; "
                 "không xác định được đáp án đúng.", number=draft.number)
    shared = [str(name) for bit, name in MARK_NAMES.items()
              if all((c.text_marks() | c.letter_marks) & bit for c in choices)]
    if not shared:
        return _("Không xác định được đáp án đúng: không có dòng “Đáp án: …”, dấu * hay phương án in đậm, "
                 "gạch chân, chữ đỏ hoặc tô nền khác các phương án còn lại.")
    return _("Không xác định được đáp án đúng: không có dòng “Đáp án: …”, dấu * hay phương án in đậm, "
             "gạch chân, chữ đỏ hoặc tô nền khác các phương án còn lại (mọi phương án đều %(marks)s nên "
             "định dạng này không chỉ ra đáp án).", marks=_both(shared))


def _both(names: list[str]) -> str:
    """"in đậm và gạch chân": every name joined by “và”."""
    joined = names[0]
    for name in names[1:]:
        joined = _("%(first)s và %(second)s", first=joined, second=name)
    return joined
