"""Single-client latency of starting an attempt and saving an answer (issue 4 targets).

Builds a SQLite database with a 5,000-question bank, serves the app with gunicorn on
127.0.0.1, and drives one participant through the real JSON API:
start p95 ≤ 50 ms, save p95 ≤ 20 ms. Prints a table, then one JSON line; exit 1 on a miss.

    .venv/bin/python -m bench.quiz_bench [--bank 5000] [--starts 200] [--saves 1000]
"""
import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"start_p95_ms": 50.0, "save_p95_ms": 20.0}
PASSWORD = "Bench@2026"


def build_database(url: str, bank_size: int) -> int:
    os.environ["DATABASE_URL"] = url
    from flask_migrate import upgrade

    from contest import create_app
    from contest.extensions import db
    from contest.services import rounds
    from contest.services.users import accounts
    from core.db import now_utc
    from question_bank import services as bank
    from question_bank.importers.result import ParsedQuestion, ParseResult

    app = create_app()
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        topics = [f"Chủ đề {i}" for i in range(10)]
        result = ParseResult(
            questions=[
                ParsedQuestion(
                    where=f"Câu {n}",
                    text=f"Câu hỏi đo hiệu năng số {n}: cơ quan nào chủ trì nhiệm vụ cải cách hành chính thứ {n}?",
                    choices=[f"Phương án {n}.{k}" for k in range(4)],
                    correct=[n % 4],
                    topic=topics[n % 10],
                )
                for n in range(bank_size)
            ]
        )
        bank.import_questions(db.session, result)
        contest = rounds.get_or_create_contest(db.session, "Cuộc thi đo hiệu năng")
        spec = rounds.RoundSpec(
            title="Đợt đo", question_count=20, duration_seconds=1800, max_attempts=None,
            opens_at=now_utc() - timedelta(minutes=1),
            topic_mix=[(t, None, 2) for t in topics],
        )
        round_ = rounds.create_round(db.session, contest, spec)
        accounts.create_user(db.session, "bench", PASSWORD, role="participant")
        db.session.commit()
        return round_.id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        self.token = ""

    def call(self, method: str, path: str, body=None) -> tuple[int, dict, float]:
        headers = {"Content-Type": "application/json", "Cookie": self.cookie, "X-CSRFToken": self.token}
        started = time.perf_counter()
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, json.loads(data or b"{}"), elapsed


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bank", type=int, default=5000)
    parser.add_argument("--starts", type=int, default=200)
    parser.add_argument("--saves", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="quizbench-"))
    url = f"sqlite:///{work / 'bench.db'}"
    t0 = time.perf_counter()
    round_id = build_database(url, args.bank)
    print(f"database with {args.bank} questions built in {time.perf_counter() - t0:.1f} s")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "4", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "contest:create_app()"],
        cwd=ROOT, env=env,
    )
    try:
        client = Client(port)
        for _ in range(100):
            try:
                status, body, _ = client.call("POST", "/api/v1/session", {"username": "bench", "password": PASSWORD})
                break
            except OSError:
                client = Client(port)
                time.sleep(0.1)
        client.token = body["csrf_token"]
        starts, saves = [], []
        for _ in range(args.starts):
            status, attempt, ms = client.call("POST", f"/api/v1/rounds/{round_id}/attempts")
            assert status == 201, (status, attempt)
            starts.append(ms)
            client.call("POST", f"/api/v1/attempts/{attempt['attempt_id']}/submit", {})
        status, attempt, _ = client.call("POST", f"/api/v1/rounds/{round_id}/attempts")
        questions = attempt["questions"]
        for i in range(args.saves):
            question = questions[i % len(questions)]
            choice = question["choices"][i % len(question["choices"])]["id"]
            status, _, ms = client.call("PUT", f"/api/v1/attempts/{attempt['attempt_id']}/answers/{question['id']}",
                                        {"choice_id": choice})
            assert status == 200, status
            saves.append(ms)
    finally:
        server.terminate()
        server.wait(timeout=10)
    figures = {
        "bank": args.bank,
        "starts": len(starts),
        "start_p50_ms": round(percentile(starts, 50), 2),
        "start_p95_ms": round(percentile(starts, 95), 2),
        "saves": len(saves),
        "save_p50_ms": round(percentile(saves, 50), 2),
        "save_p95_ms": round(percentile(saves, 95), 2),
    }
    missed = [key for key, limit in TARGETS.items() if figures[key] > limit]
    print(f"{'measure':<14}{'p50 ms':>10}{'p95 ms':>10}{'target p95':>12}")
    print(f"{'start':<14}{figures['start_p50_ms']:>10}{figures['start_p95_ms']:>10}{TARGETS['start_p95_ms']:>12}")
    print(f"{'save answer':<14}{figures['save_p50_ms']:>10}{figures['save_p95_ms']:>10}{TARGETS['save_p95_ms']:>12}")
    print("targets met" if not missed else f"targets missed: {', '.join(missed)}")
    print(json.dumps(figures))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
