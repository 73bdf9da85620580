"""The bank's rules: storing an import all-or-nothing, duplicates, editing and retiring.

Every function takes the SQLAlchemy session; none commits (the caller does, once).
"""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.db import now_utc
from core.files import Problem
from core.text import clean_text, fold
from question_bank.duplicate_key import dedup_key

from .importers.result import ParsedQuestion, ParseResult
from .models import Choice, Question, SourceDocument, Topic
from .near_duplicates import near_duplicate_pairs
from .signals import report_change


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    stored_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "warnings": [p.as_dict() for p in self.warnings],
            "errors": [p.as_dict() for p in self.errors],
        }


_IN_CHUNK = 500  # bounded IN lists on both engines


def _bank_answers(session: Session, keys: list[str]) -> dict[str, tuple[int, str | None]]:
    """duplicate key → (the bank question's id, its correct choice's text) for keys in the bank."""
    found = {}
    for start in range(0, len(keys), _IN_CHUNK):
        chunk = keys[start : start + _IN_CHUNK]
        rows = session.execute(
            select(Question.dedup_key, Question.id, Choice.text)
            .outerjoin(Choice, (Choice.question_id == Question.id) & Choice.is_correct)
            .where(Question.dedup_key.in_(chunk))
        )
        found.update((key, (qid, answer)) for key, qid, answer in rows)
    return found


def _answer(question: ParsedQuestion) -> str | None:
    index = question.correct_index
    return question.choices[index] if index is not None and index < len(question.choices) else None


def _same_answer(first: str | None, second: str | None) -> bool:
    """Compared as the duplicate key compares choices; an unknown key (already an error) never clashes."""
    return first is None or second is None or fold(first) == fold(second)


def plan_import(session: Session, result: ParseResult, *, near: bool = True) -> tuple[list[ParsedQuestion], ImportReport]:
    """Splits parsed questions into new ones and duplicates (of the file or of the bank).

    `near=False` skips the near-duplicate warnings (the web confirm: its preview showed them)."""
    report = ImportReport(warnings=list(result.warnings), errors=list(result.errors))
    for question in result.questions:
        # A key kept with a staged upload's plan is the same function of the same texts.
        question.key = question.key or dedup_key(question.text, question.choices)
    keys = [question.key for question in result.questions]
    in_bank = _bank_answers(session, sorted(set(keys)))
    seen: dict[str, ParsedQuestion] = {}
    fresh = []
    for question, key in zip(result.questions, keys):
        answer = _answer(question)
        if key in in_bank:
            bank_id, bank_answer = in_bank[key]
            if not _same_answer(answer, bank_answer):
                # The same question with another key: one of them is wrong, and keeping either
                # silently would let a wrong key stand (issue 16, point 6).
                report.errors.append(Problem(question.where, _(
                    "Trùng với câu hỏi #%(id)s trong ngân hàng nhưng đáp án khác: ngân hàng là “%(bank)s”, tệp là "
                    "“%(file)s”. Hãy kiểm tra và sửa đáp án sai.", id=bank_id, bank=bank_answer, file=answer)))
                continue
            report.duplicates += 1
            report.warnings.append(
                Problem(question.where, _("Trùng với câu hỏi đã có trong ngân hàng; bỏ qua."))
            )
        elif key in seen:
            first = seen[key]
            if not _same_answer(answer, _answer(first)):
                report.errors.append(Problem(question.where, _(
                    "Trùng với %(place)s nhưng đáp án khác: %(place)s là “%(first)s”, ở đây là “%(answer)s”. "
                    "Hãy kiểm tra và sửa đáp án sai.", place=first.where, first=_answer(first), answer=answer)))
                continue
            report.duplicates += 1
            report.warnings.append(
                Problem(question.where, _("Trùng với %(place)s trong cùng tệp; bỏ qua.", place=first.where))
            )
        else:
            seen[key] = question
            fresh.append(question)
    for first, second in near_duplicate_pairs([(q.where, q.text) for q in fresh]) if near else ():
        report.warnings.append(Problem(second, _("Gần giống %(place)s; hãy kiểm tra lại.", place=first)))
    return fresh, report


