"""How long `flask --app contest demo --scale N` takes, and its peak memory, on both engines.

Each engine gets a fresh database (SQLite in a temporary directory; a throw-away PostgreSQL
database on 127.0.0.1, dropped afterwards), `init-db` and a plain `demo` first, then the timed
`demo --scale N` in a fresh process. Target: N = 100,000 within 60 s. Prints a table, then one
JSON line; exit 1 on a miss or a failed command.

    .venv/bin/python -m bench.demo_scale_bench [--scale 100000] [--engines sqlite,postgresql]
        [--postgres-url postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres]
"""
import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0
DEFAULT_POSTGRES = "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres"


def flask(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "contest", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)


def timed_flask(url: str, *args: str) -> tuple[int, float, float, float, str, str]:
    """(exit code, seconds, CPU seconds, peak RSS in MiB, stdout, stderr) of one command in a
    fresh process. CPU time shows what a busy machine's wall time hides."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "contest", *args], cwd=ROOT, env=env,
                                   stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return process.returncode, seconds, cpu, usage.ru_maxrss / 1024, out.read(), err.read()


def prepare(url: str, work: Path) -> str | None:
    """init-db and the plain demo; None when ready, else the error."""
    for args in (("init-db",), ("demo",)):
        result = flask(url, *args)
        if result.returncode:
            return f"{' '.join(args)}: {result.stderr.strip()}"
    return None


def count_rows(url: str) -> dict:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {name: conn.scalar(text(f'SELECT count(*) FROM "{name}"'))
                    for name in ("user", "attempt", "attempt_question", "answer")}
    finally:
        engine.dispose()


def run_engine(name: str, url: str, scale: int, work: Path) -> dict:
    print(f"{name}: preparing")
    problem = prepare(url, work)
    if problem:
        return {"error": problem}
    load = os.getloadavg()[0]
    code, seconds, cpu, rss, stdout, stderr = timed_flask(url, "demo", "--scale", str(scale), "--json")
    if code:
        return {"error": stderr.strip().splitlines()[-1] if stderr.strip() else f"exit {code}",
                "seconds": round(seconds, 1)}
    added = json.loads(stdout)["scale"]
    return {"seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "load_before": round(load, 1),
            "peak_rss_mib": round(rss), "participants": added["participants"],
            "attempts": added["attempts"], "answers": added["answers"], "rows": count_rows(url)}


def with_postgres(admin_url: str, run):
    name = f"bench_demo_scale_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    except Exception as exc:  # noqa: BLE001  (any failure: report it, do not crash the other engine)
        admin.dispose()
        return {"error": f"PostgreSQL unreachable: {exc}".splitlines()[0]}
    try:
        return run(make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL")
                        or os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="demoscale-") as tmp:
        work = Path(tmp)
        for engine in args.engines.split(","):
            if engine == "sqlite":
                results[engine] = run_engine(engine, f"sqlite:///{work / 'bench.db'}", args.scale, work)
            elif engine == "postgresql":
                results[engine] = with_postgres(args.postgres_url,
                                                lambda url: run_engine(engine, url, args.scale, work))
    print(f"\ndemo --scale {args.scale:,}   (target ≤ {TARGET_SECONDS:.0f} s)")
    print(f"{'engine':<12}{'seconds':>9}{'CPU s':>8}{'peak RSS':>11}{'attempts':>10}{'answers':>11}{'load':>6}")
    ok = True
    for engine, result in results.items():
        if "error" in result:
            ok = False
            print(f"{engine:<12} failed: {result['error']}")
            continue
        ok &= result["seconds"] <= TARGET_SECONDS
        print(f"{engine:<12}{result['seconds']:>9.1f}{result['cpu_seconds']:>8.1f}{result['peak_rss_mib']:>7} MiB"
              f"{result['attempts']:>10,}{result['answers']:>11,}{result['load_before']:>6.1f}")
    print("(CPU s: the command's own process; on PostgreSQL the server's work comes on top. "
          "load: the 1-minute load average when it started)")
    print(json.dumps({"scale": args.scale, **results}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
