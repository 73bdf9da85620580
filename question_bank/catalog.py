"""Browsing and editing the bank: search, filters, pages; edits of a question; retiring.

Every function takes the SQLAlchemy session; none commits (the caller does, once).
"""
import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.db import now_utc
from core.numbers import parse_id
from core.paging import Page, clamp
from core.text import clean_text
from question_bank.duplicate_key import dedup_key

from . import versions
from .importers.result import ParsedQuestion
from .importers.validate import LETTERS, check_question
from .models import DIFFICULTIES, STATUSES, Choice, Question, QuestionVersion, SourceDocument, Topic
from .services import get_or_create_source, get_or_create_topic
from .signals import question_guard, report_change

PAGE_SIZE = 50


def fold_accents(text: str) -> str:
    """Lower case, without Vietnamese diacritics: 'Cải cách' → 'cai cach' (other non-ASCII dropped)."""
    return unicodedata.normalize("NFD", text.lower().replace("đ", "d")).encode("ascii", "ignore").decode()


@dataclass
class Filters:
    """What the organizer asked for; values outside the allowed ones are ignored, not refused."""

    q: str = ""
    topic: str = ""  # a topic id, "none" for questions without a topic, "" for any
    difficulty: str = ""
    source: str = ""  # a source id, "none", or ""
    status: str = ""

    def __post_init__(self):
        self.q = clean_text(self.q)[:200]
        if self.topic not in ("", "none") and parse_id(self.topic) is None:
            self.topic = ""
        if self.source not in ("", "none") and parse_id(self.source) is None:
            self.source = ""
        if self.difficulty not in DIFFICULTIES:
            self.difficulty = ""
        if self.status not in STATUSES:
            self.status = ""

    def as_args(self) -> dict:
        return {k: v for k, v in vars(self).items() if v}


def _where(stmt, filters: Filters):
    if filters.topic == "none":
        stmt = stmt.where(Question.topic_id.is_(None))
    elif filters.topic:
        stmt = stmt.where(Question.topic_id == int(filters.topic))
    if filters.source == "none":
        stmt = stmt.where(Question.source_id.is_(None))
    elif filters.source:
        stmt = stmt.where(Question.source_id == int(filters.source))
    if filters.difficulty:
        stmt = stmt.where(Question.difficulty == filters.difficulty)
    if filters.status:
        stmt = stmt.where(Question.status == filters.status)
    return stmt


def _matching_ids(session: Session, filters: Filters) -> list[int]:
    """Ids (newest first) whose text or choices contain every word of the search.

    Matched in Python: SQLite's lower() knows only ASCII and neither engine folds Vietnamese
    diacritics without an extension. Typed without diacritics the search ignores them ('cai
    cach' finds 'cải cách'); typed with them it honours them ('bộ' does not find 'bổ').
    """
    wanted = filters.q.lower()
    folded = fold_accents(wanted)
    exact = folded != wanted
    words = (wanted if exact else folded).split()
    by_id = re.fullmatch(r"#?(\d{1,9})", filters.q)

    def prepare(text: str) -> str:
        return text.lower() if exact else fold_accents(text)

    # One row per question, choices joined; through the Core connection, no ORM rows.
    stmt = _where(
        select(Question.id, Question.text, func.aggregate_strings(Choice.text, "\n"))
        .outerjoin(Choice, Choice.question_id == Question.id)
        .group_by(Question.id),
        filters,
    )
    found = []
    for qid, text, choices in session.connection().execute(stmt):
        haystack = prepare(f"{text}\n{choices or ''}")
        if all(word in haystack for word in words) or (by_id and int(by_id.group(1)) == qid):
            found.append(qid)
    return sorted(found, reverse=True)


def search(session: Session, filters: Filters, page: int = 1, per_page: int = PAGE_SIZE) -> Page[Question]:
    """One page of questions, newest first, with their choices, topic and source loaded."""
    options = (selectinload(Question.choices), selectinload(Question.topic), selectinload(Question.source))
    if filters.q:
        ids = _matching_ids(session, filters)
        total = len(ids)
        page = clamp(page, total, per_page)
        wanted = ids[(page - 1) * per_page : page * per_page]
        loaded = {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(wanted)).options(*options))}
        return Page([loaded[qid] for qid in wanted if qid in loaded], total, page, per_page)
    total = session.scalar(_where(select(func.count()).select_from(Question), filters)) or 0
    page = clamp(page, total, per_page)
    stmt = _where(select(Question), filters).order_by(Question.id.desc()).options(*options)
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total, page, per_page)


def topics(session: Session) -> list[tuple[int, str]]:
    return list(session.execute(select(Topic.id, Topic.name).order_by(Topic.name)))


def sources(session: Session) -> list[tuple[int, str]]:
    return list(session.execute(select(SourceDocument.id, SourceDocument.title).order_by(SourceDocument.title)))


def _referencing_columns() -> list:
    """Columns of other tables that point at a question (the contest's drawn questions).

    Found from the shared metadata, because the bank may not import the contest's models.
    """
    metadata = Question.metadata
    return [
        fk.parent
        for table in metadata.tables.values()
        if table is not Choice.__table__ and table is not QuestionVersion.__table__
        for fk in table.foreign_keys
        if fk.column is Question.__table__.c.id
    ]


def usage_count(session: Session, question_id: int) -> int:
    """How many times the question was drawn into an attempt (or used elsewhere)."""
    return sum(
        session.scalar(select(func.count()).select_from(column.table).where(column == question_id)) or 0
        for column in _referencing_columns()
    )


@dataclass
class QuestionEdit:
    text: str
    choices: list[str]
    correct: int | None
    topic: str | None = None
    difficulty: str = "medium"
    source: str | None = None
    explanation: str | None = None


