"""Report benchmarks: ``workbench report`` against plain papermill, same machine, same run.

(a) One system's report (``workbench report system_report --system ID``, HTML export and the
    evidence record included) against the papermill CLI running a notebook with the report's
    imports and no work (target <= 1.2). The floor's imports are the template's own plus the
    libraries the workbench loads while reporting (pandas, plotly, SQLAlchemy, the store, and
    the risk, impact, oversight, fairness and readiness packages whose sections it shows).
(b) A batch of N reports (default 50) with ``--all --jobs 2`` against N plain ``papermill``
    CLI runs of the same template, one after another (target: at least 2x faster).
Also printed: the papermill CLI's own start-up (``papermill --help``) against ``python -c
pass``: the seconds it pays before any kernel starts.

Usage: python benchmarks/bench_reports.py [--runs N] [--batch N] [--batch-runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import interleaved, median, report, time_command

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TEMPLATE = REPO / "notebooks" / "system_report.ipynb"


def seed(url: str, systems: int) -> list[str]:
    """The demo organization, then copies of its systems up to ``systems`` in total."""
    import datetime as dt

    from workbench import demo
    from workbench.demo.organization import SYSTEMS
    from workbench.model import AISystem, Person, Role
    from workbench.store import open_store

    store = open_store(url)
    with store.seeding():  # the demo, then more systems registered by its governance lead
        demo.seed(store, as_of=dt.date.today())
        extra = []
        for i in range(max(systems - store.count("ai_system"), 0)):
            base = dict(SYSTEMS[i % len(SYSTEMS)])
            base.update(id=f"{base['id']}-{i:03d}", name=f"{base['name']} ({i})")
            extra.append((AISystem(**base), None))
        with store.acting_as("chloe"):
            if extra:
                store.save_many(extra)
            # the scheduled runs' own account, as README sets one up
            store.save(Person(id="scheduler", name="Report scheduler",
                              roles=[Role.contributor], service_account=True))
    ids = sorted(v.record_id for v in store.latest("ai_system"))
    store.close()
    return ids


def floor_notebook(path: Path) -> None:
    """The report template with every cell after the parameters replaced by its imports."""
    import nbformat
    from nbformat.v4 import new_code_cell

    nb = nbformat.read(str(TEMPLATE), as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    nb.cells = [nb.cells[0], params, new_code_cell(
        "from workbench import portfolio\n"
        "import pandas\nimport plotly.graph_objects\nimport plotly.io\nimport sqlalchemy\n"
        "import workbench.store\n"
        "# the features whose sections the report shows\n"
        "import workbench.catalog\nimport workbench.fairness._evidence\nimport workbench.impact\n"
        "import workbench.oversight\nimport workbench.readiness.facts\nimport workbench.risk")]
    nbformat.write(nb, str(path))


def run(argv: list[str], env: dict[str, str]) -> float:
    import time

    start = time.perf_counter()
    done = subprocess.run(argv, check=False, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{' '.join(argv[:3])} … exited {done.returncode}:\n"
                         f"{done.stderr[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of (a), median taken")
    parser.add_argument("--batch", type=int, default=50, help="reports in the batch (b)")
    parser.add_argument("--batch-runs", type=int, default=3, help="runs of (b), median taken")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        url = f"sqlite:///{tmp_path / 'bench.db'}"
        systems = seed(url, args.batch)[:args.batch]
        env = {**os.environ, "WORKBENCH_DATABASE_URL": url,
               "WORKBENCH_USER": os.environ.get("WORKBENCH_USER", "scheduler")}
        floor_nb = tmp_path / "floor.ipynb"
        floor_notebook(floor_nb)
        wb, pm = str(BIN / "workbench"), str(BIN / "papermill")
        out = tmp_path / "out"

        samples = interleaved({
            "papermill --help": lambda: time_command([pm, "--help"]),
            "python -c pass": lambda: time_command([sys.executable, "-c", "pass"]),
        }, runs=args.runs)
        added = median(samples["papermill --help"]) - median(samples["python -c pass"])
        print(f"papermill CLI start-up before any kernel: {added:.2f} s "
              f"(median of {args.runs})\n")

        one = "workbench report system_report --system credit-scoring"
        floor = "papermill on the same imports, no work"
        samples = interleaved({
            one: lambda: run([wb, "report", "system_report", "--system", "credit-scoring",
                              "--out", str(out / "one")], env),
            floor: lambda: run([pm, str(floor_nb), str(out / "floor.ipynb"),
                                "-p", "system_id", "credit-scoring", "--no-progress-bar",
                                "--log-level", "WARNING"], env),
        }, runs=args.runs)
        ratio = report("(a) one system's report", one, floor, samples, "<= 1.2")
        print(f"  -> {'OK' if ratio <= 1.2 else 'OVER TARGET'}\n")

        batch = f"workbench report --all --jobs 2 [{len(systems)} reports]"
        plain = f"{len(systems)} papermill CLI runs, one after another"

        def ours() -> float:
            shutil.rmtree(out / "batch", ignore_errors=True)
            return run([wb, "report", "system_report", "--all", "--jobs", "2", "--out",
                        str(out / "batch")], env)

        def theirs() -> float:
            return sum(run([pm, str(TEMPLATE), str(out / f"plain-{s}.ipynb"), "-p",
                            "system_id", s, "--no-progress-bar", "--log-level", "WARNING"],
                           env) for s in systems)

        samples = interleaved({batch: ours, plain: theirs}, runs=args.batch_runs, warmup=0)
        ratio = report(f"(b) a batch of {len(systems)} reports", batch, plain, samples,
                       ">= 2x faster (ratio <= 0.5)")
        speedup = 1 / ratio if ratio else float("inf")
        print(f"  {speedup:.1f}x faster -> {'OK' if speedup >= 2 else 'UNDER TARGET'}\n")


if __name__ == "__main__":
    main()
