"""What the load and fault benches share: their own database, gunicorn on 127.0.0.1, an HTTP
client for thousands of participants in one asyncio loop, latency records and the final check
that every acknowledged answer is in the database.
"""
import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Thisinh@2026"
# Bench accounts log in with a cheap hash, so that a 2,000-taker run does not spend minutes in
# scrypt before the opening; the cost of real (scrypt) logins is measured apart (load_bench).
FAST_HASH = "pbkdf2:sha256:1000"
ADMIN = ("admin", "Admin@2026")  # the demo's admin (contest/demo/load.py)
FULL_NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thu Dung", "Hoàng Minh Đức",
              "Vũ Thị Hà", "Đặng Quốc Huy", "Bùi Thanh Lan", "Đỗ Mạnh Long", "Ngô Thị Mai"]


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _cpu_of(pid: int | str) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU used so far by every live process named postgres on this machine (other users' too)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += _cpu_of(entry.name)
            except OSError:
                continue
    return total


# --- the database ----------------------------------------------------------------------------

@dataclass
class Database:
    url: str
    engine_name: str
    drop: callable = None
    workdir: Path = None

    def close(self) -> None:
        try:
            if self.drop is not None:
                self.drop()
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)


def make_database(prefix: str) -> Database:
    """A fresh database: on the PostgreSQL server BENCH_DATABASE_URL names (a new database beside
    the one named, dropped afterwards), else SQLite in WAL mode in a temporary folder. The
    caller's DATABASE_URL is never touched (SPEC §7)."""
    workdir = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    server = os.environ.get("BENCH_DATABASE_URL")
    if not server or not server.startswith("postgresql"):
        return Database(f"sqlite:///{workdir / 'bench.db'}", "sqlite", workdir=workdir)
    name = f"{prefix.replace('-', '_')}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    return Database(url, "postgresql", drop=drop, workdir=workdir)


@dataclass
class World:
    round_id: int
    usernames: list[str]


def build_world(url: str, groups: dict[str, int], slow_hash_group: str | None = None) -> World:
    """Schema, the demo (its round is the one taken) and `count` participants per username prefix,
    inserted in bulk with one shared password hash."""
    from flask_migrate import upgrade

    from contest import create_app
    from contest.demo import load as demo
    from contest.extensions import db
    from contest.models import Round, Unit, User
    from core.db import now_utc

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        summary = demo.load(db.session)
        round_ = db.session.get(Round, summary["round_id"])
        allowed = {unit.id for unit in round_.eligible_units}
        units = [u for u in db.session.scalars(select(Unit).where(Unit.headcount > 0).order_by(Unit.id))
                 if not allowed or u.id in allowed]
        fast = generate_password_hash(PASSWORD, method=FAST_HASH)
        slow = generate_password_hash(PASSWORD)
        now = now_utc()
        usernames = []
        for prefix, count in groups.items():
            password_hash = slow if prefix == slow_hash_group else fast
            rows = [
                {"username": f"{prefix}{n:06d}", "password_hash": password_hash, "full_name": FULL_NAMES[n % 10],
                 "role": "participant", "unit_id": units[n % len(units)].id, "is_active_account": True,
                 "created_at": now}
                for n in range(count)
            ]
            for start in range(0, len(rows), 5000):
                db.session.execute(insert(User.__table__), rows[start:start + 5000])
            usernames += [row["username"] for row in rows]
        db.session.commit()
        round_id = round_.id
    with app.app_context():
        db.engine.dispose()
    return World(round_id, usernames)


