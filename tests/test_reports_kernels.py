"""Kernels for a batch: a slow start is not a dead kernel, a failed start is retried, and a
report whose kernel never starts still leaves its ``.failed.ipynb`` and a one-line reason."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest

from workbench.reports import run_reports
from workbench.reports.kernels import KernelPool, KernelStartError

pytestmark = pytest.mark.notebook

BROKEN = Path(__file__).parent / "notebooks" / "broken.ipynb"

#: Writes to stderr and exits before becoming a kernel (as a kernel with a broken install).
DIES = ("import sys\nsys.stderr.write('starting\\nImportError: no module named reportlib\\n')\n"
        "sys.exit(3)\n")
#: Fails its first start (leaves a marker), then starts as a real kernel.
FIRST_FAILS = ("import os, sys\nmarker, conn = sys.argv[1], sys.argv[2]\n"
               "if not os.path.exists(marker):\n"
               "    open(marker, 'w').close()\n"
               "    sys.stderr.write('first start refused\\n')\n"
               "    sys.exit(1)\n"
               "os.execv(sys.executable, [sys.executable, '-m', 'ipykernel_launcher', '-f', "
               "conn])\n")
#: Answers nothing for 2.5 s (as a kernel importing on a loaded machine), then starts.
SLOW = ("import os, sys, time\ntime.sleep(2.5)\n"
        "os.execv(sys.executable, [sys.executable, '-m', 'ipykernel_launcher', '-f', "
        "sys.argv[1]])\n")


@pytest.fixture
def kernels(tmp_path, monkeypatch) -> Path:
    """Kernelspecs ``dies``, ``first-fails`` and ``slow`` on JUPYTER_PATH."""
    root = tmp_path / "jupyter"
    specs = {"dies": [sys.executable, "-c", DIES, "{connection_file}"],
             "first-fails": [sys.executable, "-c", FIRST_FAILS, str(tmp_path / "started-once"),
                             "{connection_file}"],
             "slow": [sys.executable, "-c", SLOW, "{connection_file}"]}
    for name, argv in specs.items():
        folder = root / "kernels" / name
        folder.mkdir(parents=True)
        (folder / "kernel.json").write_text(json.dumps(
            {"argv": argv, "display_name": name, "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", os.pathsep.join([str(root), os.environ.get(
        "JUPYTER_PATH", "")]).rstrip(os.pathsep))
    return root


def _pool(kernel_name: str, **options) -> KernelPool:
    return KernelPool(count=1, ahead=1, kernel_name=kernel_name, env=dict(os.environ),
                      startup_timeout=60, retry_delay=0, **options)


def test_a_kernel_that_dies_on_start_fails_after_every_attempt_with_its_stderr(kernels):
    with _pool("dies") as pool, pytest.raises(KernelStartError) as err:
        pool.take()
    assert err.value.attempts == 3
    assert str(err.value) == ("the kernel did not start (3 attempts): Kernel died before "
                              "replying to kernel_info; its stderr ends: ImportError: no "
                              "module named reportlib")


def test_a_first_start_that_fails_is_retried(kernels, tmp_path):
    with _pool("first-fails") as pool:
        km = pool.take()
        try:
            assert (tmp_path / "started-once").exists()  # the first start did fail
            kc = km.client()
            kc.start_channels()
            from jupyter_core.utils import run_sync

            reply = run_sync(kc.execute_interactive)("6 * 7", timeout=60)
            assert reply["content"]["status"] == "ok", reply["content"]
        finally:
            pool.release(km)


def test_a_slow_kernel_is_not_taken_for_a_dead_one(kernels):
    """Judged by a standalone client's heartbeat, a kernel silent for over a second was
    reported dead ("Kernel died before replying to kernel_info") on the first attempt."""
    with _pool("slow", attempts=1) as pool:
        km = pool.take()
        pool.release(km)


def _template(tmp_path: Path, kernel_name: str) -> Path:
    nb = nbformat.read(str(BROKEN), as_version=4)
    nb.metadata["kernelspec"] = {"name": kernel_name, "display_name": kernel_name,
                                 "language": "python"}
    path = tmp_path / f"on_{kernel_name.replace('-', '_')}.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_a_report_whose_kernel_never_starts_keeps_its_notebook_and_reason(
        kernels, demo_store, demo_url, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    out = tmp_path / "out"
    before = demo_store.count("evidence")
    [result] = run_reports(demo_store, str(_template(tmp_path, "dies")), system="credit-scoring",
                           out_dir=out, to="html")
    assert not result.ok
    assert result.error == ("the report did not run: KernelStartError: the kernel did not "
                            "start (3 attempts): Kernel died before replying to kernel_info; "
                            "its stderr ends: ImportError: no module named reportlib")
    assert result.failed_notebook == out / "on_dies-credit-scoring.failed.ipynb"
    assert sorted(p.name for p in out.iterdir()) == ["on_dies-credit-scoring.failed.ipynb"]
    kept = nbformat.read(str(result.failed_notebook), as_version=4)
    top = kept.cells[0].source
    assert "The report failed." in top and "no module named reportlib" in top, top
    # the template as it would have run: parameters injected, nothing executed
    injected = [c for c in kept.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'system_id = "credit-scoring"' in injected[0].source
    assert demo_store.count("evidence") == before


def test_a_report_whose_first_kernel_start_fails_is_written(kernels, demo_store, demo_url,
                                                              monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", demo_url)
    out = tmp_path / "out"
    [result] = run_reports(demo_store, str(_template(tmp_path, "first-fails")),
                           system="credit-scoring", out_dir=out, to="ipynb",
                           record_evidence=False)
    assert result.ok, result.error
    assert (tmp_path / "started-once").exists()
    assert sorted(p.name for p in out.iterdir()) == ["on_first_fails-credit-scoring.ipynb"]
