"""How often do training jobs and reports lose their work when they open a new store together?

    python experiments/bench_store_race.py --rounds 5 --jobs 3 --reports 2

Each round starts `--jobs` smoke training runs and `--reports` loops of `stancebench report` at the
same moment on a SQLite store that does not exist yet, then counts jobs that did not end FINISHED
and report calls that crashed (a traceback, not the clean "no MLflow store" / "no finished runs").
To measure another checkout (before a change), put its sources first:
`PYTHONPATH=/path/to/old/src python experiments/bench_store_race.py`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import textwrap

REPORT_LOOP = textwrap.dedent("""
    import contextlib, io, sys, time
    from stancebench.cli import main
    crashes = calls = 0
    deadline = time.monotonic() + float(sys.argv[2])
    while time.monotonic() < deadline:
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            try:
                code = main(["report", "--tracking-uri", sys.argv[1]])
            except BaseException:
                code = None
        calls += 1
        crashes += code not in (0, 1) or "Traceback" in err.getvalue()
        time.sleep(0.05)
    print(calls, crashes)
""")


def one_round(jobs: int, reports: int, seconds: float) -> tuple[int, int, int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        store = f"sqlite:///{tmp}/mlflow.db"
        loops = [subprocess.Popen([sys.executable, "-c", REPORT_LOOP, store, str(seconds)], cwd=tmp, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) for _ in range(reports)]
        runs = [subprocess.Popen([sys.executable, "-m", "stancebench.train", "debug=smoke", "model=majority",
                                  f"seed={seed}", f"paths.log_dir={tmp}", f"tracking.uri={store}"],
                                 cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for seed in range(jobs)]
        failed_jobs = sum(run.wait() != 0 for run in runs)
        calls = crashed = 0
        for loop in loops:
            n, bad = map(int, loop.communicate()[0].split())
            calls, crashed = calls + n, crashed + bad
        return failed_jobs, jobs, crashed, calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=3)
    parser.add_argument("--reports", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=15, help="how long each report loop runs")
    args = parser.parse_args()
    totals = [0, 0, 0, 0]
    for number in range(1, args.rounds + 1):
        result = one_round(args.jobs, args.reports, args.seconds)
        totals = [t + r for t, r in zip(totals, result)]
        print(f"round {number}: {result[0]}/{result[1]} jobs failed, {result[2]}/{result[3]} report calls crashed",
              flush=True)
    print(f"total: {totals[0]}/{totals[1]} jobs failed, {totals[2]}/{totals[3]} report calls crashed")


if __name__ == "__main__":
    main()
