"""Input no view should ever see: ids that are not ASCII digits, JSON nested without end or not in
UTF-8, text with NUL or a lone surrogate. Refused before any view runs, with a Vietnamese 4xx
(SPEC §9 "No 500s"); security.py turns a `Problem` into a page or the API's JSON error.

- `IdConverter` replaces Werkzeug's `int`: its `\\d+` also matches "١٢" and "１２" (int() reads
  both as 12) and any length, so a 20-digit id reached the database and overflowed it there.
- `JSONProvider.loads` refuses depth over MAX_JSON_DEPTH before parsing (Python's parser raises
  RecursionError, not ValueError, about 1,000 levels down: Flask answered it with a 500), bytes
  that are not UTF-8, and strings holding a lone surrogate ("\\ud800" is valid JSON text, but no
  database or encoder takes it). The depth is measured by `scan_depth`, one pass over the text
  that stops at the bound: its cost grows with the length of the body and nothing else (a
  backtracking regex that skipped string literals took seconds on 40 KB of `\\"`).
- `request_problem` reads a JSON body only where JSON is read (the API), through
  `request.get_json`, whose result the views then reuse: one parse per request. On a page of
  forms it refuses a JSON body unread (415): Flask-WTF would read it as the form and hand its
  fields lists and objects where they expect text.
"""
import json
import re
from dataclasses import dataclass

from flask import request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from core.numbers import MAX_ID

MAX_JSON_DEPTH = 64
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_JSON_PATHS = ("/api/", "/_bench/")  # the only routes that read JSON bodies
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL: PostgreSQL refuses it; surrogates: no encoder takes them


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: 1-18 ASCII digits naming a value a 32-bit id column can hold."""

    regex = r"[0-9]{1,18}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 0, max: int | None = MAX_ID,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    status: int = 400


class MalformedJSON(ValueError):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


@dataclass(frozen=True)
class Depth:
    too_deep: bool
    visited: int  # characters looked at: at most the length of the text, whatever it holds


def scan_depth(text: str, bound: int = MAX_JSON_DEPTH) -> Depth:
    """Whether brackets outside string literals nest deeper than `bound`, in one pass.

    Each character is looked at once, remembering whether it is inside a string and whether it
    follows a backslash there; the scan stops as soon as the bound is passed. Invalid JSON gets an
    answer too (json.loads then refuses it).
    """
    depth = 0
    in_string = escaped = False
    for visited, char in enumerate(text, start=1):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > bound:
                return Depth(True, visited)
        elif char in "]}":
            depth -= 1
    return Depth(False, len(text))


def _text_problem(value) -> Problem | None:
    """NUL or a lone surrogate anywhere in a str, or in the keys and items of parsed JSON."""
    if isinstance(value, str):
        found = _UNSTORABLE.search(value)
        if found is None:
            return None
        if found.group() == "\x00":
            return Problem("invalid_characters", _("Dữ liệu gửi lên chứa ký tự NUL (\\0) không hợp lệ."))
        return Problem("invalid_characters", _("Dữ liệu gửi lên chứa ký tự không mã hoá được (nửa cặp surrogate "
                                               "UTF-16 đứng riêng)."))
    if isinstance(value, dict):
        items = [item for pair in value.items() for item in pair]
    elif isinstance(value, list):
        items = value
    else:
        return None
    for item in items:  # depth is bounded by MAX_JSON_DEPTH, so the recursion is too
        if (problem := _text_problem(item)) is not None:
            return problem
    return None


def load_json(data: str | bytes):
    """Parsed JSON, or MalformedJSON (a ValueError) for a refusal that deserves its own message."""
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise MalformedJSON(Problem("invalid_encoding", _("Dữ liệu JSON phải được mã hoá UTF-8."))) from None
    if scan_depth(data).too_deep:
        raise MalformedJSON(Problem("json_too_deep", _("Dữ liệu JSON lồng nhau quá sâu (tối đa %(n)d cấp).",
                                                       n=MAX_JSON_DEPTH)))
    value = json.loads(data)
    if (problem := _text_problem(value)) is not None:
        raise MalformedJSON(problem)
    return value


class JSONProvider(DefaultJSONProvider):
    """Every `request.get_json()` parses through `load_json`: a refusal is a ValueError, which
    Flask turns into a 400 (or None with silent=True), never a RecursionError."""

    def loads(self, s: str | bytes, **kwargs):
        return load_json(s)


def request_problem() -> Problem | None:
    """What is wrong with this request's query string, form or JSON body, before any view reads it."""
    for key, value in request.args.items(multi=True):
        if (problem := _text_problem(key) or _text_problem(value)) is not None:
            return problem
    if request.mimetype in _FORMS:
        for key, value in request.form.items(multi=True):
            if (problem := _text_problem(key) or _text_problem(value)) is not None:
                return problem
    if not request.is_json or request.content_length == 0:
        return None
    if not request.path.startswith(_JSON_PATHS):
        if request.method == "GET":
            return None  # no page reads a body on GET: left unread
        # Flask-WTF reads a JSON body as the form: its fields would get lists and objects, not text.
        return Problem("unsupported_media_type", _("Trang này nhận biểu mẫu (application/x-www-form-urlencoded "
                                                   "hoặc multipart/form-data), không nhận JSON."), 415)
    if request.get_json(silent=True) is not None:  # parsed once: the views' get_json reads the cache
        return None
    try:  # refused or `null`: parse again to name the refusal (both passes are linear and bounded)
        load_json(request.get_data(cache=True))
    except MalformedJSON as refused:
        return refused.problem
    except ValueError:  # not JSON at all: the view names what it expected
        return None
    return None


def init_app(app) -> None:
    """Call right after Flask(): routes compile their converters as blueprints register them."""
    app.url_map.converters["int"] = IdConverter
    app.json = JSONProvider(app)
