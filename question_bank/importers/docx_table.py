"""Banks laid out as Word tables, the official format of many ministries' banks.

A header row (after any title rows) names the columns: `STT`, `Câu hỏi`/`Nội dung`, the choices
either in one `Phương án` cell (`A. …` / `B. …` on their own lines), one row per choice under a
question cell merged down (w:vMerge), or in columns `A | B | C | D`; the key as a letter (or the
choice's text) in `Đáp án`, or an `x`/`✓` in a `Đúng` column beside the right choice. Rows Word
repeats on each page (w:tblHeader) and header rows typed again are skipped; a table without a
header that follows a question table of the same width continues it. A row of one merged cell
(`PHẦN I. …`), a `Lĩnh vực`/`I. …` paragraph before the table or a `Chủ đề` column sets the topic.
Every doubt about a key (two marks, a letter with no such choice, none at all) is an error naming
the row, never a guess.
"""
import re
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _

from core.text import clean_text, fold, strip_accents

from .docx_grid import STT_NUMBER, Columns, Grid, header_role, listing
from .docx_lines import Choice, choice_from, question_label, split_choices, topic_heading
from .docx_reader import Line, Table
from .docx_resolve import Draft, excerpt
from .result import ParseResult
from .validate import LETTERS, letter_index, parse_difficulty


_TRUE = {"x", "✓", "✔", "√", "☑", "☒", "đ", "đúng", "dung", "true", "1", "có", "co"}
_FALSE = {"s", "sai", "false", "0", "-", "không", "khong"}
_KEY_CELL = re.compile(r"^(?:(?:đáp\s*án|phương\s*án|pa|đa)\s*:?\s*)?\(?([A-Ha-h])\)?(?:\s*[.):]\s*(.*))?$",
                       re.IGNORECASE | re.DOTALL)
_SECTION = re.compile(r"^(?:lĩnh\s*vực\s*[:.\-–]?|[IVX]{1,5}\s*[.:\-–)])\s*(\S.*)$", re.IGNORECASE)



def section_title(text: str | None) -> str | None:
    """`Lĩnh vực: X`, `I. X` (a section title before or inside a table) → X."""
    if not text:
        return None
    heading = topic_heading(text)
    if heading:
        return heading
    match = _SECTION.match(text)
    return clean_text(match.group(1)) if match else None


@dataclass
class Context:
    """What one document's table reading shares: the result, the current topic and numbering."""

    result: ParseResult
    feed: Callable[[Draft, Line], None]  # the paragraph reader's handling of a question's lines
    topic: str | None = None
    count: int = 0
    last: Columns | None = None  # the header of the previous question table, for continuations
    # Translated once per table, filled in per question: gettext per row costs more than the row.
    places: tuple[str, str] = ("", "")
    missing: str = ""


def read_questions(table: Table, number: int, columns: Columns, grid: Grid, context: Context) -> list[Draft]:
    """Every question of one table (from the row after `columns.header`)."""
    drafts: list[Draft] = []
    group: list[int] = []
    text_col = columns.roles["text"]
    context.places = (_("Câu %(number)s (Bảng %(table)s, dòng %(row)s)"), _("Bảng %(table)s, dòng %(row)s"))
    context.missing = _missing(columns)
    number_col = columns.roles.get("number")
    numbered = number_col is not None and any(grid.text(r, number_col) for r in range(columns.header + 1, len(table.rows)))
    for row in range(columns.header + 1, len(table.rows)):
        if table.repeated[row] or _repeats_header(grid, row, text_col):
            continue
        title = grid.section(row, text_col)
        if title is not None:
            drafts += _close(group, table, number, columns, grid, context)
            group = []
            context.topic = section_title(title) or title
            continue
        if _starts_question(grid, row, columns, bool(group), numbered):
            drafts += _close(group, table, number, columns, grid, context)
            group = [row]
        elif group:
            group.append(row)
    drafts += _close(group, table, number, columns, grid, context)
    if drafts and not any(d.choices for d in drafts):
        context.result.error(_("Bảng %(table)s", table=number), _(
            "Dòng tiêu đề có các cột %(columns)s nhưng không có cột phương án (“Phương án”, hoặc A, B, C, D) và "
            "không ô nào chứa các phương án “A. …”, “B. …”; không đọc được câu hỏi nào.",
            columns=listing(columns.names)))
        return []
    return drafts


def _repeats_header(grid: Grid, row: int, text_col: int) -> bool:
    text = grid.text(row, text_col)
    return len(text) <= 40 and header_role(text) == ("text", 0)


def _starts_question(grid: Grid, row: int, columns: Columns, open_group: bool, numbered: bool) -> bool:
    number_col, text_col = columns.roles.get("number"), columns.roles["text"]
    if grid.text(row, number_col):
        return True
    if numbered and open_group:
        return False  # the rows under a numbered question are its choices
    lines = grid.lines(row, text_col)
    first = next((line for line in lines if line.text.strip()), None)
    if first is None:
        return not open_group and any(grid.text(row, c) for c in range(grid.width))
    if not open_group:
        return True
    return not split_choices(first.text, at_start=True)[1]


