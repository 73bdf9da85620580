"""Taking a quiz in Chromium on a phone-sized screen: autosave, offline queue, confirm, auto-submit."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from contest.extensions import db as _db
from contest.models import Answer, Attempt, Round
from contest.services.quiz import draw
from tests.browser.support import stored
from tests.factories import PASSWORD, make_bank, make_round, make_user

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "vi-VN", "has_touch": True}


def build(live_server, **round_options) -> int:
    with live_server.app.app_context():
        draw.clear_cache()
        make_bank(8)
        round_ = make_round(questions=4, **round_options)
        make_user(username="thisinh1", full_name="Trần Thị Bình")
        _db.session.commit()
        return round_.id


@pytest.fixture
def context(browser):
    context = browser.new_context(**PHONE)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def log_in_and_start(page, live_server, round_id) -> int:
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=username]", "thisinh1")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator(".site-header")).to_contain_text("Trần Thị Bình")
    page.goto(f"{live_server.url}/rounds/{round_id}")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def choose(page, number: int, index: int) -> int:
    """Taps the index-th choice of question `number`; returns its choice id."""
    choice = page.locator(f"#q-{number} input[type=radio]").nth(index)
    choice.locator("xpath=..").click()
    return int(choice.get_attribute("value"))


def question_id(page, number: int) -> int:
    return int(page.locator(f"#q-{number}").get_attribute("data-question-id"))


def test_autosave_offline_queue_reload_and_submit(live_server, context, page):
    round_id = build(live_server, show_score=True)
    attempt_id = log_in_and_start(page, live_server, round_id)
    status = page.locator("#save-status")
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^(10:00|09:5\d)$"))

    first = choose(page, 1, 0)
    expect(status).to_have_text("Đã lưu")
    expect(page.locator(".palette-item").nth(0)).to_have_class(re.compile("is-answered"))
    expect(page.locator("#answered-count")).to_have_text("Đã trả lời 1/4 câu")

    context.set_offline(True)
    second = choose(page, 2, 1)
    expect(status).to_contain_text("chờ gửi")
    expect(page.locator(".palette-item").nth(1)).to_have_class(re.compile("is-pending"))
    queued = page.evaluate(f"JSON.parse(localStorage.getItem('quiz-attempt-{attempt_id}')).answers")
    assert queued == {str(question_id(page, 2)): second}
    assert stored(live_server, select(Answer.choice_id)) == [(first,)]  # only the one sent while online

    context.set_offline(False)
    expect(status).to_have_text("Đã lưu", timeout=15000)
    expect(page.locator(".palette-item").nth(1)).to_have_class(re.compile("is-answered"))
    assert sorted(stored(live_server, select(Answer.choice_id))) == sorted([(first,), (second,)])
    assert page.evaluate(f"localStorage.getItem('quiz-attempt-{attempt_id}')") is None

    page.fill("input[name=prediction]", "42")
    page.reload()
    expect(page.locator("#q-1 input:checked")).to_have_value(str(first))
    expect(page.locator("#q-2 input:checked")).to_have_value(str(second))
    expect(page.locator("#q-3 input:checked")).to_have_count(0)
    expect(page.locator("input[name=prediction]")).to_have_value("42")  # kept by this browser until submit

    page.click("#submit-button")
    dialog = page.locator("#submit-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#submit-summary")).to_have_text("Bạn còn 2 câu chưa trả lời:")
    expect(page.locator("#submit-unanswered li")).to_have_text(["3", "4"])
    page.click("#submit-cancel")
    expect(dialog).to_be_hidden()
    assert stored(live_server, select(Attempt.finished_at)) == [(None,)]

    page.click("#submit-button")
    page.click("#submit-confirm")
    page.wait_for_url(f"**/attempts/{attempt_id}/receipt")
    ((code, prediction, finished_by, score),) = stored(
        live_server, select(Attempt.receipt_code, Attempt.prediction, Attempt.finished_by, Attempt.score)
    )
    expect(page.locator("#receipt-code")).to_have_text(code)
    # 2 of 4 answered: a partial attempt's total would tell which answers were right (SPEC §9).
    expect(page.locator("#receipt-score")).to_have_count(0)
    expect(page.locator("#score-withheld")).to_be_visible()
    assert score is not None and (prediction, finished_by) == (42, "participant")
    assert page.errors == []


def test_unsent_answers_survive_a_reload(live_server, page):
    round_id = build(live_server)
    attempt_id = log_in_and_start(page, live_server, round_id)
    page.route("**/answers/**", lambda route: route.abort("internetdisconnected"))
    chosen = choose(page, 4, 3)
    expect(page.locator("#save-status")).to_contain_text("chờ gửi")
    page.reload()  # the server never got it: the radio comes back from this browser's queue
    expect(page.locator("#q-4 input:checked")).to_have_value(str(chosen))
    expect(page.locator(".palette-item").nth(3)).to_have_class(re.compile("is-pending"))
    assert stored(live_server, select(Answer.choice_id)) == []
    page.unroute("**/answers/**")
    expect(page.locator("#save-status")).to_have_text("Đã lưu", timeout=20000)  # the backoff retry sends it
    assert stored(live_server, select(Answer.attempt_id, Answer.choice_id)) == [(attempt_id, chosen)]
    assert page.errors == []


def test_auto_submit_at_zero_carries_unsaved_answers(live_server, context, page):
    round_id = build(live_server)
    with live_server.app.app_context():  # the shortest round the organizer form allows is a minute
        _db.session.get(Round, round_id).duration_seconds = 8
        _db.session.commit()
    attempt_id = log_in_and_start(page, live_server, round_id)
    first = choose(page, 1, 2)
    expect(page.locator("#save-status")).to_have_text("Đã lưu")
    # The network now drops every autosave, but the submit gets through.
    page.route("**/answers/**", lambda route: route.abort("internetdisconnected"))
    second = choose(page, 3, 0)
    expect(page.locator("#save-status")).to_contain_text("chờ gửi")
    expect(page.locator("#countdown")).to_have_class(re.compile("is-ending"))
    page.wait_for_url(f"**/attempts/{attempt_id}/receipt", timeout=20000)
    ((finished_by, duration),) = stored(live_server, select(Attempt.finished_by, Attempt.duration_seconds))
    assert finished_by == "participant" and duration <= 8
    assert sorted(stored(live_server, select(Answer.choice_id))) == sorted([(first,), (second,)])
    expect(page.locator("h1")).to_have_text("Đã nộp bài")
    assert page.errors == []


def test_the_quiz_works_without_javascript(live_server, browser):
    round_id = build(live_server, show_score=True)
    context = browser.new_context(java_script_enabled=False, **PHONE)
    try:
        page = context.new_page()
        attempt_id = log_in_and_start(page, live_server, round_id)
        expect(page.locator("#save-status")).to_have_text("Bấm “Lưu bài làm” để lưu các câu đã chọn.")
        first = choose(page, 1, 1)
        page.get_by_role("button", name="Lưu bài làm").click()
        expect(page.locator(".flash")).to_have_text("Đã lưu các câu trả lời.")
        expect(page.locator("#q-1 input:checked")).to_have_value(str(first))
        choose(page, 2, 0)
        page.get_by_role("button", name="Nộp bài").click()
        page.wait_for_url(f"**/attempts/{attempt_id}/confirm")
        expect(page.locator(".unanswered-list li")).to_have_text(["Câu 3", "Câu 4"])
        page.get_by_role("button", name="Nộp bài").click()
        page.wait_for_url(f"**/attempts/{attempt_id}/receipt")
        ((code, answered),) = stored(live_server, select(Attempt.receipt_code, Attempt.finished_by))
        expect(page.locator("#receipt-code")).to_have_text(code)
        assert answered == "participant"
        assert len(stored(live_server, select(Answer.choice_id))) == 2
    finally:
        context.close()
