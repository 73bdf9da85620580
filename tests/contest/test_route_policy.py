"""Every route × every role: one table says what each role gets, and the test asks the app.

A route that is missing from POLICY fails `test_every_route_has_a_rule`, so nobody adds a page
without deciding who may open it. The URL parameters are ids of objects made in `world`: contest
A with its rounds (the scoped judge and organizer work on A only) and contest B (the other
organizer's). GET is requested for pages; the other methods with a valid CSRF token, and for
those only the authorisation outcome is checked (allowed = neither 401/403/404 nor the login page).
docs/security.md explains the policy in prose.
"""
from datetime import timedelta

import pytest
from sqlalchemy import select

from contest import create_app
from contest.models import ContestStaff, PrizeExclusion
from contest.services.quiz import attempts
from contest.services.users import activation
from core import staging
from core.db import now_utc
from question_bank.models import Choice
from tests.support import csrf_token
from tests.factories import make_bank, make_contest, make_round, make_unit, make_user

ROLES = ("anonymous", "participant", "judge", "organizer", "other_organizer", "admin")

OK = 200
REDIRECT = "redirect"  # a 3xx that is not the login page
LOGIN = "login"  # 302 to /login?next=…
ALLOWED = "allowed"  # not refused: anything but 401, 403, 404 or the login page
DENIALS = {401, 403, 404, LOGIN}

ADMIN_ANY = (LOGIN, 403, 403, OK, OK, OK)  # admin, any organizer (province-wide data)
ADMIN_ANY_POST = (LOGIN, 403, 403, ALLOWED, ALLOWED, ALLOWED)
CONTEST_MANAGE = (LOGIN, 403, 403, OK, 403, OK)  # admin, organizers of contest A
CONTEST_MANAGE_POST = (LOGIN, 403, 403, ALLOWED, 403, ALLOWED)
RESULTS_VIEW = (LOGIN, 403, OK, OK, 403, OK)  # admin, organizers and judges of contest A
RESULTS_VIEW_POST = (LOGIN, 403, ALLOWED, ALLOWED, 403, ALLOWED)
OWN_ATTEMPT = (LOGIN, OK, 404, 404, 404, 404)  # its owner only; anyone else: no such attempt
OWN_ATTEMPT_POST = (LOGIN, ALLOWED, 404, 404, 404, 404)
OWN_ATTEMPT_API = (401, OK, 404, 404, 404, 404)
OWN_ATTEMPT_API_CHANGE = (401, ALLOWED, 404, 404, 404, 404)
EVERYONE = (OK,) * 6

