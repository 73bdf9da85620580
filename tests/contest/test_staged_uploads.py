"""Staged uploads (core/staging.py): each knows its kind and its owner, and lives in the database
so that any app server can serve the preview and the confirm."""
import io
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from contest.extensions import db as extension_db
from contest.models import Question, StagedUpload, Unit, User
from core import staging
from core.db import now_utc
from tests.conftest import csrf_token, make_test_app
from tests.factories import PASSWORD, make_unit, make_user

AIKEN = "Cơ quan nào ban hành Nghị quyết 76?\nA. Chính phủ\nB. Quốc hội\nANSWER: A\n"
UNITS = "Mã đơn vị,Tên đơn vị,Mã đơn vị cấp trên,Biên chế\nSTP,Sở Tư pháp,,40\n"
PEOPLE = "Họ và tên,Mã đơn vị\nNguyễn Thị Hoa,SNV\n"
UPLOAD_PAGES = {"bank": "/bank/import", "units": "/people/units/import",
                "participants": "/people/participants/import"}


def preview_url(kind: str, token: str) -> str:
    return f"/bank/import/{token}" if kind == "bank" else f"/people/{kind}/import/{token}"


def action_urls(kind: str, token: str) -> list[str]:
    """The POST routes that use a staged upload of this kind: confirm and discard."""
    return [f"{preview_url(kind, token)}/confirm", f"{preview_url(kind, token)}/discard"]


def upload(client, kind: str, data: str, filename: str, **fields) -> str:
    form = {"csrf_token": csrf_token(client, UPLOAD_PAGES[kind]), "file": (io.BytesIO(data.encode()), filename),
            **fields}
    response = client.post(UPLOAD_PAGES[kind], data=form, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rstrip("/").split("/")[-1]


@pytest.fixture
def organizer(client, auth, db):
    make_unit(code="SNV")
    user = make_user(role="organizer", username="btc")
    db.commit()
    assert auth.login("btc", PASSWORD).status_code == 302
    return user


def counts(db) -> tuple[int, int, int, int]:
    db.rollback()
    return tuple(db.scalar(select(func.count()).select_from(model))
                 for model in (Question, Unit, User, StagedUpload))


def test_an_upload_is_usable_only_through_the_pages_of_its_kind(client, db, organizer):
    # The bank upload names a default topic equal to a people kind: once, that was the people
    # imports' tag, so the people pages took it for one of theirs.
    tokens = {"bank": upload(client, "bank", AIKEN, "bank.txt", topic="units"),
              "units": upload(client, "units", UNITS, "don-vi.csv"),
              "participants": upload(client, "participants", PEOPLE, "thi-sinh.csv")}
    before = counts(db)
    csrf = csrf_token(client, "/people/units")
    for kind, token in tokens.items():
        for other in tokens:
            if other == kind:
                continue
            assert client.get(preview_url(other, token)).status_code == 404, (kind, other)
            for url in action_urls(other, token):
                assert client.post(url, data={"csrf_token": csrf}).status_code == 404, (kind, other, url)
    assert counts(db) == before, "nothing imported, nothing discarded"
    for kind, token in tokens.items():
        assert client.get(preview_url(kind, token)).status_code == 200, kind


def test_another_organizers_upload_is_not_found(app, client, db, organizer):
    token = upload(client, "units", UNITS, "don-vi.csv")
    make_user(role="organizer", username="btc-khac")
    db.commit()
    other = app.test_client()
    other.post("/login", data={"username": "btc-khac", "password": PASSWORD, "csrf_token": csrf_token(other)})
    assert other.get(preview_url("units", token)).status_code == 404
    for url in action_urls("units", token):
        assert other.post(url, data={"csrf_token": csrf_token(other, "/people/units")}).status_code == 404
    assert client.get(preview_url("units", token)).status_code == 200


def test_another_app_server_confirms_what_one_staged(app, client, db, organizer, database_url, tmp_path):
    """Two servers share the database, not a disk: the confirm lands on the one that did not
    receive the upload (its own instance folder)."""
    token = upload(client, "units", UNITS, "don-vi.csv")
    second = make_test_app(database_url, tmp_path / "second-server")
    assert second.instance_path != app.instance_path
    other = second.test_client()
    other.set_cookie(*_session_cookie(client))
    try:
        assert other.get(preview_url("units", token)).status_code == 200
        confirmed = other.post(f"{preview_url('units', token)}/confirm",
                               data={"csrf_token": csrf_token(other, "/people/units")})
        assert confirmed.status_code == 302
    finally:
        with second.app_context():  # its pool, closed now rather than by the garbage collector
            extension_db.engine.dispose()
    db.rollback()
    assert db.scalar(select(Unit.name).where(Unit.code == "STP")) == "Sở Tư pháp"
    assert db.scalar(select(func.count()).select_from(StagedUpload)) == 0, "confirmed with the import"


def _session_cookie(client) -> tuple[str, str]:
    cookie = client.get_cookie("session")
    return cookie.key, cookie.value


def test_expired_rows_are_purged_by_the_next_upload_and_a_preview_writes_nothing(client, db, organizer):
    with time_machine.travel(now_utc(), tick=False) as traveller:
        old = upload(client, "participants", PEOPLE, "cu.csv")
        traveller.shift(staging.TTL)
        response = client.get(preview_url("participants", old))
        assert response.status_code == 302 and response.headers["Location"] == UPLOAD_PAGES["participants"]
        db.rollback()
        assert db.scalar(select(func.count()).select_from(StagedUpload)) == 1, "a GET deletes nothing"
        traveller.shift(timedelta(seconds=1))
        new = upload(client, "bank", AIKEN, "moi.txt")
    db.rollback()
    assert list(db.scalars(select(StagedUpload.id))) == [new]


def test_load_asks_for_the_kind_and_the_owner(db, organizer):
    staged = staging.stage(db, b"x", kind="units", user_id=organizer.id, filename="C:\\tai-lieu\\dv.csv",
                           options={"topic": "  "})
    assert (staged.filename, staged.options, len(staged.token)) == ("dv.csv", {}, 43)
    assert staging.load(db, staged.token, kind="units", user_id=organizer.id).data == b"x"
    assert staging.load(db, staged.token, kind="participants", user_id=organizer.id) is None
    assert staging.load(db, staged.token, kind="units", user_id=organizer.id + 1) is None
    assert staging.load(db, "../" + staged.token[3:], kind="units", user_id=organizer.id) is None
