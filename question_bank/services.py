"""The bank's rules: storing an import all-or-nothing, duplicates, editing and retiring.

Every function takes the SQLAlchemy session; none commits (the caller does, once).
"""
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, selectinload

from .importers.result import ParsedQuestion, ParseResult, Problem
from .models import Choice, Question, SourceDocument, Topic
from .near_duplicates import near_duplicate_pairs
from .normalize import clean_text, dedup_key
from .db import now_utc
from .signals import bank_changed


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


def _existing_keys(session: Session, keys: list[str]) -> set[str]:
    found = set()
    for start in range(0, len(keys), 500):  # bounded IN lists on both engines
        chunk = keys[start : start + 500]
        found.update(session.scalars(select(Question.dedup_key).where(Question.dedup_key.in_(chunk))))
    return found


def plan_import(session: Session, result: ParseResult) -> tuple[list[ParsedQuestion], ImportReport]:
    """Splits parsed questions into new ones and duplicates (of the file or of the bank)."""
    report = ImportReport(warnings=list(result.warnings), errors=list(result.errors))
    for question in result.questions:
        question.key = dedup_key(question.text, question.choices)
    keys = [question.key for question in result.questions]
    in_bank = _existing_keys(session, sorted(set(keys)))
    seen: dict[str, str] = {}
    fresh = []
    for question, key in zip(result.questions, keys):
        if key in in_bank:
            report.duplicates += 1
            report.warnings.append(Problem(question.where, "Trùng với câu hỏi đã có trong ngân hàng; bỏ qua."))
        elif key in seen:
            report.duplicates += 1
            report.warnings.append(Problem(question.where, f"Trùng với {seen[key]} trong cùng tệp; bỏ qua."))
        else:
            seen[key] = question.where
            fresh.append(question)
    for first, second in near_duplicate_pairs([(q.where, q.text) for q in fresh]):
        report.warnings.append(Problem(second, f"Gần giống {first}; hãy kiểm tra lại."))
    return fresh, report


def import_questions(
    session: Session,
    result: ParseResult,
    *,
    topic: str | None = None,
    dry_run: bool = False,
    user_id: int | None = None,
) -> ImportReport:
    """All-or-nothing: with any error nothing is stored; duplicates are reported, not stored."""
    fresh, report = plan_import(session, result)
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
    bank_changed.send(
        session,
        action="questions_imported",
        target=f"{report.imported} câu hỏi",
        details={"imported": report.imported, "duplicates": report.duplicates, "format": result.format},
        user_id=user_id,
    )
    return report


def _bulk_insert(session: Session, fresh, topics: dict, sources: dict, default_topic, user_id) -> list[int]:
    """Core INSERTs with RETURNING: an ORM unit of work per question is ten times slower."""
    now = now_utc()
    rows, choice_lists = [], []
    for parsed in fresh:
        topic = topics.get(clean_text(parsed.topic or default_topic))
        source = sources.get(clean_text(parsed.source))
        choices = [clean_text(c) for c in parsed.choices]
        rows.append(
            {
                "text": clean_text(parsed.text),
                "topic_id": topic.id if topic else None,
                "source_id": source.id if source else None,
                "difficulty": parsed.difficulty or "medium",
                "explanation": clean_text(parsed.explanation) or None,
                "status": parsed.status,
                "dedup_key": parsed.key or dedup_key(parsed.text, choices),
                "created_at": now,
                "updated_at": now,
                "created_by_id": user_id,
            }
        )
        choice_lists.append((choices, parsed.correct_index))
    ids = []
    for start in range(0, len(rows), 1000):
        ids += session.scalars(
            insert(Question).returning(Question.id, sort_by_parameter_order=True), rows[start : start + 1000]
        ).all()
    choice_rows = [
        {"question_id": qid, "position": i, "text": text, "is_correct": i == correct}
        for qid, (choices, correct) in zip(ids, choice_lists)
        for i, text in enumerate(choices)
    ]
    for start in range(0, len(choice_rows), 5000):
        session.execute(insert(Choice), choice_rows[start : start + 5000])
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