# endpoint → outcome per role, in the order of ROLES. Endpoints with GET are requested by GET
# (and, when they also take POST, by POST: a refusal must be the same, anything else is allowed).
POLICY = {
    # --- auth: public pages ---
    "auth.login": (OK, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "auth.logout": (ALLOWED,) * 6,
    "language.switch": (ALLOWED,) * 6,  # the interface language, for anyone
    "auth.activate": EVERYONE,  # a valid one-time link; someone else's token is a 404 (test_idor)
    "auth.register": (OK, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),  # while the contest allows it
    "auth.account": (LOGIN, OK, OK, OK, OK, OK),
    "auth.change_password": (LOGIN, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED),
    "auth.logout_everywhere": (LOGIN, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED),
    "auth.registration_settings": CONTEST_MANAGE,
    "auth.invitation_codes": CONTEST_MANAGE_POST,
    # --- participants' pages ---
    "quiz.index": EVERYONE,
    "quiz.round_page": EVERYONE,
    "landing.contest_page": EVERYONE,  # once a round is published; before: 404 but to its organizers (test_landing)
    "quiz.start": (LOGIN, ALLOWED, 403, 403, 403, 403),  # staff do not take the quiz
    "quiz.take": OWN_ATTEMPT,
    "quiz.save": OWN_ATTEMPT_POST,
    "quiz.confirm": OWN_ATTEMPT,
    "quiz.submit": OWN_ATTEMPT_POST,
    "quiz.receipt": (LOGIN, REDIRECT, 404, 404, 404, 404),  # in progress: back to the quiz
    # --- the JSON API ---
    "api.openapi_document": EVERYONE,
    "observability.healthz": EVERYONE,  # load balancers ask without logging in
    "observability.healthz": EVERYONE,  # the load balancer's probe: "ok" and nothing else
    "api.create_session": (ALLOWED,) * 6,
    "api.delete_session": (ALLOWED,) * 6,
    "api.list_rounds": (401, OK, OK, OK, OK, OK),
    "api.start_attempt": (401, ALLOWED, 403, 403, 403, 403),
    "api.get_attempt": OWN_ATTEMPT_API,
    "api.save_answer": OWN_ATTEMPT_API_CHANGE,
    "api.save_prediction": OWN_ATTEMPT_API_CHANGE,
    "api.submit_attempt": OWN_ATTEMPT_API_CHANGE,
    "api.round_ranking": (401, 404, OK, OK, 404, OK),  # nothing about a round one may not read
    # --- organizers: contests and rounds (scoped per contest) ---
    "admin.index": ADMIN_ANY,
    "admin.new_contest": ADMIN_ANY,
    "admin.contest": CONTEST_MANAGE,
    "admin.edit_contest": CONTEST_MANAGE,
    "admin.new_round": CONTEST_MANAGE,
    "admin.edit_round": CONTEST_MANAGE,
    "admin.preview_round": CONTEST_MANAGE,
    "admin.publish_round": CONTEST_MANAGE_POST,
    "admin.unpublish_round": CONTEST_MANAGE_POST,
    "admin.audit_log": ADMIN_ANY,  # province-wide, like units and participants
    "admin.bank_example": ADMIN_ANY,  # the bank's import page links these example files
    # --- organizers: units and participants (province-wide: any organizer) ---
    "people.index": (LOGIN, 403, 403, REDIRECT, REDIRECT, REDIRECT),
    "people.unit_tree": ADMIN_ANY,
    "people.new_unit": ADMIN_ANY,
    "people.edit_unit": ADMIN_ANY,
    "people.import_units_page": ADMIN_ANY,
    "people.import_participants_page": ADMIN_ANY,
    "people.preview_import": ADMIN_ANY,  # one's own staged file; another's is a 404 (test_idor)
    "people.discard_import": ADMIN_ANY_POST,
    "people.confirm_units": ADMIN_ANY_POST,
    "people.confirm_participants": ADMIN_ANY_POST,
    "people.participant_list": ADMIN_ANY,
    "people.reset_participant": ADMIN_ANY,
    "people.edit_participant": ADMIN_ANY,
    "people.registrations": ADMIN_ANY,  # accounts waiting for approval, declared units to confirm
    "people.approve_registrations": ADMIN_ANY_POST,
    "people.confirm_declared_units": ADMIN_ANY_POST,
    # --- organizers: the question bank (shared by every contest) ---
    "question_bank.index": ADMIN_ANY,
    "question_bank.upload": ADMIN_ANY,
    "question_bank.preview": ADMIN_ANY,
    "question_bank.confirm": ADMIN_ANY_POST,
    "question_bank.discard": ADMIN_ANY_POST,
    "question_bank.edit": ADMIN_ANY,
    # The world's question is drawn in contest A's open round: B's organizer may not retire it
    # (SPEC §9, questions in use; an edit is refused the same way once its form is valid).
    "question_bank.retire": CONTEST_MANAGE_POST,
    "question_bank.reactivate": ADMIN_ANY_POST,
    # --- results: judges read, organizers change (scoped per contest) ---
    "results.index": (LOGIN, 403, OK, OK, OK, OK),  # lists only the contests one works on
    "results.round_results": RESULTS_VIEW,
    "results.round_units": RESULTS_VIEW,
    "results.round_charts": RESULTS_VIEW,
    "results.round_items": RESULTS_VIEW,
    "results.round_prizes": RESULTS_VIEW,
    "results.contest_results": RESULTS_VIEW,
    "results.contest_units": RESULTS_VIEW,
    "results.download_workbook": RESULTS_VIEW,
    "results.download_csv": RESULTS_VIEW,
    "results.exclude": RESULTS_VIEW_POST,  # judges too: the prize council decides exclusions
    "results.reinstate": RESULTS_VIEW_POST,
    "results.set_quotas": CONTEST_MANAGE_POST,
    "results.regrade_item": CONTEST_MANAGE_POST,
    "results.contest_settings": CONTEST_MANAGE,
    "results.publish": CONTEST_MANAGE_POST,
    "results.public_round": EVERYONE,  # published results of a closed round; unpublished: 404
}

# Requests that change what later requests see run last, in this order.
LAST = ("people.discard_import", "question_bank.discard", "quiz.submit", "admin.unpublish_round",
        "auth.logout_everywhere", "auth.logout", "api.delete_session")
NOT_APP_ROUTES = {"static"}


def _app_rules():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "route-table"})
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint not in NOT_APP_ROUTES]


