"""Error pages (contest/error_pages.py, templates/errors/error.html): every one in the site's layout, with a
Vietnamese title and a way back home; the API answers 413 and 429 in its JSON shape instead."""
import re

import pytest
from sqlalchemy import func, select

from contest.extensions import db as _db
from contest.models import Unit
from tests.conftest import csrf_token, session_post
from tests.factories import PASSWORD, make_unit, make_user

LOGIN_LIMIT = 10  # RATELIMIT_LOGIN's default: 10 failed logins a minute for one account and address
SMALL_LIMIT = 1000  # bytes: the tests shrink the body limits instead of sending 20 MB


def assert_error_page(response, status: int, title: str, message: str | None = None) -> str:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert re.search(r'<html lang="vi">', html)
    assert f"<title>{title}</title>" in html
    assert f"<h1>{title}</h1>" in html and f'<p class="status">{status}</p>' in html
    assert 'class="site-header"' in html and 'class="site-footer"' in html  # the base layout
    assert '<a href="/">Về trang chủ</a>' in html  # a way back
    assert '<link rel="stylesheet" href="/static/css/app.css">' in html
    if message:
        assert message in html
    return html


def test_404_for_a_page_that_does_not_exist(client):
    assert_error_page(client.get("/khong-co-trang-nay"), 404, "Không tìm thấy trang",
                      "Trang bạn tìm không tồn tại hoặc đã bị xoá.")


def test_404_for_an_object_that_does_not_exist(client, db):
    assert_error_page(client.get("/rounds/987654"), 404, "Không tìm thấy trang")


def test_403_for_a_page_of_another_role(client, auth, db):
    make_user(username="thisinh-403")
    db.commit()
    assert auth.login("thisinh-403", PASSWORD).status_code == 302
    html = assert_error_page(client.get("/admin/"), 403, "Không có quyền truy cập",
                             "Tài khoản của bạn không được phép xem trang này.")
    assert "Đăng xuất" in html  # still logged in, with the navigation of their role


def test_405_for_a_wrong_method(client):
    assert_error_page(client.delete("/login"), 405, "Phương thức không được phép")


def test_400_for_a_form_without_its_csrf_token(client, db):
    assert_error_page(client.post("/login", data={"username": "a", "password": "b"}), 400,
                      "Yêu cầu không hợp lệ", "Phiên làm việc đã hết hạn")


def test_500_rolls_back_and_still_shows_the_layout(app, client, db):
    def boom():
        _db.session.add(Unit(code="LOI", name="Đơn vị ghi dở", headcount=1))
        _db.session.flush()
        raise RuntimeError("a bug")

    app.add_url_rule("/_loi-thu", "boom_for_test", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # TESTING would re-raise it in the test instead
    response = client.get("/_loi-thu")
    assert_error_page(response, 500, "Lỗi máy chủ", "Dữ liệu của bạn không bị mất")
    assert "RuntimeError" not in response.get_data(as_text=True)  # no traceback for the public
    assert db.scalar(select(func.count()).select_from(Unit)) == 0  # nothing half-written


# --- 413: a body over the limit ----------------------------------------------------------------


@pytest.fixture
def small_bodies(app):
    app.config.update(MAX_CONTENT_LENGTH=SMALL_LIMIT, API_MAX_CONTENT_LENGTH=SMALL_LIMIT)


def test_413_page_for_a_form_post_over_the_limit(client, db, small_bodies):
    token = csrf_token(client)
    response = client.post("/login", data={"csrf_token": token, "username": "x" * (2 * SMALL_LIMIT), "password": "y"})
    assert_error_page(response, 413, "Tệp quá lớn")


def test_413_json_for_an_api_body_over_the_limit(client, db, small_bodies):
    response = client.post("/api/v1/session", json={"username": "x" * (2 * SMALL_LIMIT), "password": "y"})
    assert response.status_code == 413 and response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == "payload_too_large"
    assert re.search(r"[ạảãàáâậầấẩẫăắằặẳẵệềếểễọỏõòóôộồốổỗơớờợởỡ]", error["message"].lower())  # Vietnamese


# --- 429: too many failed logins ---------------------------------------------------------------


@pytest.fixture
def account(db):
    make_unit(code="SNV-429")
    make_user(username="canbo-429")
    db.commit()
    return "canbo-429"


def test_429_page_after_too_many_failed_logins(client, account):
    for _ in range(LOGIN_LIMIT):
        token = csrf_token(client)
        refused = client.post("/login", data={"csrf_token": token, "username": account, "password": "sai"})
        assert refused.status_code == 400 and "Đăng nhập" in refused.get_data(as_text=True)  # the form again
    token = csrf_token(client)
    response = client.post("/login", data={"csrf_token": token, "username": account, "password": "sai"})
    assert_error_page(response, 429, "Quá nhiều yêu cầu")
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_429_json_after_too_many_failed_api_logins(client, account):
    for _ in range(LOGIN_LIMIT):  # a client that solves the challenge asked after three failures
        assert session_post(client, {"username": account, "password": "sai"}).status_code == 401
    response = session_post(client, {"username": account, "password": "sai"})
    assert response.status_code == 429 and response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == "rate_limited" and "giây" in error["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_an_api_path_that_does_not_exist_is_json_too(client):
    response = client.get("/api/v1/khong-co")
    assert response.status_code == 404 and response.get_json()["error"]["code"]
