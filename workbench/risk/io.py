"""Exporting risks to CSV or YAML, and importing them back: every row validated, every
problem reported with its line and field, and nothing saved unless every row passes.

An export carries each risk's version (``_version``). A row that changes an existing risk must
name the version it was edited from: a row based on an older version than the store's would
undo someone else's edit, so it is a conflict, listed by line, unless the import is told to
``overwrite`` (which the saved versions' reason records).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import ConflictError, ValidationError
from workbench.render import from_spreadsheet_cell
from workbench.risk.model import Risk

if TYPE_CHECKING:  # pragma: no cover

    from workbench.registers import RecordProblem
    from workbench.store import Store

__all__ = [
    "CSV_COLUMNS",
    "VERSION_COLUMN",
    "ImportConflictError",
    "ImportResult",
    "export_risks",
    "import_risks",
    "read_risk_rows",
]

#: Columns a CSV file may have (``id``, ``system_id`` ... as in the risk record); lists are
#: split on ``;`` (controls) or on new lines (actions: ``description | owner | due | done``).
CSV_COLUMNS = (
    "id", "system_id", "title", "description", "risk_source", "objective",
    "inherent_likelihood", "inherent_consequence", "treatment", "controls",
    "residual_likelihood", "residual_consequence", "owner", "status", "identified_on",
    "next_review", "actions", "accepted_by", "accepted_on", "acceptance_rationale",
)
#: The column (CSV) or key (YAML) naming the version a row was exported at, or edited from.
VERSION_COLUMN = "_version"
_ACCEPTANCE = {"accepted_by": "accepted_by", "accepted_on": "accepted_on",
               "acceptance_rationale": "rationale"}


class ImportConflictError(ConflictError):
    """Rows based on older versions than the store's (or naming none); nothing was saved.

    ``errors`` holds one ``("line N, _version", message)`` per conflicting row, like a
    :class:`~workbench.errors.ValidationError`'s.
    """

    def __init__(self, message: str, errors: list[tuple[str, str]]) -> None:
        super().__init__(message, kind="risk")
        self.errors = errors


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
    #: Risks saved over a newer version than their row was based on (``overwrite=True``).
    overwritten: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        over = (f" ({len(self.overwritten)} overwriting a newer version)" if self.overwritten
                else "")
        from workbench.render import fmt_count

        return (f"{verb} {fmt_count(len(self.created) + len(self.updated), 'risk')}: "
                f"{len(self.created)} new, {len(self.updated)} changed{over}, "
                f"{len(self.unchanged)} unchanged")


def _split_controls(text: str) -> list[str]:
    return [c.strip() for c in text.replace(",", ";").split(";") if c.strip()]


def _parse_actions(text: str, line: int) -> tuple[list[dict[str, Any]], list[tuple[int, str,
                                                                                    str]]]:
    actions, problems = [], []
    for n, raw in enumerate(t for t in text.splitlines() if t.strip()):
        pieces = raw.split("|")
        parts = [p.strip() for p in pieces]
        # The description may itself contain "|": owner, due and done_on are read from the
        # right (done_on is there when the last two cells are dates, or the last is empty).
        tail = 3 if len(parts) >= 4 and _is_day(parts[-2]) and (
            not parts[-1] or _is_day(parts[-1])) else 2
        if len(parts) < 3:
            problems.append((line, f"actions.{n}", "write each action on its own line as "
                             f"'description | owner | due[ | done_on]', got {raw.strip()!r}"))
            continue
        action = {"description": "|".join(pieces[:-tail]).strip(), "owner": parts[-tail],
                  "due": parts[-tail + 1]}
        if tail == 3 and parts[-1]:
            action["done_on"] = parts[-1]
        actions.append(action)
    return actions, problems


def _is_day(text: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _csv_rows(text: str) -> tuple[list[Row], list[tuple[int, str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [from_spreadsheet_cell(c.strip()) for c in reader.fieldnames or []]
    reader.fieldnames = columns
    allowed = (*CSV_COLUMNS, VERSION_COLUMN)
    problems = [(1, c, f"unknown column; use {', '.join(allowed)}")
                for c in columns if c not in allowed]
    if problems:
        return [], problems
    rows = []
    start = 2
    records = iter(reader)
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except csv.Error as exc:  # a field over the csv module's limit, a NUL byte
            problems.append((start, "(row)", _csv_problem(exc)))
            break
        line = start
        start = reader.line_num + 1
        data: dict[str, Any] = {}
        acceptance: dict[str, Any] = {}
        for key, value in record.items():
            if key is None:
                problems.append((line, "(row)", "more cells than columns"))
                continue
            key = key.strip()
            value = from_spreadsheet_cell((value or "").strip())
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


def _csv_problem(exc: Exception) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return (f"a cell is longer than the {csv.field_size_limit():,} characters a CSV cell "
                "may hold here; shorten it (or import this risk from YAML)")
    if "NUL" in text:
        return "the line holds a NUL byte; the file is not a text CSV (save it as CSV UTF-8)"
    return f"not a readable CSV line ({text})"


def _mapping_value(node: Any, key: str) -> Any:
    """The node of ``key`` in a YAML mapping node, looking through merge keys (``<<``)."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return None
    merged = []
    for k, v in node.value:
        if getattr(k, "value", None) == key:
            return v
        if getattr(k, "value", None) == "<<":
            merged += v.value if isinstance(v, yaml.SequenceNode) else [v]
    for m in merged:
        found = _mapping_value(m, key)
        if found is not None:
            return found
    return None


