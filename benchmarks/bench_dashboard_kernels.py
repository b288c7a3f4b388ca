"""Dashboard kernels benchmark: kernels and memory after many page views, the first render of
a viewer arriving right after another, and switching systems in the page.

Voila serves the shipped dashboards on the demo store as ``workbench dashboard`` runs it, with
a short cull timeout so the run ends in minutes (``--cull-idle-timeout``, ``--cull-interval``;
the command's defaults are 600 s and 60 s).

(a) Many viewers. ``--viewers`` concurrent viewers (default 5) open ``--views`` pages in total
    (default 50), alternating the portfolio and the system page of each demo system. Every view
    is a new browser context closed without the page's unload request: a viewer who vanishes
    (the worst case: only culling can reclaim the kernel). Printed: live kernels and the
    server's memory (RSS of the Voila process and its kernels) with the pools alone, at the
    peak, right after the last view, and after the cull timeout plus two intervals.
    Target: kernels back to the pools (pool size x 2 dashboards); memory <= 1.25x the idle
    server's (measured in the same run).
(b) A second viewer. One viewer opens the portfolio; as soon as it is drawn a second viewer
    opens it too, taking the kernel the pool is refilling with. The floor is the first viewer's
    render (a preheated kernel). Measured with pools of 1 and 2 kernels per dashboard.
(c) Switching. The system page's dropdown rebuilds the panels in the page's kernel; the floor
    is opening that system's page with ``?system=ID`` from a full pool (what the old "Show"
    button cost at best: a page view). Target <= 0.5.

Each case has its own server; every timed view in (b) and (c) starts from quiet pools (the
kernel count back to the pools, every kernel idle) and its tab is closed as a person does.
Medians of ``--runs`` (after one warm-up).

Usage: python benchmarks/bench_dashboard_kernels.py [--viewers N] [--views N] [--runs N]
       [--pool-size N] [--cull-idle-timeout S] [--cull-interval S] [--cases abc]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median

DASHBOARDS = 2  # portfolio.ipynb and system.ipynb: one pool each
PORTFOLIO = ("voila/render/portfolio.ipynb", '[data-panel="monitoring"]', 4)  # its last panel
SYSTEM = ("voila/render/system.ipynb?system={}", '[data-panel="system-evidence"]', 2)
SYSTEMS = ["credit-scoring", "card-fraud", "cv-screening", "clinical-triage",
           "support-chatbot", "marketing-copy", "demand-forecast"]
TIMEOUT_MS = 240_000
_DRAWN = ("n => Array.from(document.querySelectorAll('.js-plotly-plot'))"
          ".filter(gd => gd.querySelector('.main-svg')).length >= n")
#: After a switch: the new system's figures (both) drawn, the previous ones gone.
_NEW_DRAWN = ("() => { const gds = Array.from(document.querySelectorAll('.js-plotly-plot'));"
              " return gds.length >= 2 && gds.every(gd => !gd.dataset.old"
              " && gd.querySelector('.main-svg')); }")
_KERNEL_FILE = re.compile(r"kernel-([0-9a-f-]{36})\.json")
_ERRORS = ("Traceback", "There was an error", "cannot be shown", "could not be shown")


class ViewFailed(Exception):
    """A page view that was never drawn, or showed an error."""


# -- the server -------------------------------------------------------------------------------
class Server:
    """Voila as ``workbench dashboard`` runs it; counts its kernels and its memory."""

    def __init__(self, store_url: str, log: Path, **life: int | bool) -> None:
        from workbench.cli._dashboard import (
            KernelLife,
            dashboards_dir,
            voila_command,
            wait_until_serving,
        )

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.life = KernelLife(**life)
        self.base = f"http://127.0.0.1:{port}/"
        env = {**os.environ, "WORKBENCH_DATABASE_URL": store_url, "WORKBENCH_USER": "elena",
               "JUPYTER_RUNTIME_DIR": str(log.parent / f"runtime-{port}")}
        self.log_path = log
        self.log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            voila_command(dashboards_dir(), port, kernels=self.life), env=env,
            stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_until_serving(self.base, self.process, timeout_s=120):
            self.stop()
            raise SystemExit(f"voila did not start; see {log}")

    @property
    def pools(self) -> int:
        return self.life.pool_size * DASHBOARDS

    def _kernels(self) -> list:
        import psutil

        found = []
        for child in psutil.Process(self.process.pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                if _KERNEL_FILE.search(" ".join(child.cmdline())):
                    found.append(child)
        return found

    def kernels(self) -> int:
        return len(self._kernels())

    def memory_mb(self) -> float:
        """RSS of the Voila process and every process under it (its kernels), in MB."""
        import psutil

        total = 0
        parent = psutil.Process(self.process.pid)
        for proc in [parent, *parent.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                total += proc.memory_info().rss
        return total / 2**20

    def wait_quiet(self, kernels: int, timeout_s: float = 240) -> None:
        """Wait until ``kernels`` kernels run and none of them is working (pools preheated:
        the kernels wait in ``wait_for_viewer()``): under 5 % of a core over one second."""
        import psutil

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            procs = self._kernels()
            if len(procs) == kernels:
                try:
                    before = sum(sum(p.cpu_times()[:2]) for p in procs)
                    time.sleep(1.0)
                    after = sum(sum(p.cpu_times()[:2]) for p in procs)
                except psutil.NoSuchProcess:
                    continue
                if after - before < 0.05 and len(self._kernels()) == kernels:
                    return
            else:
                time.sleep(0.5)
        raise SystemExit(f"the server did not settle at {kernels} idle kernels "
                         f"({self.kernels()} running)")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def _log_problems(path: Path, limit: int = 40) -> str:
    """Voila's log lines about kernels that died or failed, for the report."""
    lines = [line for line in path.read_text(errors="replace").splitlines()
             if re.search(r"died|error|Error|Traceback|restart|timed out", line)]
    return "    Voila's log:\n" + "\n".join(f"      {line}" for line in lines[-limit:])


