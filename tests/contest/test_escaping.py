"""User text is shown escaped on every page, and no lazy string carries user text (issue 14).

flask_babel's lazy strings call themselves safe HTML, so `_l("… %(x)s", x=value)` printed `value`
raw: a round title with markup ran on the results settings page, an audit date filter reflected
markup. Two guards: every `_l(`/`lazy_gettext(` call in the code takes literals only, and every
page that shows user text is rendered, as each role that sees it, from a world where every name,
title, text, reason and audit entry holds markup (and with markup in every query parameter).
"""
import ast
import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from contest.models import ContestStaff, PrizeExclusion
from contest.services import audit
from contest.services.quiz import attempts
from contest.services.users import activation
from core import staging
from core.db import now_utc
from question_bank.models import Choice, Question
from tests.conftest import csrf_token
from tests.contest.test_route_policy import USERNAMES, _url_args, cheap_passwords  # noqa: F401  (autouse)
from tests.factories import PASSWORD, finish, make_contest, make_question, make_round, make_unit, make_user

ROOT = Path(__file__).resolve().parent.parent.parent
LAZY = {"_l", "lazy_gettext", "lazy_ngettext", "lazy_pgettext"}

MARKUP = "<img src=x onerror=alert(1)>\"'&<b>"
RAW = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


# --- guard (a): lazy strings take literals only ------------------------------------------------
def _lazy_calls_with_values(source: str, where: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, where)):
        call = node.left if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) else node
        if not isinstance(call, ast.Call):
            continue
        name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", None)
        if name not in LAZY:
            continue
        literal = all(isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in call.args)
        if call is not node or not literal or call.keywords:
            found.append(f"{where}:{node.lineno}: {ast.unparse(node)[:100]}")
    return found


