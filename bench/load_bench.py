"""SPEC §7: thousands of simulated participants through the real JSON API, the production way.

    .venv/bin/python -m bench.load_bench --takers 2000 --seconds 120
    BENCH_DATABASE_URL=postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres make bench TAKERS=2000 SECONDS=120

Sets up its own database (a new one on the PostgreSQL server BENCH_DATABASE_URL names, else
SQLite in WAL mode), loads the demo and the bench accounts, serves with gunicorn on 127.0.0.1
(gunicorn.conf.py, as `make serve`), then:

1. every participant logs in before the opening (bench accounts use a cheap hash; the cost of a
   real scrypt login is measured apart, with a few scrypt accounts);
2. the opening burst: half the participants start within the first seconds (10 s, or a fifth
   of the run when shorter), the rest over the following minutes; each loads its attempt;
3. the steady state: each saves an answer every --save-every seconds (±20 %), now and then
   reloads the page (a resume: GET the attempt, or POST start again) and checks that every
   answer it was told was saved comes back; an organizer reads the ranking every 5 s;
4. the submit burst: every participant submits within the last 30 s (or quarter of the run),
   some carrying one last answer in the submit body.

Afterwards it checks in the database that every acknowledged answer is stored with its last
acknowledged choice and that nobody has two attempts, then measures the save at saturation
and a floor in the same server: a bare endpoint doing the save's upsert and commit, with no
login, lookup or check. It prints figures per phase and, as its last line, the SPEC §7 JSON.
"""
import argparse
import asyncio
import json
import os
import random
import sys
import time

from bench import loadkit
from bench.loadkit import Participant, Recorder, summarize, table

SCRYPT_LOGINS = 24
RANKING_EVERY = 5.0
SAVE_P99_TARGET_MS = 300.0


def plan(takers: int, seconds: float, rng: random.Random) -> tuple[float, float, list[tuple[float, float]]]:
    """(opening window, submit window, [(start at, submit at)] per participant)."""
    opening = min(10.0, seconds * 0.2)
    closing = min(30.0, seconds * 0.25)
    late_until = max(opening, seconds * 0.3)
    times = []
    for n in range(takers):
        start = rng.uniform(0, opening) if n % 2 == 0 else rng.uniform(opening, late_until)
        times.append((start, rng.uniform(seconds - closing, seconds)))
    return opening, closing, times


async def sleep_until(t0: float, at: float) -> None:
    delay = t0 + at - asyncio.get_running_loop().time()
    if delay > 0:
        await asyncio.sleep(delay)


class Counters:
    def __init__(self):
        self.resume_mismatches = 0
        self.failed_takers = 0


async def take(p: Participant, round_id: int, t0: float, start_at: float, submit_at: float, save_every: float,
               rng: random.Random, counters: Counters) -> None:
    await sleep_until(t0, start_at)
    if not await p.start(round_id) or await p.load() is None:
        counters.failed_takers += 1
        return
    loop = asyncio.get_running_loop()
    next_save = loop.time() - t0 + rng.uniform(1.0, save_every)
    order = list(p.questions)
    rng.shuffle(order)
    step = 0
    while next_save < submit_at - 1.0:
        await sleep_until(t0, next_save)
        if rng.random() < 0.05:  # the page is reloaded: what it shows must hold every acked answer
            kind = rng.choice(("resume", "restart"))
            if kind == "resume":
                body = await p.load("resume")
            else:
                body = await p.load("resume") if await p.start(round_id, "restart") else None
            if body and any(body["answers"].get(str(q)) != c for q, c in p.acked.items()):
                counters.resume_mismatches += 1
        question = order[step % len(order)]
        await p.save(question["id"], rng.choice(question["choices"])["id"])
        step += 1
        next_save += save_every * rng.uniform(0.8, 1.2)
    await sleep_until(t0, submit_at)
    carried = {}
    if rng.random() < 0.5:  # an answer chosen offline travels with the submit (SPEC §5)
        question = order[step % len(order)]
        carried[question["id"]] = rng.choice(question["choices"])["id"]
    if not await p.submit(carried, rng.randrange(0, 50)):
        counters.failed_takers += 1


async def guarded(job, counters: Counters) -> None:
    """A participant whose script breaks (an unexpected body) counts as failed; the run goes on."""
    try:
        await job
    except (KeyError, TypeError, ValueError) as exc:
        counters.failed_takers += 1
        print(f"a participant failed: {exc!r}", file=sys.stderr)


