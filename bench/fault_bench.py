"""Faults during a contest: a worker killed mid-request, PostgreSQL restarted, clients that retry.

    .venv/bin/python -m bench.fault_bench [--takers 200] [--seconds 60]

Serves the app with gunicorn (gunicorn.conf.py) against PostgreSQL and drives participants who
save every 2 s and retry a save, a start or a submit after a timeout, a dropped connection or a
5xx (as static/js/quiz.js does). Some of them give up on a save or a submit after 20 ms on
purpose (the request usually still reaches the server) and send it again. Meanwhile:

- at 25 %, 30 % and 35 % of the run a gunicorn worker is killed with SIGKILL 30 ms after a
  burst of 60 saves was sent, so it dies mid-request (the master starts a new one);
- at 50 % PostgreSQL is restarted (fast mode: every connection is cut, open transactions roll
  back). By default this is a private cluster (initdb in a temporary folder, on its own port,
  so nobody else's tests lose their database); with BENCH_DATABASE_URL set, that server is used
  and restarted with `pg_ctlcluster VERSION main restart` (--restart-command overrides).

Afterwards: every acknowledged answer must be stored, nobody may have two attempts, every
participant's attempt must be submitted, and the same gunicorn master must answer /healthz
without having been restarted. Prints the figures, then one JSON line; exit 1 on a failure.
"""
import argparse
import asyncio
import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import aiohttp

from bench import loadkit
from bench.loadkit import Participant, Recorder, summarize, table

PG_BIN = Path("/usr/lib/postgresql")
ABANDON_AFTER = 0.02  # seconds: the client gives up, the server usually still does the work
BURST = 60  # participants whose saves are in flight when a worker is killed


class PrivateCluster:
    """A throw-away PostgreSQL cluster owned by the postgres user, on 127.0.0.1 and its own port."""

    def __init__(self):
        version = sorted(PG_BIN.iterdir(), key=lambda p: int(p.name))[-1]
        self.bin = version / "bin"
        self.dir = Path(tempfile.mkdtemp(prefix="cchc-fault-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.port = loadkit.free_port()
        self._as_postgres([str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres", "--auth=trust",
                           "-E", "UTF8", "--no-instructions"])
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=100"
        self._as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-o", options, "-l",
                           str(self.dir / "server.log"), "-w", "start"])
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.restart_command = ["runuser", "-u", "postgres", "--", str(self.bin / "pg_ctl"), "-D",
                                str(self.dir / "data"), "-m", "fast", "-w", "restart"]

    def _as_postgres(self, command: list[str]) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, stdout=subprocess.DEVNULL,
                       cwd=self.dir)

    def stop(self) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"),
                        "-m", "immediate", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


def shared_restart_command() -> list[str]:
    version = sorted(PG_BIN.iterdir(), key=lambda p: int(p.name))[-1].name
    return ["pg_ctlcluster", version, "main", "restart"]


class Faults:
    def __init__(self):
        self.events: list[str] = []
        self.killed: list[int] = []
        self.respawn_s: list[float] = []
        self.pg_restart_s = None
        self.pg_restart_at = None


async def kill_worker(server: loadkit.Server, faults: Faults, t0: float, burst: list[Participant],
                      rng: random.Random) -> None:
    """SIGKILL a worker while a burst of saves is in flight, so that it dies mid-request."""
    loop = asyncio.get_running_loop()
    before = server.workers()
    if not before:
        return

    async def save(p: Participant):
        question = rng.choice(p.questions)
        await p.save(question["id"], rng.choice(question["choices"])["id"], kind="burst_save")

    saves = asyncio.gather(*(save(p) for p in burst if p.attempt_id))
    await asyncio.sleep(0.03)
    victim = random.choice(before)
    os.kill(victim, signal.SIGKILL)
    faults.killed.append(victim)
    began = loop.time()
    faults.events.append(f"{began - t0:5.1f} s  SIGKILL worker {victim} (of {len(before)})")
    while loop.time() - began < 30:
        now = server.workers()
        if len(now) >= len(before) and victim not in now:
            faults.respawn_s.append(loop.time() - began)
            faults.events.append(f"{loop.time() - t0:5.1f} s  a new worker serves again "
                                 f"({loop.time() - began:.2f} s after the kill)")
            break
        await asyncio.sleep(0.05)
    await saves


