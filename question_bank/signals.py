"""Signals the bank sends so the contest can audit-log and drop its caches without the bank importing it.

A change is reported twice (`report_change`): inside the transaction that makes it, so that
what a receiver writes (the contest's audit row) commits or rolls back with the change; and once
that transaction has committed, so that a receiver that drops cached copies does so only when
the new state is what every other reader sees (dropped earlier, a request in between could cache
the old state again; sent on a rollback, it would announce a change that never happened).
"""
from blinker import Namespace
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

_signals = Namespace()

# Inside the changing transaction. sender: the session; kwargs: action (str), target (str),
# details (dict), user_id (int | None).
bank_changing = _signals.signal("bank-changing")

# After that transaction commits, once per commit however many changes it held; never after a
# rollback. sender: the session (no longer in a transaction); kwargs: actions (tuple of str).
bank_changed = _signals.signal("bank-changed")

# Asked before a question is edited or retired. sender: the session; kwargs: question_id (int),
# user_id (int | None). A receiver returns the reason, in Vietnamese, why this user may not
# change the question now, or None: the contest knows which rounds are open and who runs them.
question_guard = _signals.signal("question-guard")

_PENDING = "question_bank.changes"  # key in Session.info: the actions the open transaction made


def report_change(session: Session, *, action: str, target: str, details: dict, user_id: int | None) -> None:
    bank_changing.send(session, action=action, target=target, details=details, user_id=user_id)
    session.info.setdefault(_PENDING, []).append(action)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT released: the transaction goes on
        return
    actions = session.info.pop(_PENDING, None)
    if actions:
        bank_changed.send(session, actions=tuple(actions))


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction is over; if it committed, _committed has already sent and
    # emptied the list: whatever is left was rolled back (or closed unfinished).
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