class EditRefused(Exception):
    """Every reason an edit is refused, in Vietnamese; nothing was changed."""

    status = 400

    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


class EditForbidden(EditRefused):
    """This user may not change the question now (a round they do not run shows it)."""

    status = 403


def refusals(session: Session, question: Question, user_id: int | None) -> list[str]:
    """Why this user may not edit or retire the question now (empty: they may)."""
    return [reason for _receiver, reason in question_guard.send(session, question_id=question.id, user_id=user_id)
            if reason]


def check_allowed(session: Session, question: Question, user_id: int | None) -> None:
    """Raises EditForbidden with every reason; nothing is changed."""
    reasons = refusals(session, question, user_id)
    if reasons:
        raise EditForbidden(reasons)


def check_edit(session: Session, question: Question, edit: QuestionEdit) -> list[str]:
    parsed = ParsedQuestion(
        where=_("Câu hỏi #%(id)s", id=question.id),
        text=edit.text,
        choices=edit.choices,
        correct=[] if edit.correct is None else [edit.correct],
    )
    # check_question speaks of the file the question came from; here it is the form.
    messages = [p.message.replace(", tệp có ", ", hiện có ") for p in check_question(parsed)]
    if edit.difficulty not in DIFFICULTIES:
        messages.append(_("Mức độ không hợp lệ (chọn Dễ, Trung bình hoặc Khó)."))
    if usage_count(session, question.id):
        # Attempts keep the choice ids they showed and scored: the key and the set of choices stay.
        if len(edit.choices) != len(question.choices):
            messages.append(_(
                "Câu hỏi đã được dùng trong bài thi nên phải giữ đủ %(count)s phương án; "
                "chỉ được sửa chữ. Hãy cho câu này ngừng dùng và thêm câu mới nếu cần đổi.",
                count=len(question.choices),
            ))
        current = question.correct_choice
        if current is not None and edit.correct != current.position:
            messages.append(_(
                "Câu hỏi đã được dùng trong bài thi nên không được đổi đáp án đúng (đang là %(letter)s).",
                letter=current.letter,
            ))
    if not messages:
        key = dedup_key(edit.text, edit.choices)
        twin = session.scalar(select(Question.id).where(Question.dedup_key == key, Question.id != question.id))
        if twin is not None:
            messages.append(
                _("Câu hỏi sau khi sửa trùng với câu hỏi #%(id)s đã có trong ngân hàng.", id=twin)
            )
    return messages


def update_question(
    session: Session, question: Question, edit: QuestionEdit, *, user_id: int | None = None
) -> list[str]:
    """Applies a checked edit; returns the names of the changed fields ([] when nothing changed).

    Raises EditForbidden when the user may not change the question now, EditRefused (nothing
    changed) with every problem. New texts make a new version: attempts keep the old one.
    """
    check_allowed(session, question, user_id)
    messages = check_edit(session, question, edit)
    if messages:
        raise EditRefused(messages)
    choices = [clean_text(text) for text in edit.choices]
    before = _snapshot(question)
    source = clean_text(edit.source or "") or None
    if (clean_text(edit.text), choices, clean_text(edit.explanation) or None, source) != (
        before["text"], before["choices"], before["explanation"], before["source"]
    ):
        versions.keep(session, question, user_id=user_id)
    question.text = clean_text(edit.text)
    question.difficulty = edit.difficulty
    question.explanation = clean_text(edit.explanation) or None
    question.topic = get_or_create_topic(session, edit.topic)
    question.source = get_or_create_source(session, edit.source)
    _set_choices(session, question, choices, edit.correct)
    question.dedup_key = dedup_key(question.text, choices)
    after = _snapshot(question)
    changed = [name for name in after if after[name] != before[name]]
    if changed:
        question.updated_at = now_utc()
        report_change(
            session,
            action="question_updated",
            target=f"Câu hỏi #{question.id}",
            details={"fields": changed, "version": question.version},
            user_id=user_id,
        )
    session.flush()
    return changed


def _snapshot(question: Question) -> dict:
    return {
        "text": question.text,
        "choices": [c.text for c in question.choices],
        "correct": question.correct_choice.position if question.correct_choice else None,
        "topic": question.topic.name if question.topic else None,
        "difficulty": question.difficulty,
        "source": question.source.title if question.source else None,
        "explanation": question.explanation,
    }


def _set_choices(session: Session, question: Question, texts: list[str], correct: int) -> None:
    existing = list(question.choices)
    current = question.correct_choice
    if current is not None and current.position != correct:
        # One correct choice per question is a unique index, checked row by row: clear first.
        current.is_correct = False
        session.flush()
    for position, text in enumerate(texts):
        if position < len(existing):
            existing[position].text = text
        else:
            question.choices.append(Choice(position=position, text=text, is_correct=False))
    for extra in existing[len(texts) :]:
        question.choices.remove(extra)
    session.flush()
    for choice in question.choices:
        choice.is_correct = choice.position == correct


def set_status(session: Session, question: Question, status: str, *, user_id: int | None = None) -> bool:
    """Retires or reactivates; a retired question is never drawn. Returns False if already so.

    Raises EditForbidden when the user may not retire it now."""
    if status not in STATUSES:
        raise ValueError(status)
    if question.status == status:
        return False
    if status == "retired":
        check_allowed(session, question, user_id)
    question.status = status
    question.updated_at = now_utc()
    report_change(
        session,
        action="question_retired" if status == "retired" else "question_reactivated",
        target=f"Câu hỏi #{question.id}",
        details={"status": status},
        user_id=user_id,
    )
    session.flush()
    return True


def letter(position: int | None) -> str:
    return LETTERS[position] if position is not None and 0 <= position < len(LETTERS) else ""
