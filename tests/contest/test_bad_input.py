"""Hostile and malformed input across forms and endpoints: stored as plain text, shown escaped,
refused with a Vietnamese message naming the field, and never a 500."""
import pytest
from sqlalchemy import func, select

from contest import malformed
from contest.models import Answer, Attempt, AuditLog, Contest, PrizeExclusion, Round, User
from tests.support import csrf_token, form_with_challenge
from tests.factories import make_bank, make_contest, make_round, make_user

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SQL = "' OR 1=1; DROP TABLE \"user\"; --"


@pytest.fixture
def organizer(db, client, auth):
    make_user(role="organizer", username="btc1")
    db.commit()
    auth.login("btc1")
    return client


def create_contest(client, **fields):
    token = csrf_token(client)
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
    token = csrf_token(organizer)
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
    auth.login("ts1")
    token = csrf_token(client)
    start = client.post(f"/rounds/{round_.id}/start", data={"csrf_token": token})
    assert start.status_code in (302, 303)
    page = start.headers["Location"]
    token = csrf_token(client)
    response = client.post(page, data={"csrf_token": token, "prediction": value, "action": "save"})
    if value == "":
        assert response.status_code in (302, 303)  # no prediction yet is fine
    else:
        assert response.status_code in (400, 422)
        assert "dự đoán" in response.get_data(as_text=True).lower()


# --- issue 14: nine inputs that answered 500 (four of them without logging in) -----------------
SUPERSCRIPT_TWO = "\u00b2"  # "²": str.isdigit() says yes, int() says no


def quiz_page(client, db, auth):
    """A participant's open attempt: (the quiz page's path, the first question's id)."""
    make_bank(3)
    round_ = make_round(make_contest(), questions=3)
    make_user(username="ts1")
    db.commit()
    auth.login("ts1")
    start = client.post(f"/rounds/{round_.id}/start", data={"csrf_token": csrf_token(client)})
    page = start.headers["Location"]
    html = client.get(page).get_data(as_text=True)
    question_id = int(html.split('name="q', 1)[1].split('"', 1)[0])
    return page, question_id


def test_superscript_digit_in_an_activation_token_is_a_404(client, db):
    token = SUPERSCRIPT_TWO + "." + "a" * 30
    assert client.get(f"/activate/{token}").status_code == 404
    response = client.post(f"/activate/{token}", data={"password": "x"})
    assert 400 <= response.status_code < 500


def test_superscript_digit_as_the_registration_unit_is_named(client, db):
    contest = make_contest(registration_open=True)
    db.commit()
    path = f"/contests/{contest.id}/register"
    response = client.post(path, data={
        **form_with_challenge(client, path), "full_name": "Nguyễn Thị Hoa", "password": "Hoa@2026vui",
        "confirm": "Hoa@2026vui", "phone": "0912345678", "unit_id": SUPERSCRIPT_TWO})
    assert response.status_code == 400
    assert "Đơn vị đã chọn không có trong danh sách" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_superscript_digit_as_a_quiz_answer_is_named(client, db, auth):
    page, question_id = quiz_page(client, db, auth)
    response = client.post(page, data={"csrf_token": csrf_token(client), f"q{question_id}": SUPERSCRIPT_TWO,
                                       "action": "save"})
    assert response.status_code == 422
    assert "Câu 1: phương án đã chọn không thuộc câu hỏi này." in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Answer)) == 0


