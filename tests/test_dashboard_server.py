"""How ``workbench dashboard`` runs Voila: kernel pool and culling, the offline template, the
cookie a page needs to release its kernel. (The browser suite checks them against a real
Voila: tests/browser/test_dashboard_kernels.py and test_offline_dashboards.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.cli._dashboard import KernelLife, dashboards_dir, voila_command
from workbench.errors import ConfigurationError


def _options(cmd: list[str], prefix: str) -> dict[str, str]:
    return dict(a[len(prefix):].split("=", 1) for a in cmd if a.startswith(prefix))


def test_idle_kernels_are_culled_by_default_and_the_pool_is_one_per_dashboard():
    cmd = voila_command(dashboards_dir(), 9999)
    assert _options(cmd, "--MappingKernelManager.") == {
        "cull_idle_timeout": "600", "cull_interval": "60", "cull_connected": "False"}
    assert {"--preheat_kernel=True", "--pool_size=1"} <= set(cmd)


def test_the_kernel_policy_reaches_voila():
    life = KernelLife(pool_size=2, cull_idle_timeout=30, cull_interval=5, cull_connected=True)
    cmd = voila_command(dashboards_dir(), 9999, kernels=life)
    assert _options(cmd, "--MappingKernelManager.") == {
        "cull_idle_timeout": "30", "cull_interval": "5", "cull_connected": "True"}
    assert "--pool_size=2" in cmd
    # without preheating there is no pool, and idle kernels are still culled
    cold = voila_command(dashboards_dir(), 9999, preheat=False, kernels=life)
    assert not [a for a in cold if "preheat" in a or "pool_size" in a]
    assert _options(cold, "--MappingKernelManager.")["cull_idle_timeout"] == "30"
    assert KernelLife(pool_size=0).voila_args() == [
        "--MappingKernelManager.cull_idle_timeout=600",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False"]


@pytest.mark.parametrize(("fields", "message"), [
    ({"pool_size": -1}, "pool_size -1: must be a whole number >= 0"),
    ({"pool_size": 17}, "pool_size 17: at most 16 preheated kernels per dashboard"),
    ({"cull_idle_timeout": -5}, "cull_idle_timeout -5: must be a whole number >= 0"),
    ({"cull_interval": 0}, "cull_interval 0: must be a whole number >= 1"),
    ({"cull_interval": 2.5}, "cull_interval 2.5: must be a whole number >= 1"),
])
def test_a_bad_kernel_policy_is_refused(fields, message):
    with pytest.raises(ConfigurationError) as err:
        KernelLife(**fields)
    assert str(err.value).startswith(message), str(err.value)


@pytest.mark.parametrize(("args", "message"), [
    (["--pool-size", "-1"], "error: --pool-size -1: must be a whole number >= 0\n"),
    (["--cull-interval", "0"], "error: --cull-interval 0: must be a whole number >= 1\n"),
])
def test_the_command_names_the_flag_in_its_one_line_error(demo_url, capsys, args, message):
    assert main(["--database-url", demo_url, "dashboard", "--no-browser", *args]) == 1
    assert capsys.readouterr().err == message


def test_voila_runs_with_the_workbench_template_and_the_page_cookie():
    cmd = voila_command(dashboards_dir(), 9999)
    assert "--template=workbench" in cmd
    assert ("--Voila.identity_provider_class=workbench.cli._voila.PageIdentityProvider"
            in cmd)
    from workbench.cli._voila import PageIdentityProvider, jupyter_data_dir

    assert PageIdentityProvider.__name__ == "PageIdentityProvider"
    template = jupyter_data_dir() / "voila" / "templates" / "workbench"
    assert json.loads((template / "conf.json").read_text()) == {"base_template": "lab"}
    assert sorted(p.name for p in template.iterdir()) == ["conf.json", "index.html.j2",
                                                          "page.html"]


def test_the_template_links_nothing_outside_the_machine():
    """Comments aside, the template's files name no URL (the pages they extend link a CDN
    for Font Awesome, and nbconvert's loads mermaid from one)."""
    import re

    from workbench.cli._voila import jupyter_data_dir

    folder = jupyter_data_dir() / "voila" / "templates" / "workbench"
    for path in folder.iterdir():
        text = re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.DOTALL)
        assert "://" not in text, f"{path.name} names a URL"


def test_the_voila_process_finds_the_template(monkeypatch, tmp_path: Path):
    """``python -m workbench.cli._voila`` puts the template's folder first on JUPYTER_PATH
    and keeps what was there; Voila then resolves ``--template=workbench`` to it."""
    import voila.app

    from workbench.cli import _voila

    seen = {}
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    monkeypatch.setattr(voila.app, "main", lambda argv: seen.setdefault("argv", argv))
    _voila.main(["--port=1"])
    import os

    paths = os.environ["JUPYTER_PATH"].split(os.pathsep)
    assert paths == [str(_voila.jupyter_data_dir()), str(tmp_path)]
    assert seen["argv"] == ["--port=1"]
    from voila.paths import collect_template_paths

    found = collect_template_paths(["voila", "nbconvert"], "workbench", prune=True)
    assert found[0] == str(_voila.jupyter_data_dir() / "voila" / "templates" / "workbench")
    assert any(p.endswith(("voila/templates/lab", "voila\\templates\\lab")) for p in found)
