"""A bank upload's parse and plan, worked out once at upload and kept with the staged upload.

The preview (every GET, every page) reads it back instead of parsing and planning the file again:
a 90,000-question file took minutes per GET that way. The confirm stores the kept questions, so
it stores exactly what the preview showed, but plans them again: the bank may have changed since
the upload, and the duplicate check must be against the bank as it is when storing.

Kept as zlib-compressed JSON (`staged_upload.plan`): question rows as lists under one list of
field names, so a field the importers add later travels without a change here; the rows in
chunks, so a page decodes only the questions it shows.
"""
import json
import logging
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import timedelta

from sqlalchemy.orm import Session

from core import staging
from core.db import session as db_session
from core.files import Problem
from core.paging import Page, clamp

from .importers import parse_file
from .importers.result import ParsedQuestion, ParseResult
from .services import plan_import

_FIELDS = [f.name for f in fields(ParsedQuestion)]
_LEVEL = 1  # fast: the plan of a 90,000-question file compresses in well under a second
CHUNK = 1_000  # questions per compressed chunk
INLINE_BYTES = 1_000_000  # files up to this are planned in the upload request (a few seconds at most)
PLAN_LIMIT = timedelta(minutes=10)  # a background plan not kept by then was lost (worker restarted)


@dataclass
class StoredPlan:
    format: str = ""
    questions: Sequence[ParsedQuestion] = field(default_factory=list)
    parse_errors: list[Problem] = field(default_factory=list)  # the ParseResult's, for the confirm
    parse_warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)  # the plan's report: what the preview shows
    warnings: list[Problem] = field(default_factory=list)
    duplicates: int = 0
    fresh: set[int] = field(default_factory=set)  # indices of the questions the confirm would store
    order: list[int] = field(default_factory=list)  # question indices, those with errors, then warnings, first

    @property
    def new_count(self) -> int:
        return len(self.fresh)

    def parse_result(self) -> ParseResult:
        """The file's parse as the importer returned it, for import_questions."""
        return ParseResult(list(self.questions), list(self.parse_errors), list(self.parse_warnings), self.format)


def build(session: Session, data: bytes, filename: str) -> StoredPlan:
    """Parses and plans a staged file (reads the bank for duplicates, writes nothing)."""
    result = parse_file(data, filename)
    fresh, report = plan_import(session, result)
    fresh_ids = {id(question) for question in fresh}
    failing = {problem.where for problem in report.errors}
    warned = {problem.where for problem in report.warnings}
    rank = [0 if q.where in failing else 1 if q.where in warned else 2 for q in result.questions]
    return StoredPlan(
        format=result.format,
        questions=result.questions,
        parse_errors=list(result.errors),
        parse_warnings=list(result.warnings),
        errors=report.errors,
        warnings=report.warnings,
        duplicates=report.duplicates,
        fresh={index for index, question in enumerate(result.questions) if id(question) in fresh_ids},
        order=sorted(range(len(rank)), key=rank.__getitem__),
    )


def _problems(items: list[Problem]) -> list[list[str]]:
    return [[problem.where, problem.message] for problem in items]


def _pack(value) -> bytes:
    return zlib.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(), _LEVEL)


def _unpack(blob: bytes):
    return json.loads(zlib.decompress(blob))


def dump(plan: StoredPlan) -> bytes:
    """A head (counts, problems, order) and the questions in chunks of CHUNK, each compressed on
    its own: a preview page decodes the head and the one or two chunks it shows, not the file."""
    rows = [[getattr(question, name) for name in _FIELDS] for question in plan.questions]
    chunks = [_pack(rows[start : start + CHUNK]) for start in range(0, len(rows), CHUNK)]
    head = _pack({
        "format": plan.format,
        "fields": _FIELDS,
        "count": len(rows),
        "chunks": [len(chunk) for chunk in chunks],
        "parse_errors": _problems(plan.parse_errors),
        "parse_warnings": _problems(plan.parse_warnings),
        "errors": _problems(plan.errors),
        "warnings": _problems(plan.warnings),
        "duplicates": plan.duplicates,
        "fresh": sorted(plan.fresh),
        "order": plan.order,
    })
    return b"".join([len(head).to_bytes(8, "big"), head, *chunks])


