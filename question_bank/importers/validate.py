"""Checks every format shares: a question's shape, difficulty words, answer letters."""
from flask_babel import gettext as _

from core.files import Problem
from core.text import clean_text, strip_accents
from question_bank.models import MAX_CHOICES, MIN_CHOICES

from .result import ParsedQuestion

LETTERS = "ABCDEFGH"

_DIFFICULTY_WORDS = {
    "de": "easy", "easy": "easy", "1": "easy", "nhan biet": "easy",
    "trung binh": "medium", "tb": "medium", "medium": "medium", "2": "medium", "thong hieu": "medium",
    "kho": "hard", "hard": "hard", "3": "hard", "van dung": "hard",
}


def parse_difficulty(value) -> str | None:
    """Dễ/Trung bình/Khó, easy/medium/hard or 1/2/3 → easy/medium/hard; '' → None; else raises."""
    text = strip_accents(value)
    if text.endswith(".0"):
        text = text[:-2]
    if not text:
        return None
    try:
        return _DIFFICULTY_WORDS[text]
    except KeyError:
        raise ValueError(
            _("Mức độ “%(value)s” không hợp lệ (dùng Dễ, Trung bình, Khó hoặc 1, 2, 3).", value=clean_text(value))
        ) from None


def letter_index(value: str) -> int | None:
    """'b', 'B', 'B.', '(B)' → 1; anything else → None."""
    text = clean_text(value).strip("().:;,").upper()
    return LETTERS.index(text) if len(text) == 1 and text in LETTERS else None


def check_question(q: ParsedQuestion) -> list[Problem]:
    """Every problem of one parsed question, each naming its place."""
    problems = []
    if not clean_text(q.text):
        problems.append(Problem(q.where, _("Câu hỏi không có nội dung.")))
    if len(q.choices) < MIN_CHOICES:
        problems.append(
            Problem(q.where, _("Câu hỏi cần ít nhất %(minimum)s phương án, tệp có %(count)s.",
                               minimum=MIN_CHOICES, count=len(q.choices)))
        )
    if len(q.choices) > MAX_CHOICES:
        problems.append(
            Problem(q.where, _("Câu hỏi có %(count)s phương án, tối đa là %(maximum)s.",
                               count=len(q.choices), maximum=MAX_CHOICES))
        )
    for index, choice in enumerate(q.choices[:MAX_CHOICES]):
        if not clean_text(choice):
            problems.append(Problem(q.where, _("Phương án %(letter)s để trống.", letter=LETTERS[index])))
    problems.extend(_repeated_choices(q))
    if q.answer_problem:
        problems.append(Problem(q.where, q.answer_problem))
    elif not q.correct:
        problems.append(Problem(q.where, _("Không xác định được đáp án đúng.")))
    elif len(set(q.correct)) > 1:
        letters = ", ".join(LETTERS[i] for i in sorted(set(q.correct)) if i < len(LETTERS))
        problems.append(
            Problem(q.where, _("Câu hỏi có nhiều hơn một đáp án đúng (%(letters)s); chỉ được một.", letters=letters))
        )
    elif q.correct[0] >= len(q.choices):
        letter = LETTERS[q.correct[0]] if q.correct[0] < len(LETTERS) else str(q.correct[0] + 1)
        problems.append(Problem(q.where, _("Đáp án %(letter)s không có trong các phương án.", letter=letter)))
    return problems


def _repeated_choices(q: ParsedQuestion) -> list[Problem]:
    """Two choices with the same text (ignoring case and spacing): a participant could not tell them
    apart. Punctuation counts, unlike the duplicate key's fold: "10" and "10%" are different choices."""
    first_of: dict[str, int] = {}
    problems = []
    for index, choice in enumerate(q.choices[: len(LETTERS)]):
        folded = clean_text(choice).casefold()
        if not folded:
            continue
        if folded in first_of:
            problems.append(Problem(q.where, _("Phương án %(letter)s trùng với phương án %(first)s.",
                                               letter=LETTERS[index], first=LETTERS[first_of[folded]])))
        else:
            first_of[folded] = index
    return problems
