"""The bank's rules: storing an import all-or-nothing, duplicates, editing and retiring.

Every function takes the SQLAlchemy session; none commits (the caller does, once).
"""
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from .importers.result import ParsedQuestion, ParseResult, Problem
from .models import Choice, Question, SourceDocument, Topic
from .near_duplicates import near_duplicate_pairs
from .normalize import clean_text, dedup_key
from .signals import bank_changed


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    stored: list[Question] = field(default_factory=list)

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
    keys = [dedup_key(q.text, q.choices) for q in result.questions]
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
    for parsed in fresh:
        question = new_question(parsed, topics.get(parsed.topic or topic), sources.get(parsed.source))
        question.created_by_id = user_id
        session.add(question)
        report.stored.append(question)
    session.flush()
    report.imported = len(fresh)
    bank_changed.send(
        session,
        action="questions_imported",
        target=f"{report.imported} câu hỏi",
        details={"imported": report.imported, "duplicates": report.duplicates, "format": result.format},
        user_id=user_id,
    )
    return report


def new_question(parsed: ParsedQuestion, topic: Topic | None, source: SourceDocument | None) -> Question:
    choices = [clean_text(c) for c in parsed.choices]
    question = Question(
        text=clean_text(parsed.text),
        topic=topic,
        source=source,
        difficulty=parsed.difficulty or "medium",
        explanation=clean_text(parsed.explanation) or None,
        status="active",
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
