"""word/document.xml → paragraphs and tables of lines, each line with the marks on its text.

A line is what Word shows between paragraph ends and manual line breaks. Only the text a reader
sees is kept: deleted revisions, hidden text, field codes and drawings are skipped; list numbers
(`Câu %1:`, `A.` from a lettered list) are written out as Word draws them.
"""
import unicodedata
import zipfile
from dataclasses import dataclass, field

from flask_babel import gettext as _

from core.files import UnsafeFile, read_member

from .docx_styles import HIDDEN, HIGHLIGHT, Numbering, Styles, W, is_filled, merge, num_pr, parse_xml, run_props

M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_MARK_BITS = 15

# Elements inside a paragraph whose runs are shown as ordinary text.
_RUN_CONTAINERS = {
    W + "hyperlink", W + "ins", W + "smartTag", W + "fldSimple", W + "customXml",
    W + "moveTo", W + "dir", W + "bdo", W + "sdtContent",
}
_WRAPPERS = {W + "sdt", W + "sdtContent", W + "customXml"}
_BREAKS = {W + "br", W + "cr"}
_R, _T, _RPR, _RSTYLE, _VAL = W + "r", W + "t", W + "rPr", W + "rStyle", W + "val"
_SDT, _SDT_CONTENT = W + "sdt", W + "sdtContent"
_MATH = {M + "oMath", M + "oMathPara"}
_SPECIAL = {W + "tab": "\t", W + "ptab": "\t", W + "noBreakHyphen": "-"}


@dataclass(slots=True)
class Line:
    text: str
    spans: list[tuple[int, int, int]]  # (start, end, marks) for marked text only

    def marks_at(self, pos: int) -> int:
        marks = 0
        for start, end, bits in self.spans:
            if start <= pos < end:
                marks |= bits
        return marks


@dataclass(slots=True)
class Paragraph:
    number: int  # 1-based position among all paragraphs, for `Đoạn N`
    lines: list[Line]


@dataclass(slots=True)
class CellPlace:
    """Where a cell sits in the table's grid: its first grid column, how many it spans, and
    whether it continues the cell above (a vertical merge, w:vMerge without "restart")."""

    column: int
    span: int = 1
    continued: bool = False


@dataclass(slots=True)
class Table:
    number: int  # number of the first paragraph inside it
    rows: list[list[list[Paragraph]]] = field(default_factory=list)  # row → cell → paragraphs
    places: list[list[CellPlace]] = field(default_factory=list)  # row → cell → place, as rows
    repeated: list[bool] = field(default_factory=list)  # row → a header row Word repeats (w:tblHeader)

    def cell_texts(self) -> list[list[str]]:
        return [[" ".join(line.text for p in cell for line in p.lines) for cell in row] for row in self.rows]


class _LineBuilder:
    def __init__(self, base: int):
        self.base = base
        self.lines: list[Line] = []
        self._pieces: list[str] = []
        self._spans: list[list[int]] = []
        self._pos = 0

    def add(self, text: str, marks: int) -> None:
        if not text:
            return
        if not text.isascii():
            text = unicodedata.normalize("NFC", text)
        marks |= self.base
        end = self._pos + len(text)
        if marks:
            if self._spans and self._spans[-1][1] == self._pos and self._spans[-1][2] == marks:
                self._spans[-1][1] = end
            else:
                self._spans.append([self._pos, end, marks])
        self._pieces.append(text)
        self._pos = end

    def newline(self) -> None:
        self.lines.append(Line("".join(self._pieces), [tuple(s) for s in self._spans]))
        self._pieces, self._spans, self._pos = [], [], 0

    def finish(self) -> list[Line]:
        self.newline()
        return self.lines


