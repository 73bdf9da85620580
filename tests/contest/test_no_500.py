"""No request gets a 500 (SPEC §9), proved by walking the URL map with Hypothesis.

For every rule of `app.url_map` and every method it takes, as every role of the route-policy
world (anonymous, participant, judge of A, organizer of A, organizer of B only, admin), on both
engines: path variables get real ids or hostile text ("²", "１２", 20-digit numbers, -1, a
percent-encoded lone surrogate, NUL, markup, very long text); query parameters and form or JSON
fields get hostile values. The field names are those the pages really have: every page is
rendered first and its forms scraped (action, names and current values), so a POST starts from
what a browser would send and Hypothesis spoils some fields of it. Bounded: a few examples per
rule and method, derandomized, so a run is reproducible and takes well under a minute per engine.
"""
import json
import re
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from tests.support import csrf_token, login
from tests.contest.test_route_policy import (  # noqa: F401  (world: the fixture)
    LAST,
    ROLES,
    USERNAMES,
    _url_args,
    world,
)
from tests.factories import PASSWORD

EXAMPLES = 5  # random ones per rule and method (~100 of those), after the sweep

HOSTILE_SEGMENTS = ["%C2%B2", "%EF%BC%91%EF%BC%92", "%D9%A1%D9%A2", "99999999999999999999", "2147483648", "-1", "0",
                    "01", "1.5", "%ED%A0%80", "%00", "%3Cimg%20src%3Dx%3E", "x" * 300, "%FF%FE"]
HOSTILE_TEXT = ["\u00b2", "\uff11\uff12", "\u0661\u0662", "-1", "0", "1.5", "1e9", "99999999999999999999",
                "2147483648", "9223372036854775808", "", " ", "\ud800", "a\udfffb", "a\x00b",
                "<img src=x onerror=alert(1)>\"'&", "x" * 5000, "0001-01-01", "0001-01-01T00:00", "99999-12-31",
                "9999-12-31T23:59", "1899-12-31", "2026-02-30", "2026-13-01T25:61", "None", "null", "#\u00b2",
                "#99999999999", "[]", "{}", "%", "\\", "//evil.example/x", "javascript:alert(1)"]
QUERY_NAMES = ["page", "q", "next", "unit", "group", "offset", "limit", "user", "action", "date_from", "date_to",
               "topic", "source", "difficulty", "status", "lang"]
API_FIELDS = ["username", "password", "choice_id", "prediction", "answers"]
RAW_BODIES = [b"[" * 10_000 + b"]" * 10_000, b'{"a": "\\ud800"}', b"\xff\xfe\xfa", b'{"username": "\xed\xa0\x80"}',
              b"{" * 65 + b"}" * 65, b"1" * 5000, b"", b"null"]

hostile_text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=12))
hostile_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), hostile_text),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=6,
)


# What a person would type into an empty field of each kind, so one spoiled field is not the only problem.
TYPED = {"number": "", "date": "2026-12-07", "datetime-local": "2026-12-07T08:00", "email": "thu@snv.gov.vn",
         "tel": "0912345678", "password": "Thu@2026vui", "search": "", "hidden": ""}


