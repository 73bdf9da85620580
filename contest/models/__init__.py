"""Every model, imported once so metadata (and Alembic) sees them all."""
from question_bank.models import Choice, Question, SourceDocument, Topic

from .accounts import ROLES, STAFF_ROLES, User
from .audit import AuditLog
from .contests import Contest, ContestStaff
from .units import Unit

__all__ = [
    "AuditLog", "Choice", "Contest", "ContestStaff", "Question", "ROLES", "STAFF_ROLES",
    "SourceDocument", "Topic", "Unit", "User",
]