def test_every_route_has_a_rule():
    endpoints = {rule.endpoint for rule in _app_rules()}
    missing = sorted(endpoints - POLICY.keys())
    stale = sorted(POLICY.keys() - endpoints)
    assert not missing, f"routes without an access rule in POLICY: {missing}"
    assert not stale, f"POLICY names routes that no longer exist: {stale}"
    assert all(len(outcomes) == len(ROLES) for outcomes in POLICY.values())


# --- the world the requests run in -------------------------------------------------------------
USERNAMES = {"participant": "ts", "judge": "gk", "organizer": "btc", "other_organizer": "btc-khac", "admin": "qtv"}


@pytest.fixture
def world(db):
    unit = make_unit(code="SNV", name="Sở Nội vụ")
    make_bank(3)
    contest_a, contest_b = make_contest(name="Cuộc thi A"), make_contest(name="Cuộc thi B")
    contest_a.registration_open = True
    round_a = make_round(contest_a, questions=3, title="Đợt A", max_attempts=3)
    closed = make_round(contest_a, questions=3, title="Đợt A đã đóng")
    closed.opens_at, closed.closes_at = now_utc() - timedelta(days=10), now_utc() - timedelta(days=3)
    closed.results_public = True
    make_round(contest_b, questions=3, title="Đợt B")
    users = {role: make_user(role=role.replace("other_", ""), username=name, unit_id=unit.id)
             for role, name in USERNAMES.items()}
    db.add_all([ContestStaff(contest=contest_a, user=users["judge"]),
                ContestStaff(contest=contest_a, user=users["organizer"]),
                ContestStaff(contest=contest_b, user=users["other_organizer"])])
    other = make_user(username="ts-khac", unit_id=unit.id)
    finished = attempts.start(db, round_a, other, grace_seconds=30).attempt
    question_id = finished.questions[0].question_id
    choice = db.scalar(select(Choice.id).where(Choice.question_id == question_id).order_by(Choice.position))
    attempts.submit(db, finished, prediction=1, answers={question_id: choice}, grace_seconds=30)
    mine = attempts.start(db, round_a, users["participant"], grace_seconds=30).attempt
    exclusion = PrizeExclusion(round_id=round_a.id, user_id=other.id, reason="Làm bài hộ")
    pending = make_user(username="ts-moi", unit_id=unit.id)
    activation_token = activation.reset(db, pending)
    db.add(exclusion)
    db.commit()
    tokens = {}
    for role in ("organizer", "other_organizer", "admin"):
        user_id = users[role].id
        tokens[role] = {
            "bank": staging.stage(db, b"not a bank", kind="bank", user_id=user_id, filename="cau-hoi.csv").token,
            "units": staging.stage(db, b"not units", kind="units", user_id=user_id, filename="don-vi.csv").token,
            "participants": staging.stage(db, b"not people", kind="participants", user_id=user_id,
                                          filename="ts.csv").token,
        }
    db.commit()
    return {
        "contest_id": contest_a.id, "round_id": round_a.id, "closed_round_id": closed.id, "attempt_id": mine.id,
        "question_id": question_id, "choice_id": choice, "user_id": other.id, "unit_id": unit.id,
        "exclusion_id": exclusion.id, "activation_token": activation_token, "tokens": tokens,
    }


