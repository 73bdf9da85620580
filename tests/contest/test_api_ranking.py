"""GET /api/v1/rounds/{id}/ranking (SPEC §5): rows, total, paging, unit filter, who may read it."""
import pytest

from contest.models import ContestStaff
from tests.support import api_login
from tests.factories import finish, make_bank, make_contest, make_round, make_unit, make_user

KEYS = {"rank", "attempt_id", "username", "full_name", "unit_code", "unit_name", "score", "max_score",
        "prediction", "duration_seconds", "submitted_at", "flags"}


@pytest.fixture
def ranked(db):
    make_bank(3)
    round_ = make_round(make_contest(), questions=3)
    parent = make_unit(code="SNV", name="Sở Nội vụ")
    child = make_unit(code="PCCHC", name="Phòng CCHC", parent_id=parent.id)
    people = [make_user(full_name=f"P{i}", unit_id=(parent if i % 2 else child).id) for i in range(5)]
    for index, person in enumerate(people):
        finish(round_, person, 10 - index, prediction=index, duration=100 + index)
    judge = make_user(role="judge", username="giamkhao")
    db.commit()
    return round_, people, judge


def test_judge_reads_rows_in_rank_order(client, ranked):
    round_, people, judge = ranked
    api_login(client, "giamkhao")
    body = client.get(f"/api/v1/rounds/{round_.id}/ranking?limit=2&offset=1").get_json()
    assert body["total"] == 5
    assert [row["rank"] for row in body["rows"]] == [2, 3]
    row = body["rows"][0]
    assert set(row) == KEYS
    assert (row["full_name"], row["score"], row["max_score"], row["prediction"], row["duration_seconds"],
            row["unit_code"]) == ("P1", 9, 10, 1, 101, "SNV")
    assert row["submitted_at"].endswith("+00:00")
    assert row["flags"] == []  # 101 s for 3 questions: plausible


def test_unit_filter_includes_sub_units(client, ranked):
    round_, people, judge = ranked
    api_login(client, "giamkhao")
    assert client.get(f"/api/v1/rounds/{round_.id}/ranking?unit=SNV").get_json()["total"] == 5
    assert client.get(f"/api/v1/rounds/{round_.id}/ranking?unit=PCCHC").get_json()["total"] == 3
    response = client.get(f"/api/v1/rounds/{round_.id}/ranking?unit=KHONGCO")
    assert response.status_code == 422
    assert "KHONGCO" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("query", ["limit=0", "limit=abc", "offset=-1", "limit=5000"])
def test_bad_paging_is_422(client, ranked, query):
    round_, _, _ = ranked
    api_login(client, "giamkhao")
    assert client.get(f"/api/v1/rounds/{round_.id}/ranking?{query}").status_code == 422


def test_participants_and_other_contests_staff_get_404(client, db, ranked):
    round_, people, judge = ranked
    other = make_user(role="judge", username="bgk-khac")
    db.add(ContestStaff(contest_id=make_contest().id, user_id=other.id))
    db.commit()
    api_login(client, people[0].username)
    assert client.get(f"/api/v1/rounds/{round_.id}/ranking").status_code == 404
    api_login(client, "bgk-khac")
    assert client.get(f"/api/v1/rounds/{round_.id}/ranking").status_code == 404
    assert client.get("/api/v1/rounds/999999/ranking").status_code == 404


def test_anonymous_is_401(client, ranked):
    round_, _, _ = ranked
    assert client.get(f"/api/v1/rounds/{round_.id}/ranking").status_code == 401