def _yaml_rows(text: str) -> tuple[list[Row], list[tuple[int, str, str]]]:
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return [], [(line, "(file)", f"not valid YAML: {getattr(exc, 'problem', exc)}")]
    except RecursionError:
        return [], [(1, "(file)", "the YAML nests or refers to itself too deeply to read")]
    if isinstance(data, dict) and "risks" in data:
        data = data["risks"]
        node = _mapping_value(node, "risks")
    if not isinstance(data, list):
        return [], [(1, "(file)", "expected a list of risks (or a mapping with 'risks:')")]
    # Line numbers come from the composed nodes; when merge keys or aliases make them differ
    # from the loaded data, rows fall back to the list's first line.
    items = node.value if isinstance(node, yaml.SequenceNode) else []
    if len(items) != len(data):
        items = [node if node is not None else None] * len(data)
    rows, problems = [], []
    for item, item_node in zip(data, items, strict=True):
        line = item_node.start_mark.line + 1 if item_node is not None else 1
        if not isinstance(item, dict):
            problems.append((line, "(row)", "each risk must be a mapping of field: value"))
            continue
        lines = ({k.value: k.start_mark.line + 1 for k, _ in item_node.value
                  if isinstance(getattr(k, "value", None), str)}
                 if isinstance(item_node, yaml.MappingNode) else {})
        rows.append(Row(line, item, lines))
    return rows, problems


def read_risk_rows(path: str | Path) -> tuple[list[Row], list[tuple[int, str, str]]]:
    """Rows of a ``.csv`` or ``.yaml``/``.yml`` file, and the problems found reading them."""
    from workbench.files import existing_file, read_text

    path = existing_file(path, give="the path of a CSV or YAML file")
    text = read_text(path, what="risk file")
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
        data = {k: v for k, v in row.data.items() if k != VERSION_COLUMN}
        try:
            yield row, prepare_risk(_with_prefixes(data), lookup), []
        except ValidationError as exc:
            yield row, None, exc.errors or [("(row)", str(exc))]


def _row_version(row: Row) -> tuple[int | None, str | None]:
    """The version a row names in ``_version`` (None when empty), or a problem."""
    raw = row.data.get(VERSION_COLUMN)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or (
            isinstance(raw, str) and not raw.strip().isdigit()) or int(raw) < 1:
        return None, f"must be the version the row was exported at (a positive whole number), " \
            f"got {raw!r}"
    return int(raw), None


def _conflict(risk: Risk, based_on: int | None, current: Any) -> str:
    """Why saving ``risk`` over ``current`` would undo someone's edit."""
    when = current.saved_at.strftime("%Y-%m-%d %H:%M UTC")
    why = f" ({current.reason})" if current.reason else ""
    if based_on is None:
        return (f"risk {risk.id!r} exists (version {current.version} by {current.author} at "
                f"{when}) and this row does not say which version it was edited from; export "
                "the risks again (`workbench risk export`, which writes _version) and reapply "
                "the edit, or import with --overwrite to replace it")
    return (f"risk {risk.id!r} was edited from version {based_on}, but {current.author} saved "
            f"version {current.version} at {when}{why}; importing this row would undo that: "
            "export again and reapply the edit, or import with --overwrite to replace it")