def _close(group: list[int], table: Table, number: int, columns: Columns, grid: Grid,
           context: Context) -> list[Draft]:
    if not group:
        return []
    context.count += 1
    first = group[0]
    stt = grid.text(first, columns.roles.get("number"))
    label = STT_NUMBER.match(stt)
    place = {"table": number, "row": first + 1, "number": label.group(1) if label else ""}
    where = context.places[0 if label else 1] % place
    draft = Draft(number=int(label.group(1)) if label else context.count, where=where, topic=context.topic)
    _fill(draft, group, columns, grid, context)
    return [draft]


def _fill(draft: Draft, group: list[int], columns: Columns, grid: Grid, context: Context) -> None:
    roles = columns.roles
    lines = grid.lines(group[0], roles["text"])
    for i, line in enumerate(lines):
        if line.text.strip():
            label = question_label(line)
            if label:  # `Câu 12:` in the question cell is a label, not text (SPEC §4)
                lines[i] = Line(line.text[label.rest:], [(max(s - label.rest, 0), e - label.rest, m)
                                                         for s, e, m in line.spans if e > label.rest])
            break
    for line in lines:
        context.feed(draft, line)
    rows_of: list[tuple[int, list[Choice]]] = []  # each row with the choices it holds
    several = len(group) > 1
    for row in group:
        if columns.letters:
            found = []
            for position, column in sorted(columns.letters.items()):
                found += _cell_choices(grid.lines(row, column), LETTERS[position], False, whole=True)
        elif "choices" in roles:
            if row != group[0]:
                for line in grid.lines(row, roles["text"]):
                    context.feed(draft, line)
            found = _cell_choices(grid.lines(row, roles["choices"]), _next(draft), True, whole=several)
            if not found and row != group[0]:
                # An empty choice row keeps its letter: the key's letter counts it, so must we.
                found = [Choice(_next(draft), False, False, 0)]
        else:
            found = [] if row == group[0] else _cell_choices(grid.lines(row, roles["text"]), _next(draft), True,
                                                              whole=True)
        draft.choices.extend(found)
        rows_of.append((row, found))
    while draft.choices and not draft.choices[-1].parts:
        draft.choices.pop()  # rows under the last choice (a note, an explanation) are no choices
    _metadata(draft, group, columns, grid, context.result)
    if "answer" in roles:
        _read_key(draft, rows_of, roles["answer"], grid)
    if "choices" in roles and not columns.letters and not several:
        _wrapped_choice(draft, grid.lines(group[0], roles["choices"]))
    draft.missing = context.missing


def _wrapped_choice(draft: Draft, lines: list[Line]) -> None:
    """Unlabelled choice lines in one cell where a later line starts in lower case: a choice wrapped
    onto two lines or two choices, no telling which; refused rather than shifting the letters."""
    texts = [line.text.strip() for line in lines if line.text.strip()]
    if len(texts) < 2 or any(split_choices(text, at_start=True)[1] for text in texts):
        return
    lower = next((text for text in texts[1:] if text[0].islower()), None)
    if texts[0][0].isupper() and lower:
        draft.problem = _("Các phương án không có nhãn “A.”, “B.”… và dòng “%(line)s” bắt đầu bằng chữ thường: có "
                          "thể là phần tiếp của phương án trên hay một phương án riêng; hãy ghi nhãn “A.”, “B.”, "
                          "“C.”… trước mỗi phương án.", line=excerpt(lower))


def _missing(columns: Columns) -> str:
    if "answer" in columns.roles:
        return _("Ô “%(column)s” để trống và không phương án nào được in đậm, gạch chân, tô màu hay "
                 "đánh dấu *; không xác định được đáp án đúng.", column=_name(columns, columns.roles["answer"]))
    return _("Bảng không có cột “Đáp án” (hoặc “Đúng”), không có bảng đáp án và không phương án nào "
             "được in đậm, gạch chân, tô màu hay đánh dấu *; không xác định được đáp án đúng.")


def _next(draft: Draft) -> str:
    return LETTERS[min(len(draft.choices), len(LETTERS) - 1)]


def _cell_choices(lines: list[Line], letter: str, labelled: bool, whole: bool) -> list[Choice]:
    """The choices of one cell: labelled `A. …` lines; else the whole cell (whole) or one per line.

    In a choice column (labelled False) a leading label is dropped only when it is the column's letter.
    """
    out: list[Choice] = []
    for line in lines:
        if not line.text.strip():
            continue
        labels = split_choices(line.text, at_start=True)[1]
        if labels and (labelled or (len(labels) == 1 and labels[0].letter == letter)):
            out.extend(choice_from(line, label) for label in labels)
        elif out and whole:
            out[-1].add(line, 0, len(line.text))
        else:
            index = LETTERS.index(letter) + (len(out) if labelled else 0)
            choice = Choice(LETTERS[min(index, len(LETTERS) - 1)], False, False, line.marks_at(0))
            choice.add(line, 0, len(line.text))
            out.append(choice)
    return out


