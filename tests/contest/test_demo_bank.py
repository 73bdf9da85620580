"""The shipped demo bank: big enough, valid, varied, free of duplicates, and loaded by `flask demo`."""
import json
import re
import unicodedata
from collections import Counter

import pytest
from sqlalchemy import func, select

from contest.demo.bank import QUESTIONS, TOPICS
from contest.demo.load import demo_bank
from contest.models import Round
from contest.services.quiz import draw
from question_bank.duplicate_key import dedup_key
from question_bank.importers.validate import check_question
from question_bank.models import DIFFICULTIES, Question, SourceDocument, Topic
from question_bank.near_duplicates import near_duplicate_pairs
from question_bank.services import plan_import

LETTERS = "ABCD"
DEMO_ROUND_SIZE = 10
# Letters and words only Vietnamese writes: a bank typed without diacritics has none of them.
VIETNAMESE = re.compile("[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)


@pytest.fixture(scope="module")
def parsed():
    return demo_bank()


def test_bank_is_large_and_spans_topics(parsed):
    assert len(parsed.questions) == len(QUESTIONS) >= 96
    per_topic = Counter(q.topic for q in parsed.questions)
    assert len(per_topic) >= 8
    assert set(per_topic) == set(TOPICS)
    assert min(per_topic.values()) >= 5, per_topic


def test_every_question_passes_the_importers_checks(parsed):
    assert parsed.errors == []
    for question in parsed.questions:
        assert check_question(question) == [], question.where


@pytest.mark.parametrize("index", range(len(QUESTIONS)))
def test_question_shape(index):
    item = QUESTIONS[index]
    where = f"Câu {index + 1}: {item['text'][:60]}"
    assert len(item["choices"]) == 4, where
    assert item["answer"] in LETTERS, where
    assert len({c.strip().lower() for c in item["choices"]}) == 4, where  # four different choices
    assert item["difficulty"] in DIFFICULTIES, where
    assert item["source"] and item["source"].strip(), where
    assert item["explanation"] and item["explanation"].rstrip().endswith((".", "”")), where
    assert "kế hoạch" in item["explanation"].lower(), where  # names the plan that states the fact
    for text in (item["text"], item["explanation"], *item["choices"]):
        assert unicodedata.is_normalized("NFC", text), where
        assert text == text.strip() and "  " not in text, where
    assert VIETNAMESE.search(item["text"]) and VIETNAMESE.search(item["explanation"]), where


def test_no_duplicates_or_near_duplicates(parsed):
    keys = Counter(dedup_key(q.text, q.choices) for q in parsed.questions)
    assert [key for key, n in keys.items() if n > 1] == []
    assert near_duplicate_pairs([(q.where, q.text) for q in parsed.questions]) == []


def test_plan_import_reports_nothing_on_an_empty_bank(db, parsed):
    fresh, report = plan_import(db, demo_bank())
    assert report.errors == []
    assert report.duplicates == 0
    assert [w.message for w in report.warnings] == []
    assert len(fresh) == len(parsed.questions)


def test_correct_letters_are_spread():
    counts = Counter(item["answer"] for item in QUESTIONS)
    for letter in LETTERS:
        assert counts[letter] >= 0.15 * len(QUESTIONS), counts


def test_difficulties_are_mixed():
    counts = Counter(item["difficulty"] for item in QUESTIONS)
    for difficulty in DIFFICULTIES:
        assert counts[difficulty] >= 0.10 * len(QUESTIONS), counts


def test_demo_command_loads_the_bank_and_the_round_can_be_drawn(runner, db, client):
    assert runner.invoke(args=["init-db"]).exit_code == 0
    result = runner.invoke(args=["demo", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)

    assert db.scalar(select(func.count()).select_from(Question)) == len(QUESTIONS)
    assert set(db.scalars(select(Topic.name))) == set(TOPICS)
    assert set(db.scalars(select(SourceDocument.title))) == {item["source"] for item in QUESTIONS}
    stored = db.scalar(select(Question).where(Question.text == QUESTIONS[0]["text"]))
    assert stored.explanation == QUESTIONS[0]["explanation"]
    assert stored.source.title == QUESTIONS[0]["source"]
    assert [c.text for c in stored.choices if c.is_correct] == [
        QUESTIONS[0]["choices"][LETTERS.index(QUESTIONS[0]["answer"])]
    ]
    assert db.scalar(select(func.count()).select_from(Question).where(Question.explanation.is_(None))) == 0

    round_ = db.get(Round, summary["round_id"])
    assert round_.question_count == DEMO_ROUND_SIZE
    draw.clear_cache()
    assert draw.shortages(db, round_) == []
    drawn = draw.draw(db, round_)
    assert len(drawn) == len(set(drawn)) == DEMO_ROUND_SIZE

    # A participant starts the demo round through the API and gets ten bank questions.
    participant = next(a for a in summary["accounts"] if a["role"] == "participant")
    login = client.post("/api/v1/session", json={"username": participant["username"], "password": participant["password"]})
    assert login.status_code == 200, login.get_json()
    started = client.post(
        f"/api/v1/rounds/{round_.id}/attempts", headers={"X-CSRFToken": login.get_json()["csrf_token"]}
    )
    assert started.status_code == 201, started.get_json()
    texts = {item["text"] for item in QUESTIONS}
    questions = started.get_json()["questions"]
    assert len(questions) == DEMO_ROUND_SIZE
    assert all(q["text"] in texts and len(q["choices"]) == 4 for q in questions)

    # Loading again stores nothing twice.
    db.rollback()
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert f"{len(QUESTIONS)} câu hỏi" in again.output
    assert db.scalar(select(func.count()).select_from(Question)) == len(QUESTIONS)
