"""The `Câu 12:` / `Câu hỏi số 12.` / `Câu 12/` / `C12:` / `Question 12.` / `[12]` / `12.` label typed before a question's text (SPEC §4).

Labels are not part of the stored text: a stem that kept them would never match the same question
numbered differently, and duplicate detection would miss it. One pattern for every importer that
strips them (spreadsheet cells, Aiken and GIFT stems); the Word reader's own label in docx_lines
also reads level tags and bold labels without punctuation.
"""
import re

QUESTION_LABEL = re.compile(
    # `Câu 3:`, `Câu hỏi số 3.`, `Question 3.`, `C3:`; `Câu 3 (NB):` carries a level tag; `/` is a separator too.
    r"^\s*(?:(?:câu(?:\s+hỏi)?(?:\s+số)?|question|c(?=\d))\s*(?P<number>\d+)(?:\s*[(\[][^)\]]{0,30}[)\]])?"
    r"\s*(?:[:./)]|[–-](?=\s))"
    # `[3]`; a bare `3.`, `3)` or `3/` (at most three digits: `2024. Năm nào…` is a year, not a label).
    r"|\[\s*(?P<bracket>\d+)\s*\]|(?P<plain>\d{1,3})[./)](?=\s))\s*(?=\S|$)",
    re.IGNORECASE,
)


def split_label(text: str) -> tuple[int | None, str]:
    """(the label's number, the text after it); (None, text) when the text has no label."""
    match = QUESTION_LABEL.match(text)
    if not match:
        return None, text
    return int(match.group("number") or match.group("bracket") or match.group("plain")), text[match.end():]


def strip_label(text: str) -> str:
    return split_label(text)[1]
