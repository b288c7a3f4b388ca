"""Checked registers benchmark: what validating every register row costs a dashboard page.

Pages and commands read registers through ``wb.registers.read_register``, which validates each
row against its record model (the risk register only the rows its vectorized screen flags) so
that one bad record is left out and named instead of breaking the page. At the dashboard
benchmark's scale (1,000 AI systems and 25,000 risks, with their assessments, evidence and
sign-offs), this builds the whole portfolio page, against the floor measured in the same run:
the same page with the row checks switched off (registers read as ``store.frame`` returns
them). Target: ratio <= 1.15.

Usage: python benchmarks/bench_registers.py [--runs N] [--systems N] [--risks N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import interleaved, report, time_call  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--systems", type=int, default=1000)
    parser.add_argument("--risks", type=int, default=25_000)
    args = parser.parse_args()
    os.environ.setdefault("WORKBENCH_USER", "bench")

    import bench_dashboard

    from workbench import portfolio, registers

    checked = registers.check_frame

    def unchecked(kind: str, frame: object) -> registers.CheckedRegister:
        return registers.CheckedRegister(frame, ())

    def build(check: object) -> float:
        registers.check_frame = check
        try:
            def work() -> None:
                page = portfolio.portfolio_page(url)
                failed = [p.key for p in page.panels if p.error]
                if page.error or failed:
                    raise SystemExit(f"the portfolio page failed: {page.error or failed}")
            return time_call(work)
        finally:
            registers.check_frame = checked

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        bench_dashboard.seed(url, args.systems, args.risks)
        print(bench_dashboard.describe(url) + "\n")
        measured = "portfolio page, registers checked"
        floor = "portfolio page, row checks off"
        samples = interleaved({measured: lambda: build(checked),
                               floor: lambda: build(unchecked)}, runs=args.runs)
        ratio = report("checked registers in the portfolio page build", measured, floor,
                       samples, "<= 1.15")
        print(f"  -> {'OK' if ratio <= 1.15 else 'OVER TARGET'}")


if __name__ == "__main__":
    main()
