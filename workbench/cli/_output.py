"""Plain-text and JSON output helpers for CLI commands (no heavy imports)."""

from __future__ import annotations

import json
import math
import shutil
import sys
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any


def print_table(
    rows: Iterable[Sequence[Any]], headers: Sequence[str], *, max_width: int | None = None,
    keep: Sequence[str] = ("id",),
) -> None:
    """Print rows as an aligned text table; long cells are truncated with an ellipsis, except
    in the columns headed by a name in ``keep`` (an id is never cut: another column is, or
    the table is wider than the terminal)."""
    rows = [["" if v is None else str(v) for v in row] for row in rows]
    width = max_width or max(shutil.get_terminal_size((120, 20)).columns, 80)
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    # Shrink the widest column until the table fits.
    fixed = {i for i, h in enumerate(headers) if h in keep}
    while sum(widths) + 2 * (len(widths) - 1) > width:
        free = [(w, i) for i, w in enumerate(widths) if i not in fixed and w > 12]
        if not free:
            break
        i = max(free, key=lambda wi: (wi[0], -wi[1]))[1]
        widths[i] -= 1

    def fmt(cells: Sequence[str]) -> str:
        out = []
        for cell, w in zip(cells, widths):
            cell = cell.replace("\n", " ")
            out.append(cell if len(cell) <= w else cell[: w - 1] + "…")
        return "  ".join(c.ljust(w) for c, w in zip(out, widths)).rstrip()

    print(fmt(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(fmt(row))


def print_fields(pairs: Iterable[tuple[str, Any]], *, indent: int = 0) -> None:
    """Print ``label: value`` lines; lists become indented bullets, long text wraps."""
    pad = " " * indent
    pairs = list(pairs)
    label_width = max((len(k) for k, _ in pairs), default=0)
    wrap_width = max(shutil.get_terminal_size((100, 20)).columns - label_width - indent - 4, 40)
    for key, value in pairs:
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, (list, tuple)):
            print(f"{pad}{key}:")
            for item in value:
                lines = textwrap.wrap(str(item), wrap_width) or [""]
                print(f"{pad}  - {lines[0]}")
                for line in lines[1:]:
                    print(f"{pad}    {line}")
            continue
        lines = textwrap.wrap(str(value), wrap_width) or [""]
        print(f"{pad}{key.ljust(label_width)}  {lines[0]}")
        for line in lines[1:]:
            print(f"{pad}{' ' * label_width}  {line}")


def print_json(data: Any) -> None:
    """Standard JSON on standard output: a missing value (``None``, pandas' NaN or NaT) is
    ``null``, never the ``NaN`` strict parsers refuse; dates and other values as text."""
    json.dump(_json_ready(data), sys.stdout, indent=2, ensure_ascii=False, default=str,
              allow_nan=False)
    sys.stdout.write("\n")


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is not None and not isinstance(value, (str, int, bool)):
        import pandas as pd

        if value is pd.NaT or value is pd.NA:
            return None
        if hasattr(value, "item") and not hasattr(value, "__len__"):  # a numpy scalar
            return _json_ready(value.item())
    return value


def warn_problems(problems: Iterable[Any]) -> None:
    """Print one ``warning:`` line on standard error per record a command left out because it
    fails its checks (see :mod:`workbench.registers`); the command carries on."""
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
