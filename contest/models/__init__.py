"""Every model, imported once so metadata (and Alembic) sees them all."""
from question_bank.models import Choice, Question, SourceDocument, Topic

from .accounts import ROLES, STAFF_ROLES, User
from .audit import AuditLog
from .attempts import Answer, Attempt, AttemptQuestion
from .contests import DEFAULT_PREDICTION_PROMPT, GRADINGS, Contest, ContestStaff, DrawRule, Round, RoundUnit
from .units import Unit

__all__ = [
    "Answer", "Attempt", "AttemptQuestion", "AuditLog", "Choice", "Contest", "ContestStaff",
    "DEFAULT_PREDICTION_PROMPT", "DrawRule", "GRADINGS", "Question", "ROLES", "Round", "RoundUnit",
    "STAFF_ROLES", "SourceDocument", "Topic", "Unit", "User",
]
