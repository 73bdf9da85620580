"""GIFT, as Moodle writes it (SPEC §4): multiple-choice and true/false questions.

Blank lines separate questions; a line starting with `//` is a comment; `$CATEGORY: $course$/top/X`
sets topic X for what follows; `::title::` is dropped; `[html]` text loses its tags. In the answer
block `{=right ~wrong ~%-50%wrong #feedback ####general feedback}` the `=` (or `~%100%`) choice is
correct, `#` feedback is ignored and `####` becomes the explanation; `{T}`/`{F}` become the
choices "Đúng"/"Sai". Text after the block makes a "missing word" stem with `_____` in its place.
`\\= \\~ \\# \\{ \\} \\: \\\\` are literal characters and `\\n` a line break. The other kinds Moodle
knows (short answer, numeric, matching, essay, description, partial credit) are refused by name.
"""
import re
from html.parser import HTMLParser

from flask_babel import gettext as _

from core.text import clean_text, decode

from .labels import strip_label
from .result import ParsedQuestion, ParseResult
from .validate import LETTERS

TRUE_FALSE = ["Đúng", "Sai"]  # choice texts stored with the question, not interface text
BLANK = "_____"

# Escaped characters become private-use placeholders while the structure is read, then return.
_PLACEHOLDERS = {"\\": "\ue000", "~": "\ue001", "=": "\ue002", "#": "\ue003", "{": "\ue004", "}": "\ue005",
                 ":": "\ue006", "n": "\ue007"}
_ESCAPE = re.compile(r"\\([\\~=#{}:n])")
_RESTORE = str.maketrans({mark: ("\n" if char == "n" else char) for char, mark in _PLACEHOLDERS.items()})
_FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_CATEGORY = re.compile(r"^\s*\$CATEGORY\s*:(.*)$")
_CATEGORY_SPLIT = re.compile(r"(?<!/)/(?!/)")  # Moodle writes a "/" inside a name as "//"
_CATEGORY_ROOT = re.compile(r"^\$\w+\$$")  # $course$, $system$, $module$…
_WEIGHT = re.compile(r"^\s*%(-?\d+(?:[.,]\d+)?)%")
_ANSWER_MARK = re.compile(r"([=~])")
# Moodle reads "~=" as a right answer ("=" alone marks one; the "~" before it is a slip it forgives).
_WRONG_THEN_RIGHT = re.compile(r"~\s*=")
_TRUE_FALSE = {"T": 0, "TRUE": 0, "F": 1, "FALSE": 1}


def parse(data: bytes) -> ParseResult:
    result = ParseResult()
    topic: str | None = None
    number = 0
    label = _("Câu %(number)s")  # translated once, filled in per question
    for first_line, block in _blocks(decode(data)):
        if isinstance(block, _Category):
            topic = block.topic
            continue
        number += 1
        question = _Question(result, label % {"number": number}, first_line, block).read()
        if question is not None:
            question.topic = topic
            result.questions.append(question)
    return result


class _Category:
    def __init__(self, path: str):
        parts = [part.replace("//", "/").strip() for part in _CATEGORY_SPLIT.split(_unescape(path).strip())]
        names = [part for part in parts if part and not _CATEGORY_ROOT.match(part)]
        if names and names[0] == "top" and parts and _CATEGORY_ROOT.match(parts[0]):
            names = names[1:]  # "$course$/top" is the course's root category, not a topic
        self.topic = clean_text(names[-1]) if names else None


def _blocks(text: str):
    """(first line number, block text with escapes replaced) for each question; _Category for
    each `$CATEGORY:` line. Comment lines stay as empty lines so line numbers hold."""
    lines: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        category = _CATEGORY.match(raw)
        if not stripped or category:
            if lines:
                yield start, _hide_escapes("\n".join(lines))
                lines = []
            if category:
                yield number, _Category(category.group(1))
            continue
        if stripped.startswith("//"):
            if lines:
                lines.append("")
            continue
        if not lines:
            start = number
        lines.append(raw)
    if lines:
        yield start, _hide_escapes("\n".join(lines))


def _hide_escapes(text: str) -> str:
    return _ESCAPE.sub(lambda m: _PLACEHOLDERS[m.group(1)], text)


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


