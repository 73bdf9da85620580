"""/healthz for load balancers and the one-line-per-request latency log (contest/observability.py)."""
import logging
import re

from sqlalchemy.engine import make_url

from contest import create_app

LINE = re.compile(r"^method=(?P<method>[A-Z]+) path=(?P<path>\S+) status=(?P<status>\d{3}) ms=(?P<ms>\d+\.\d)$")


def test_healthz_is_ok_while_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def _unreachable(database_url: str, tmp_path) -> str:
    if database_url.startswith("sqlite"):  # a folder that does not exist: SQLite cannot open the file
        return f"sqlite:///{tmp_path / 'missing' / 'contest.db'}"
    return make_url(database_url).set(host="127.0.0.1", port=1).render_as_string(hide_password=False)


def test_healthz_is_503_when_the_database_is_down(database_url, tmp_path, caplog):
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": _unreachable(database_url, tmp_path)})
    with caplog.at_level(logging.WARNING):
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}
    assert any("healthz: database unavailable" in record.getMessage() for record in caplog.records)


def _lines(caplog) -> list[dict]:
    found = [LINE.match(r.getMessage()) for r in caplog.records if r.name == "contest.request"]
    assert all(found), [r.getMessage() for r in caplog.records if r.name == "contest.request"]
    return [m.groupdict() for m in found]


def test_one_latency_line_per_request_with_the_route_template(client, caplog):
    with caplog.at_level(logging.INFO, logger="contest.request"):
        client.get("/healthz")
        client.get("/api/v1/attempts/987654")  # not logged in: 401, the id stays out of the log
        client.put("/api/v1/attempts/987654/answers/12", json={"choice_id": 1})
        client.get("/no/such/page")
    lines = _lines(caplog)
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/healthz", "200"),
        ("GET", "/api/v1/attempts/<int:attempt_id>", "401"),
        ("PUT", "/api/v1/attempts/<int:attempt_id>/answers/<int:question_id>", "400"),  # no CSRF token
        ("GET", "-", "404"),
    ]
    assert all(0 <= float(line["ms"]) < 10_000 for line in lines)
    assert "987654" not in caplog.text


def test_the_latency_line_counts_a_slow_request(app, client, caplog, monkeypatch):
    clock = iter([100.0, 100.25])  # the timer's stamp on arrival, then the after_request hook
    monkeypatch.setattr("contest.observability.time.perf_counter", lambda: next(clock))
    with caplog.at_level(logging.INFO, logger="contest.request"):
        client.get("/healthz")
    assert _lines(caplog) == [{"method": "GET", "path": "/healthz", "status": "200", "ms": "250.0"}]


def test_the_bench_floor_exists_only_when_asked_for(app, database_url, tmp_path):
    assert "bench_floor.floor" not in app.view_functions
    assert app.test_client().post("/_bench/floor", json={}).status_code == 404
    bench = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": database_url,
                        "BENCH_FLOOR": True})
    assert "bench_floor.floor" in bench.view_functions

