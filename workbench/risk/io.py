"""Importing risks from CSV or YAML: every row validated, every problem reported with its
line and field, and nothing saved unless every row is valid."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import NotFoundError, ValidationError
from workbench.risk.model import Risk

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = ["CSV_COLUMNS", "ImportResult", "import_risks", "read_risk_rows"]

#: Columns a CSV file may have (``id``, ``system_id`` ... as in the risk record); lists are
#: split on ``;`` (controls) or on new lines (actions: ``description | owner | due | done``).
CSV_COLUMNS = (
    "id", "system_id", "title", "description", "risk_source", "objective",
    "inherent_likelihood", "inherent_consequence", "treatment", "controls",
    "residual_likelihood", "residual_consequence", "owner", "status", "identified_on",
    "next_review", "actions", "accepted_by", "accepted_on", "acceptance_rationale",
)
_ACCEPTANCE = {"accepted_by": "accepted_by", "accepted_on": "accepted_on",
               "acceptance_rationale": "rationale"}


@dataclass
class Row:
    """One risk read from a file: its fields and where they are."""

    line: int
    data: dict[str, Any]
    field_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, path: str) -> int:
        return self.field_lines.get(path.split(".", 1)[0], self.line)


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        return (f"{verb} {len(self.created) + len(self.updated)} risks: "
                f"{len(self.created)} new, {len(self.updated)} changed, "
                f"{len(self.unchanged)} unchanged")


def _split_controls(text: str) -> list[str]:
    return [c.strip() for c in text.replace(",", ";").split(";") if c.strip()]


def _parse_actions(text: str, line: int) -> tuple[list[dict[str, Any]], list[tuple[int, str,
                                                                                    str]]]:
    actions, problems = [], []
    for n, raw in enumerate(t for t in text.splitlines() if t.strip()):
        parts = [p.strip() for p in raw.split("|")]
        if len(parts) not in (3, 4):
            problems.append((line, f"actions.{n}", "write each action on its own line as "
                             f"'description | owner | due[ | done_on]', got {raw.strip()!r}"))
            continue
        action = {"description": parts[0], "owner": parts[1], "due": parts[2]}
        if len(parts) == 4 and parts[3]:
            action["done_on"] = parts[3]
        actions.append(action)
    return actions, problems


def _csv_rows(text: str) -> tuple[list[Row], list[tuple[int, str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in reader.fieldnames or []]
    problems = [(1, c, f"unknown column; use {', '.join(CSV_COLUMNS)}")
                for c in columns if c not in CSV_COLUMNS]
    if problems:
        return [], problems
    rows = []
    start = 2
    for record in reader:
        line = start
        start = reader.line_num + 1
        data: dict[str, Any] = {}
        acceptance: dict[str, Any] = {}
        for key, value in record.items():
            if key is None:
                problems.append((line, "(row)", "more cells than columns"))
                continue
            key = key.strip()
            value = (value or "").strip()
            if value == "":
                continue
            if key in _ACCEPTANCE:
                acceptance[_ACCEPTANCE[key]] = value
            elif key == "controls":
                data[key] = _split_controls(value)
            elif key == "actions":
                data[key], bad = _parse_actions(value, line)
                problems += bad
            else:
                data[key] = value
        if acceptance:
            data["acceptance"] = acceptance
        if data:
            rows.append(Row(line, data))
    return rows, problems


def _yaml_rows(text: str) -> tuple[list[Row], list[tuple[int, str, str]]]:
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return [], [(line, "(file)", f"not valid YAML: {getattr(exc, 'problem', exc)}")]
    if isinstance(data, dict) and "risks" in data:
        data = data["risks"]
        node = next(v for k, v in node.value if k.value == "risks")
    if not isinstance(data, list):
        return [], [(1, "(file)", "expected a list of risks (or a mapping with 'risks:')")]
    rows, problems = [], []
    for item, item_node in zip(data, node.value, strict=True):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict):
            problems.append((line, "(row)", "each risk must be a mapping of field: value"))
            continue
        lines = {k.value: k.start_mark.line + 1 for k, _ in item_node.value}
        rows.append(Row(line, item, lines))
    return rows, problems


def read_risk_rows(path: str | Path) -> tuple[list[Row], list[tuple[int, str, str]]]:
    """Rows of a ``.csv`` or ``.yaml``/``.yml`` file, and the problems found reading them."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"no file {str(path)!r}; give the path of a CSV or YAML file")
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(text)
    if suffix in (".yaml", ".yml"):
        return _yaml_rows(text)
    raise ValidationError(f"{path.name}: use a .csv, .yaml or .yml file",
                          [("file", "unsupported extension")])


