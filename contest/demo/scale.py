"""`demo --scale N`: N more participants, each with finished attempts on a round, in bulk.

Load and export tests need rounds with 100,000 attempts built in seconds, so rows go in with
bulk writes (COPY on PostgreSQL, one executemany per table and chunk elsewhere), never as ORM
objects; ids are reserved up front; the one shared password is hashed once (scrypt is slow
on purpose). Scores are computed from the answers written, so they agree with `scoring`.
As SPEC §3 says "adds", running it again adds N more people.
"""
import contextlib
import functools
import itertools
import json
import math
import random
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from contest.demo.names import FAMILY, GIVEN, MIDDLE
from contest.demo.units import UNITS
from contest.errors import BankTooSmall, ValidationFailed
from contest.models import Attempt, Round, Unit, User
from contest.services import unit_tree
from contest.services.quiz import draw
from core.db import now_utc
from question_bank.models import Choice, Question

PASSWORD = "Thisinh@2026"
MAX_SCALE = 1_000_000
CHUNK = 5000  # participants per round trip: bounds memory, keeps each write large

DIFFICULTY_SHIFT = {"easy": 0.12, "medium": 0.0, "hard": -0.15}
USER_COLUMNS = ("id", "username", "password_hash", "full_name", "role", "unit_id", "date_of_birth",
                "is_active_account", "created_at")
ATTEMPT_COLUMNS = ("id", "round_id", "user_id", "number", "started_at", "deadline", "finished_at", "submitted_at",
                   "finished_by", "duration_seconds", "score", "max_score", "prediction", "receipt_code")
ITEM_COLUMNS = ("attempt_id", "question_id", "position", "choice_order", "points")
ANSWER_COLUMNS = ("attempt_id", "question_id", "choice_id", "saved_at")
BULK_TABLES = ('"user"', "attempt", "attempt_question", "answer")  # as PostgreSQL's regclass spells them
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class ScaleReport:
    participants: int
    attempts: int
    answers: int
    password: str


class _Item(NamedTuple):
    """A question as the generator needs it: its key, its distractors and how hard it is."""

    correct: int
    wrong: tuple[int, ...]  # weighted by repetition: one distractor usually tempts more
    shift: float
    orders: tuple[str, ...]  # orders its choices may be shown in, as the JSON stored for choice_order


def _weighted(pairs):
    names, weights = zip(*pairs)
    return list(names), list(itertools.accumulate(weights))


def _stamp(seconds: float) -> str:
    """Naive UTC as SQLAlchemy's DateTime writes it on SQLite; PostgreSQL reads it alike."""
    return (_EPOCH + timedelta(seconds=seconds)).isoformat(" ", "microseconds")


def receipt_code(attempt_id: int) -> str:
    """A bijection of the id on 48 bits: unique by construction, and 12 characters where a
    receipt drawn at random by a real start has 10, so the two can never collide."""
    x = attempt_id & 0xFFFFFFFFFFFF
    for multiplier in (0x9E3779B97F4B, 0xC2B2AE3D27D5):
        x ^= x >> 23
        x = (x * multiplier) & 0xFFFFFFFFFFFF  # odd multipliers: invertible mod 2**48
    return f"{x ^ (x >> 17):012X}"


class _Ids:
    """Primary keys reserved before the rows are built: children need their parents' ids."""

    def __init__(self, session: Session, name: str):
        self.session, self.name = session, name
        self.postgres = session.get_bind().dialect.name == "postgresql"
        if not self.postgres:
            # The command holds SQLite's write lock (BEGIN IMMEDIATE), so no one else inserts.
            self.next = session.scalar(text(f'SELECT coalesce(max(id), 0) + 1 FROM "{name}"'))

    def take(self, count: int) -> list[int]:
        if self.postgres:  # the sequence hands out ids safely beside running web workers
            return list(self.session.scalars(
                text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                {"t": f'"{self.name}"', "n": count},
            ))
        ids = list(range(self.next, self.next + count))
        self.next += count
        return ids