def import_questions(
    session: Session,
    result: ParseResult,
    *,
    topic: str | None = None,
    dry_run: bool = False,
    user_id: int | None = None,
    near: bool = True,
) -> ImportReport:
    """All-or-nothing: with any error nothing is stored; duplicates are reported, not stored."""
    fresh, report = plan_import(session, result, near=near)
    if report.errors:
        return report
    if dry_run:
        report.imported = len(fresh)
        return report
    topics = _get_or_create(session, Topic, "name", {q.topic or topic for q in fresh})
    sources = _get_or_create(session, SourceDocument, "title", {q.source for q in fresh})
    session.flush()  # ids of new topics and sources
    report.stored_ids = _bulk_insert(session, fresh, topics, sources, topic, user_id)
    report.imported = len(fresh)
    report_change(
        session,
        action="questions_imported",
        target=f"{report.imported} câu hỏi",
        details={"imported": report.imported, "duplicates": report.duplicates, "format": result.format},
        user_id=user_id,
    )
    return report


def _bulk_insert(session: Session, fresh, topics: dict, sources: dict, default_topic, user_id) -> list[int]:
    """Rows straight to the driver, a few statements for thousands of questions: an ORM unit of
    work per question is ten times slower, and SQLAlchemy's per-row parameter handling or a
    multi-row VALUES list of tens of thousands of placeholders cost seconds on their own."""
    if not fresh:
        return []  # an empty executemany would run the statement once with no parameters
    connection = session.connection()
    stamp = _bound(connection.dialect, Question.__table__.c.created_at.type, now_utc())
    rows, choice_lists = [], []
    for parsed in fresh:
        topic = topics.get(clean_text(parsed.topic or default_topic))
        source = sources.get(clean_text(parsed.source))
        choices = [clean_text(c) for c in parsed.choices]
        rows.append((
            clean_text(parsed.text),
            topic.id if topic else None,
            source.id if source else None,
            parsed.difficulty or "medium",
            clean_text(parsed.explanation) or None,
            parsed.status,
            parsed.key or dedup_key(parsed.text, choices),
        ))
        choice_lists.append((choices, parsed.correct_index))
    insert_rows = _insert_unnest if connection.dialect.name == "postgresql" else _insert_executemany
    return insert_rows(connection, rows, choice_lists, user_id, stamp)


_QUESTION_COLUMNS = (
    "text, topic_id, source_id, difficulty, explanation, status, dedup_key, created_by_id, created_at, updated_at"
)
_CHOICE_COLUMNS = "question_id, position, text, is_correct"
_KEY = 6  # dedup_key's place in a question row


def _bound(dialect, column_type, value):
    """`value` as the column type hands it to this driver (UTCDateTime: naive UTC, on SQLite text)."""
    processor = column_type.dialect_impl(dialect).bind_processor(dialect)
    return processor(value) if processor else value


def _choice_rows(ids: list[int], choice_lists) -> list[tuple]:
    return [
        (qid, position, choice, position == correct)
        for qid, (choices, correct) in zip(ids, choice_lists)
        for position, choice in enumerate(choices)
    ]


def _insert_executemany(connection, rows: list[tuple], choice_lists, user_id, stamp) -> list[int]:
    """SQLite: one prepared statement that sqlite3 runs over every row in C; the new ids are read
    back by duplicate key, which is unique."""
    common = (user_id, stamp, stamp)
    connection.exec_driver_sql(
        f"INSERT INTO question ({_QUESTION_COLUMNS}) VALUES ({', '.join(['?'] * 10)})",
        [row + common for row in rows],
    )
    keys = [row[_KEY] for row in rows]
    by_key = {}
    for start in range(0, len(keys), _IN_CHUNK):
        chunk = keys[start : start + _IN_CHUNK]
        found = connection.execute(select(Question.dedup_key, Question.id).where(Question.dedup_key.in_(chunk)))
        by_key.update(found.all())
    ids = [by_key[key] for key in keys]
    connection.exec_driver_sql(f"INSERT INTO choice ({_CHOICE_COLUMNS}) VALUES (?, ?, ?, ?)",
                               _choice_rows(ids, choice_lists))
    return ids


