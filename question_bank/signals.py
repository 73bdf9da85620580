"""Signals the bank sends so the contest can audit-log without the bank importing it."""
from blinker import Namespace

_signals = Namespace()

# sender: the session; kwargs: action (str), target (str), details (dict), user_id (int | None)
bank_changed = _signals.signal("bank-changed")

# Asked before a question is edited or retired. sender: the session; kwargs: question_id (int),
# user_id (int | None). A receiver returns the reason, in Vietnamese, why this user may not
# change the question now, or None: the contest knows which rounds are open and who runs them.
question_guard = _signals.signal("question-guard")
