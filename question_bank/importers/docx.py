"""Word (.docx), the way Vietnamese organizers write banks (SPEC §4).

`Câu N:` starts a question; its text runs until the first choice (`A.` `b)`, one per line or run
together). The correct choice is the one written as the answer (`Đáp án: B` under the question,
an answer key after a `Bảng đáp án` heading), else the one starred (`*B.`), else the one whose
formatting (bold, underline, red, highlight) the other choices of the question do not share.
`Chủ đề: X`, `Phần I. X`, `Chương 3. X` set the topic of what follows; other tables and the
paragraphs before the first question (titles, the national motto) are ignored.
"""
import zipfile
import zlib
from dataclasses import replace

from flask_babel import gettext as _

from core.files import UnsafeFile, check_package, file_where
from core.text import clean_text

from . import docx_aiken, docx_key as key
from .docx_lines import choice_from, meta_line, question_label, split_choices, topic_heading
from .docx_reader import Line, Paragraph, Table, read_blocks
from .docx_resolve import Draft, KeySection, excerpt, resolve
from .docx_grid import Grid, continues, describe, find_header
from .docx_table import Context, read_questions, section_title
from .result import ParseResult
from .validate import parse_difficulty


def parse(data: bytes) -> ParseResult:
    try:
        archive = check_package(data)
        blocks = read_blocks(archive)
    except UnsafeFile as exc:
        return ParseResult.refused(str(exc), "docx")
    except (zlib.error, NotImplementedError, zipfile.BadZipFile, EOFError, OSError):
        # Damage the shared safety checks let through: a broken deflate stream, an unknown
        # compression method or zip version, a bad CRC.
        return ParseResult.refused(_("Tệp bị hỏng, không giải nén được."), "docx")
    reader = _Reader()
    for block in blocks:
        if isinstance(block, Paragraph):
            reader.paragraph(block)
        else:
            reader.table(block)
    if docx_aiken.is_aiken(blocks, len(reader.drafts)):
        return docx_aiken.parse(blocks)
    result = resolve(reader.drafts, reader.keys, reader.result)
    if not result.questions and not result.errors and any(rows >= 3 for _n, _c, rows in reader.tables_seen):
        result.error(file_where(), describe(reader.tables_seen))  # say why nothing, never just “no questions”
    return result


