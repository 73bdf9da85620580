"""Who may edit or retire a bank question while a contest uses it (SPEC §9, questions in use).

The bank is shared by every contest. An organizer scoped to some contests (contest_staff rows)
may not change a question that an open round of another contest has drawn: open means now
within its window, or with an attempt still unfinished. Admins and unscoped organizers may; an
edit still makes a new version, so a running attempt keeps the texts it started with.
"""
from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from contest.models import Attempt, AttemptQuestion, Round, User
from contest.services import permissions
from core.db import now_utc


def open_contests_beyond(session: Session, question_id: int, managed: set[int]) -> int:
    """How many contests outside `managed` have an open round that drew the question."""
    now = now_utc()
    unfinished = exists().where(Attempt.round_id == Round.id, Attempt.finished_at.is_(None))
    drawn = exists().where(AttemptQuestion.question_id == question_id, AttemptQuestion.attempt_id == Attempt.id,
                           Attempt.round_id == Round.id)
    return session.scalar(
        select(func.count(Round.contest_id.distinct())).where(
            Round.contest_id.not_in(managed),
            drawn,
            or_(Round.in_window(now), unfinished),
        )
    ) or 0


def refusal(session: Session, *, question_id: int, user_id: int | None) -> str | None:
    """Receiver of question_bank.signals.question_guard: the reason, or None when allowed."""
    if user_id is None:  # the command line: whoever runs it runs the server
        return None
    user = session.get(User, user_id)
    managed = permissions.scope(session, user) if user is not None else None
    if managed is None:
        return None
    beyond = open_contests_beyond(session, question_id, managed)
    if not beyond:
        return None
    return _("Câu hỏi này đang được dùng trong đợt thi đang mở của %(n)d cuộc thi bạn không phụ trách, "
             "nên bạn không được sửa hay cho ngừng dùng lúc này. Hãy chờ đợt thi đó kết thúc "
             "hoặc nhờ quản trị viên.", n=beyond)