def _raise(path: Path, problems: list[tuple[int, str, str]], bad_rows: set[int],
           conflicts: int) -> None:
    problems.sort(key=lambda p: p[0])
    errors = [(f"line {line}, {fld}", msg) for line, fld, msg in problems]
    head = f"line {problems[0][0]}, {problems[0][1]}: {problems[0][2]}"
    n, rows = len(problems), len(bad_rows) or 1
    if conflicts == n:
        raise ImportConflictError(
            f"{path.name}: {n} row{'s' if n != 1 else ''} based on an older version than the "
            f"store's; nothing was imported (first: {head})", errors)
    raise ValidationError(f"{path.name}: {n} problem{'s' if n != 1 else ''} in {rows} "
                          f"row{'s' if rows > 1 else ''}; nothing was imported (first: {head})",
                          errors)


def import_risks(store: Store, path: str | Path, *, reason: str = "",
                 dry_run: bool = False, overwrite: bool = False) -> ImportResult:
    """Import the risks of a CSV or YAML file, all or nothing.

    New ids create risks; existing ids become a new version of the risk (unchanged rows
    write nothing). A row that changes an existing risk names the version it was edited
    from in ``_version`` (:func:`export_risks` writes it).

    Parameters
    ----------
    overwrite
        Save rows based on an older version than the store's (or naming none) over the
        current version anyway; the saved versions' reason says so and names them.

    Raises
    ------
    ValidationError
        Some rows are invalid; ``errors`` holds one ``("line N, field", message)`` per
        problem, for every row (conflicts included), and nothing was saved.
    ImportConflictError
        Every row is valid but some would undo a newer version (a :class:`ConflictError`
        whose ``errors`` list them by line); nothing was saved.
    """
    path = Path(path)
    rows, read_problems = read_risk_rows(path)
    problems: list[tuple[int, str, str]] = list(read_problems)
    bad_rows = {line for line, _, _ in read_problems}
    first_line: dict[str, int] = {}
    checked: list[tuple[Row, Risk, int | None]] = []
    for row, risk, errors in _checked(rows, store):
        problems += [(row.line_of(f), f, m) for f, m in errors]
        based_on, version_problem = _row_version(row)
        if version_problem:
            problems.append((row.line_of(VERSION_COLUMN), VERSION_COLUMN, version_problem))
            bad_rows.add(row.line)
        rid = str(row.data.get("id", ""))
        if rid and rid in first_line:
            problems.append((row.line_of("id"), "id", f"{rid!r} already appears on line "
                             f"{first_line[rid]}; each risk once per file"))
            bad_rows.add(row.line)
        if errors:
            bad_rows.add(row.line)
        first_line.setdefault(rid, row.line)
        if risk is not None:
            checked.append((row, risk, based_on))
    if not rows and not problems:
        problems.append((1, "(file)", "no risks in the file"))
    from workbench.store import content_hash

    current = {v.record_id: v for v in store.latest("risk")}
    result = ImportResult(dry_run=dry_run)
    items: list[tuple[Risk, int | None]] = []
    replaced: list[str] = []
    conflicts = 0
    for row, risk, based_on in checked:
        cur = current.get(risk.id)
        line = row.line_of(VERSION_COLUMN)
        if cur is None:
            if based_on is not None:
                problems.append((line, VERSION_COLUMN, (
                    f"risk {risk.id!r} is not in the store, so it has no version {based_on}; "
                    "leave _version empty to create it")))
                bad_rows.add(row.line)
            else:
                result.created.append(risk.id)
                items.append((risk, None))
            continue
        if based_on is not None and based_on > cur.version:
            problems.append((line, VERSION_COLUMN, (
                f"risk {risk.id!r} has no version {based_on} (the latest is {cur.version}); "
                "the file was not exported from this store")))
            bad_rows.add(row.line)
            continue
        if cur.content_hash == content_hash(risk.content()):
            result.unchanged.append(risk.id)
            continue
        if based_on != cur.version:
            if not overwrite:
                problems.append((line, VERSION_COLUMN, _conflict(risk, based_on, cur)))
                bad_rows.add(row.line)
                conflicts += 1
                continue
            result.overwritten.append(risk.id)
            replaced.append(f"{risk.id} v{cur.version} by {cur.author} (row based on "
                            f"{'no version' if based_on is None else f'v{based_on}'})")
        result.updated.append(risk.id)
        items.append((risk, cur.version))
    # who may save each row, and acceptances recorded in someone else's name: checked here,
    # so a dry run says what the import would refuse
    from workbench.risk.register import acceptance_problems, is_clerk

    lines = {risk.id: row for row, risk, _ in checked}
    actor, today = store.acting_user(), store.now().date()
    clerk = is_clerk(store, actor)
    for risk, _ in items:
        cur = current.get(risk.id)
        for fld, message in acceptance_problems(risk, cur.content if cur else None, actor,
                                                today, clerk=clerk):
            row = lines[risk.id]
            problems.append((row.line_of(fld.split(".")[-1]), fld, message))
            bad_rows.add(row.line)
    if items and not problems:
        for index, message in store.refusals(items):
            row = lines[items[index][0].id]
            problems.append((row.line, "permission", message))
            bad_rows.add(row.line)
    if problems:
        _raise(path, problems, bad_rows, conflicts)
    if dry_run:
        return result
    why = reason or f"imported from {path.name}"
    if replaced:
        why += f"; --overwrite replaced newer versions: {', '.join(replaced)}"
    store.save_many(items, reason=why)
    return result