class _KeptQuestions(Sequence):
    """The kept questions, decoded a chunk at a time as they are read."""

    def __init__(self, blob: bytes, start: int, sizes: list[int], count: int, fields_: list[str]):
        self._blob, self._count, self._chunks = blob, count, []
        for size in sizes:
            self._chunks.append((start, start + size))
            start += size
        names = [name for name in fields_ if name in _FIELDS]  # a field since removed is dropped
        self._columns = [(name, fields_.index(name)) for name in names]
        self._decoded: dict[int, list[ParsedQuestion]] = {}

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> ParsedQuestion:
        if not 0 <= index < self._count:
            raise IndexError(index)
        number = index // CHUNK
        if number not in self._decoded:
            begin, end = self._chunks[number]
            self._decoded[number] = [ParsedQuestion(**{name: row[at] for name, at in self._columns})
                                     for row in _unpack(self._blob[begin:end])]
        return self._decoded[number][index % CHUNK]


def load(blob: bytes) -> StoredPlan:
    length = int.from_bytes(blob[:8], "big")
    head = _unpack(blob[8 : 8 + length])

    def problems(key: str) -> list[Problem]:
        return [Problem(where, message) for where, message in head[key]]

    return StoredPlan(
        format=head["format"],
        questions=_KeptQuestions(blob, 8 + length, head["chunks"], head["count"], head["fields"]),
        parse_errors=problems("parse_errors"),
        parse_warnings=problems("parse_warnings"),
        errors=problems("errors"),
        warnings=problems("warnings"),
        duplicates=head["duplicates"],
        fresh=set(head["fresh"]),
        order=head["order"],
    )


def plan_in_background(app, token: str, data: bytes, filename: str) -> threading.Thread:
    """Parses and plans a big upload outside the request that staged it, so no request waits
    for it (a 90,000-question file takes most of a minute); the preview shows progress until
    the plan is kept. A worker that stops meanwhile loses the work: the preview says so after
    PLAN_LIMIT and asks for the file again."""
    thread = threading.Thread(target=plan_and_keep, args=(app, token, data, filename), name="bank-plan",
                              daemon=True)
    thread.start()
    return thread


def plan_and_keep(app, token: str, data: bytes, filename: str) -> None:
    with app.app_context():
        session = db_session()
        try:
            blob = dump(build(session, data, filename))
        except Exception:  # logged; the preview tells the uploader after PLAN_LIMIT
            logging.getLogger(__name__).exception("planning staged upload failed")
            return
        finally:
            session.rollback()  # the reads end here: the write below is a transaction of its own
        staging.keep_plan(session, token, blob)
        session.commit()


@dataclass
class PreviewEntry:
    """One line of the paged preview: a problem (kind "error"/"warning") or a question."""

    kind: str
    problem: Problem | None = None
    question: ParsedQuestion | None = None
    is_new: bool = False


def preview_page(plan: StoredPlan, number: int, size: int) -> Page:
    """Errors, then warnings, then the questions (those with errors, then warnings, first)."""
    problems = [PreviewEntry("error", problem) for problem in plan.errors]
    problems += [PreviewEntry("warning", problem) for problem in plan.warnings]
    total = len(problems) + len(plan.order)
    number = clamp(number, total, size)
    start = (number - 1) * size
    entries = problems[start : start + size]
    first = max(0, start - len(problems))
    entries += [
        PreviewEntry("question", question=plan.questions[index], is_new=index in plan.fresh)
        for index in plan.order[first : first + size - len(entries)]
    ]
    return Page(entries, total, number, size)
