"""The one-way arrows between packages (docs/architecture.md), read from every import statement.

core ← question_bank ← contest: core imports neither, the bank never imports the contest. Checked
on the parsed imports (relative ones resolved), not on text, so a docstring cannot hide or fake one.
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
        if module.split(".")[0] in forbidden
    )


@pytest.mark.parametrize(("package", "forbidden"), [
    ("core", ("contest", "question_bank")),
    ("question_bank", ("contest",)),
])
def test_arrows_point_one_way(package, forbidden):
    assert offenders(package, forbidden) == []


def test_the_check_sees_relative_and_dotted_imports(tmp_path):
    # The guard is only worth something if it would catch the import it forbids.
    (tmp_path / "core" / "sub").mkdir(parents=True)
    (tmp_path / "core" / "sub" / "a.py").write_text("from ... import contest\nimport question_bank.models\n")
    (tmp_path / "core" / "b.py").write_text("from contest.models import User  # a comment saying contest\n")
    assert offenders("core", ("contest", "question_bank"), tmp_path) == [
        "core/b.py imports contest.models",
        "core/b.py imports contest.models.User",
        "core/sub/a.py imports question_bank.models",
    ]