def export_risks(store: Store, *, system_id: str | None = None, fmt: str = "csv"
                 ) -> tuple[str, tuple[RecordProblem, ...]]:
    """The risks as a CSV (or YAML) file that :func:`import_risks` reads back.

    Each row carries the risk's ``_version``, so an edited file imports as a new version of
    exactly what was exported, and an import of a stale file is a conflict instead of undoing
    someone's later edit. CSV cells a spreadsheet would run as a formula are quoted
    (:func:`workbench.render.spreadsheet_cell`; the import undoes it).

    Parameters
    ----------
    system_id
        Only this AI system's risks (it must exist).
    fmt
        ``"csv"`` or ``"yaml"``.

    Returns
    -------
    (text, problems)
        The file's text, and the risks left out because they fail their checks.
    """
    from workbench.registers import read_register

    if fmt not in ("csv", "yaml"):
        raise ValidationError(f"format: use csv or yaml, got {fmt!r}")
    if system_id is not None:
        store.get("ai_system", system_id)  # NotFoundError for an unknown system
    checked = read_register(store, "risk")
    frame = checked.frame
    if system_id is not None:
        frame = frame[frame["system_id"] == system_id]
    rows = frame.to_dict(orient="records")
    if fmt == "yaml":
        import yaml

        fields = list(Risk.model_fields)
        items = [{**{k: row[k] for k in fields if _cell(row.get(k)) not in ("", [])},
                  VERSION_COLUMN: int(row["_version"])} for row in rows]
        return yaml.safe_dump(items, sort_keys=False, allow_unicode=True), checked.problems
    records = [_export_row(row) for row in rows]
    import pandas as pd

    from workbench.render import csv_text

    table = pd.DataFrame(records, columns=[*CSV_COLUMNS, VERSION_COLUMN])
    return csv_text(table), checked.problems


def _export_row(row: dict[str, Any]) -> dict[str, Any]:
    """One stored risk as the import format's cells."""
    out: dict[str, Any] = {c: _cell(row.get(c)) for c in CSV_COLUMNS
                           if c not in ("controls", "actions", *_ACCEPTANCE)}
    out["controls"] = "; ".join(row.get("controls") or [])
    out["actions"] = "\n".join(
        " | ".join([a["description"], a["owner"], a["due"], *([a["done_on"]]
                                                              if a.get("done_on") else [])])
        for a in row.get("actions") or [])
    acceptance = row.get("acceptance")
    for column, key in _ACCEPTANCE.items():
        out[column] = acceptance.get(key, "") if isinstance(acceptance, dict) else ""
    out[VERSION_COLUMN] = int(row["_version"])
    return out


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return value