class DocumentReader:
    def __init__(self, archive: zipfile.ZipFile):
        names = set(archive.namelist())
        self.styles = Styles(_optional_part(archive, names, "word/styles.xml"))
        self.numbering = Numbering(_optional_part(archive, names, "word/numbering.xml"))
        self.root = parse_xml(read_member(archive, "word/document.xml"), "word/document.xml")
        self._count = 0

    def blocks(self) -> list:
        body = self.root.find(W + "body")
        if body is None:
            raise UnsafeFile(_("Tệp Word bị hỏng: không có phần nội dung (w:body)."))
        out: list = []
        for element in _unwrap(body):
            if element.tag == W + "p":
                out.append(self._paragraph(element, 0))
            elif element.tag == W + "tbl":
                out.append(self._table(element))
        return out

    def _paragraph(self, p, base: int) -> Paragraph:
        self._count += 1
        ppr = p.find(W + "pPr")
        style_el = ppr.find(W + "pStyle") if ppr is not None else None
        style_id = style_el.get(W + "val") if style_el is not None else self.styles.default_paragraph
        style_props, style_shaded, style_num = self.styles.resolve(style_id)
        props = merge(self.styles.defaults, style_props)
        if style_shaded or (ppr is not None and is_filled(ppr.find(W + "shd"))):
            base |= HIGHLIGHT
        builder = _LineBuilder(base)
        num_id, ilvl = num_pr(ppr)
        label = self.numbering.label(num_id or style_num[0], ilvl if ilvl is not None else style_num[1])
        if label:
            mark_props = merge(props, run_props(ppr.find(W + "rPr")) if ppr is not None else (0, 0))
            builder.add(label, mark_props[1] & _MARK_BITS)
        self._runs(p, builder, props)
        return Paragraph(self._count, builder.finish())

    def _runs(self, parent, builder: _LineBuilder, props) -> None:
        for child in parent:
            tag = child.tag
            if tag == _R:
                self._run(child, builder, props)
            elif tag in _RUN_CONTAINERS:
                self._runs(child, builder, props)
            elif tag == _SDT:
                content = child.find(_SDT_CONTENT)
                if content is not None:
                    self._runs(content, builder, props)
            elif tag in _MATH:
                builder.add("".join(t.text or "" for t in child.iter(M + "t")), props[1] & _MARK_BITS)

    def _run(self, run, builder: _LineBuilder, props) -> None:
        marks = props[1] & _MARK_BITS
        for child in run:
            tag = child.tag
            if tag == _T:
                builder.add(child.text or "", marks)
            elif tag == _RPR:
                style_el = child.find(_RSTYLE)
                if style_el is not None:
                    props = merge(props, self.styles.resolve(style_el.get(_VAL))[0])
                props = merge(props, run_props(child))
                if props[1] & HIDDEN:
                    return
                marks = props[1] & _MARK_BITS
            elif tag in _BREAKS:
                builder.newline()
            elif tag in _SPECIAL:
                builder.add(_SPECIAL[tag], marks)

    def _table(self, tbl) -> Table:
        table = Table(self._count + 1)
        for tr in _unwrap(tbl):
            if tr.tag != W + "tr":
                continue
            row, places = [], []
            trpr = tr.find(W + "trPr")
            column = _int_val(trpr, "gridBefore", 0)
            for tc in _unwrap(tr):
                if tc.tag != W + "tc":
                    continue
                tcpr = tc.find(W + "tcPr")
                base = HIGHLIGHT if tcpr is not None and is_filled(tcpr.find(W + "shd")) else 0
                paragraphs: list[Paragraph] = []
                self._cell(tc, base, paragraphs)
                row.append(paragraphs)
                span = max(_int_val(tcpr, "gridSpan", 1), 1)
                merge = tcpr.find(W + "vMerge") if tcpr is not None else None
                places.append(CellPlace(column, span, merge is not None and merge.get(_VAL) != "restart"))
                column += span
            table.rows.append(row)
            table.places.append(places)
            table.repeated.append(trpr is not None and trpr.find(W + "tblHeader") is not None)
        return table

    def _cell(self, container, base: int, out: list) -> None:
        # A table nested in a cell is read row by row into the cell's paragraphs.
        for element in _unwrap(container):
            if element.tag == W + "p":
                out.append(self._paragraph(element, base))
            elif element.tag == W + "tbl":
                for row in self._table(element).rows:
                    for cell in row:
                        out.extend(cell)


def _int_val(props, name: str, default: int) -> int:
    element = props.find(W + name) if props is not None else None
    value = element.get(_VAL) if element is not None else None
    return int(value) if value and value.isdigit() else default


def _unwrap(parent):
    """Children of `parent`, looking through content controls and custom XML wrappers."""
    for child in parent:
        if child.tag in _WRAPPERS:
            yield from _unwrap(child)
        else:
            yield child


def _optional_part(archive: zipfile.ZipFile, names: set[str], name: str):
    return parse_xml(read_member(archive, name), name) if name in names else None


def read_blocks(archive: zipfile.ZipFile) -> list:
    """Every body-level paragraph and table of the document, in order."""
    return DocumentReader(archive).blocks()