def _url_args(endpoint: str, rule, world: dict, role: str) -> dict:
    own = world["tokens"].get(role, world["tokens"]["organizer"])  # roles without uploads: someone's
    token = {"question_bank": own["bank"], "auth": world["activation_token"]}.get(endpoint.split(".")[0])
    if endpoint == "people.confirm_participants":
        token = own["participants"]
    elif endpoint.startswith("people."):
        token = own["units"]
    values = {
        "contest_id": world["contest_id"], "round_id": world["round_id"], "attempt_id": world["attempt_id"],
        "question_id": world["question_id"], "user_id": world["user_id"], "unit_id": world["unit_id"],
        "exclusion_id": world["exclusion_id"], "token": token, "kind": "units", "table": "individuals",
        "scope": "individual", "action": "publish", "name": "excel",
    }
    if endpoint == "results.public_round":
        values["round_id"] = world["closed_round_id"]
    unknown = set(rule.arguments) - values.keys()
    assert not unknown, f"{endpoint}: no value for URL parameter(s) {unknown}: add one to _url_args"
    return {name: values[name] for name in rule.arguments}


def _requests(app, world: dict, role: str) -> list[tuple[str, str, str]]:
    """(endpoint, method, path): GETs first, then the other methods, LAST at the very end."""
    reads, writes = [], []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint in NOT_APP_ROUTES:
                continue
            path = app.url_for(rule.endpoint, **_url_args(rule.endpoint, rule, world, role))
            methods = rule.methods - {"HEAD", "OPTIONS"}
            if "GET" in methods:
                reads.append((rule.endpoint, "GET", path))
            writes += [(rule.endpoint, method, path) for method in sorted(methods - {"GET"})]
    writes.sort(key=lambda item: LAST.index(item[0]) + 1 if item[0] in LAST else 0)
    return reads + writes


def _outcome(response) -> int | str:
    if response.status_code in (301, 302, 303, 307, 308):
        return LOGIN if response.headers["Location"].startswith("/login") else REDIRECT
    return response.status_code


def _expected(endpoint: str, method: str, role: str):
    if endpoint not in POLICY:
        return "a rule in POLICY"
    wanted = POLICY[endpoint][ROLES.index(role)]
    if method != "GET" and wanted not in DENIALS:
        return ALLOWED  # the same view after its guard: a form error or a redirect, never a refusal
    return wanted


def _send(client, method: str, path: str, csrf: str, world: dict):
    if path.startswith("/api/"):
        body = {"choice_id": world["choice_id"]} if "/answers/" in path else {"prediction": 1}
        return client.open(path, method=method, json=body, headers={"X-CSRFToken": csrf})
    return client.open(path, method=method, data={"csrf_token": csrf})


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says(app, client, auth, world, role):
    if role != "anonymous":
        response = auth.try_login(USERNAMES[role])
        assert response.status_code == 302 and not response.headers["Location"].startswith("/login")
    csrf = csrf_token(client)
    wrong = []
    for endpoint, method, path in _requests(app, world, role):
        response = _send(client, method, path, csrf, world)
        got, wanted = _outcome(response), _expected(endpoint, method, role)
        response.close()  # downloads hold a temporary file until their response is closed
        if wanted == ALLOWED:
            ok = got not in DENIALS
        else:
            ok = got == wanted
        if not ok:
            wrong.append(f"{method} {path} ({endpoint}): expected {wanted}, got {got}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