async def watch_ranking(organizer: Participant, round_id: int, until: float, t0: float) -> None:
    loop = asyncio.get_running_loop()
    while loop.time() - t0 < until:
        await organizer.call("ranking", "GET", f"/api/v1/rounds/{round_id}/ranking?limit=50")
        await asyncio.sleep(RANKING_EVERY)


async def gather_limited(coroutines, limit: int) -> list:
    semaphore = asyncio.Semaphore(limit)

    async def run(coroutine):
        async with semaphore:
            return await coroutine

    return await asyncio.gather(*(run(c) for c in coroutines))


async def closed_loop(seconds: float, concurrency: int, step) -> tuple[int, float]:
    """`concurrency` loops calling step(i) back to back for `seconds`: (requests, elapsed)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    count = 0

    async def worker(i: int):
        nonlocal count
        while loop.time() - started < seconds:
            await step(i)
            count += 1

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return count, loop.time() - started


async def run(args, server: loadkit.Server, world: loadkit.World, url: str) -> dict:
    rng = random.Random(args.seed)
    recorder = Recorder()
    out = {}
    async with loadkit.http_session(args.connections) as http:
        base = server.base
        takers = [Participant(http, base, recorder, name) for name in world.usernames if name.startswith("taker")]
        saturators = [Participant(http, base, recorder, name) for name in world.usernames if name.startswith("sat")]
        scrypt = [Participant(http, base, recorder, name) for name in world.usernames if name.startswith("scrypt")]
        organizer = Participant(http, base, recorder, loadkit.ADMIN[0], loadkit.ADMIN[1])
        loop = asyncio.get_running_loop()

        # Before the opening: everyone logs in (as they would while waiting on the round page).
        recorder.t0 = loop.time()
        began = loop.time()
        ok = await gather_limited([p.login() for p in takers + saturators + [organizer]], 64)
        out["login_s"] = loop.time() - began
        out["login_failures"] = ok.count(False)
        cpu0 = server.cpu_seconds()
        began = loop.time()
        await gather_limited([p.login("scrypt_login") for p in scrypt], 2 * args.server_slots)
        out["scrypt_logins"] = {"logins": len(scrypt), "seconds": round(loop.time() - began, 2),
                                "server_cpu_ms_each": round((server.cpu_seconds() - cpu0) * 1000 / max(1, len(scrypt)), 1)}
        pre = list(recorder.records)
        recorder.records.clear()

        # The contest: opening burst, steady saves and reloads, submit burst.
        opening, closing, times = plan(len(takers), args.seconds, rng)
        counters = Counters()
        load0, cpu0 = loadkit.load_average(), server.cpu_seconds()
        pg0, client0 = loadkit.postgres_cpu_seconds(), time.process_time()
        recorder.t0 = t0 = loop.time()
        jobs = [guarded(take(p, world.round_id, t0, s, e, args.save_every, random.Random(rng.random()), counters),
                        counters) for p, (s, e) in zip(takers, times)]
        jobs.append(watch_ranking(organizer, world.round_id, args.seconds, t0))
        await asyncio.gather(*jobs)
        out["duration_s"] = loop.time() - t0
        out["server_cpu_s"] = server.cpu_seconds() - cpu0
        out["postgres_cpu_s"] = loadkit.postgres_cpu_seconds() - pg0
        out["client_cpu_s"] = time.process_time() - client0
        out["load"] = (load0, loadkit.load_average())
        out["window"] = (opening, closing)
        out["counters"] = counters
        main_records = list(recorder.records)

        # Save at saturation, then the floor with the same concurrency, same server, same rows.
        recorder.records.clear()
        recorder.t0 = loop.time()
        await gather_limited([p.start(world.round_id, "sat_start") for p in saturators], 32)
        live = [p for p in saturators if p.attempt_id is not None]
        if live and args.floor_seconds > 0:
            def pick(p):
                question = rng.choice(p.questions)
                return question["id"], rng.choice(question["choices"])["id"]

            async def save_step(i):
                await live[i % len(live)].save(*pick(live[i % len(live)]), kind="sat_save")

            out["saturation"] = await closed_loop(args.floor_seconds, len(live), save_step)
            out["saturation_records"] = [r for r in recorder.records if r.kind == "sat_save"]
        out["takers"] = takers + live
        out["main_records"] = main_records
        out["pre_records"] = pre
        out["check"] = loadkit.check_answers(url, takers + live)  # before the floor overwrites rows
        out["audit"] = loadkit.attempt_audit(url, [p.username for p in takers])
        if live and args.floor_seconds > 0:
            floor_client = Participant(http, base, Recorder(), "floor")

            async def floor_step(i):
                p = live[i % len(live)]
                question_id, choice_id = pick(p)
                await floor_client.call("floor", "POST", "/_bench/floor",
                                        {"attempt_id": p.attempt_id, "question_id": question_id, "choice_id": choice_id})

            out["floor"] = await closed_loop(args.floor_seconds, len(live), floor_step)
            out["floor_records"] = floor_client.recorder.records
    return out


def phase_of(record, opening: float, submit_from: float) -> str:
    if record.at < opening:
        return "opening"
    return "steady" if record.at < submit_from else "submit"


def report(args, world, out, engine: str, server_slots: str, log_lines: int) -> tuple[dict, list[str], bool]:
    records = out["main_records"]
    opening, closing = out["window"]
    submit_from = args.seconds - closing
    lines = [
        f"load bench: {len(world.usernames)} accounts, {args.takers} takers over {args.seconds:.0f} s on {engine}, "
        f"gunicorn {server_slots}, save every {args.save_every:.0f} s; load average {out['load'][0]} → {out['load'][1]}",
        f"logins before the opening: {len(out['pre_records']) - out['scrypt_logins']['logins']} in "
        f"{out['login_s']:.1f} s (cheap hash), failures {out['login_failures']}; "
        f"scrypt logins: {out['scrypt_logins']['logins']} in {out['scrypt_logins']['seconds']} s, "
        f"{out['scrypt_logins']['server_cpu_ms_each']} ms server CPU each",
    ]
    kinds = ["start", "load", "save", "resume", "restart", "submit", "ranking"]
    phases = {}
    for name, span in (("opening", opening), ("steady", submit_from - opening), ("submit", out["duration_s"] - submit_from)):
        chosen = [r for r in records if phase_of(r, opening, submit_from) == name]
        rows = {"all": summarize(chosen, span)}
        for kind in kinds:
            picked = [r for r in chosen if r.kind == kind]
            if picked:
                rows[kind] = summarize(picked, span)
        phases[name] = rows
        label = {"opening": f"opening burst (first {opening:.0f} s)", "steady": f"steady state ({opening:.0f}–{submit_from:.0f} s)",
                 "submit": f"submit burst (last {closing:.0f} s)"}[name]
        lines += table(label, rows)
    by_kind = {kind: summarize([r for r in records if r.kind == kind], out["duration_s"]) for kind in kinds}
    lines += table("whole run, per request kind", {k: v for k, v in by_kind.items() if v["requests"]})
    counters, audit, check = out["counters"], out["audit"], out["check"]
    starts_in_opening = phases["opening"].get("start", {}).get("requests", 0)
    submits_in_window = phases["submit"].get("submit", {}).get("requests", 0)
    lines.append(f"database check: {check['answers_acked']} answers acknowledged, {check['answers_stored']} stored, "
                 f"{check['lost_answers']} lost; {audit['users_with_attempts']} takers with an attempt, "
                 f"{audit['duplicate_attempts']} duplicate attempts, {audit['unfinished']} left unfinished; "
                 f"{counters.resume_mismatches} reloads missing an acked answer; {counters.failed_takers} takers failed")
    ratio = None
    if "floor" in out:
        sat_count, sat_s = out["saturation"]
        floor_count, floor_s = out["floor"]
        sat_rps, floor_rps = sat_count / sat_s, floor_count / floor_s
        ratio = sat_rps / floor_rps if floor_rps else None
        sat = summarize(out["saturation_records"], sat_s)
        floor = summarize(out["floor_records"], floor_s)
        lines += table(f"saturation: {args.saturation} connections back to back, {args.floor_seconds:.0f} s each",
                       {"save": sat, "floor": floor})
        lines.append(f"save throughput {sat_rps:.0f}/s = {ratio:.2f} × the floor ({floor_rps:.0f}/s: one upsert and "
                     f"commit behind the same gunicorn, Flask and SQLAlchemy, no login, lookup or check)")
    cpu_per_request = out["server_cpu_s"] * 1000 / max(1, len(records))
    pg_label = "PostgreSQL (all its processes on the machine)" if engine == "postgresql" else "postgres processes"
    lines.append(f"CPU during the run of {out['duration_s']:.0f} s: gunicorn {out['server_cpu_s']:.1f} s "
                 f"({cpu_per_request:.2f} ms per request), {pg_label} {out['postgres_cpu_s']:.1f} s "
                 f"({out['postgres_cpu_s'] * 1000 / max(1, len(records)):.2f} ms per request), this client "
                 f"{out['client_cpu_s']:.1f} s; request log lines written: {log_lines}")
    overall = summarize(records, out["duration_s"])
    save = by_kind["save"]
    start_open = phases["opening"].get("start", summarize([]))
    submit_burst = phases["submit"].get("submit", summarize([]))
    verdicts = [
        ("zero errors", overall["errors"] == 0),
        ("zero lost answers", check["lost_answers"] == 0),
        ("no duplicate attempt", audit["duplicate_attempts"] == 0),
        (f"save p99 {save['p99_ms']} ms ≤ {SAVE_P99_TARGET_MS:.0f} ms", save["p99_ms"] <= SAVE_P99_TARGET_MS),
        (f"{starts_in_opening} starts in the first {opening:.0f} s, p99 {start_open['p99_ms']} ms ≤ 1000 ms",
         start_open["p99_ms"] <= 1000),
        (f"{submits_in_window} submits in the last {closing:.0f} s, {submit_burst['errors']} errors",
         submit_burst["errors"] == 0),
    ]
    lines += [f"  {'ok    ' if good else 'MISSED'} {label}" for label, good in verdicts]
    figures = {
        "takers": args.takers,
        "duration_s": round(out["duration_s"], 1),
        "requests": overall["requests"],
        "rps": overall["rps"],
        "p50_ms": overall["p50_ms"],
        "p95_ms": overall["p95_ms"],
        "p99_ms": overall["p99_ms"],
        "errors": overall["errors"],
        "answers_acked": check["answers_acked"],
        "answers_stored": check["answers_stored"],
        "lost_answers": check["lost_answers"],
        "engine": engine,
        "server": server_slots,
        "load_average": out["load"][1],
        "duplicate_attempts": audit["duplicate_attempts"],
        "resume_mismatches": counters.resume_mismatches,
        "phases": {name: rows.get("all") for name, rows in phases.items()},
        "save_p99_ms": save["p99_ms"],
        "start_p99_ms_opening": start_open["p99_ms"],
        "starts_in_opening": starts_in_opening,
        "submits_in_burst": submits_in_window,
        "save_floor_ratio": round(ratio, 3) if ratio else None,
        "scrypt_login_cpu_ms": out["scrypt_logins"]["server_cpu_ms_each"],
        "app_cpu_ms_per_request": round(cpu_per_request, 2),
        "db_cpu_ms_per_request": round(out["postgres_cpu_s"] * 1000 / max(1, len(records)), 2),
    }
    healthy = all(good for label, good in verdicts[:3]) and counters.failed_takers == 0
    return figures, lines, healthy


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--takers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--save-every", type=float, default=10.0, help="seconds between two saves of one taker")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: gunicorn.conf.py)")
    parser.add_argument("--connections", type=int, default=512, help="client keep-alive connections")
    parser.add_argument("--floor-seconds", type=float, default=8.0, help="0 skips the saturation and floor runs")
    parser.add_argument("--saturation", type=int, default=32, help="connections of the saturation and floor runs")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database and the server log")
    args = parser.parse_args(argv)
    if args.takers < 1 or args.seconds < 10:
        parser.error("--takers ≥ 1 and --seconds ≥ 10")

    database = loadkit.make_database("cchc-load")
    server = None
    try:
        began = time.perf_counter()
        world = loadkit.build_world(database.url, {"taker": args.takers, "sat": args.saturation, "scrypt": SCRYPT_LOGINS},
                                    slow_hash_group="scrypt")
        print(f"database ({database.engine_name}) with the demo and {len(world.usernames)} accounts built in "
              f"{time.perf_counter() - began:.1f} s", flush=True)
        server = loadkit.Server(database.url, database.workdir, workers=args.workers, threads=args.threads)
        server.wait_ready()
        workers = len(server.workers())
        threads = args.threads or int(os.environ.get("GUNICORN_THREADS") or 2)
        args.server_slots = workers * threads
        slots = f"{workers} workers × {threads} threads"
        print(f"gunicorn up on {server.base} ({slots}); load average {loadkit.load_average()}", flush=True)
        out = asyncio.run(run(args, server, world, database.url))
        server.stop()
        figures, lines, healthy = report(args, world, out, database.engine_name, slots, server.request_log_lines())
        print("\n".join(lines))
        if args.keep:
            print(f"kept: {database.url} and {server.log_path}")
        print(json.dumps(figures, ensure_ascii=False))
        return 0 if healthy else 1
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            database.close()


if __name__ == "__main__":
    sys.exit(main())