class _Question:
    """One block: title, stem, answer block; reports its own problems at `where`."""

    def __init__(self, result: ParseResult, where: str, first_line: int, block: str):
        self.result, self.where, self.first_line, self.block = result, where, first_line, block
        self.format = "moodle"
        self.images = False
        self.links = False  # <a>, <audio>, <video>… in HTML text: dropped, so the author is told
        self.feedback = False  # per-answer "#feedback": dropped, so the author is told

    def error(self, message: str) -> None:
        self.result.error(self.where, message)

    def line(self, position: int) -> int:
        return self.first_line + self.block.count("\n", 0, position)

    def stray(self, position: int) -> None:
        self.error(_("Dấu “}” ở dòng %(line)s không có dấu “{” mở tương ứng (viết \\} nếu đó là chữ).",
                     line=self.line(position)))

    def read(self) -> ParsedQuestion | None:
        start = self.after_title()
        bounds = self.answer_block(start)
        if bounds is None:
            return None
        opening, closing = bounds
        after = self.block[closing + 1 :]
        stem = self.block[start:opening] + (BLANK + after if after.strip() else "")  # Moodle's "missing word"
        self.format, stem = _split_format(stem.strip(), "moodle")
        # `Câu 12:` typed before the stem is a label, not text (SPEC §4).
        return self.answers(strip_label(self.render(stem)), self.block[opening + 1 : closing])

    def after_title(self) -> int:
        """Where the question text starts, past `::title::` when there is one."""
        start = len(self.block) - len(self.block.lstrip())
        if not self.block.startswith("::", start):
            return start
        end = self.block.find("::", start + 2)
        if end >= 0:
            return end + 2
        self.result.warn(self.where, _("Tên câu hỏi mở bằng “::” nhưng không có “::” đóng; "
                                       "đã đọc phần sau là nội dung câu hỏi."))
        return start + 2

    def answer_block(self, start: int) -> tuple[int, int] | None:
        """Positions of the one `{` and `}` of the question; None (and an error) otherwise."""
        block = self.block
        opening = block.find("{", start)
        closing = block.find("}", start)
        if opening < 0 and closing < 0:
            self.error(_("Không có khối đáp án {…}: câu mô tả không được hỗ trợ. Trong GIFT, dòng trống "
                         "ngăn cách các câu hỏi; nếu đây là phần đầu của câu hỏi, hãy bỏ dòng trống ở giữa."))
            return None
        if opening < 0 or 0 <= closing < opening:
            self.stray(closing)
            return None
        nested = block.find("{", opening + 1)
        if 0 <= nested < closing:
            closing = -1  # the `}` belongs to the next block: this one was never closed
        if closing < 0:
            self.error(_("Khối đáp án mở bằng “{” ở dòng %(line)s không được đóng bằng “}”.",
                         line=self.line(opening)))
            return None
        extra = block.find("{", closing + 1)
        if extra >= 0:
            self.error(_("Câu hỏi có thêm khối đáp án ở dòng %(line)s; mỗi câu chỉ có một khối {…} "
                         "(có thể thiếu dòng trống giữa hai câu hỏi).", line=self.line(extra)))
            return None
        stray = block.find("}", closing + 1)
        if stray >= 0:
            self.stray(stray)
            return None
        return opening, closing

    def render(self, text: str, fmt: str | None = None) -> str:
        """A piece of text as stored: escapes restored, HTML reduced to its text, spaces folded."""
        text = text.translate(_RESTORE)
        if (fmt or self.format) == "html" and ("<" in text or "&" in text):
            reader = _HtmlText()
            reader.feed(text)
            reader.close()
            self.images = self.images or reader.images
            self.links = self.links or reader.links
            text = "".join(reader.parts)
        return clean_text(text)

    def piece(self, text: str) -> str:
        """An answer or feedback, which may name its own format."""
        fmt, text = _split_format(text.strip(), self.format)
        return self.render(text, fmt)

    def answers(self, stem: str, body: str) -> ParsedQuestion | None:
        explanation = None
        general = body.rfind("####")
        if general >= 0:
            explanation = self.piece(body[general + 4 :]) or None
            body = body[:general]
        body = body.strip()
        question = ParsedQuestion(where=self.where, text=stem, choices=[], explanation=explanation)
        body = _WRONG_THEN_RIGHT.sub("=", body)
        true_false = body.split("#", 1)[0].strip().upper()
        if not body:
            return self.unsupported(_("Câu tự luận ({}) không được hỗ trợ; chỉ nhận câu trắc nghiệm một đáp án "
                                      "đúng ({=đúng ~sai ~sai}) hoặc Đúng/Sai ({T}, {F})."))
        if body.startswith("#"):
            return self.unsupported(_("Câu trả lời dạng số ({#…}) không được hỗ trợ; chỉ nhận câu trắc nghiệm một "
                                      "đáp án đúng ({=đúng ~sai ~sai}) hoặc Đúng/Sai ({T}, {F})."))
        if "~" in body:
            if not self.choices(question, body):
                return None
        elif "=" in body and "->" in body:
            return self.unsupported(_("Câu ghép đôi (=… -> …) không được hỗ trợ; chỉ nhận câu trắc nghiệm một "
                                      "đáp án đúng ({=đúng ~sai ~sai}) hoặc Đúng/Sai ({T}, {F})."))
        elif true_false in _TRUE_FALSE:
            question.choices = list(TRUE_FALSE)
            question.correct = [_TRUE_FALSE[true_false]]
            self.feedback = any(self.piece(part) for part in body.split("#")[1:])
        elif body.startswith("="):
            return self.unsupported(_("Câu trả lời ngắn (chỉ có đáp án “=”, không có phương án sai “~”) không "
                                      "được hỗ trợ; chỉ nhận câu trắc nghiệm một đáp án đúng ({=đúng ~sai ~sai}) "
                                      "hoặc Đúng/Sai ({T}, {F})."))
        else:
            self.error(_("Khối đáp án “{%(body)s}” không đúng cú pháp GIFT: "
                         "phương án đúng bắt đầu bằng “=”, phương án sai bằng “~”.",
                         body=clean_text(body.translate(_RESTORE))[:60]))
            return None
        if self.images:
            self.result.warn(self.where, _("Câu hỏi có hình ảnh; chỉ phần chữ được nhập, hình ảnh bị bỏ qua."))
        if self.links:
            self.result.warn(self.where, _("Câu hỏi có liên kết, âm thanh hoặc video; chỉ phần chữ được nhập, "
                                           "liên kết và tệp âm thanh/video bị bỏ qua."))
        if self.feedback:
            self.result.warn(self.where, _("Phản hồi riêng của từng phương án (“#…”) không được lưu; "
                                           "chỉ phản hồi chung (“####…”) được nhập làm giải thích."))
        return question

    def unsupported(self, message: str) -> None:
        self.error(message)
        return None

    def choices(self, question: ParsedQuestion, body: str) -> bool:
        """Multiple choice: fills choices and correct; False when the question is refused."""
        parts = _ANSWER_MARK.split(body)
        if parts[0].strip():
            self.error(_("Khối đáp án có “%(text)s” trước phương án đầu tiên; "
                         "mỗi phương án phải bắt đầu bằng “=” (đúng) hoặc “~” (sai).",
                         text=clean_text(parts[0].translate(_RESTORE))[:60]))
            return False
        full, partial = [], []
        for index, (mark, raw) in enumerate(zip(parts[1::2], parts[2::2])):
            weight = 100.0 if mark == "=" else 0.0
            found = _WEIGHT.match(raw)
            if found:
                weight = float(found.group(1).replace(",", "."))
                raw = raw[found.end() :]
            text, _hash, feedback = raw.partition("#")
            question.choices.append(self.piece(text))
            self.feedback = self.feedback or bool(self.piece(feedback))
            if weight >= 100:
                full.append(index)
            elif weight > 0:
                partial.append((index, weight))
        if partial and not full:
            self.error(_("Câu chọn nhiều đáp án tính điểm từng phần (%(example)s) không được hỗ trợ; chỉ nhận câu "
                         "trắc nghiệm một đáp án đúng ({=đúng ~sai ~sai}) hoặc Đúng/Sai ({T}, {F}).",
                         example="~%50%…"))
            return False
        for index, weight in partial:
            letter = LETTERS[index] if index < len(LETTERS) else str(index + 1)
            self.result.warn(self.where, _("Phương án %(letter)s được %(weight)s%% số điểm trong GIFT; ở đây chỉ có "
                                           "một đáp án đúng nên phương án này tính là sai.",
                                           letter=letter, weight=format(weight, "g")))
        if full and "=" not in parts[1::2]:
            # Without "=" Moodle makes a multiple-answer (checkbox) question; ours has one right answer.
            self.result.warn(self.where, _("Trong GIFT đây là câu chọn nhiều đáp án (không có “=”, chỉ có "
                                           "“%(example)s”); đã nhập thành câu một đáp án đúng với phương án "
                                           "được 100%% số điểm.", example="~%100%"))
        question.correct = full
        if not full:
            question.answer_problem = _("Không có phương án đúng: đánh dấu phương án đúng bằng “=” "
                                        "(ví dụ {=đúng ~sai}).")
        return True


def _split_format(text: str, default: str) -> tuple[str, str]:
    """"[html]<p>x</p>" → ("html", "<p>x</p>"); a text without a marker keeps `default`."""
    marker = _FORMAT.match(text)
    if marker:
        return marker.group(1).lower(), text[marker.end() :]
    return default, text


class _HtmlText(HTMLParser):
    """The text of an HTML fragment: tags dropped, entities decoded, script/style skipped.
    HTMLParser resolves no external entity and fetches nothing."""

    _LINKS = {"a", "audio", "video", "source", "embed", "object", "iframe"}
    _BREAKS = {"br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "table", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.images = False
        self.links = False

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        elif tag == "img":
            self.images = True
        elif tag in self._LINKS:
            self.links = True
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden = max(self.hidden - 1, 0)
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)