def stored_answers(url: str, attempt_ids: list[int]) -> dict[tuple[int, int], int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = []
            for start in range(0, len(attempt_ids), 5000):
                chunk = attempt_ids[start:start + 5000]
                rows += conn.execute(text("SELECT attempt_id, question_id, choice_id FROM answer "
                                          "WHERE attempt_id IN (" + ",".join(map(str, chunk)) + ")")).all()
    finally:
        engine.dispose()
    return {(a, q): c for a, q, c in rows}


def attempt_audit(url: str, usernames: list[str]) -> dict:
    """Attempts per bench user: duplicates (more than one), and how many are still unfinished."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                'SELECT u.username, count(a.id), sum(CASE WHEN a.finished_at IS NULL THEN 1 ELSE 0 END) '
                'FROM "user" u JOIN attempt a ON a.user_id = u.id GROUP BY u.username')).all()
    finally:
        engine.dispose()
    wanted = set(usernames)
    rows = [row for row in rows if row[0] in wanted]
    return {"users_with_attempts": len(rows), "duplicate_attempts": sum(max(0, n - 1) for _, n, _ in rows),
            "unfinished": sum(int(u or 0) for *_, u in rows)}


# --- the server ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn as `make serve` runs it (gunicorn.conf.py), on 127.0.0.1 only."""

    def __init__(self, url: str, workdir: Path, *, workers: int | None = None, threads: int | None = None,
                 extra_env: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "gunicorn.log"
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(16), "BENCH_FLOOR": "1",
               "BIND": f"127.0.0.1:{self.port}", **(extra_env or {})}
        env.pop("DB_POOL_SIZE", None)
        if workers:
            env["WEB_CONCURRENCY"] = str(workers)
        if threads:
            env["GUNICORN_THREADS"] = str(threads)
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "contest:create_app()"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, seconds: float = 60) -> None:
        import urllib.request

        until = time.monotonic() + seconds
        while time.monotonic() < until:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within {seconds:.0f} s; see {self.log_path}")

    def workers(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def cpu_seconds(self) -> float:
        """CPU used so far by the master and its live workers."""
        return sum(_cpu_of(pid) for pid in [self.process.pid, *self.workers()])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def request_log_lines(self) -> int:
        with open(self.log_path, errors="replace") as handle:
            return sum(1 for line in handle if " method=" in line and " ms=" in line)


# --- the client ------------------------------------------------------------------------------

@dataclass
class Record:
    kind: str
    at: float  # seconds since the run's t0, when the request was sent
    ms: float
    ok: bool
    status: int


@dataclass
class Recorder:
    t0: float = 0.0
    records: list[Record] = field(default_factory=list)

    def add(self, kind: str, sent: float, ms: float, status: int, ok: bool) -> None:
        self.records.append(Record(kind, sent - self.t0, ms, ok, status))


def http_session(connections: int) -> aiohttp.ClientSession:
    """One pool of keep-alive connections shared by every simulated participant, as nginx's upstream
    pool would be; each participant carries its own cookie and CSRF token."""
    connector = aiohttp.TCPConnector(limit=connections, limit_per_host=connections, force_close=False,
                                     enable_cleanup_closed=True)
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                 json_serialize=json.dumps)


