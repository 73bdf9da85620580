"""Pieces every page shares are written once: a second copy is a second place to fix (issue 15, point 8)."""
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from contest.models import Round

ROOT = Path(__file__).resolve().parents[2]


def _sources(folders: tuple[str, ...], pattern: str, *, skip: tuple[str, ...] = ()) -> list[str]:
    found = []
    for folder in folders:
        for path in sorted((ROOT / folder).rglob(pattern)):
            name = str(path.relative_to(ROOT))
            if name not in skip:
                found.append(name)
    return found


def _offenders(folders, pattern, regex, *, skip=()) -> list[str]:
    return [name for name in _sources(folders, pattern, skip=skip) if re.search(regex, (ROOT / name).read_text())]


def test_every_contest_form_has_the_one_base():
    assert _offenders(("contest",), "*.py", r"\(FlaskForm\)", skip=("contest/form_input.py",)) == []
    # where a refusal lands (field or above the form) is decided in BaseForm.add_domain_error only
    assert _offenders(("contest",), "*.py", r"form_errors\)\.append", skip=("contest/form_input.py",)) == []


def test_one_page_type():
    assert _offenders(("core", "contest", "question_bank"), "*.py", r"def pages\(self\)",
                      skip=("core/paging.py",)) == []


@pytest.mark.parametrize("markup", ['class="pager"', 'class="table-wrap"', 'tabindex="0" role="region"'])
def test_pager_and_scroll_regions_come_from_the_macros(markup):
    assert _offenders(("templates",), "*.html", re.escape(markup), skip=("templates/_macros.html",)) == []


def test_ranking_table_and_import_preview_are_macros():
    assert _offenders(("templates",), "*.html", r'<table class="results-table ranking',
                      skip=("templates/results/_results.html",)) == []
    assert _offenders(("templates/people",), "*.html", r"problem-errors", skip=("templates/people/_people.html",)) == []


def test_only_the_round_compares_the_clock_with_its_window():
    window = r"opens_at\s*<=?\s*now\b(?!\s*\+)|now\s*<=?\s*\w+\.(opens|closes)_at|>=\s*\w+\.closes_at"
    assert _offenders(("contest",), "*.py", window, skip=("contest/models/contests.py",)) == []
    assert _offenders(("templates",), "*.html", window) == []


OPENS = datetime(2026, 3, 1, 8, tzinfo=timezone.utc)
CLOSES = OPENS + timedelta(hours=2)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize("now, status, is_open", [
    (OPENS - SECOND, "upcoming", False),
    (OPENS, "open", True),
    (CLOSES - SECOND, "open", True),
    (CLOSES, "closed", False),
])
def test_round_status_on_both_sides_of_each_edge(now, status, is_open):
    round_ = Round(opens_at=OPENS, closes_at=CLOSES, is_published=True)
    assert (round_.status(now), round_.is_open(now)) == (status, is_open)
    round_.is_published = False
    assert (round_.status(now), round_.is_open(now)) == (status, False)