# -- the browser ------------------------------------------------------------------------------
async def view(browser, url: str, ready: str, figures: int, *, leave: str = "vanish"):
    """Open ``url`` in a new viewer's context; seconds until usable (and the open page).

    ``leave``: "vanish" closes the context without the page's unload request (a crashed
    browser), "close" closes the tab as a person does (the unload request releases the
    kernel), "stay" keeps the page open and returns it.
    """
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    context = await browser.new_context(viewport={"width": 1280, "height": 1600})
    page = await context.new_page()
    start = time.perf_counter()
    try:
        await page.goto(url, timeout=TIMEOUT_MS)
        await page.wait_for_selector(ready, timeout=TIMEOUT_MS)
        await page.wait_for_function(_DRAWN, arg=figures, timeout=TIMEOUT_MS)
    except PlaywrightTimeout:
        text = await page.inner_text("body")
        await context.close()
        raise ViewFailed(f"{url} not drawn after {TIMEOUT_MS / 1000:.0f} s; the page shows: "
                         f"{' '.join(text.split())[:300]!r}") from None
    elapsed = time.perf_counter() - start
    text = await page.inner_text("body")
    if any(marker in text for marker in _ERRORS):
        await context.close()
        raise ViewFailed(f"{url} shows an error: {' '.join(text.split())[:300]!r}")
    if leave == "stay":
        return elapsed, page
    if leave == "close":
        await page.close(run_before_unload=True)
    await context.close()
    return elapsed, None


async def _browser(pw):
    from workbench.reports.export import CHROMIUM_FLAGS, require_chromium

    return await pw.chromium.launch(executable_path=str(require_chromium()),
                                    args=list(CHROMIUM_FLAGS))