class FormScraper(HTMLParser):
    """Every <form> of a page: (method, action, {name: value}) as a person would submit it, with
    empty text fields typed in (TYPED, else "Thử 1") and the first option of each select taken."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[tuple[str, str, dict[str, str]]] = []
        self._fields: dict[str, str] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "form":
            self._fields = {}
            action = urlsplit(attrs.get("action") or self.page).path or self.page
            self.forms.append(((attrs.get("method") or "get").upper(), action, self._fields))
        elif self._fields is None:
            return
        elif tag == "option" and self._select:
            if self._select not in self._fields or "selected" in attrs:
                self._fields[self._select] = attrs.get("value") or ""
        elif not name:
            return
        elif tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "file", "button", "reset"):
                return
            if kind == "checkbox" and "checked" not in attrs:
                return
            if kind == "radio" and name in self._fields and "checked" not in attrs:
                return
            self._fields[name] = attrs.get("value") or TYPED.get(kind, "Thử 1")
        elif tag == "button":
            self._fields.setdefault(name, attrs.get("value") or "")
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea = name
            self._fields[name] = ""

    def handle_data(self, data):
        if self._textarea and self._fields is not None:
            self._fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._fields is not None and not self._fields[self._textarea].strip():
                self._fields[self._textarea] = "Thử 1"
            self._textarea = None


_VARIABLE = re.compile(r"<(?:[a-zA-Z_]\w*(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_]\w*)>")


def _path_template(rule) -> list[tuple[bool, str]]:
    """The rule as (is_variable, text) parts: "/rounds/<int:round_id>" → [(False, "/rounds/"), (True, "round_id")]."""
    parts, position = [], 0
    for match in _VARIABLE.finditer(rule.rule):
        parts += [(False, rule.rule[position:match.start()]), (True, match.group("name"))]
        position = match.end()
    return parts + [(False, rule.rule[position:])]


def _build(parts, real: dict, choices: dict) -> str:
    return "".join(choices.get(text, quote(str(real[text]), safe="")) if variable else text for variable, text in parts)


@pytest.fixture
def app(make_app):
    """The app without rate limits: a limit would answer 429 before the view reads what we send."""
    return make_app(RATELIMIT_ENABLED=False)


@pytest.fixture
def clients(app, world):
    """A logged-in client per role (and the CSRF token its pages carry)."""
    out = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            login(client, USERNAMES[role])
        out[role] = (client, csrf_token(client))
    return out


class Scraped:
    """What the pages show each role: the forms (fields a browser would send) and who reached what."""

    def __init__(self):
        self.fields: dict[tuple[str, str], dict[str, str]] = {}  # (METHOD, path) → {name: value}
        self.reached: dict[tuple[str, str], set[str]] = {}  # (METHOD, path) → roles that see it or its form

    def add(self, role: str, method: str, path: str, fields: dict[str, str] | None = None) -> None:
        self.fields.setdefault((method, path), {}).update(fields or {})
        self.reached.setdefault((method, path), set()).add(role)


def _scrape(app, world, clients) -> Scraped:
    scraped = Scraped()
    with app.test_request_context():
        pages = [(role, app.url_for(rule.endpoint, **_url_args(rule.endpoint, rule, world, role)))
                 for rule in app.url_map.iter_rules() if rule.endpoint != "static" and "GET" in rule.methods
                 for role in ROLES]
    for role, path in pages:
        response = clients[role][0].get(path)
        if response.status_code == 200:
            scraped.add(role, "GET", path)
        if response.status_code == 200 and response.mimetype == "text/html":
            scraper = FormScraper(path)
            scraper.feed(response.get_data(as_text=True))
            for method, action, fields in scraper.forms:
                scraped.add(role, method, action, fields)
        response.close()
    return scraped


# Requests that submit the attempt, end a session or discard an upload come last, in this order.
WALK_LAST = ("quiz.save", "api.submit_attempt", *LAST)


def _requests(app) -> list[tuple[object, str]]:
    pairs = [(rule, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(pairs, key=lambda pair: WALK_LAST.index(pair[0].endpoint) + 1 if pair[0].endpoint in WALK_LAST else 0)


def _encoded(fields: dict[str, str]) -> str:
    # Lone surrogates travel as their UTF-8-style bytes (%ED%A0%80), as a hostile client would send them.
    return urlencode(fields, encoding="utf-8", errors="surrogatepass")


ATTACKS = ["form", "path", "query", "raw", "json"]
# The sweep (Hypothesis' explicit examples): each field and path variable of each rule gets each of these.
# (A lone surrogate cannot travel in a form: Werkzeug keeps undecodable bytes as "%ED%A0%80" text.)
SWEEP_TEXT = ["\u00b2", "#\u00b2", "9" * 20, "0001-01-01", "0001-01-01T00:00"]
SWEEP_JSON = ["\u00b2", 2**70, -1, "\ud800", [[[]]], {"\u00b2": "\u00b2"}]
# Path mutations of the real value: replaced outright, or its first character made a Unicode digit.
SEGMENTS = [lambda real: "%C2%B2", lambda real: "9" * 20, lambda real: "%C2%B2" + quote(real[1:], safe=""),
            lambda real: "%EF%BC%91" + quote(real, safe=""), lambda real: "%ED%A0%80", lambda real: "-1",
            lambda real: quote(real, safe="") + "%00", lambda real: "x" * 300]
PREFERRED = ("admin", "organizer", "judge", "participant", "anonymous", "other_organizer")


def _fields(scraped: Scraped, method: str, path: str, role: str, world: dict, api: bool) -> dict:
    if api:  # a login as oneself keeps each client in its role; the anonymous one names nobody
        return {"choice_id": world["choice_id"], "prediction": 1, "username": USERNAMES.get(role, "khong-co"),
                "password": PASSWORD}
    return dict(scraped.fields.get((method, path), {}))


def _request(method, parts, real_path, scraped, world, draw):
    """One hostile request: a browser's request for this rule with one part of it spoiled."""
    attack, role = draw["attack"], draw["role"]
    variables = [text for is_variable, text in parts if is_variable]
    real = {name: str(value) for name, value in real_path[role].items()}
    segments = {}
    if attack == "path" and variables:
        name = variables[draw["target"] % len(variables)]
        segments[name] = SEGMENTS[draw["segment"] % len(SEGMENTS)](real[name])
    path = _build(parts, real, segments)
    api = path.startswith("/api/")
    fields = _fields(scraped, method, _build(parts, real, {}), role, world, api)
    query, body, kind = {}, None, "application/x-www-form-urlencoded"
    if attack == "form":
        names = sorted(fields) or QUERY_NAMES
        for offset in range(draw["count"] + 1):
            fields[names[(draw["target"] + offset * 7) % len(names)]] = draw["json"] if api else draw["text"]
        fields.update(draw["extra"])
    elif attack == "query":
        query[QUERY_NAMES[draw["target"] % len(QUERY_NAMES)]] = draw["text"]
        query.update(draw["extra"])
    elif attack == "raw":
        body = draw["raw"]
        kind = "application/json" if api or draw["target"] % 2 else kind
    elif attack == "json":
        for offset in range(draw["count"] + 1):
            fields[API_FIELDS[(draw["target"] + offset) % len(API_FIELDS)]] = draw["json"]
        body = json.dumps(fields, ensure_ascii=False).encode("utf-8", "surrogatepass")
        kind = "application/json"
    if draw["token"] != "missing" and not api:
        fields.setdefault("csrf_token", draw["csrf"] if draw["token"] == "valid" else "x" * 40)
    if body is None:
        if api:
            body, kind = json.dumps(fields, ensure_ascii=False).encode("utf-8", "surrogatepass"), "application/json"
        else:
            body = _encoded(fields).encode("ascii")
    if method == "GET" and not api:
        query = {**{k: v for k, v in fields.items() if k != "csrf_token"}, **query}
    return path, _encoded(query), body, kind


