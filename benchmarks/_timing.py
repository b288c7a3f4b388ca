"""Timing helpers for benchmarks: interleaved runs, medians, ratio lines."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence


def time_call(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def time_command(argv: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def interleaved(cases: dict[str, Callable[[], float]], runs: int, warmup: int = 1
                ) -> dict[str, list[float]]:
    """Run each case ``runs`` times, alternating cases so machine noise hits all alike."""
    for _ in range(warmup):
        for fn in cases.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, fn in cases.items():
            samples[name].append(fn())
    return samples


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def report(title: str, measured: str, floor: str, samples: dict[str, list[float]],
           target: str) -> float:
    """Print medians and the measured/floor ratio; returns the ratio."""
    m, f = median(samples[measured]), median(samples[floor])
    ratio = m / f if f else float("inf")
    runs = len(samples[measured])
    print(f"{title}")
    print(f"  {measured:<44} median {m * 1000:9.1f} ms  ({runs} runs)")
    print(f"  {floor:<44} median {f * 1000:9.1f} ms  (floor)")
    print(f"  ratio {ratio:.2f}   difference {(m - f) * 1000:+.1f} ms   target: {target}")
    sys.stdout.flush()
    return ratio
