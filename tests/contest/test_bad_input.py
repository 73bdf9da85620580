"""Hostile and malformed input across forms and endpoints: stored as plain text, shown escaped,
refused with a Vietnamese message naming the field, and never a 500."""
import pytest
from sqlalchemy import func, select

from contest.models import Contest
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_bank, make_contest, make_round, make_user

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SQL = "' OR 1=1; DROP TABLE \"user\"; --"


@pytest.fixture
def organizer(db, client, auth):
    make_user(role="organizer", username="btc1")
    db.commit()
    auth.login("btc1", PASSWORD)
    return client


def create_contest(client, **fields):
    token = csrf_token(client, "/admin/contests/new")
    return client.post("/admin/contests/new", data={"csrf_token": token, "description": "", **fields})


def test_markup_is_stored_as_text_and_shown_escaped(organizer, db):
    response = create_contest(organizer, name=SCRIPT, description=SQL)
    assert response.status_code in (302, 303)
    contest = db.scalars(select(Contest)).one()
    assert contest.name == SCRIPT and contest.description == SQL  # stored exactly as typed
    for path in ("/admin/", f"/admin/contests/{contest.id}", "/results/"):
        html = organizer.get(path).get_data(as_text=True)
        assert SCRIPT not in html, path
        assert "&lt;script&gt;alert(" in html, path


@pytest.mark.parametrize(("fields", "message"), [
    ({"name": ""}, "Hãy nhập tên cuộc thi."),
    ({"name": "x" * 301}, "Tên cuộc thi không được dài quá 300 ký tự."),
    ({"name": "Cuộc thi", "description": "y" * 5001}, "Mô tả không được dài quá 5000 ký tự."),
])
def test_empty_and_too_long_are_refused_in_vietnamese(organizer, db, fields, message):
    response = create_contest(organizer, **fields)
    assert response.status_code in (200, 400, 422)
    assert message in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Contest)) == 0


@pytest.mark.parametrize("path", ["/bank/?q={}", "/people/participants?q={}", "/admin/audit?user={}"])
@pytest.mark.parametrize("value", [SQL, SCRIPT, "%", "_", "\\", "日本語", "x" * 5000])
def test_searches_treat_input_as_text(organizer, db, path, value):
    response = organizer.get(path.format(value))
    assert response.status_code in (200, 400, 422), (path, value)
    assert SCRIPT not in response.get_data(as_text=True)


def test_wrong_encoding_in_a_form_is_refused_not_500(organizer):
    token = csrf_token(organizer, "/admin/contests/new")
    body = b"csrf_token=" + token.encode() + b"&name=%FF%FE%FA&description="
    response = organizer.post("/admin/contests/new", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500


@pytest.mark.parametrize("body", [b"{", b"[]", b'"text"', b"null", "{\"username\": \"\u0000\"}".encode(),
                                  b'{"username": 5, "password": []}', b"\xff\xfe"])
def test_api_login_bad_bodies(client, db, body):
    response = client.post("/api/v1/session", data=body, content_type="application/json")
    assert 400 <= response.status_code < 500
    error = response.get_json()["error"]
    assert error["code"] and error["message"]


@pytest.mark.parametrize("value", ["abc", "", "1e3", "-5", "99999999999", "12; DROP TABLE attempt"])
def test_quiz_form_refuses_bad_numbers(client, db, auth, value):
    make_bank(3)
    round_ = make_round(make_contest(), questions=3)
    make_user(username="ts1")
    db.commit()
    auth.login("ts1", PASSWORD)
    token = csrf_token(client, f"/rounds/{round_.id}")
    start = client.post(f"/rounds/{round_.id}/start", data={"csrf_token": token})
    assert start.status_code in (302, 303)
    page = start.headers["Location"]
    token = csrf_token(client, page)
    response = client.post(page, data={"csrf_token": token, "prediction": value, "action": "save"})
    if value == "":
        assert response.status_code in (302, 303)  # no prediction yet is fine
    else:
        assert response.status_code in (400, 422)
        assert "dự đoán" in response.get_data(as_text=True).lower()
