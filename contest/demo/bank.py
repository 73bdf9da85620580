"""The demo question bank: multiple-choice questions built only from facts in the five
reference propaganda plans (`../shared/reference`), one data module per group of topics.

Each question is a dict: topic, source, text, four choices, answer letter, difficulty
(easy/medium/hard) and a one-sentence explanation naming the plan that states the fact.
"""
from . import bank_apparatus, bank_communication, bank_digital, bank_indexes, bank_local, bank_procedures, bank_program
from .bank_sources import TOPICS

_MODULES = (
    bank_program, bank_procedures, bank_indexes, bank_apparatus, bank_digital, bank_communication, bank_local,
)

QUESTIONS = sorted(
    (question for module in _MODULES for question in module.QUESTIONS),
    key=lambda question: TOPICS.index(question["topic"]),
)

__all__ = ["QUESTIONS", "TOPICS"]