def _with_prefixes(data: dict[str, Any]) -> dict[str, Any]:
    """Accept ``level_of_automation`` for ``source.level_of_automation`` and the like."""
    out = dict(data)
    for key, prefix in (("risk_source", "source."), ("objective", "objective.")):
        value = out.get(key)
        if isinstance(value, str) and value and not value.startswith(prefix):
            out[key] = prefix + value
    return out


def _checked(rows: list[Row], store: Store) -> Iterator[tuple[Row, Risk | None,
                                                              list[tuple[str, str]]]]:
    from workbench.risk.register import Lookup, prepare_risk

    lookup = Lookup.whole_store(store)
    for row in rows:
        try:
            yield row, prepare_risk(_with_prefixes(row.data), lookup), []
        except ValidationError as exc:
            yield row, None, exc.errors or [("(row)", str(exc))]


def import_risks(store: Store, path: str | Path, *, reason: str = "",
                 dry_run: bool = False) -> ImportResult:
    """Import the risks of a CSV or YAML file, all or nothing.

    New ids create risks; existing ids become a new version of the risk (unchanged rows
    write nothing).

    Raises
    ------
    ValidationError
        Some rows are invalid; ``errors`` holds one ``("line N, field", message)`` per
        problem, for every row, and nothing was saved.
    """
    path = Path(path)
    rows, read_problems = read_risk_rows(path)
    problems: list[tuple[int, str, str]] = list(read_problems)
    bad_rows = {line for line, _, _ in read_problems}
    first_line: dict[str, int] = {}
    risks: list[Risk] = []
    for row, risk, errors in _checked(rows, store):
        problems += [(row.line_of(f), f, m) for f, m in errors]
        rid = str(row.data.get("id", ""))
        if rid and rid in first_line:
            problems.append((row.line_of("id"), "id", f"{rid!r} already appears on line "
                             f"{first_line[rid]}; each risk once per file"))
            bad_rows.add(row.line)
        if errors:
            bad_rows.add(row.line)
        first_line.setdefault(rid, row.line)
        if risk is not None:
            risks.append(risk)
    if not rows and not problems:
        problems.append((1, "(file)", "no risks in the file"))
    if problems:
        problems.sort(key=lambda p: p[0])
        errors = [(f"line {line}, {fld}", msg) for line, fld, msg in problems]
        head = f"line {problems[0][0]}, {problems[0][1]}: {problems[0][2]}"
        raise ValidationError(f"{path.name}: {len(problems)} problem"
                              f"{'s' if len(problems) != 1 else ''} in "
                              f"{len(bad_rows) or 1} row{'s' if len(bad_rows) > 1 else ''}; "
                              "nothing was imported "
                              f"(first: {head})", errors)
    frame = store.frame("risk")
    versions = dict(zip(frame["id"].astype("str"), frame["_version"], strict=True))
    result = ImportResult(dry_run=dry_run)
    items = [(r, int(versions[r.id]) if r.id in versions else None) for r in risks]
    if dry_run:
        from workbench.store import content_hash

        hashes = dict(zip(frame["id"].astype("str"), frame["_hash"], strict=True))
        for r, base in items:
            if base is None:
                result.created.append(r.id)
            elif hashes[r.id] == content_hash(r.content()):
                result.unchanged.append(r.id)
            else:
                result.updated.append(r.id)
        return result
    saved = store.save_many(items, reason=reason or f"imported from {path.name}")
    for (r, base), version in zip(items, saved, strict=True):
        if base is None:
            result.created.append(r.id)
        elif version.version == base:
            result.unchanged.append(r.id)
        else:
            result.updated.append(r.id)
    return result
