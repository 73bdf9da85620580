"""Schemathesis drives the quiz API from its own /api/openapi.json (in-process, through WSGI):
whatever it sends, the API never answers 5xx and every answer matches the document.

Each operation runs twice: once with generated path ids (mostly nothing, so the 404/422 paths),
once with the ids of a real round, attempt and question (the paths that reach the services).
Examples are bounded so the whole file takes seconds per engine.
"""
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode, checks

from core.db import now_utc
from tests.factories import PASSWORD, make_bank, make_round, make_unit, make_user

MAX_EXAMPLES = 15

# Built-in checks that cannot hold for a session-cookie API exercised by one logged-in user:
# - ignored_auth re-sends without the cookie expecting 401, but the login itself is public;
# - positive_data_acceptance expects 2xx for every schema-valid body, but a valid body for a
#   round that is closed or an attempt that is submitted is rightly a 409;
# - use_after_free/ensure_resource_availability need stateful links we do not declare.
EXCLUDED = [checks.ignored_auth, checks.positive_data_acceptance, checks.use_after_free,
            checks.ensure_resource_availability]


@pytest.fixture
def world(app, db):
    unit = make_unit(code="SNV")
    make_bank(6)
    round_ = make_round(questions=3, opens_at=now_utc() - timedelta(minutes=5))
    make_user(username="thisinh", unit=unit)
    make_user(role="admin", username="quantri")
    db.commit()
    logins = {}
    for username in ("thisinh", "quantri"):
        login = app.test_client()
        response = login.post("/api/v1/session", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200
        logins[username] = (login.get_cookie("session").value, response.get_json()["csrf_token"])
    cookie, token = logins["thisinh"]
    started = app.test_client()
    started.set_cookie("session", cookie)
    body = started.post(f"/api/v1/rounds/{round_.id}/attempts", headers={"X-CSRFToken": token}).get_json()
    question = body["questions"][0]
    ids = {"round_id": round_.id, "attempt_id": body["attempt_id"], "question_id": question["id"]}
    return logins, ids, question["choices"][0]["id"]


def session_cookie(logins):
    """Schemathesis' auth provider for the `session` cookie scheme: the login of the user the
    operation is meant for (an admin for the ranking, the participant for the rest)."""

    class SessionCookie:
        def get(self, case, _context):
            return logins[_user_for(case.operation)][0]

        def set(self, case, cookie, _context):
            case.cookies = {**(case.cookies or {}), "session": cookie}

    return SessionCookie


def _user_for(operation) -> str:
    return "quantri" if "ranking" in operation.path else "thisinh"


def _operations(schema):
    # Submitting closes the attempt, so it goes late: the other operations still find it open.
    # Logging out ends the session on the server (SPEC §9), so it goes last of all.
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda operation: (
        operation.method.upper() == "DELETE" and operation.path.endswith("/session"),
        operation.path.endswith("/submit")))


def _variants(operation, ids, choice_id):
    """Generated ids; the real round/attempt/question; for a save, also a real choice."""
    yield {}
    known = {name: value for name, value in ids.items() if "{" + name + "}" in operation.path}
    if known:
        yield {"path_parameters": known}
        if operation.method.upper() == "PUT":
            yield {"path_parameters": known, "body": {"choice_id": choice_id}}


# In positive mode these operations must have succeeded at least once: the run reached the services.
REACHED = {"GET /rounds", "POST /rounds/{round_id}/attempts", "GET /attempts/{attempt_id}",
           "PUT /attempts/{attempt_id}/answers/{question_id}", "POST /attempts/{attempt_id}/submit",
           "GET /rounds/{round_id}/ranking", "DELETE /session"}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_and_never_fails(app, world, mode):
    logins, ids, choice_id = world
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    schema.auth(refresh_interval=None)(session_cookie(logins))
    seen: dict[str, set[int]] = {}

    for operation in _operations(schema):
        token = logins[_user_for(operation)][1]
        for fixed in _variants(operation, ids, choice_id):
            strategy = operation.as_strategy(generation_mode=mode, auth_storage=schema.auth, **fixed)

            @settings(max_examples=MAX_EXAMPLES, database=None, deadline=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate, Phase.shrink],
                      suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def run(case):
                # The real token goes where the document puts the header; a case that left the
                # header out (negative testing) is sent without one.
                if case.headers and "X-CSRFToken" in case.headers:
                    case.headers["X-CSRFToken"] = token
                response = case.call(session=app.test_client())
                seen.setdefault(operation.label, set()).add(response.status_code)
                assert response.status_code < 500, response.text
                case.validate_response(response, excluded_checks=EXCLUDED)

            run()

    assert set(seen) == {operation.label for operation in _operations(schema)}
    if mode == GenerationMode.POSITIVE:
        succeeded = {label for label, statuses in seen.items() if statuses & {200, 201}}
        assert REACHED <= succeeded, seen
    else:
        assert all(statuses & {400, 401, 404, 422} for statuses in seen.values()), seen


# What fuzzing found, pinned: each answered 500 (on PostgreSQL, or on both engines) before.
@pytest.mark.parametrize(
    "method, path, kwargs, status, code",
    [
        ("get", "/api/v1/attempts/2147483648", {}, 404, "not_found"),
        ("post", "/api/v1/rounds/99999999999999999999/attempts", {}, 404, "not_found"),
        ("get", "/api/v1/rounds/{round_id}/ranking?unit=a%00b", {}, 400, "invalid_characters"),
        ("get", "/api/v1/rounds/{round_id}/ranking?offset=%C2%B2", {}, 422, "validation_failed"),
        ("post", "/api/v1/session", {"json": {"username": "a\x00b", "password": "x"}}, 400, "invalid_characters"),
        ("post", "/api/v1/attempts/{attempt_id}/submit", {"json": {"answers": {"\u00b2": 1}}}, 422,
         "validation_failed"),
    ],
)
def test_inputs_fuzzing_found_are_refused_cleanly(app, world, method, path, kwargs, status, code):
    logins, ids, _choice = world
    username = "quantri" if "ranking" in path else "thisinh"
    cookie, token = logins[username]
    client = app.test_client()
    client.set_cookie("session", cookie)
    response = getattr(client, method)(path.format(**ids), headers={"X-CSRFToken": token}, **kwargs)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_nul_in_a_page_form_or_query_is_a_vietnamese_400(client, db):
    response = client.get("/?q=a%00")
    assert response.status_code == 400
    assert "ký tự NUL" in response.get_data(as_text=True)
    response = client.post("/login", data={"username": "a\x00", "password": "x"})
    assert response.status_code == 400
    assert client.get("/bank/import/abc%00").status_code in (302, 404)
