"""The one-way arrows between packages (docs/architecture.md), read from every import statement.

core ← question_bank ← contest: core imports neither, the bank never imports the contest; inside
the contest, the services, models and demo loaders never reach up to the web layer (blueprints,
request plumbing, Flask's request state). Checked on the parsed imports (relative ones resolved),
not on text, so a docstring cannot hide or fake one.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def offenders(package: str, forbidden: tuple[str, ...], root: Path = ROOT) -> list[str]:
    return sorted(
        f"{path.relative_to(root).as_posix()} imports {module}"
        for path in (root / package).rglob("*.py")
        for module in imported_modules(path, root)
        if any(module == name or module.startswith(name + ".") for name in forbidden)
    )


WEB_LAYER = (
    "flask", "flask_login", "flask_wtf", "contest.auth", "contest.quiz", "contest.admin", "contest.people",
    "contest.results", "contest.api", "contest.cli", "contest.security", "contest.error_pages",
    "contest.request_audit", "contest.formatting", "contest.access",
)


@pytest.mark.parametrize(("package", "forbidden"), [
    ("core", ("contest", "question_bank")),
    ("question_bank", ("contest",)),
    ("contest/services", WEB_LAYER),
    # User is Flask-Login's UserMixin; nothing else of the web reaches the models.
    ("contest/models", tuple(name for name in WEB_LAYER if name != "flask_login")),
    ("contest/demo", WEB_LAYER),
])
def test_arrows_point_one_way(package, forbidden):
    assert offenders(package, forbidden) == []


def test_the_check_sees_relative_and_dotted_imports(tmp_path):
    # The guard is only worth something if it would catch the import it forbids.
    (tmp_path / "core" / "sub").mkdir(parents=True)
    (tmp_path / "core" / "sub" / "a.py").write_text("from ..b import User\nimport question_bank.models\n")
    (tmp_path / "core" / "b.py").write_text("from contest.models import User  # a comment saying contest\n")
    (tmp_path / "core" / "c.py").write_text("from flask_babel import gettext\nfrom contest_tools import x\n")
    assert offenders("core", ("contest", "question_bank", "flask"), tmp_path) == [
        "core/b.py imports contest.models",
        "core/b.py imports contest.models.User",
        "core/sub/a.py imports question_bank.models",
    ]
