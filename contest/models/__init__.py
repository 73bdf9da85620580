"""Every model, imported once so metadata (and Alembic) sees them all."""
from core.staging import StagedUpload
from question_bank.models import Choice, Question, SourceDocument, Topic

from .accounts import ROLES, STAFF_ROLES, User, UserSession
from .audit import AuditLog
from .attempts import Answer, Attempt, AttemptQuestion
from .contests import (
    DEFAULT_MIN_SECONDS_PER_QUESTION, DEFAULT_PREDICTION_PROMPT, DEFAULT_TIE_BREAK, GRADINGS, OVERALL_MODES,
    PREDICTION_TARGETS, TIE_BREAK_KEYS, UNIT_FORMULAS, Contest, ContestStaff, DrawRule, Round, RoundUnit,
)
from .registration import REGISTRATION_MODES, SpentChallenge, UnitInvitation
from .results import PRIZES, SCOPES, PrizeExclusion, PrizeQuota
from .units import Unit

__all__ = [
    "Answer", "Attempt", "AttemptQuestion", "AuditLog", "Choice", "Contest", "ContestStaff",
    "DEFAULT_MIN_SECONDS_PER_QUESTION", "DEFAULT_PREDICTION_PROMPT", "DEFAULT_TIE_BREAK", "DrawRule", "GRADINGS",
    "OVERALL_MODES", "PREDICTION_TARGETS", "PRIZES", "PrizeExclusion", "PrizeQuota", "Question", "REGISTRATION_MODES",
    "ROLES", "Round", "RoundUnit", "SCOPES", "STAFF_ROLES", "SourceDocument", "SpentChallenge", "StagedUpload",
    "TIE_BREAK_KEYS", "Topic", "UNIT_FORMULAS", "Unit", "UnitInvitation", "User", "UserSession",
]