class _Reader:
    """Walks the document once; a state machine over lines: before, question, between, key."""

    def __init__(self):
        self.result = ParseResult(format="docx")
        self.drafts: list[Draft] = []
        self.keys: list[KeySection] = []
        self.current: Draft | None = None
        self.in_key = False
        self.topic: str | None = None
        self.section = 0  # bumped by each topic heading; a number repeated within one is warned
        self.numbers: set[tuple[int, int]] = set()
        self.paragraph_number = 0  # for `Đoạn N`, made into a label only when a warning needs it
        self.question_where = _("Câu %(number)s")  # translated once, filled in per question
        self.tables = Context(self.result, self._feed)
        self.tables_seen: list = []  # (table number, its first header-like row, row count)
        self.last_text: str | None = None  # the paragraph before a table may name its topic

    # -- blocks -----------------------------------------------------------------------------
    def paragraph(self, paragraph: Paragraph) -> None:
        self.paragraph_number = paragraph.number
        for line in paragraph.lines:
            self.line(line)
            if line.text.strip():
                self.last_text = clean_text(line.text)

    def table(self, table: Table) -> None:
        grid = Grid(table)
        columns, seen = find_header(grid)
        self.tables_seen.append((len(self.tables_seen) + 1, seen, len(table.rows)))
        last = self.tables.last
        texts = None if columns else table.cell_texts()
        if columns is None and last is not None and continues(grid, last) and not key.looks_like_key(texts):
            columns = replace(last, header=-1)  # a table continuing the previous one, without a header
        if columns is not None:
            self._question_table(table, grid, columns)
            return
        if self.in_key:
            self._key_pairs(key.pairs_in_table(texts))
        elif key.looks_like_key(texts):
            self._close()
            self._start_key()
            self._key_pairs(key.pairs_in_table(texts))
            self.in_key = False
        elif self._holds_questions(table):
            # Choices in a grid (A | B / C | D) or whole questions in cells: read cell by cell.
            for row in table.rows:
                for cell in row:
                    for paragraph in cell:
                        self.paragraph(paragraph)

    def _question_table(self, table: Table, grid: Grid, columns) -> None:
        self._close()
        self.in_key = False
        context = self.tables
        context.topic = section_title(self.last_text) or self.topic
        self.last_text = None
        self.drafts.extend(read_questions(table, len(self.tables_seen), columns, grid, context))
        context.last = columns
        self.topic = context.topic

    def _feed(self, draft: Draft, line: Line) -> None:
        """One line of a question's cell, read as a paragraph of that question would be."""
        self.current = draft
        text = clean_text(line.text)
        if text and not (draft.choices and self._answer_or_meta(draft, text)):
            self._text(line, text)
        self.current = None

    def _holds_questions(self, table: Table) -> bool:
        for row in table.rows:
            for cell in row:
                for paragraph in cell:
                    for line in paragraph.lines:
                        if question_label(line):
                            return True
                        if self.current and split_choices(line.text, at_start=True)[1]:
                            return True
        return False

    # -- lines ------------------------------------------------------------------------------
    def line(self, line: Line) -> None:
        text = clean_text(line.text)
        if not text:
            return
        label = question_label(line)
        if self.in_key:
            pairs = key.only_pairs(text) if label else key.pairs_in_text(text)
            if pairs:
                self._key_pairs(pairs)
                return
            if not label:
                if topic_heading(text):
                    self.topic = topic_heading(text)
                    self.section += 1
                return
            self.in_key = False
        if label:
            self._start_question(line, label)
            return
        current = self.current
        if current and current.choices and self._answer_or_meta(current, text):
            return
        if current and not current.choices and current.stem and (written := key.answer_parts(text)) \
                and not written[1]:
            current.answer_written.append(written)  # `Đáp án: B` above the choices, not stem text
            return
        heading_pairs = key.key_heading(text)
        if heading_pairs is not None:
            self._close()
            self._start_key()
            self._key_pairs(heading_pairs)
            return
        topic = topic_heading(text, strict=bool(current and not current.choices))
        if topic:
            self._close()
            self.topic = topic
            self.section += 1
            return
        self._text(line, text)

    def _text(self, line: Line, text: str) -> None:
        current = self.current
        if current is None:
            prefix_end, labels = split_choices(line.text, at_start=True)
            if labels and self.drafts and not self.in_key:
                self.result.warn(_("Đoạn %(number)s", number=self.paragraph_number),
                                 _("Phương án “%(text)s” không thuộc câu hỏi nào (thiếu nhãn “Câu N:”?); đã bỏ qua.",
                                   text=excerpt(text)))
            return  # titles, the motto, introductions
        prefix_end, labels = split_choices(line.text, at_start=bool(current.choices))
        if labels:
            if prefix_end:
                current.stem.append(line.text[:prefix_end])
            self._add_choices(current, line, labels)
        elif not current.choices:
            current.stem.append(line.text)
        elif not current.choices[-1].parts or text[0].islower():
            current.choices[-1].add(line, 0, len(line.text))  # a choice continued on the next line
        else:
            current.stray.append((text, current.choices[-1].letter))  # warned unless it joins the stem

    def _add_choices(self, current: Draft, line: Line, labels) -> None:
        new = [choice_from(line, label) for label in labels]
        old = current.choices
        if old and new[0].letter == "A" and not new[0].lower and all(c.lower for c in old):
            # `a) … b) …` items inside the question, then its own `A. B. C.` choices.
            current.stem.extend(f"{c.letter.lower()}) {c.text}" for c in old)
            current.stem.extend(text for text, _letter in current.stray)
            old.clear()
            current.stray.clear()
        old.extend(new)

    def _answer_or_meta(self, current: Draft, text: str) -> bool:
        answer = key.answer_parts(text)
        if answer:
            current.answer_written.append(answer)  # what follows the letter is often its text again
            return True
        meta = meta_line(text)
        if meta:
            kind, value = meta
            if kind == "difficulty":
                try:
                    current.difficulty = parse_difficulty(value)
                except ValueError as exc:
                    self.result.error(current.where, str(exc))
            elif kind == "explanation":
                current.explanation = value
            else:
                current.source = value
            return True
        if key.key_heading(text) is not None:
            return False  # `Đáp án: 1-A, 2-B` is an answer key, not this question's answer
        answer_text = key.answer_text_line(text)
        if answer_text is not None:
            current.answer_texts.append(answer_text)
            return True
        return False

    # -- state ------------------------------------------------------------------------------
    def _start_question(self, line: Line, label) -> None:
        self._close()
        where = self.question_where % {"number": label.number}
        if (self.section, label.number) in self.numbers:
            self.result.warn(where, _("Số câu %(number)s bị lặp lại (đã có một “Câu %(number)s” trước đó); "
                                      "hãy kiểm tra đánh số.", number=label.number))
        self.numbers.add((self.section, label.number))
        draft = Draft(number=label.number, where=where, topic=self.topic, difficulty=label.difficulty)
        self.drafts.append(draft)
        self.current = draft
        rest = line.text[label.rest:]
        if rest.strip():
            tail = Line(rest, [(max(s - label.rest, 0), e - label.rest, m) for s, e, m in line.spans
                               if e > label.rest])
            self._text(tail, clean_text(rest))

    def _start_key(self) -> None:
        self.in_key = True
        start = self.keys[-1].end if self.keys else 0
        self.keys.append(KeySection(start=start, end=len(self.drafts)))

    def _key_pairs(self, pairs) -> None:
        if not self.keys:
            self._start_key()
        self.keys[-1].entries.extend(pairs)

    def _close(self) -> None:
        self.current = None