def _metadata(draft: Draft, group: list[int], columns: Columns, grid: Grid, result: ParseResult) -> None:
    values = {}
    for role in ("topic", "difficulty", "source", "explanation"):
        if role in columns.roles:
            values[role] = next((t for row in group if (t := grid.text(row, columns.roles[role]))), "")
    if values.get("topic"):
        draft.topic = values["topic"]
    if values.get("source"):
        draft.source = values["source"]
    if values.get("explanation"):
        draft.explanation = values["explanation"]
    if values.get("difficulty"):
        try:
            draft.difficulty = parse_difficulty(values["difficulty"])
        except ValueError as exc:
            result.error(draft.where, str(exc))


def _read_key(draft: Draft, rows_of: list[tuple[int, list[Choice]]], column: int, grid: Grid) -> None:
    """The key from the answer column: a letter or text on any row of the question, or one mark.

    A mark counts the choices on every row its cell covers (a cell merged down over B and C is
    beside two). A lone filled cell whose value is a choice's text (`Đúng`, `1`, `A. B. C. đều
    đúng`) names that choice, unless it is also a mark beside exactly one other choice: refused.
    """
    marked, written, filled = [], [], []
    for i, (row, choices) in enumerate(rows_of):
        text = grid.text(row, column) if grid.starts(row, column) else ""
        if not text:
            continue
        beside = list(choices)
        for below, more in rows_of[i + 1:]:
            index = grid.cell(below, column)
            if index is None or not grid.table.places[below][index].continued:
                break
            beside += [choice for choice in more if choice.parts]
        filled.append((row, text, beside))
        value = text.lower()
        if value in _TRUE or strip_accents(value) in _TRUE:
            marked.append((row, beside))
        elif value not in _FALSE and strip_accents(value) not in _FALSE:
            written.append(text)
    if len(filled) == 1 and _choice_text_key(draft, *filled[0]):
        return
    if marked and written:
        draft.problem = _("Cột đáp án vừa có dấu đánh dấu vừa ghi “%(answer)s”; không xác định được đáp án đúng.",
                          answer=excerpt(written[0]))
    elif len(marked) > 1:
        draft.problem = _("Có %(count)s dòng được đánh dấu đúng (dòng %(rows)s); chỉ được một.",
                          count=len(marked), rows=", ".join(str(row + 1) for row, _c in marked))
    elif marked:
        row, choices = marked[0]
        if len(choices) != 1:
            draft.problem = _("Dấu đánh dấu ở dòng %(row)s nằm cạnh %(count)s phương án; cần đúng một.",
                              row=row + 1, count=len(choices))
        else:
            draft.answer_lines.append(choices[0].letter)
    elif len(set(written)) > 1:
        draft.problem = _("Cột đáp án ghi nhiều đáp án khác nhau (%(answers)s).",
                          answers=", ".join(excerpt(w) for w in sorted(set(written))))
    elif written:
        _written_key(draft, written[0])


def _choice_text_key(draft: Draft, row: int, text: str, beside: list[Choice]) -> bool:
    """The one filled key cell holds a choice's whole text: that choice (or a refusal). False: it does not."""
    if letter_index(text) is not None:
        return False
    same = [c for c in draft.choices if c.parts and fold(c.text) == fold(text)]
    if len(same) != 1:
        return False
    value = text.lower()
    true = value in _TRUE or strip_accents(value) in _TRUE
    false = value in _FALSE or strip_accents(value) in _FALSE
    if len(beside) == 1 and ((true and beside[0] is not same[0]) or (false and beside[0] is same[0])):
        draft.problem = _("Ô đáp án ở dòng %(row)s ghi “%(answer)s”: có thể là dấu đúng/sai cho phương án %(beside)s "
                          "cạnh nó, cũng có thể là nội dung phương án %(choice)s; không xác định được đáp án đúng.",
                          row=row + 1, answer=excerpt(text), beside=beside[0].letter, choice=same[0].letter)
        return True
    draft.answer_lines.append(same[0].letter)
    return True


def _written_key(draft: Draft, text: str) -> None:
    if letter_index(text) is not None:
        draft.answer_lines.append(text)
        return
    match = _KEY_CELL.match(text)
    if match:
        draft.answer_lines.append(match.group(1))
        if match.group(2) and match.group(2).strip():
            draft.answer_texts.append(clean_text(match.group(2)))  # must be that choice's text
        return
    draft.answer_texts.append(text)


def _name(columns: Columns, column: int) -> str:
    return columns.titles.get(column) or _("Đáp án")