class _Writer:
    """Rows of driver-ready values (timestamps as text, JSON as text) into one table."""

    def __init__(self, session: Session):
        self.connection = session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"

    @contextlib.contextmanager
    def loading(self):
        """On PostgreSQL the foreign keys of the tables filled are dropped for the load and added
        back after it, as "Populating a Database" in its manual advises: one join then checks
        every row, where a trigger per row cost the server three times the CPU. It all happens
        in the command's transaction, so a failure restores them; meanwhile those tables are
        locked (no logins, no quiz), which a load-test set-up can afford."""
        if not self.postgres:
            yield
            return
        keys = self.connection.execute(text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text IN :tables ORDER BY conname"
        ).bindparams(bindparam("tables", expanding=True)), {"tables": list(BULK_TABLES)}).all()
        for name, constraint, _definition in keys:
            self.connection.exec_driver_sql(f'ALTER TABLE {name} DROP CONSTRAINT "{constraint}"')
        yield
        for name, constraint, definition in keys:
            self.connection.exec_driver_sql(f'ALTER TABLE {name} ADD CONSTRAINT "{constraint}" {definition}')

    def write(self, name: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.postgres:
            names = ", ".join(f'"{c}"' for c in columns)
            with self.connection.connection.driver_connection.cursor() as cursor:
                with cursor.copy(f'COPY "{name}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
        else:  # SQLite: the driver's own executemany, with no per-row work in SQLAlchemy
            marks = ", ".join("?" for _ in columns)
            sql = f'INSERT INTO "{name}" ({", ".join(columns)}) VALUES ({marks})'
            self.connection.exec_driver_sql(sql, rows)


def _items(session: Session, round_: Round, rng: random.Random) -> dict[int, _Item]:
    choices: dict[int, list[tuple[int, bool]]] = {}
    rows = session.execute(
        select(Choice.question_id, Choice.id, Choice.is_correct)
        .join(Question, Question.id == Choice.question_id)
        .where(Question.status == "active")
        .order_by(Choice.question_id, Choice.position)
    )
    for question_id, choice_id, is_correct in rows:
        choices.setdefault(question_id, []).append((choice_id, is_correct))
    difficulty = dict(session.execute(select(Question.id, Question.difficulty).where(Question.status == "active")).all())
    items = {}
    for question_id, listed in choices.items():
        ids = tuple(choice_id for choice_id, _ in listed)
        correct = next((choice_id for choice_id, ok in listed if ok), None)
        if correct is None or len(ids) < 2:
            continue
        wrong = [choice_id for choice_id in ids if choice_id != correct]
        tempting = rng.choice(wrong)
        if not round_.shuffle_choices:
            orders = [ids]
        elif len(ids) <= 5:
            orders = itertools.permutations(ids)
        else:  # 8! orders would be too many to list; a fair sample of them will do
            orders = [rng.sample(ids, len(ids)) for _ in range(120)]
        items[question_id] = _Item(
            correct, tuple(wrong + [tempting] * 2),
            DIFFICULTY_SHIFT.get(difficulty.get(question_id), 0.0) + rng.gauss(0, 0.08),
            tuple(json.dumps(list(order)) for order in orders),
        )
    return items


def _units(session: Session, round_: Round) -> tuple[list[int], list[float]]:
    """The demo units allowed in the round, weighted by headcount."""
    codes = [code for code, *_ in UNITS]
    units = session.scalars(select(Unit).where(Unit.code.in_(codes)).order_by(Unit.id)).all()
    allowed = {unit.id for unit in round_.eligible_units}
    if allowed:  # a listed unit admits its sub-units too
        parents = unit_tree.parents(session)
        units = [unit for unit in units if allowed.intersection(unit_tree.lineage(parents, unit.id))]
    if not units:
        raise ValidationFailed(_("Chưa có đơn vị mẫu nào được dự thi đợt này; hãy chạy “demo” trước."), field="units")
    if not any(unit.headcount for unit in units):
        return [unit.id for unit in units], list(itertools.accumulate(1 for _ in units))
    weights = [(unit.id, unit.headcount) for unit in units if unit.headcount]
    return _weighted(weights)


def _sampler(session: Session, round_: Round, items: dict[int, _Item]):
    """A function drawing one attempt's question ids the way `draw` does, from memory."""
    problems = draw.shortages(session, round_)
    rules = [(rule.count, [q for q in draw.pool(session, rule, fresh=True) if q in items])
             for rule in draw.rules_of(round_)]
    if problems:
        raise BankTooSmall(_("Ngân hàng câu hỏi chưa đủ để tạo bài thi mẫu: %(problems)s", problems=" ".join(problems)))
    if any(len(pool) < count for count, pool in rules):  # only questions with a key can be scored
        raise BankTooSmall()
    disjoint = sum(len(pool) for _, pool in rules) == len({q for _, pool in rules for q in pool})

    def sample(rng: random.Random) -> list[int]:
        if len(rules) == 1 and 4 * rules[0][0] <= len(rules[0][1]):
            count, pool = rules[0]
            return _pick(rng.random, pool, count)
        chosen: list[int] = []
        for count, pool in rules:
            if disjoint:
                chosen.extend(rng.sample(pool, count))
            else:
                taken = set(chosen)
                chosen.extend(rng.sample([q for q in pool if q not in taken], count))
        if len(rules) > 1:  # one sample is already in random order
            rng.shuffle(chosen)
        return chosen

    return sample


def _pick(random, pool: list[int], count: int) -> list[int]:
    """`count` distinct ids in random order; retrying a repeat beats `random.sample` when the
    pool is large against the count, as it is for a round drawn from a whole bank."""
    size, chosen = len(pool), []
    while len(chosen) < count:
        question_id = pool[int(random() * size)]
        if question_id not in chosen:
            chosen.append(question_id)
    return chosen


def _window(round_: Round, now: datetime) -> tuple[float, float]:
    """Attempts fall inside the round's window, in the past when it has been open long enough."""
    opens, closes = round_.opens_at.timestamp(), round_.closes_at.timestamp()
    end = min(closes, now.timestamp())
    if end - opens < 2 * round_.duration_seconds:
        end = closes
    return opens, end


@functools.lru_cache(maxsize=1024)  # the words of the demo name lists: a few hundred
def _ascii(name: str) -> str:
    bare = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in bare if not unicodedata.combining(ch)).lower()


class _People:
    """Participants' rows: Vietnamese names, a login handle, a unit, one shared password."""

    def __init__(self, session: Session, rng: random.Random, units: tuple[list[int], list[float]], opens: float):
        self.session, self.rng = session, rng
        self.family = _weighted(FAMILY)
        self.middle = {sex: _weighted(pairs) for sex, pairs in MIDDLE.items()}
        self.unit_ids, self.unit_weights = units
        self.ids = _Ids(session, "user")
        self.password_hash = generate_password_hash(PASSWORD)  # once: scrypt is slow on purpose
        self.created = _stamp(opens - 86400 * rng.uniform(1, 14))

    def name(self) -> tuple[str, str]:
        """("Lê Thị Hoa", "hoalt"): family, one or two middle names, given name; and a handle."""
        rng = self.rng
        sex = "f" if rng.random() < 0.55 else "m"
        names, cum = self.family
        words = [rng.choices(names, cum_weights=cum)[0]]
        names, cum = self.middle[sex]
        words.append(rng.choices(names, cum_weights=cum)[0])
        if rng.random() < 0.15:
            words.append(rng.choice(names[1:]))
        words.append(rng.choice(GIVEN[sex]))
        return " ".join(words), _ascii(words[-1]) + "".join(_ascii(word)[0] for word in words[:-1])

    def make(self, size: int) -> list[tuple]:
        rng = self.rng
        named = [self.name() for _ in range(size)]
        ids = self.ids.take(size)
        handles = _unique_handles(self.session, [f"{handle}{uid}" for (_, handle), uid in zip(named, ids)])
        units = rng.choices(self.unit_ids, cum_weights=self.unit_weights, k=size)
        born = date(1965, 1, 1)
        return [
            (uid, handle, self.password_hash, full_name, "participant", unit_id,
             (born + timedelta(days=rng.randrange(36 * 365))).isoformat(), True, self.created)
            for (full_name, _), uid, handle, unit_id in zip(named, ids, handles, units)
        ]


def add_participants(session: Session, round_: Round, count: int, *, seed: int | None = None,
                     now: datetime | None = None, retries: bool = False) -> ScaleReport:
    """Adds `count` participants over the demo units, each with one finished attempt on the round
    (SPEC §3); with `retries`, some try two or three times, as real people do."""
    if not 1 <= count <= MAX_SCALE:
        raise ValidationFailed(_("Số thí sinh mẫu phải từ 1 đến %(max)s.", max=format(MAX_SCALE, ",").replace(",", ".")),
                              field="scale")
    rng = random.Random(seed)
    items = _items(session, round_, rng)
    sample = _sampler(session, round_, items)
    participants = count + session.scalar(
        select(func.count(func.distinct(Attempt.user_id))).where(Attempt.round_id == round_.id))
    generator = _Generator(round_, items, sample, rng, now or now_utc(), participants, retries)
    people = _People(session, rng, _units(session, round_), generator.opens)
    attempt_ids, writer = _Ids(session, "attempt"), _Writer(session)
    attempts = answers = 0
    with writer.loading():
        for first in range(0, count, CHUNK):
            users = people.make(min(CHUNK, count - first))
            plans = [generator.plan() for _ in users]
            numbered = iter(attempt_ids.take(sum(map(len, plans))))
            for user, plan in zip(users, plans):
                ability = rng.betavariate(3.5, 1.5)
                for number, timing in enumerate(plan, start=1):  # a second try knows a little more
                    generator.attempt(next(numbered), user[0], number, timing, ability + 0.05 * (number - 1))
            rows, questions, chosen = generator.take()
            writer.write("user", USER_COLUMNS, users)
            writer.write("attempt", ATTEMPT_COLUMNS, rows)
            writer.write("attempt_question", ITEM_COLUMNS, questions)
            writer.write("answer", ANSWER_COLUMNS, chosen)
            attempts, answers = attempts + len(rows), answers + len(chosen)
    return ScaleReport(participants=count, attempts=attempts, answers=answers, password=PASSWORD)


def _unique_handles(session: Session, handles: list[str]) -> list[str]:
    """Handles embed the reserved user id, so they are unique among themselves; an existing
    account that happens to hold one (imported by hand) pushes ours to a suffixed form."""
    taken = set(session.scalars(select(User.username).where(User.username.in_(handles))))
    return [handle if handle not in taken else f"{handle}.demo" for handle in handles]


class _Generator:
    """Times, answers and scores of attempts, as rows ready for the writer."""

    def __init__(self, round_: Round, items: dict[int, _Item], sample, rng: random.Random, now: datetime,
                 participants: int, retries: bool):
        self.round_id = round_.id
        self.items, self.sample, self.rng = items, sample, rng
        self.opens, self.end = _window(round_, now)
        self.closes = round_.closes_at.timestamp()
        self.duration = round_.duration_seconds
        self.points = round_.points_per_question
        self.max_attempts = 1 if not retries else 3 if round_.max_attempts is None else min(3, round_.max_attempts)
        self.asks_prediction = bool(round_.prediction_prompt)
        self.guess_centre = max(3.0, 0.13 * participants)  # about one person in eight is perfect
        self.rows, self.questions, self.answers = [], [], []

    def take(self) -> tuple[list, list, list]:
        """The rows built since the last call: attempts, attempt questions, answers."""
        built = self.rows, self.questions, self.answers
        self.rows, self.questions, self.answers = [], [], []
        return built

    def plan(self) -> list[tuple[float, float, bool]]:
        """(start, time taken, finished by the system) per attempt, in order, inside the window."""
        rng = self.rng
        roll = rng.random()  # one person in ten tries twice, one in thirty-three three times
        wanted = min(1 + (roll < 0.13) + (roll < 0.03), self.max_attempts)
        latest = max(self.opens, min(self.end, self.closes - 61) - self.duration)
        if rng.random() < 0.3:  # the opening rush
            start = self.opens + (latest - self.opens) * rng.random() * 0.05
        else:
            start = rng.uniform(self.opens, latest)
        plan = []
        while len(plan) < wanted and start <= latest:
            limit = min(self.duration, self.closes - start)
            by_system = rng.random() < 0.04
            taken = limit if by_system else min(limit - 1, max(40.0, rng.gauss(0.45, 0.18) * self.duration))
            plan.append((start, taken, by_system))
            start += taken + rng.uniform(120, 2 * 86400)
        return plan

    def attempt(self, attempt_id: int, user_id: int, number: int, timing, ability: float) -> None:
        random, items, points = self.rng.random, self.items, self.points
        add_question, add_answer = self.questions.append, self.answers.append
        start, taken, by_system = timing
        deadline = min(start + self.duration, self.closes)
        skip = 0.15 if by_system else 0.02  # unanswered questions count as wrong
        drawn = self.sample(self.rng)
        step = taken / len(drawn)
        score = 0
        for position, question_id in enumerate(drawn):  # the hot loop: a million turns for 100,000 people
            correct, wrong, shift, orders = items[question_id]
            add_question((attempt_id, question_id, position, orders[int(random() * len(orders))], points))
            roll = random()
            if roll < skip:
                continue
            odds = ability + shift
            if roll < skip + (1 - skip) * (odds if odds < 0.995 else 0.995):
                choice = correct
                score += points
            else:
                choice = wrong[int(random() * len(wrong))]
            add_answer((attempt_id, question_id, choice, _stamp(start + step * (position + random()))))
        started, ends = _EPOCH + timedelta(seconds=start), _EPOCH + timedelta(seconds=deadline)
        submitted = ends if by_system else _EPOCH + timedelta(seconds=start + taken)
        finished = ends + timedelta(seconds=self.rng.uniform(31, 300)) if by_system else submitted
        self.rows.append((attempt_id, self.round_id, user_id, number, *(
            moment.isoformat(" ", "microseconds") for moment in (started, ends, finished, submitted)),
            "system" if by_system else "participant", int((submitted - started).total_seconds()), score,
            points * len(drawn), self._prediction(by_system), receipt_code(attempt_id)))

    def _prediction(self, by_system: bool) -> int | None:
        rng = self.rng
        if not self.asks_prediction or by_system or rng.random() >= 0.88:
            return None  # not asked, never submitted, or left empty
        guess = int(self.guess_centre * rng.lognormvariate(0, 0.7))
        if rng.random() < 0.3:  # round numbers are popular guesses
            magnitude = 10 ** max(0, int(math.log10(guess or 1)) - 1)
            guess = round(guess / magnitude) * magnitude
        return guess
