"""Soak: scheduled PDF batches on a loaded machine must not lose a report.

Runs ``workbench report impact_assessment --all --to pdf --jobs 2`` (the README's scheduled
batch, as cron or Airflow runs it: a fresh command each time) ``--batches`` times in a row on
the demo store while ``--burners`` processes keep the CPUs busy. A report is *lost* when its
PDF is missing after the batch; a failed report must also leave its ``.failed.ipynb`` or a
one-line reason on stderr (counted as *unexplained* when it does neither).

Prints one line per batch (exit status, written, lost, seconds) and the totals; exits 1 when
any report was lost.

Usage: python benchmarks/soak_reports.py [--batches 10] [--burners 3] [--jobs 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
BURN = "import time\nwhile True:\n    sum(i * i for i in range(10000))\n"


def seed(url: str) -> list[str]:
    from workbench import demo
    from workbench.store import open_store

    with open_store(url) as store:
        demo.seed(store, as_of=dt.date.today())
        systems = sorted(v.record_id for v in store.latest("ai_system"))
    # The scheduler runs as its own account, added by the demo's admin as README says.
    subprocess.run(
        [str(BIN / "workbench"), "admin", "add-user", "scheduler", "--name", "Report scheduler",
         "--role", "contributor", "--service-account"],
        env={**os.environ, "WORKBENCH_DATABASE_URL": url, "WORKBENCH_USER": "chloe"},
        stdout=subprocess.DEVNULL, check=True)
    return systems


def batch(out: Path, env: dict[str, str], args: argparse.Namespace) -> tuple[int, str, float]:
    start = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "workbench"), "report", args.template, "--all", "--to", args.to,
         "--out", str(out), "--jobs", str(args.jobs)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    return done.returncode, done.stderr, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--burners", type=int, default=3, help="CPU-burning processes")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--template", default="impact_assessment")
    parser.add_argument("--to", default="pdf", choices=("pdf", "html", "ipynb"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="soak-reports-") as tmp:
        tmp_path = Path(tmp)
        url = f"sqlite:///{tmp_path / 'demo.db'}"
        systems = seed(url)
        env = {**os.environ, "WORKBENCH_DATABASE_URL": url,
               "WORKBENCH_USER": os.environ.get("WORKBENCH_USER", "scheduler")}
        burners = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(args.burners)]
        print(f"{args.batches} batches of {len(systems)} {args.to} reports "
              f"({args.template}, --jobs {args.jobs}) with {len(burners)} CPU burners "
              f"on {os.cpu_count()} CPUs", flush=True)
        lost = unexplained = 0
        durations: list[float] = []
        try:
            for number in range(1, args.batches + 1):
                out = tmp_path / f"batch-{number:02d}"
                code, stderr, seconds = batch(out, env, args)
                durations.append(seconds)
                missing = [s for s in systems
                           if not (out / f"{args.template}-{s}.{args.to}").is_file()]
                errors = [ln for ln in stderr.splitlines() if ln.startswith("error: ")]
                silent = [s for s in missing
                          if not (out / f"{args.template}-{s}.failed.ipynb").is_file()
                          and not any(f"error: {s}: " in ln for ln in errors)]
                lost += len(missing)
                unexplained += len(silent)
                print(f"batch {number:2d}: exit {code}, {len(systems) - len(missing)} of "
                      f"{len(systems)} written, {len(missing)} lost, {seconds:.1f} s", flush=True)
                for line in errors:
                    print(f"    {line}", flush=True)
                if code not in (0, 3):  # refused or crashed: show why
                    print("    " + "\n    ".join(stderr.strip().splitlines()[-5:]), flush=True)
        finally:
            for proc in burners:
                proc.kill()
                proc.wait()
    print(f"\nreports lost: {lost} of {len(systems) * args.batches} "
          f"({unexplained} without a .failed.ipynb or a reason)")
    print(f"batch seconds: median {statistics.median(durations):.1f}, "
          f"min {min(durations):.1f}, max {max(durations):.1f}")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
