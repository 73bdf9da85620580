"""Audit entries for what happens in a request: who did it, from which address."""
from flask import has_request_context, request
from flask_login import current_user

from contest.extensions import db
from contest.services import audit


def audit_request(action: str, target: str = "", **details) -> None:
    """An audit entry for what the current user does in this request, from their address."""
    audit.record(db.session, action, user_id=current_user.id if current_user.is_authenticated else None,
                 target=target, details=details, ip=request.remote_addr)


def audit_bank_change(session, *, action: str, target: str = "", details: dict | None = None,
                      user_id: int | None = None) -> None:
    """Receiver of question_bank.signals.bank_changing: the bank reports, the contest logs (in the
    transaction that makes the change, so the entry and the change commit together)."""
    ip = request.remote_addr if has_request_context() else None
    audit.record(session, action, user_id=user_id, target=target, details=details, ip=ip)