async def restart_postgres(command: list[str], faults: Faults, t0: float) -> None:
    loop = asyncio.get_running_loop()
    began = loop.time()
    faults.pg_restart_at = began - t0
    faults.events.append(f"{began - t0:5.1f} s  PostgreSQL restart: {shlex.join(command)}")
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.DEVNULL,
                                                   stderr=asyncio.subprocess.PIPE)
    _, err = await process.communicate()
    faults.pg_restart_s = loop.time() - began
    status = "done" if process.returncode == 0 else f"FAILED ({err.decode(errors='replace').strip()[:200]})"
    faults.events.append(f"{loop.time() - t0:5.1f} s  PostgreSQL restart {status} in {faults.pg_restart_s:.2f} s")


async def abandoned_then_retried(p: Participant, kind: str, method: str, path: str, body) -> tuple[int, dict]:
    """Sends once with a 20 ms timeout (the server still gets it), then retries as usual."""
    patient = p.timeout
    p.timeout = aiohttp.ClientTimeout(total=ABANDON_AFTER)
    await p.call(f"{kind}_abandoned", method, path, body)
    p.timeout = patient
    return await p.retrying(kind, method, path, body)


async def take(p: Participant, round_id: int, t0: float, start_at: float, submit_at: float, rng: random.Random,
               failures: list[str]) -> None:
    await asyncio.sleep(max(0.0, t0 + start_at - asyncio.get_running_loop().time()))
    if not await p.start(round_id):
        failures.append(f"{p.username}: start failed")
        return
    loop = asyncio.get_running_loop()
    step = 0
    while loop.time() - t0 < submit_at:
        question = p.questions[step % len(p.questions)]
        choice = rng.choice(question["choices"])["id"]
        path = f"/api/v1/attempts/{p.attempt_id}/answers/{question['id']}"
        if rng.random() < 0.1:
            status, _ = await abandoned_then_retried(p, "save", "PUT", path, {"choice_id": choice})
            if status == 200:
                p.acked[question["id"]] = choice
        else:
            await p.save(question["id"], choice)
        step += 1
        await asyncio.sleep(rng.uniform(1.5, 2.5))
    body = {"prediction": rng.randrange(50), "answers": {}}
    if rng.random() < 0.3:
        status, data = await abandoned_then_retried(p, "submit", "POST", f"/api/v1/attempts/{p.attempt_id}/submit", body)
    else:
        status, data = await p.retrying("submit", "POST", f"/api/v1/attempts/{p.attempt_id}/submit", body)
    if status != 200 or (data or {}).get("status") != "submitted":
        failures.append(f"{p.username}: submit ended with {status}")


def healthz(base: str) -> int:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
            return response.status
    except OSError as exc:
        return getattr(exc, "code", 0) or 0


async def run(args, server: loadkit.Server, world: loadkit.World, restart_command: list[str]) -> dict:
    rng = random.Random(args.seed)
    recorder = Recorder()
    faults = Faults()
    failures: list[str] = []
    async with loadkit.http_session(256) as http:
        takers = [Participant(http, server.base, recorder, name, timeout=5.0) for name in world.usernames
                  if name.startswith("taker")]
        burst = [Participant(http, server.base, recorder, name, timeout=5.0) for name in world.usernames
                 if name.startswith("burst")]
        for p in takers + burst:
            p.tries, p.pause = 10, 0.5  # up to ~27 s of patience: longer than a PostgreSQL restart
        loop = asyncio.get_running_loop()
        recorder.t0 = loop.time()
        await asyncio.gather(*(p.login() for p in takers + burst))
        await asyncio.gather(*(p.start(world.round_id, "burst_start") for p in burst))
        recorder.t0 = t0 = loop.time()
        s = args.seconds
        jobs = [take(p, world.round_id, t0, rng.uniform(0, 5), rng.uniform(s * 0.8, s), random.Random(rng.random()),
                     failures) for p in takers]

        async def script():
            for fraction in (0.25, 0.30, 0.35):
                await asyncio.sleep(max(0.0, t0 + s * fraction - loop.time()))
                await kill_worker(server, faults, t0, burst, rng)
            await asyncio.sleep(max(0.0, t0 + s * 0.5 - loop.time()))
            await restart_postgres(restart_command, faults, t0)

        await asyncio.gather(script(), *jobs)
        duration = loop.time() - t0
    return {"recorder": recorder, "faults": faults, "failures": failures, "takers": takers + burst,
            "duration": duration}