# PostgreSQL: each column travels as one binary array (%(…)b: no text escaping) and unnest()
# turns the arrays back into rows, so a chunk is one short statement with a handful of
# parameters where psycopg's executemany would make a round trip per row.
_INSERT_QUESTIONS = (
    f"INSERT INTO question ({_QUESTION_COLUMNS})"
    " SELECT q.*, CAST(%(created_by_id)s AS integer), CAST(%(created_at)s AS timestamp),"
    " CAST(%(created_at)s AS timestamp) FROM unnest("
    "CAST(%(text)b AS text[]), CAST(%(topic_id)b AS integer[]), CAST(%(source_id)b AS integer[]),"
    " CAST(%(difficulty)b AS varchar[]), CAST(%(explanation)b AS text[]), CAST(%(status)b AS varchar[]),"
    " CAST(%(dedup_key)b AS varchar[])) AS q RETURNING dedup_key, id"
)
_QUESTION_ARRAYS = ("text", "topic_id", "source_id", "difficulty", "explanation", "status", "dedup_key")
_INSERT_CHOICES = (
    f"INSERT INTO choice ({_CHOICE_COLUMNS}) SELECT * FROM unnest(CAST(%(question_id)b AS integer[]),"
    " CAST(%(position)b AS integer[]), CAST(%(text)b AS text[]), CAST(%(is_correct)b AS boolean[]))"
)
_UNNEST_CHUNK = 5_000  # questions per statement: bounded parameters, few round trips


def _insert_unnest(connection, rows: list[tuple], choice_lists, user_id, stamp) -> list[int]:
    """A statement per chunk of questions, RETURNING their ids (matched by duplicate key: the
    order of RETURNING is not promised), and one for the chunk's choices."""
    ids = []
    for start in range(0, len(rows), _UNNEST_CHUNK):
        chunk = rows[start : start + _UNNEST_CHUNK]
        params = {name: list(column) for name, column in zip(_QUESTION_ARRAYS, zip(*chunk))}
        by_key = dict(connection.exec_driver_sql(
            _INSERT_QUESTIONS, {**params, "created_by_id": user_id, "created_at": stamp}
        ).all())
        chunk_ids = [by_key[row[_KEY]] for row in chunk]
        choices = zip(*_choice_rows(chunk_ids, choice_lists[start : start + _UNNEST_CHUNK]))
        connection.exec_driver_sql(
            _INSERT_CHOICES, {name: list(column) for name, column in zip(_CHOICE_COLUMNS.split(", "), choices)}
        )
        ids += chunk_ids
    return ids


def new_question(parsed: ParsedQuestion, topic: Topic | None, source: SourceDocument | None) -> Question:
    choices = [clean_text(c) for c in parsed.choices]
    question = Question(
        text=clean_text(parsed.text),
        topic=topic,
        source=source,
        difficulty=parsed.difficulty or "medium",
        explanation=clean_text(parsed.explanation) or None,
        status=parsed.status,
        dedup_key=dedup_key(parsed.text, choices),
    )
    question.choices = [
        Choice(position=i, text=text, is_correct=(i == parsed.correct_index)) for i, text in enumerate(choices)
    ]
    return question


def _get_or_create(session: Session, model, column: str, names) -> dict:
    names = {clean_text(n) for n in names if n and clean_text(n)}
    if not names:
        return {}
    attr = getattr(model, column)
    found = {getattr(row, column): row for row in session.scalars(select(model).where(attr.in_(names)))}
    for name in names - found.keys():
        found[name] = model(**{column: name})
        session.add(found[name])
    return found


def get_or_create_topic(session: Session, name: str | None) -> Topic | None:
    return _get_or_create(session, Topic, "name", {name}).get(clean_text(name)) if name else None


def get_or_create_source(session: Session, title: str | None) -> SourceDocument | None:
    return _get_or_create(session, SourceDocument, "title", {title}).get(clean_text(title)) if title else None


def topic_counts(session: Session) -> list[tuple[str, int, int]]:
    """(topic name, active questions, retired questions), untitled topic last."""
    rows = session.execute(
        select(
            Topic.name,
            func.count().filter(Question.status == "active"),
            func.count().filter(Question.status == "retired"),
        )
        .select_from(Question)
        .outerjoin(Topic)
        .group_by(Topic.name)
        .order_by(Topic.name.is_(None), Topic.name)
    )
    return [(name, active, retired) for name, active, retired in rows]


def all_questions(session: Session):
    """Every question with its topic, source and choices, in id order, streamed."""
    stmt = (
        select(Question)
        .options(selectinload(Question.choices), selectinload(Question.topic), selectinload(Question.source))
        .order_by(Question.id)
        .execution_options(yield_per=1000)
    )
    yield from session.scalars(stmt)