DRAW = {"attack": "form", "role": "admin", "target": 0, "count": 0, "segment": 0, "text": "", "json": None,
        "extra": {}, "raw": b"", "token": "valid"}


def _sweep(role: str, n_variables: int, n_fields: int, api: bool) -> list[dict]:
    """Each field × SWEEP_TEXT (JSON fields × SWEEP_JSON, raw bodies on the API), each path variable × SEGMENTS."""
    cases = [{**DRAW, "role": role, "attack": "path", "target": t, "segment": s}
             for t in range(n_variables) for s in range(len(SEGMENTS))]
    if api:
        cases += [{**DRAW, "role": role, "attack": "json", "target": t, "json": value}
                  for t in range(len(API_FIELDS)) for value in SWEEP_JSON]
        cases += [{**DRAW, "role": role, "attack": "raw", "raw": raw} for raw in RAW_BODIES]
    else:
        cases += [{**DRAW, "role": role, "attack": "form", "target": t, "text": value}
                  for t in range(n_fields) for value in SWEEP_TEXT]
    return cases


def test_no_request_gets_a_500(app, world, clients):
    scraped = _scrape(app, world, clients)
    statuses: dict[str, set[int]] = {}
    failures: list[str] = []
    for rule, method in _requests(app):
        parts = _path_template(rule)
        with app.test_request_context():
            real_path = {role: _url_args(rule.endpoint, rule, world, role) for role in ROLES}
            admin_path = app.url_for(rule.endpoint, **real_path["admin"])
        api = admin_path.startswith("/api/")
        # Mostly the roles that reach the view (whose pages show it or a form posting to it).
        reaching = sorted(set().union(*(roles for (m, p), roles in scraped.reached.items()
                                        if m == method and p == admin_path)) or ROLES)
        if api:
            reaching = ["admin"] if "ranking" in rule.rule else ["participant", "anonymous"]
        first = next(role for role in PREFERRED if role in reaching)
        with app.test_request_context():
            first_path = app.url_for(rule.endpoint, **real_path[first])
        n_fields = len(_fields(scraped, method, first_path, first, world, api))
        n_variables = sum(1 for is_variable, _text in parts if is_variable)
        label = f"{method} {rule.rule}"

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(draw=st.fixed_dictionaries({
            "attack": st.sampled_from(ATTACKS),
            "role": st.sampled_from(reaching) | st.sampled_from(ROLES),
            "target": st.integers(0, 1000),
            "count": st.integers(0, 2),
            "segment": st.integers(0, len(SEGMENTS) - 1),
            "text": hostile_text,
            "json": hostile_json,
            "extra": st.dictionaries(st.text(min_size=1, max_size=3), hostile_text, max_size=2),
            "raw": st.sampled_from(RAW_BODIES),
            "token": st.sampled_from(["valid", "valid", "valid", "missing", "wrong"]),
        }))
        def run(draw):
            client, csrf = clients[draw["role"]]
            path, query, body, kind = _request(method, parts, real_path, scraped, world, {**draw, "csrf": csrf})
            token = {"valid": csrf, "wrong": "x" * 40}.get(draw["token"])
            headers = {"X-CSRFToken": token} if token else {}
            if method == "GET":
                response = client.open(path, method=method, query_string=query, headers=headers)
            else:
                response = client.open(path, method=method, query_string=query, data=body, content_type=kind,
                                       headers=headers)
            status = response.status_code
            statuses.setdefault(label, set()).add(status)
            text = response.get_data(as_text=True)[:300] if status >= 500 else ""
            response.close()
            assert status < 500, f"{draw['role']} {method} {path}?{query[:200]} body={body[:200]!r} → {status}: {text}"

        for case in _sweep(first, n_variables, n_fields, api):
            run = example(draw=case)(run)
        try:
            run()
        except Exception as failure:  # noqa: BLE001  (every rule is walked; all failures are reported together)
            failures.append(f"{label}: {type(failure).__name__}: {str(failure)[:600]}")
    assert not failures, f"{len(failures)} rule(s) answered 500:\n" + "\n\n".join(failures)
    assert set(statuses) == {f"{method} {rule.rule}" for rule, method in _requests(app)}
    # The walk reached the views, not only the routing: many rules answered 2xx/3xx at least once.
    assert sum(1 for codes in statuses.values() if codes & {200, 201, 302, 303}) > len(statuses) // 2, statuses
