"""The README's runnable examples run: every `workbench …` line in a ```bash block, against a
copy of the demo store, exits 0."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import pytest

from wbtest import REPO

README = (REPO / "README.md").read_text()
BLOCKS = re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL)
# Commands that serve forever or set up a machine are shown, not run here.
NOT_RUN = ("workbench dashboard", "workbench init", "workbench demo")


def _commands() -> list[str]:
    lines = []
    for block in BLOCKS:
        for line in block.splitlines():
            line = line.split("  #", 1)[0].strip()
            if "workbench " in line and not line.startswith(("make", "createdb", "export")):
                if not any(skip in line for skip in NOT_RUN):
                    lines.append(line)
    return lines


def test_readme_has_runnable_examples():
    assert len(_commands()) >= 10


@pytest.mark.parametrize("line", _commands())
def test_readme_command_runs(line, demo_url, tmp_path):
    env = {**os.environ, "WORKBENCH_DATABASE_URL": demo_url, "WORKBENCH_USER": "chloe"}
    words = shlex.split(line)
    while "=" in words[0]:  # leading VAR=value assignments
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    assert words[0] == "workbench", line
    # Run where the files the examples write (reports, exports) land in a temporary folder;
    # the examples' input files are found under tests/ as in a clone.
    (tmp_path / "tests").symlink_to(REPO / "tests")
    result = subprocess.run([sys.executable, "-m", "workbench", *words[1:]], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{line}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