def test_lazy_strings_take_literals_only():
    """Values go in with `_()` at request time, or `lazy_text(_l("…"), n=…)` (contest/lazy_text.py)."""
    files = [path for package in ("contest", "question_bank") for path in sorted((ROOT / package).rglob("*.py"))]
    assert len(files) > 50
    offending = [line for path in files
                 for line in _lazy_calls_with_values(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert not offending, "lazy strings with values:\n" + "\n".join(offending)


@pytest.mark.parametrize("source", [
    '_l("Đợt %(title)s", title=round_.title)',
    '_l(label)',
    'lazy_gettext("Dòng %(n)d", n=number)',
    '_l("Dòng %(n)d") % number',
    'forms._l(f"{x}")',
])
def test_the_guard_sees_each_form_of_the_mistake(source):
    assert len(_lazy_calls_with_values(f"x = {source}\n", "probe.py")) == 1
    assert _lazy_calls_with_values('x = _l("Đợt thi")\ny = lazy_text(_l("Dòng %(n)d"), n=3)\n', "probe.py") == []


# --- guard (b): every page that shows user text, rendered with markup -------------------------
def _bank_csv() -> bytes:
    rows = [["Câu hỏi", "A", "B", "C", "D", "Đáp án", "Chủ đề", "Mức độ", "Nguồn", "Giải thích"],
            [f"{MARKUP} nhập?", f"{MARKUP} a", "", "", "", "E", MARKUP, "rất khó", MARKUP, MARKUP]]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


@pytest.fixture
def world(db):
    """The route-policy world, with markup in every piece of text a user can type."""
    unit = make_unit(code="SNV", name=f"{MARKUP} đơn vị", group=f"{MARKUP} khối")
    for number in range(3):
        question = make_question(text=f"{MARKUP} câu {number}?", choices=[f"{MARKUP} {number}-{i}" for i in range(4)],
                                 topic=f"{MARKUP} chủ đề", source=f"{MARKUP} nguồn")
        question.explanation = f"{MARKUP} giải thích"
    contest_a = make_contest(name=f"{MARKUP} A", description=MARKUP, registration_open=True)
    contest_b = make_contest(name=f"{MARKUP} B")
    round_a = make_round(contest_a, questions=3, title=f"{MARKUP} đợt", rules=MARKUP, max_attempts=3,
                         prediction_prompt=f"{MARKUP} dự đoán?")
    closed = make_round(contest_a, questions=3, title=f"{MARKUP} đã đóng", rules=MARKUP)
    closed.opens_at, closed.closes_at = now_utc() - timedelta(days=10), now_utc() - timedelta(days=3)
    closed.results_public = True
    make_round(contest_b, questions=3, title=f"{MARKUP} B")
    users = {role: make_user(role=role.replace("other_", ""), username=name, unit_id=unit.id,
                             full_name=f"{MARKUP} {name}")
             for role, name in USERNAMES.items()}
    db.add_all([ContestStaff(contest=contest_a, user=users["judge"]),
                ContestStaff(contest=contest_a, user=users["organizer"]),
                ContestStaff(contest=contest_b, user=users["other_organizer"])])
    other = make_user(username="ts-khac", unit_id=unit.id, full_name=f"{MARKUP} khác")
    done = attempts.start(db, round_a, other, grace_seconds=30).attempt
    question_id = done.questions[0].question_id
    choice = db.scalar(select(Choice.id).where(Choice.question_id == question_id).order_by(Choice.position))
    attempts.submit(db, done, prediction=1, answers={question_id: choice}, grace_seconds=30)
    finish(closed, other, 2, max_score=3)
    receipt = attempts.start(db, round_a, users["participant"], grace_seconds=30).attempt
    attempts.submit(db, receipt, prediction=2, answers={}, grace_seconds=30)
    mine = attempts.start(db, round_a, users["participant"], grace_seconds=30).attempt
    exclusion = PrizeExclusion(round_id=round_a.id, user_id=other.id, reason=f"{MARKUP} lý do")
    db.add(exclusion)
    audit.record(db, "contest_updated", user_id=users["admin"].id, target=MARKUP, details={"name": MARKUP})
    audit.record(db, f"{MARKUP}.action", user_id=users["organizer"].id, target=MARKUP, ip="127.0.0.1")
    activation_token = activation.reset(db, make_user(username="ts-moi", unit_id=unit.id, full_name=MARKUP))
    db.commit()
    tokens = {}
    for role in ("organizer", "other_organizer", "admin"):
        user_id = users[role].id
        tokens[role] = {
            "bank": staging.stage(db, _bank_csv(), kind="bank", user_id=user_id, filename=f"{MARKUP}.csv").token,
            "units": staging.stage(db, f"Mã,Tên\nX1,{MARKUP}\n".encode(), kind="units", user_id=user_id,
                                   filename=f"{MARKUP}.csv").token,
            "participants": staging.stage(db, f"Họ tên\n{MARKUP}\n".encode(), kind="participants",
                                          user_id=user_id, filename=f"{MARKUP}.csv").token,
        }
    db.commit()
    return {
        "contest_id": contest_a.id, "round_id": round_a.id, "closed_round_id": closed.id, "attempt_id": mine.id,
        "finished_attempt_id": receipt.id, "question_id": question_id, "choice_id": choice, "user_id": other.id,
        "unit_id": unit.id, "exclusion_id": exclusion.id, "activation_token": activation_token, "tokens": tokens,
    }


ROLES = ("anonymous", "participant", "judge", "organizer", "admin")
# Pages that must show the markup (escaped), by role; every other page must merely not show it raw.
SHOWN = {
    "anonymous": {"quiz.index", "quiz.round_page", "landing.contest_page", "results.public_round", "auth.register",
                  "auth.activate"},
    "participant": {"quiz.index", "quiz.round_page", "landing.contest_page", "results.public_round", "quiz.take",
                    "quiz.confirm", "auth.account", "finished receipt"},
    "judge": {"results.index", "results.round_results", "results.round_units", "results.round_charts",
              "results.round_items", "results.round_prizes", "results.contest_results", "results.contest_units"},
    "organizer": {"admin.index", "admin.contest", "admin.edit_contest", "admin.new_round", "admin.edit_round",
                  "admin.preview_round", "admin.audit_log", "people.unit_tree", "people.new_unit", "people.edit_unit",
                  "people.participant_list", "people.edit_participant", "people.reset_participant",
                  "question_bank.index", "question_bank.edit", "question_bank.preview", "people.preview_import",
                  "results.contest_settings", "auth.registration_settings", "results.round_results",
                  "results.round_prizes", "results.round_items"},
}
SHOWN["admin"] = SHOWN["organizer"]
# Every query parameter any page reads, and a few it does not: each must come back escaped, if at all.
HOSTILE_QUERY = {name: MARKUP for name in ("q", "user", "action", "date_from", "date_to", "unit", "group", "topic",
                                           "source", "difficulty", "status", "page", "next", "kind", "scope")}


def _get_pages(app, world: dict, role: str) -> list[tuple[str, str]]:
    pages = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static" or "GET" not in rule.methods:
                continue
            pages.append((rule.endpoint, app.url_for(rule.endpoint, **_url_args(rule.endpoint, rule, world, role))))
    return pages


def _html(response) -> str | None:
    body = response.get_data(as_text=True) if response.mimetype == "text/html" else None
    response.close()
    return body


@pytest.mark.parametrize("role", ROLES)
def test_every_page_shows_user_text_escaped(app, client, auth, world, role):
    if role != "anonymous":
        assert auth.login(USERNAMES[role], PASSWORD).status_code == 302
    pages = _get_pages(app, world, role)
    if role == "participant":
        pages.append(("finished receipt", f"/attempts/{world['finished_attempt_id']}/receipt"))
    raw, unescaped = [], []
    for endpoint, path in pages:
        response = client.get(path)
        html = _html(response)
        assert response.status_code < 500, path
        if html is None:
            continue
        if RAW in html:
            raw.append(path)
        if endpoint in SHOWN.get(role, ()):
            assert response.status_code == 200, (path, response.status_code)
            if ESCAPED not in html:
                unescaped.append(path)
        reflected = client.get(path, query_string=HOSTILE_QUERY)
        html = _html(reflected)
        assert reflected.status_code < 500, (path, "with markup in the query")
        if html is not None and RAW in html:
            raw.append(f"{path}?<markup>")
    assert not raw, f"{role}: markup printed raw on {raw}"
    assert not unescaped, f"{role}: the user text is missing from {unescaped}"


@pytest.mark.parametrize("field", ["date_from", "date_to"])
def test_an_audit_date_filter_reflects_markup_escaped(client, auth, world, field):
    auth.login(USERNAMES["organizer"], PASSWORD)
    response = client.get("/admin/audit", query_string={field: MARKUP})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert RAW not in html
    assert f"“{ESCAPED}&#34;&#39;&amp;&lt;b&gt;” không phải là ngày hợp lệ" in html


def test_the_results_settings_labels_a_round_by_its_escaped_title(client, auth, world):
    auth.login(USERNAMES["organizer"], PASSWORD)
    path = f"/results/contests/{world['contest_id']}/settings"
    html = client.get(path).get_data(as_text=True)
    assert f"Đợt “{ESCAPED}" in html and RAW not in html
    # A refused choice names the round in its message: escaped as well.
    response = client.post(path, data={"csrf_token": csrf_token(client, path),
                                       f"target_{world['round_id']}": "không-có"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "giá trị so sánh của câu dự đoán không hợp lệ" in html and RAW not in html


def test_a_flash_naming_an_excluded_person_is_escaped(client, auth, world, db):
    auth.login(USERNAMES["judge"], PASSWORD)
    page = f"/results/rounds/{world['round_id']}/prizes"
    reinstate = f"{page}/exclusions/{world['exclusion_id']}/reinstate"
    assert client.post(reinstate, data={"csrf_token": csrf_token(client, page)}).status_code in (302, 303)
    response = client.post(f"{page}/exclusions", data={"csrf_token": csrf_token(client, page), "kind": "user",
                                                       "identifier": f"#{world['user_id']}", "reason": MARKUP},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Đã loại “{ESCAPED}" in html and RAW not in html


def test_a_bank_edit_shows_the_question_escaped(client, auth, world, db):
    auth.login(USERNAMES["admin"], PASSWORD)
    question = db.scalar(select(Question).where(Question.id == world["question_id"]))
    html = client.get(f"/bank/questions/{question.id}/edit").get_data(as_text=True)
    assert RAW not in html and ESCAPED in html
