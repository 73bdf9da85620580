"""Per-process caches (docs/deploy.md, "Caches"): a committed bank change reaches the next read on
this worker, texts are keyed by version, and every cache has a bound that holds when overfilled."""
import ast
import re
from itertools import product
from pathlib import Path
from types import SimpleNamespace

import pytest

from contest.demo import scale as demo_scale
from contest.services.quiz import choice_orders, draw
from contest.services.results import flags, rank_order
from contest.services.users import accounts
from core import xlsx_reader
from core.cache import BoundedCache
from question_bank import catalog
from tests.factories import make_question

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "contest", "question_bank")
ANY = draw.Rule(None, None, 1)
LETTERS = ["".join(letters) for width in (1, 2) for letters in product("ABCDEFGHIJKLMNOPQRSTUVWXYZ", repeat=width)]
UNBOUNDED_FUNCTOOLS = re.compile(
    r"functools\.cache\b|@cache\b|lru_cache\(\s*(maxsize\s*=\s*)?None|@(functools\.)?lru_cache\s*$", re.MULTILINE)


def other_worker_reads(app, read):
    """`read(session)` in another request's session, as a concurrent request on this worker."""
    from contest.extensions import db as extension_db

    with app.app_context():
        try:
            return read(extension_db.session)
        finally:
            extension_db.session.remove()


# --- a committed change reaches the next read ---------------------------------------------------

def test_a_pool_refilled_before_the_change_commits_is_dropped_at_the_commit(app, db):
    active = make_question()
    retired = make_question(status="retired")
    db.commit()
    assert draw.pool(db, ANY) == [active.id]
    catalog.set_status(db, retired, "active")
    # Between the change and its commit another request on this worker fills the pool again,
    # from what is committed: without the reactivated question.
    assert other_worker_reads(app, lambda session: draw.pool(session, ANY)) == [active.id]
    db.commit()
    assert draw.pool(db, ANY) == sorted([active.id, retired.id])


def test_an_edit_reaches_the_next_read_and_old_texts_stay_with_their_version(app, db):
    question = make_question(text="Văn bản cũ?", choices=["Một", "Hai", "Ba", "Bốn"])
    db.commit()
    assert draw.payloads(db, {question.id: 1})[question.id].text == "Văn bản cũ?"
    catalog.update_question(db, question, catalog.QuestionEdit("Văn bản mới?", ["Một", "Hai", "Ba", "Bốn"], 0,
                                                               topic="Chủ đề chung"))
    db.commit()
    assert draw.draw(db, SimpleNamespace(draw_rules=[], question_count=1)) == {question.id: 2}
    assert draw.payloads(db, {question.id: 2})[question.id].text == "Văn bản mới?"
    assert draw.payloads(db, {question.id: 1})[question.id].text == "Văn bản cũ?"


def test_a_rolled_back_change_leaves_the_caches_alone(db):
    question = make_question()
    db.commit()
    draw.pool(db, ANY)
    catalog.set_status(db, question, "retired")
    db.rollback()
    assert len(draw._pools) == 1


# --- every cache has a bound ---------------------------------------------------------------------

def overfill(put, bound: int) -> None:
    for n in range(bound + 10):
        put(n)


@pytest.mark.parametrize("cache, bound", [
    (draw._pools, draw.MAX_POOLS),
    (draw._payloads, draw.MAX_PAYLOADS),
    (rank_order._cache._entries, rank_order.MAX_CACHED_ROUNDS),
    (flags._same_cache._entries, rank_order.MAX_CACHED_ROUNDS),
], ids=["draw pools", "draw texts", "rank orders", "identical-answer groups"])
def test_each_bounded_cache_keeps_its_bound_when_overfilled(cache, bound):
    try:
        overfill(lambda n: cache.put(("db", n), n), bound)
        assert len(cache) == bound
        assert cache.get(("db", 0)) is None and cache.get(("db", bound + 9)) == bound + 9, "oldest out first"
    finally:
        cache.clear()


def test_choice_orders_keep_their_bound_when_overfilled():
    try:
        overfill(lambda n: choice_orders.remember(SimpleNamespace(id=n, receipt_code="r"), []),
                 choice_orders.MAX_ATTEMPTS)
        assert len(choice_orders._cache) == choice_orders.MAX_ATTEMPTS
    finally:
        choice_orders.clear()


@pytest.mark.parametrize("function, argument", [
    (accounts._stand_in_hash, None),
    (demo_scale._ascii, lambda n: f"Nguyễn{n}"),
    (xlsx_reader._letters_index, lambda n: LETTERS[n]),
], ids=["stand-in hash", "demo names", "column letters"])
def test_each_lru_cache_keeps_its_maxsize_when_overfilled(function, argument):
    bound = function.cache_info().maxsize
    assert bound is not None
    if argument is not None:  # the stand-in hash takes no argument: one entry by construction
        overfill(lambda n: function(argument(n)), bound)
        assert function.cache_info().currsize == bound


def test_bounded_cache_forgets_after_its_ttl(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("core.cache.time", SimpleNamespace(monotonic=lambda: clock[0]))
    cache = BoundedCache(2, ttl=60)
    cache.put("pool", [1, 2])
    clock[0] += 59
    assert cache.get("pool") == [1, 2]
    clock[0] += 1
    assert cache.get("pool") is None and len(cache) == 0


# --- and no cache without one ------------------------------------------------------------------------

def test_no_unbounded_cache_in_the_code():
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            source = path.read_text()
            name = path.relative_to(ROOT).as_posix()
            if UNBOUNDED_FUNCTOOLS.search(source):
                found.append(f"{name}: functools cache without a maxsize")
            for node in ast.parse(source).body:
                target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
                if isinstance(target, ast.Name) and _empty_container(getattr(node, "value", None)):
                    found.append(f"{name}: {target.id} is an empty mutable container: a cache? use core.cache")
    assert found == []


def _empty_container(value) -> bool:
    if isinstance(value, ast.Dict):
        return not value.keys
    if isinstance(value, ast.List):
        return not value.elts
    if isinstance(value, ast.Call) and not value.args:
        called = value.func.attr if isinstance(value.func, ast.Attribute) else getattr(value.func, "id", "")
        return called in {"dict", "OrderedDict", "defaultdict", "set", "list", "deque", "WeakValueDictionary"}
    return False


def test_the_guard_would_see_an_unbounded_cache():
    assert _empty_container(ast.parse("_cache: dict = {}").body[0].value)
    assert _empty_container(ast.parse("_cache = OrderedDict()").body[0].value)
    assert not _empty_container(ast.parse("_OFF = {'0', 'false'}").body[0].value)
    for unbounded in ("@functools.cache\ndef f", "@lru_cache(maxsize=None)", "@lru_cache(None)", "@lru_cache\ndef f"):
        assert UNBOUNDED_FUNCTOOLS.search(unbounded), unbounded
    assert not UNBOUNDED_FUNCTOOLS.search("@lru_cache(maxsize=256)\ndef f")
