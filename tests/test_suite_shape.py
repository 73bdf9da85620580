"""The suite's own rules (issue 15): fixtures in conftest, helpers in tests/support.py written
once, one cheap shared password hash in the factories."""
import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
# Helpers tests/support.py holds; a test module that writes its own copy drifts from it.
SHARED_HELPERS = {"login", "try_login", "api_login", "logout", "csrf_token", "token", "at", "solve_challenge",
                  "page_challenge", "form_with_challenge", "session_post", "login_form_post", "make_test_app"}


def _modules():
    return sorted(path for path in TESTS.rglob("test_*.py"))


def _is_fixture(node: ast.FunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if ast.unparse(target) == "pytest.fixture":
            return True
    return False


def test_conftest_holds_fixtures_only():
    tree = ast.parse((TESTS / "conftest.py").read_text())
    helpers = [node.name for node in tree.body
               if isinstance(node, ast.ClassDef) or (isinstance(node, ast.FunctionDef) and not _is_fixture(node)
                                                     and not node.name.startswith("_"))]
    assert helpers == [], f"move to tests/support.py: {helpers}"


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(TESTS)))
def test_a_test_module_imports_helpers_from_support_and_writes_none_of_its_own(path):
    tree = ast.parse(path.read_text())
    from_conftest = [node.lineno for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("conftest")]
    assert from_conftest == [], f"{path.name} imports from conftest (lines {from_conftest}): use tests.support"
    copies = [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in SHARED_HELPERS]
    assert copies == [], f"{path.name} writes its own {copies}: tests/support.py has them"


def test_factory_users_share_one_cheap_hash_unless_given_a_password(db):
    from tests.factories import PASSWORD, PASSWORD_HASH, make_user

    first, second = make_user(), make_user(role="judge")
    assert first.password_hash == second.password_hash == PASSWORD_HASH
    assert first.check_password(PASSWORD)
    own = make_user(password="Khac@2026")
    assert own.password_hash != PASSWORD_HASH and own.check_password("Khac@2026")
