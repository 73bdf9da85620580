"""`make bench`: every benchmark in turn, then one table of figures against their targets.

    .venv/bin/python -m bench.run [--takers 200] [--seconds 60] [--only quiz,import]

Runs bench.quiz_bench (start/save latency, issue 4), bench.import_bench (import speed and
memory, issue 3; PostgreSQL too when BENCH_POSTGRES_URL or TEST_POSTGRES_URL names a server) and
bench.preview_bench (the bank preview of a 90,000-question CSV, issue 16), each in its own process with its output shown as it comes, reads the JSON line each prints
last, and exits 1 when a benchmark fails or a target is missed. --takers and --seconds size the
many-participant load bench of SPEC §7 (bench/load_bench.py; on PostgreSQL when
BENCH_DATABASE_URL names a server, else SQLite), run last so that, after the table, its JSON
object is printed again as the last line.
"""
import argparse
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from bench.quiz_bench import TARGETS as QUIZ_TARGETS

ROOT = Path(__file__).resolve().parent.parent
LOAD_BENCH = "bench.load_bench"


def run_bench(module: str, args: list[str]) -> tuple[int, dict | None]:
    """Streams the bench's output through and returns its exit code and its last JSON line."""
    print(f"\n=== {module} {' '.join(args)}", flush=True)
    process = subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    last = None
    for line in process.stdout:
        print(line, end="", flush=True)
        if line.startswith("{"):
            last = line
    code = process.wait()
    try:
        return code, json.loads(last) if last else None
    except json.JSONDecodeError:
        return code, None


def quiz_rows(figures: dict) -> list[tuple[str, str, str, bool]]:
    return [
        (f"quiz {name.replace('_p95_ms', '')} p95 (bank of {figures['bank']})", f"{figures[name]:.1f} ms",
         f"≤ {limit:.0f} ms", figures[name] <= limit)
        for name, limit in QUIZ_TARGETS.items()
    ]


def import_rows(figures: dict) -> list[tuple[str, str, str, bool]]:
    targets = figures["targets"]
    rows = []
    for run in figures["runs"]:
        limit = targets["import_s" if run["expect"] == "import" else "refuse_s"]
        measured = f"{run['command_s']:.2f} s (cpu {run['cpu_s']:.2f}), {run['rss_mb']:.0f} MB"
        ok = run["ok"] and run["command_s"] <= limit and run["rss_mb"] <= targets["rss_mb"]
        verb = "import" if run["expect"] == "import" else "refuse"
        rows.append((f"{verb} {run['file']} ({run['engine']})", measured,
                     f"≤ {limit:.0f} s, ≤ {targets['rss_mb']:.0f} MB", ok))
    return rows


def preview_rows(figures: dict) -> list[tuple[str, str, str, bool]]:
    """Issue 16: the big CSV's preview pages after the upload; the upload and confirm are shown."""
    label = f"bank preview, {figures['questions']:,}-question CSV ({figures['csv_mb']} MB)"
    rows = [(f"{label}: {page} page", f"{figures[f'preview_{page}_s'] * 1000:.0f} ms", "≤ 1000 ms",
             figures[f"preview_{page}_s"] <= figures["targets"]["preview_s"]) for page in ("first", "middle", "last")]
    steps = {"upload": "upload request", "longest_poll": "slowest progress-page request", "confirm": "confirm request"}
    rows += [(f"{label}: {title}", f"{figures[f'{step}_s']:.1f} s", "≤ 30 s",
              figures[f"{step}_s"] <= figures["targets"]["request_s"]) for step, title in steps.items()]
    rows.append((f"{label}: processed (background)", f"{figures['processed_s']:.1f} s", "(reported)", True))
    return rows


def load_rows(figures: dict, code: int) -> list[tuple[str, str, str, bool]]:
    """SPEC §7 and issue 7: nothing lost or duplicated, no error, save p99 and opening start p99."""
    takers = f"load ({figures.get('takers')} takers, {figures.get('engine')})"
    lost, errors = figures.get("lost_answers"), figures.get("errors")
    save_p99, start_p99 = figures.get("save_p99_ms"), figures.get("start_p99_ms_opening")
    return [
        (f"{takers}: lost answers, duplicate attempts", f"{lost}, {figures.get('duplicate_attempts')}", "0, 0",
         lost == 0 and figures.get("duplicate_attempts") == 0 and code == 0),
        (f"{takers}: errors", str(errors), "0", errors == 0),
        (f"{takers}: save p99", f"{save_p99} ms", "≤ 300 ms", save_p99 is not None and save_p99 <= 300),
        (f"{takers}: start p99 in the opening", f"{start_p99} ms", "≤ 1000 ms",
         start_p99 is not None and start_p99 <= 1000),
        (f"{takers}: save ÷ floor", str(figures.get("save_floor_ratio")), "(reported)", True),
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--takers", type=int, default=200, help="simulated participants (load bench)")
    parser.add_argument("--seconds", type=int, default=60, help="duration of the load bench")
    parser.add_argument("--only", default="quiz,import,preview,load",
                        help="comma-separated: quiz, import, preview, load")
    args = parser.parse_args(argv)
    wanted = set(args.only.split(","))
    benches = [("quiz", "bench.quiz_bench", [], quiz_rows), ("import", "bench.import_bench", [], import_rows),
               ("preview", "bench.preview_bench", [], preview_rows)]
    load_present = importlib.util.find_spec(LOAD_BENCH) is not None
    if load_present:
        benches.append(("load", LOAD_BENCH, ["--takers", str(args.takers), "--seconds", str(args.seconds)], None))
    rows, failed, load_figures = [], [], None
    for name, module, extra, to_rows in benches:
        if name not in wanted:
            continue
        code, figures = run_bench(module, extra)
        if figures is None:
            failed.append(f"{name}: no figures (exit {code})")
            continue
        if to_rows is None:
            load_figures = figures
            rows += load_rows(figures, code)
            continue
        rows += to_rows(figures)
        if code != 0 and all(ok for *_, ok in to_rows(figures)):
            failed.append(f"{name}: exit {code}")
    width = max((len(row[0]) for row in rows), default=10) + 2
    print(f"\n{'figure':<{width}}{'measured':>32}{'target':>20}  verdict")
    for label, measured, target, ok in rows:
        print(f"{label:<{width}}{measured:>32}{target:>20}  {'ok' if ok else 'MISSED'}")
    if "load" in wanted and not load_present:
        print(f"load bench (SPEC §7, --takers {args.takers} --seconds {args.seconds}): "
              f"{LOAD_BENCH} does not exist yet")
    missed = [label for label, _, _, ok in rows if not ok] + failed
    print("all targets met" if not missed else f"missed: {'; '.join(missed)}")
    if load_figures is not None:
        print(json.dumps(load_figures))  # SPEC §7: the load bench's object is the last line
    else:
        print(json.dumps({"figures": [{"figure": r[0], "measured": r[1], "target": r[2], "ok": r[3]} for r in rows],
                          "missed": missed}, ensure_ascii=False))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