class Participant:
    def __init__(self, http: aiohttp.ClientSession, base: str, recorder: Recorder, username: str,
                 password: str = PASSWORD, timeout: float = 30.0):
        self.http, self.base, self.recorder = http, base, recorder
        self.username, self.password = username, password
        self.cookie = ""
        self.token = ""
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.attempt_id: int | None = None
        self.questions: list[dict] = []
        self.acked: dict[int, int] = {}  # question id → the last acknowledged choice
        self.tries, self.pause, self.retries = 4, 1.0, 0

    async def call(self, kind: str, method: str, path: str, body=None, *, expect=(200, 201), extra=None):
        """(status, parsed body or None); status 0 for a timeout or a broken connection."""
        headers = {"Content-Type": "application/json", **(extra or {})}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.token:
            headers["X-CSRFToken"] = self.token
        loop = asyncio.get_running_loop()
        sent = loop.time()
        status, data = 0, None
        try:
            async with self.http.request(method, self.base + path, data=None if body is None else json.dumps(body),
                                         headers=headers, timeout=self.timeout) as response:
                raw = await response.read()
                status = response.status
                for cookie in response.headers.getall("Set-Cookie", ()):
                    if cookie.startswith("session="):
                        self.cookie = cookie.split(";", 1)[0]
            data = json.loads(raw) if raw else None
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, OSError):
            status = status or 0
        self.recorder.add(kind, sent, (loop.time() - sent) * 1000, status, status in expect)
        return status, data

    async def retrying(self, kind: str, method: str, path: str, body=None, extra=None):
        """A client that retries after a timeout, a dropped connection or a 5xx (saves and submits
        are idempotent, a start with its Idempotency-Key too); 4xx answers are final."""
        for attempt in range(self.tries):
            status, data = await self.call(kind, method, path, body, extra=extra)
            if 200 <= status < 500:
                return status, data
            self.retries += 1
            await asyncio.sleep(self.pause * (attempt + 1))
        return status, data

    async def login(self, kind: str = "login") -> bool:
        status, data = await self.retrying(kind, "POST", "/api/v1/session",
                                           {"username": self.username, "password": self.password})
        if status == 200:
            self.token = data["csrf_token"]
        return status == 200

    async def start(self, round_id: int, kind: str = "start") -> bool:
        key = {"Idempotency-Key": secrets.token_hex(8)}  # one per press of "start", repeated by its retries
        status, data = await self.retrying(kind, "POST", f"/api/v1/rounds/{round_id}/attempts", extra=key)
        if status in (200, 201):
            self.attempt_id = data["attempt_id"]
            self.questions = data["questions"]
            return True
        return False

    async def load(self, kind: str = "load") -> dict | None:
        status, data = await self.retrying(kind, "GET", f"/api/v1/attempts/{self.attempt_id}")
        return data if status == 200 else None

    async def save(self, question_id: int, choice_id: int, kind: str = "save") -> bool:
        status, _ = await self.retrying(kind, "PUT", f"/api/v1/attempts/{self.attempt_id}/answers/{question_id}",
                                        {"choice_id": choice_id})
        if status == 200:
            self.acked[question_id] = choice_id
        return status == 200

    async def submit(self, carried: dict[int, int], prediction: int | None, kind: str = "submit") -> bool:
        body = {"prediction": prediction, "answers": {str(q): c for q, c in carried.items()}}
        status, _ = await self.retrying(kind, "POST", f"/api/v1/attempts/{self.attempt_id}/submit", body)
        if status == 200:
            self.acked.update(carried)
        return status == 200


def check_answers(url: str, participants: list[Participant]) -> dict:
    """Every acknowledged answer (its last acknowledged choice) must be what the database holds."""
    attempt_ids = [p.attempt_id for p in participants if p.attempt_id is not None]
    stored = stored_answers(url, attempt_ids)
    acked = found = 0
    for p in participants:
        for question_id, choice_id in p.acked.items():
            acked += 1
            found += stored.get((p.attempt_id, question_id)) == choice_id
    return {"answers_acked": acked, "answers_stored": found, "lost_answers": acked - found}


# --- figures ---------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def summarize(records: list[Record], seconds: float | None = None) -> dict:
    ms = [r.ms for r in records]
    span = seconds if seconds else (max(r.at for r in records) - min(r.at for r in records) if records else 0)
    return {
        "requests": len(records),
        "rps": round(len(records) / span, 1) if span > 0 else 0.0,
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1) if ms else 0.0,
        "errors": sum(not r.ok for r in records),
    }


def table(title: str, rows: dict[str, dict]) -> list[str]:
    lines = [title, f"  {'':<10}{'requests':>9}{'rps':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}"]
    for name, s in rows.items():
        lines.append(f"  {name:<10}{s['requests']:>9}{s['rps']:>8}{s['p50_ms']:>9}{s['p95_ms']:>9}{s['p99_ms']:>9}"
                     f"{s['max_ms']:>9}{s['errors']:>8}")
    return lines