def recovery_after_restart(records, restart_at: float | None) -> float | None:
    """Seconds from the restart command to the first save acknowledged after the last failed one."""
    if restart_at is None:
        return None
    saves = sorted((r for r in records if r.kind == "save" and r.at >= restart_at), key=lambda r: r.at)
    last_failure = max((r.at for r in saves if not r.ok), default=None)
    if last_failure is None:
        return 0.0
    after = [r for r in saves if r.ok and r.at > last_failure]
    return (after[0].at + after[0].ms / 1000 - restart_at) if after else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--takers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--restart-command", help="restarts PostgreSQL (default: see the module's docstring)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    cluster = None
    if os.environ.get("BENCH_DATABASE_URL", "").startswith("postgresql"):
        restart = shared_restart_command()
    else:
        cluster = PrivateCluster()
        os.environ["BENCH_DATABASE_URL"] = cluster.url
        restart = cluster.restart_command
    if args.restart_command:
        restart = shlex.split(args.restart_command)
    database = loadkit.make_database("cchc-fault")
    server = None
    try:
        world = loadkit.build_world(database.url, {"taker": args.takers, "burst": BURST})
        server = loadkit.Server(database.url, database.workdir)
        server.wait_ready()
        master = server.process.pid
        print(f"gunicorn master {master} with {len(server.workers())} workers on {server.base}; "
              f"{args.takers} participants for {args.seconds:.0f} s; load average {loadkit.load_average()}", flush=True)
        out = asyncio.run(run(args, server, world, restart))
        health = healthz(server.base)
        same_master = server.process.poll() is None and server.process.pid == master
        check = loadkit.check_answers(database.url, out["takers"])
        audit = loadkit.attempt_audit(database.url, [n for n in world.usernames if n.startswith("taker")])
        burst_audit = loadkit.attempt_audit(database.url, [n for n in world.usernames if n.startswith("burst")])
        audit["duplicate_attempts"] += burst_audit["duplicate_attempts"]
        records = out["recorder"].records
        faults = out["faults"]
        recovery = recovery_after_restart(records, faults.pg_restart_at)
        print("\n".join(faults.events))
        kinds = ["login", "start", "save", "save_abandoned", "burst_save", "submit", "submit_abandoned"]
        print("\n".join(table("requests (errors: timeouts, dropped connections, 5xx; each was retried)",
                              {k: summarize([r for r in records if r.kind == k], out["duration"]) for k in kinds
                               if any(r.kind == k for r in records)})))
        statuses = {}
        for r in records:
            if not r.ok and not r.kind.endswith("_abandoned"):
                statuses[str(r.status)] = statuses.get(str(r.status), 0) + 1
        retries = sum(p.retries for p in out["takers"])
        print(f"failed responses by status (0 = timeout or cut connection): {statuses or 'none'}; retries: {retries}")
        print(f"saves acknowledged again after the PostgreSQL restart: "
              f"{'n/a' if recovery is None else f'{recovery:.2f} s'} after the restart command")
        print(f"database check: {check['answers_acked']} acknowledged answers, {check['answers_stored']} stored, "
              f"{check['lost_answers']} lost; {audit['duplicate_attempts']} duplicate attempts; "
              f"{audit['unfinished']} attempts left unsubmitted; participants who gave up: {len(out['failures'])}")
        print(f"after the faults: /healthz {health}, same gunicorn master: {same_master}, "
              f"workers respawned in {', '.join(f'{s:.2f} s' for s in faults.respawn_s) or 'n/a'}")
        for failure in out["failures"][:10]:
            print(f"  {failure}")
        ok = (check["lost_answers"] == 0 and audit["duplicate_attempts"] == 0 and audit["unfinished"] == 0
              and not out["failures"] and health == 200 and same_master and len(faults.respawn_s) == 3
              and faults.pg_restart_s is not None)
        print("faults survived" if ok else "FAULT RUN FAILED")
        print(json.dumps({
            "takers": args.takers, "duration_s": round(out["duration"], 1), "requests": len(records),
            "errors": sum(not r.ok for r in records if not r.kind.endswith("_abandoned")), "retries": retries,
            "answers_acked": check["answers_acked"], "answers_stored": check["answers_stored"],
            "lost_answers": check["lost_answers"], "duplicate_attempts": audit["duplicate_attempts"],
            "unsubmitted": audit["unfinished"], "workers_killed": len(faults.killed),
            "worker_respawn_s": [round(s, 2) for s in faults.respawn_s],
            "pg_restart_s": round(faults.pg_restart_s, 2) if faults.pg_restart_s else None,
            "saves_recovered_after_s": round(recovery, 2) if recovery is not None else None,
            "healthz_after": health, "same_master": same_master, "load_average": loadkit.load_average(),
        }))
        return 0 if ok else 1
    finally:
        try:
            if server is not None:
                server.stop()
            database.close()
        finally:
            if cluster is not None:
                cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
