"""Signals the bank sends so the contest can audit-log without the bank importing it."""
from blinker import Namespace

_signals = Namespace()

# sender: the session; kwargs: action (str), target (str), details (dict), user_id (int | None)
bank_changed = _signals.signal("bank-changed")