def _pages(n: int) -> list[tuple[str, str, int]]:
    out = []
    for i in range(n):
        if i % 2 == 0:
            out.append(PORTFOLIO)
        else:
            path, ready, figures = SYSTEM
            out.append((path.format(SYSTEMS[(i // 2) % len(SYSTEMS)]), ready, figures))
    return out


# -- (a) many viewers -------------------------------------------------------------------------
async def _many(server: Server, viewers: int, views: int) -> dict:
    from playwright.async_api import async_playwright

    pages = _pages(views)
    queue: asyncio.Queue = asyncio.Queue()
    for item in pages:
        queue.put_nowait(item)
    renders: list[float] = []
    failed: list[str] = []
    peak = {"kernels": server.kernels(), "memory": server.memory_mb()}
    done = asyncio.Event()

    async def sample() -> None:
        while not done.is_set():
            peak["kernels"] = max(peak["kernels"], server.kernels())
            peak["memory"] = max(peak["memory"], server.memory_mb())
            await asyncio.sleep(0.5)

    async def viewer(browser) -> None:
        while not queue.empty():
            path, ready, figures = queue.get_nowait()
            try:
                elapsed, _ = await view(browser, server.base + path, ready, figures)
            except ViewFailed as exc:
                failed.append(str(exc))
                continue
            renders.append(elapsed)

    async with async_playwright() as pw:
        browser = await _browser(pw)
        sampler = asyncio.create_task(sample())
        start = time.perf_counter()
        await asyncio.gather(*(viewer(browser) for _ in range(viewers)))
        wall = time.perf_counter() - start
        done.set()
        await sampler
        await browser.close()
    return {"renders": renders, "failed": failed, "wall": wall, **peak}


def many_viewers(store_url: str, tmp: Path, args: argparse.Namespace) -> bool:
    server = Server(store_url, tmp / "voila-many.log", pool_size=args.pool_size,
                    cull_idle_timeout=args.cull_idle_timeout, cull_interval=args.cull_interval)
    try:
        server.wait_quiet(server.pools)
        idle_k, idle_mb = server.kernels(), server.memory_mb()
        result = asyncio.run(_many(server, args.viewers, args.views))
        after_k, after_mb = server.kernels(), server.memory_mb()
        wait_s = args.cull_idle_timeout + 2 * args.cull_interval
        time.sleep(wait_s)  # the measurement itself: what is left once culling has run
        server.wait_quiet(server.pools, timeout_s=120)
        culled_k, culled_mb = server.kernels(), server.memory_mb()
    finally:
        server.stop()
    life = server.life
    print(f"(a) {args.views} page views by {args.viewers} concurrent viewers, each closed "
          f"without unload; pool {life.pool_size} per dashboard, culled after "
          f"{life.cull_idle_timeout} s idle, checked every {life.cull_interval} s")
    renders, failed = result["renders"], result["failed"]
    print(f"  page views: {len(renders) + len(failed)} in {result['wall']:.0f} s, "
          f"{len(failed)} failed; render median {median(renders):.2f} s, slowest "
          f"{max(renders):.2f} s")
    for problem in failed:
        print(f"    FAILED {problem}")
    if failed:
        print(_log_problems(server.log_path))
    rows = [("pools alone (floor)", idle_k, idle_mb), ("peak during the views",
                                                       result["kernels"], result["memory"]),
            ("right after the last view", after_k, after_mb),
            (f"{wait_s} s later (timeout + 2 intervals)", culled_k, culled_mb)]
    for label, kernels, mb in rows:
        print(f"  {label:<44} kernels {kernels:3d}   memory {mb:8.0f} MB")
    ratio = culled_mb / idle_mb
    ok = culled_k == server.pools and ratio <= 1.25 and not failed
    print(f"  kernels after culling {culled_k} (pools: {server.pools}); memory ratio "
          f"{ratio:.2f} against the pools alone   target: kernels = pools, memory <= 1.25")
    print(f"  -> {'OK' if ok else 'OVER TARGET'}\n", flush=True)
    return ok


# -- (b) a second viewer ----------------------------------------------------------------------
async def _pair(base: str) -> tuple[float, float]:
    from playwright.async_api import async_playwright

    path, ready, figures = PORTFOLIO
    async with async_playwright() as pw:
        browser = await _browser(pw)
        first, _ = await view(browser, base + path, ready, figures, leave="close")
        second, _ = await view(browser, base + path, ready, figures, leave="close")
        await browser.close()
    return first, second


def second_viewer(store_url: str, tmp: Path, pool: int, runs: int) -> float:
    server = Server(store_url, tmp / f"voila-pair-{pool}.log", pool_size=pool)
    firsts, seconds = [], []
    try:
        for _ in range(runs + 1):  # the first pair warms the disk cache, not counted
            server.wait_quiet(server.pools)  # the viewers' kernels released, pools refilled
            first, second = asyncio.run(_pair(server.base))
            firsts.append(first)
            seconds.append(second)
    finally:
        server.stop()
    firsts, seconds = firsts[1:], seconds[1:]
    ratio = median(seconds) / median(firsts)
    print(f"  pool {pool} per dashboard: first viewer median {median(firsts):6.2f} s, second "
          f"viewer median {median(seconds):6.2f} s, ratio {ratio:.2f}  ({runs} runs)",
          flush=True)
    return ratio


# -- (c) switching ----------------------------------------------------------------------------
async def _switches(base: str, runs: int) -> list[float]:
    from playwright.async_api import async_playwright

    path, ready, figures = SYSTEM
    times = []
    async with async_playwright() as pw:
        browser = await _browser(pw)
        _, page = await view(browser, base + path.format(SYSTEMS[0]), ready, figures,
                             leave="stay")
        for i in range(1, runs + 2):
            name = await page.eval_on_selector(
                f".wb-system-dashboard select option:nth-child({1 + (i * 3) % 7})",
                "o => o.value")
            await page.evaluate("document.querySelectorAll('.js-plotly-plot')"
                                ".forEach(gd => gd.dataset.old = '1')")
            start = time.perf_counter()
            await page.select_option(".wb-system-dashboard select", label=name)
            await page.wait_for_function(
                "name => document.querySelector('.wb-title').innerText === name", arg=name,
                timeout=TIMEOUT_MS)
            await page.wait_for_function(_NEW_DRAWN, timeout=TIMEOUT_MS)
            times.append(time.perf_counter() - start)
        await page.close(run_before_unload=True)
        await browser.close()
    return times[1:]


def switching(store_url: str, tmp: Path, runs: int) -> float:
    server = Server(store_url, tmp / "voila-switch.log", pool_size=1)
    reloads = []
    try:
        path, ready, figures = SYSTEM
        for i in range(runs + 1):
            server.wait_quiet(server.pools)
            elapsed = asyncio.run(_one(server.base + path.format(SYSTEMS[i % 7]), ready,
                                       figures))
            reloads.append(elapsed)
        server.wait_quiet(server.pools)
        switches = asyncio.run(_switches(server.base, runs))
    finally:
        server.stop()
    reloads = reloads[1:]
    ratio = median(switches) / median(reloads)
    print("(c) choosing another system on the system page")
    print(f"  in the page (dropdown, same kernel)         median {median(switches):6.2f} s "
          f"({runs} runs)")
    print(f"  a page view of ?system=ID, preheated kernel median {median(reloads):6.2f} s "
          "(floor: the old reload at best)")
    print(f"  ratio {ratio:.2f}   target: <= 0.5")
    print(f"  -> {'OK' if ratio <= 0.5 else 'OVER TARGET'}\n", flush=True)
    return ratio


async def _one(url: str, ready: str, figures: int) -> float:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await _browser(pw)
        elapsed, _ = await view(browser, url, ready, figures, leave="close")
        await browser.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=5)
    parser.add_argument("--views", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pool-size", type=int, default=1)
    # Longer than a page takes to connect to its kernel under this load (until it connects,
    # a viewer's kernel counts as idle), short enough for a run of minutes.
    parser.add_argument("--cull-idle-timeout", type=int, default=90)
    parser.add_argument("--cull-interval", type=int, default=10)
    parser.add_argument("--cases", default="abc", help="which cases to run (default abc)")
    args = parser.parse_args()
    os.environ.setdefault("WORKBENCH_USER", "bench")
    from workbench import demo
    from workbench.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        url = f"sqlite:///{tmp_path / 'demo.db'}"
        with open_store(url) as store:
            demo.seed(store)
        if "a" in args.cases:
            many_viewers(url, tmp_path, args)
        if "b" in args.cases:
            print("(b) first render of a second viewer arriving as the first one's page is "
                  "drawn")
            for pool in (1, 2):
                second_viewer(url, tmp_path, pool, args.runs)
            print("  floor: the first viewer's render (a preheated kernel); a pool of N serves "
                  "N viewers arriving together from preheated kernels\n")
        if "c" in args.cases:
            switching(url, tmp_path, args.runs)


if __name__ == "__main__":
    main()
