"""Vietnamese by default, English on request: the switch, <html lang>, and a complete catalog.

The catalog test extracts every msgid from the code and templates (babel.cfg) and asks the
English catalog for each: a new string without its translation fails here, not in front of users.
"""
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.support import csrf_token

ROOT = Path(__file__).resolve().parent.parent.parent
CATALOG = ROOT / "contest" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}


def _method_map():
    methods = []
    for line in (ROOT / "babel.cfg").read_text().splitlines():
        if line.startswith("["):
            method, pattern = line.strip("[]").split(":", 1)
            methods.append((pattern.strip(), method.strip()))
    return methods


@pytest.fixture(scope="module")
def msgids() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), _method_map(), keywords=KEYWORDS, options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.fixture(scope="module")
def english():
    with CATALOG.open("rb") as source:
        return read_po(source)


def test_every_msgid_has_an_english_translation(msgids, english):
    assert len(msgids) > 500  # the extraction really walked the code and the templates
    missing = sorted(m for m in msgids if m not in english or not english[m].string)
    fuzzy = sorted(m for m in msgids if m in english and english[m].fuzzy)
    assert not missing, f"{len(missing)} msgids without English, e.g. {missing[:5]}"
    assert not fuzzy, f"fuzzy translations: {fuzzy[:5]}"


def test_translations_keep_their_placeholders(english):
    wrong = [
        message.id for message in english
        if message.id and message.string and sorted(PLACEHOLDER.findall(message.id)) != sorted(PLACEHOLDER.findall(message.string))
    ]
    assert not wrong, wrong[:5]


def test_vietnamese_is_the_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page and 'lang="en"' in page  # the switch offers English, named in English


def test_english_follows_the_cookie(client):
    client.set_cookie("lang", "en")
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Log in" in page and "Đăng nhập" not in page
    assert "Tiếng Việt" in page  # and offers the way back


def test_an_unknown_language_falls_back_to_vietnamese(client):
    client.set_cookie("lang", "fr")
    assert '<html lang="vi">' in client.get("/login").get_data(as_text=True)


def test_the_switch_sets_the_cookie_and_returns_to_the_page(client):
    token = csrf_token(client)
    response = client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/login?next=/bank"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login?next=/bank")
    assert "lang=en" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    assert "Log in" in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("lang, with_token", [
    ("xx", True),  # not a language we speak
    ("en", False),  # no CSRF token
])
def test_the_switch_refuses_bad_input(client, lang, with_token):
    data = {"lang": lang, "next": "/"}
    if with_token:
        data["csrf_token"] = csrf_token(client)
    assert client.post("/language", data=data).status_code == 400


def test_the_switch_never_redirects_off_site(client):
    response = client.post("/language", data={"csrf_token": csrf_token(client), "lang": "en", "next": "//evil.example/x"})
    assert response.status_code == 302 and "evil" not in response.headers["Location"]
