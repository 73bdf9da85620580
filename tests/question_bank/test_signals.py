"""The bank's two signals: bank_changing inside the changing transaction (the audit row commits
with the change), bank_changed once it has committed and never after a rollback."""
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from contest.models import AuditLog
from question_bank import catalog
from question_bank.signals import bank_changed, bank_changing
from tests.factories import make_question


@contextmanager
def heard(signal):
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    signal.connect(receiver)
    try:
        yield calls
    finally:
        signal.disconnect(receiver)


@pytest.fixture
def question(db):
    question = make_question(text="Câu hỏi cũ?", choices=["Một", "Hai", "Ba", "Bốn"])
    db.commit()
    return question


def edit(db, question, text="Câu hỏi mới?"):
    return catalog.update_question(db, question, catalog.QuestionEdit(text, ["Một", "Hai", "Ba", "Bốn"], 0,
                                                                      topic="Chủ đề chung"))


def test_changed_is_sent_after_the_commit_once_and_changing_inside_it(db, question):
    with heard(bank_changing) as changing, heard(bank_changed) as changed:
        edit(db, question)
        catalog.set_status(db, question, "retired")
        assert [call["action"] for call in changing] == ["question_updated", "question_retired"]
        assert changed == [], "nothing is committed yet"
        db.commit()
        assert changed == [{"actions": ("question_updated", "question_retired")}]
        db.commit()  # a later commit without bank changes says nothing
        assert len(changed) == 1
    assert db.scalar(select(func.count()).select_from(AuditLog)) == 2


def test_a_rollback_sends_nothing_and_forgets_the_change(db, question):
    with heard(bank_changed) as changed:
        edit(db, question)
        db.rollback()
        catalog.set_status(db, question, "retired")
        db.commit()
    assert changed == [{"actions": ("question_retired",)}], "the rolled-back edit is not announced"
    assert db.scalar(select(func.count()).select_from(AuditLog)) == 1


def test_a_savepoint_is_not_the_commit(db, question):
    with heard(bank_changed) as changed:
        with db.begin_nested():
            edit(db, question)
        assert changed == []
        db.commit()
    assert changed == [{"actions": ("question_updated",)}]