@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, "\uff11\uff12", "1\u0662", "12" * 10])
def test_a_prediction_that_is_not_ascii_digits_is_refused_in_vietnamese(client, db, auth, value):
    page, _question = quiz_page(client, db, auth)
    response = client.post(page, data={"csrf_token": csrf_token(client), "prediction": value, "action": "save"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Câu hỏi dự đoán: hãy nhập một số nguyên không âm" in html
    assert "invalid literal" not in html and "Not a valid" not in html
    assert db.scalar(select(Attempt.prediction)) is None


@pytest.mark.parametrize("query", [f"topic={SUPERSCRIPT_TWO}", f"source={SUPERSCRIPT_TWO}", "topic=99999999999999999999",
                                   f"page={SUPERSCRIPT_TWO}", "page=99999999999999999999", "page=-3"])
def test_bank_filters_with_odd_numbers_are_ignored(organizer, db, query):
    response = organizer.get(f"/bank/?{query}")
    assert response.status_code == 200


@pytest.mark.parametrize("identifier", [f"#{SUPERSCRIPT_TWO}", "#\uff11", "#99999999999"])
def test_a_prize_exclusion_of_an_odd_id_is_named(organizer, db, identifier):
    make_bank(3)
    round_ = make_round(make_contest(), questions=3)
    db.commit()
    page = f"/results/rounds/{round_.id}/prizes"
    response = organizer.post(f"{page}/exclusions", data={
        "csrf_token": csrf_token(organizer), "kind": "user", "identifier": identifier, "reason": "Thử"})
    assert response.status_code == 400
    assert "Không có người dự thi nào có tên đăng nhập" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(PrizeExclusion)) == 0


def nested(depth: int) -> bytes:
    return b'{"username": ' + b"[" * depth + b"]" * depth + b', "password": "x"}'


@pytest.mark.parametrize("depth", [65, 1_000, 10_000])
@pytest.mark.parametrize("path", ["/api/v1/session", "/api/v1/rounds/1/attempts", "/api/v1/attempts/1/submit"])
def test_json_nested_deep_is_a_400_in_the_api_shape(client, db, depth, path):
    response = client.post(path, data=nested(depth), content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == {"code": "json_too_deep",
                                            "message": "Dữ liệu JSON lồng nhau quá sâu (tối đa 64 cấp)."}


def test_json_nested_within_the_bound_is_read(client, db):
    response = client.post("/api/v1/session", data=nested(60), content_type="application/json")
    assert response.status_code == 422  # read, and refused for what it says: a list is no username
    assert response.get_json()["error"]["code"] != "json_too_deep"


# Bodies that made the old depth check (a regex skipping string literals) work quadratically or
# recurse: each a function of a repeat count n.
HOSTILE = {
    "unterminated string of escaped quotes": lambda n: '{"username": "' + '\\"' * n,
    "escaped quotes and brackets in a string": lambda n: '"' + '\\"[' * n,
    "opening brackets": lambda n: "[" * n,
    "alternating lists and objects": lambda n: '[{"a":' * n,
}


def sixty_kb(shape: str) -> str:
    body = HOSTILE[shape](1)
    return HOSTILE[shape](60_000 // len(body))


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_the_depth_scan_looks_at_each_character_at_most_once(shape):
    """The work, not the wall time: characters visited grow linearly with the body, whatever it holds."""
    for n in (1_000, 30_000):
        text, double = HOSTILE[shape](n), HOSTILE[shape](2 * n)
        once, twice = malformed.scan_depth(text), malformed.scan_depth(double)
        assert once.visited <= len(text) and twice.visited <= len(double)
        assert twice.visited <= 2 * once.visited
    assert malformed.scan_depth("[" * 100_000).visited == malformed.MAX_JSON_DEPTH + 1  # stops at the bound


@pytest.mark.parametrize(("text", "too_deep"), [
    ('"' + "[" * 65 + '"', False),          # brackets in a string do not nest
    ('"\\"' + "[" * 65 + '"', False),       # an escaped quote does not end the string
    ('"\\\\"' + "[" * 65, True),           # an escaped backslash does not escape the quote after it
    ('"\\u0022"' + "[" * 65, True),         # \u0022 is a quote inside the string, not its end
    ("[" * 64 + "]" * 64 + "[" * 64, False),  # depth, not the number of brackets
    ("[{" * 32 + "[", True),
])
def test_the_depth_scan_skips_string_literals(text, too_deep):
    assert malformed.scan_depth(text).too_deep is too_deep


@pytest.mark.parametrize("shape", sorted(HOSTILE))
@pytest.mark.parametrize(("method", "path"), [("POST", "/api/v1/session"), ("POST", "/api/v1/no-such-thing"),
                                              ("GET", "/no-such-page"), ("POST", "/login")])
def test_hostile_60_kb_json_bodies_are_a_4xx_anywhere(client, db, shape, method, path):
    response = client.open(path, method=method, data=sixty_kb(shape), content_type="application/json")
    assert 400 <= response.status_code < 500
    assert db.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_a_json_body_on_a_page_is_left_unread_on_get_and_refused_otherwise(client, db):
    deep = nested(10_000)
    assert client.get("/login", data=deep, content_type="application/json").status_code == 200
    response = client.post("/login", data=deep, content_type="application/json")
    assert response.status_code == 415 and "không nhận JSON" in response.get_data(as_text=True)


@pytest.mark.parametrize("body", [
    '{"username": "\\ud800", "password": "x"}', '{"username": "a", "password": "\\udfff"}',
    '{"\\ud83d": 1, "username": "a", "password": "x"}', b'{"username": "\xed\xa0\x80", "password": "x"}',
])
def test_lone_surrogates_in_json_are_a_400(client, db, body):
    response = client.post("/api/v1/session", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] in ("invalid_characters", "invalid_encoding")
    assert db.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_a_surrogate_pair_is_an_ordinary_character(client, db):
    response = client.post("/api/v1/session", data='{"username": "\\ud83d\\ude00", "password": "x"}',
                           content_type="application/json")
    assert response.status_code == 401


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"])
@pytest.mark.parametrize("field", ["date_from", "date_to"])
def test_audit_dates_out_of_range_are_named(organizer, db, field, value):
    response = organizer.get(f"/admin/audit?{field}={value}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"“{value}”" in html and "từ năm 1900 đến năm 2100" in html


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59", "99999-01-01T00:00", "1899-06-01T08:00",
                                   f"202{SUPERSCRIPT_TWO}-01-01T08:00"])
def test_round_dates_out_of_range_are_named(organizer, db, value):
    contest = make_contest()
    db.commit()
    path = f"/admin/contests/{contest.id}/rounds/new"
    token = csrf_token(organizer)
    response = organizer.post(path, data={"csrf_token": token, "title": "Đợt 1", "opens_at": value,
                                          "closes_at": "2026-12-31T08:00", "duration_minutes": "10",
                                          "question_count": "3", "attempts_mode": "one"})
    html = response.get_data(as_text=True)
    assert response.status_code in (400, 422)
    errors = html.split('id="opens_at-error">', 1)[1].split("</ul>", 1)[0]
    assert "Thời điểm mở" in errors and ("từ năm 1900 đến năm 2100" in errors or "không hợp lệ" in errors)
    assert db.scalar(select(func.count()).select_from(Round)) == 0


def test_a_json_body_to_a_quiz_form_is_a_415_not_a_500(client, db, auth):
    """Flask-WTF reads a JSON body as the form, handing its fields objects instead of text."""
    page, question_id = quiz_page(client, db, auth)
    response = client.post(page, json={"prediction": {"a": 1}, f"q{question_id}": [1]},
                           headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 415
    assert "không nhận JSON" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Answer)) == 0


@pytest.mark.parametrize(("lang", "message"), [("vi", "Lựa chọn không hợp lệ."),
                                                ("en", "Invalid choice: could not coerce.")])
def test_wtforms_own_messages_follow_the_interface_language(organizer, db, lang, message):
    """WTForms ships no Vietnamese: its built-in messages come from our catalog (contest/form_input.py)."""
    organizer.set_cookie("lang", lang)
    token = csrf_token(organizer)
    response = organizer.post("/people/units/new", data={"csrf_token": token, "code": "X1", "name": "Đơn vị X",
                                                         "parent": SUPERSCRIPT_TWO, "headcount": "3"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert "could not coerce" not in html or lang == "en"
