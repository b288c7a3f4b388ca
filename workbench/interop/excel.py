"""The registers as an Excel workbook, and back (openpyxl).

:func:`export_workbook` writes one sheet per record kind, named after the kind (``risk``,
``ai_system``…): a header row of readable labels (each with a note saying what the column
holds), then one row per record with its ``id``, its fields (see :mod:`._cells` for how each is
written) and ``_version``, the version it was exported at. The header row and the id column
are frozen; choices have drop-down lists; text that a spreadsheet would run as a formula is
written as quoted text. A first sheet, ``about``, says how to edit the workbook.

:func:`import_workbook` reads such a workbook (or a team's own, built on the template from
:func:`template_workbook`) all or nothing: every cell is validated through the records' models
and the store's references, every problem is reported as ``sheet, row N, column X (label):
message``, a row based on an older ``_version`` than the store's is refused as a conflict, and
only when nothing is wrong are all the records saved in one :meth:`Store.save_many`, as the
acting user, under the permission policy, with the reason given. Sign-off records are written
only by the sign-off workflow: their sheets are refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import NotFoundError, ValidationError
from workbench.interop._cells import EXCEL_CELL_LIMIT, Column, columns_for, header_key, neutralize

if TYPE_CHECKING:  # pragma: no cover
    from workbench.model import Record
    from workbench.store import Store

__all__ = [
    "ABOUT_SHEET",
    "META_COLUMNS",
    "ImportReport",
    "WorkbookError",
    "export_workbook",
    "exportable_kinds",
    "import_workbook",
    "template_workbook",
]

ABOUT_SHEET = "about"
#: Columns after the fields: the version a row was exported at (read back), who saved it and
#: when (for people; ignored on import).
META_COLUMNS = ("_version", "_saved_by", "_saved_at")
_ABOUT = (
    "This workbook holds records of the ISO/IEC 42001 governance workbench, one sheet per kind.",
    "Edit rows, add rows (leave _version empty for a new record), then run "
    "`workbench import FILE --dry-run` to check it and `workbench import FILE` to save it.",
    "Do not change id or _version of existing rows: _version is the version you started from, "
    "and a row based on an older version than the store's is refused (export again).",
    "Lists: one item per line in the cell (Alt+Enter); lists of ids or choices may use ';'.",
    "Nested parts (actions, entries, acceptance, details) are JSON, one item per line.",
    "Dates are dates (YYYY-MM-DD); date-times are ISO 8601 text with their time zone.",
    "Each column header has a note saying what it holds; choices have drop-down lists.",
    "_saved_by and _saved_at are shown for reference and ignored on import.",
    "Sign-off sheets are never imported: sign-offs are made with `workbench signoff`.",
)
_VALIDATION_ROWS = 1000  # rows below the data that keep drop-downs in an export or template


class WorkbookError(ValidationError):
    """A workbook that cannot be imported; ``errors`` holds ``("sheet, row N, column X",
    message)`` for every problem, and nothing was saved."""


@dataclass
class ImportReport:
    """What :func:`import_workbook` saved (or, with ``dry_run``, would save), per kind."""

    created: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: dict[str, list[str]] = field(default_factory=dict)
    dry_run: bool = False
    reason: str = ""
    #: One line per changed record whose sign-off the change affects (an approval that goes
    #: stale, a pending request that becomes outdated): sign-off must be requested again.
    signoff_notes: list[str] = field(default_factory=list)

    def count(self, which: str) -> int:
        return sum(len(v) for v in getattr(self, which).values())

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        kinds = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        per = "; ".join(
            f"{k}: {len(self.created.get(k, []))} new, {len(self.updated.get(k, []))} changed, "
            f"{len(self.unchanged.get(k, []))} unchanged" for k in kinds)
        from workbench.render import fmt_count

        return (f"{verb} {fmt_count(self.count('created') + self.count('updated'), 'record')} "
                f"({per or 'none'}); records not in the workbook are left as they are (an "
                "import never deletes)")


def _workflow_kinds() -> set[str]:
    from workbench.permissions import load_permissions

    return {k for k, entry in load_permissions().kinds.items() if entry.workflow}


def exportable_kinds() -> list[str]:
    """Kinds ``--all`` exports: every kind a person may save (not the sign-off workflow's)."""
    from workbench.model import known_kinds

    skip = _workflow_kinds()
    return [k for k in known_kinds() if k not in skip]


# -- export ----------------------------------------------------------------------------------------
def _header(ws: Any, columns: Sequence[Column]) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    cells = []
    for col in columns:
        cell = WriteOnlyCell(ws, value=col.label)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        note = f"{col.name}: {col.help}".strip().rstrip(".") if col.help else col.name
        if col.choices and col.shape == "choice":
            note += f"\nOne of: {', '.join(col.choices)}"
        if not col.optional:
            note += "\nRequired."
        comment = Comment(note, "workbench")
        comment.width, comment.height = 300, 120
        cell.comment = comment
        cells.append(cell)
    for name in META_COLUMNS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        if name == "_version":
            cell.comment = Comment("_version: the version this row was exported at; leave it "
                                   "as it is (empty for a new record)", "workbench")
        cells.append(cell)
    return cells


def _validations(ws: Any, columns: Sequence[Column], rows: int) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    last = rows + 1 + _VALIDATION_ROWS
    for index, col in enumerate(columns, start=1):
        if not col.choices:
            continue
        formula = '"' + ",".join(col.choices) + '"'
        if len(formula) > 255:  # Excel's limit for an inline list
            continue
        dv = DataValidation(type="list", formula1=formula, allow_blank=col.optional,
                            showErrorMessage=True, errorTitle=f"{col.label}",
                            error=f"Choose one of: {', '.join(col.choices)}")
        letter = get_column_letter(index)
        dv.add(f"{letter}2:{letter}{last}")
        ws.data_validations.append(dv)


def _widths(ws: Any, columns: Sequence[Column]) -> None:
    from openpyxl.utils import get_column_letter

    for index, col in enumerate([*columns, None, None, None], start=1):
        width = 14 if col is None else {"json": 60, "list": 28, "text": 30}.get(col.shape, 16)
        if col is not None and col.name == "id":
            width = 24
        ws.column_dimensions[get_column_letter(index)].width = width


def _row(ws: Any, kind: str, record_id: str, columns: Sequence[Column], content: dict[str, Any],
         meta: Sequence[Any]) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    out: list[Any] = []
    for col in columns:
        value = col.to_cell(content.get(col.name))
        if isinstance(value, str):
            # control characters (refused on save now; older versions may hold them) cannot
            # be kept by Excel: shown as the replacement character, which an import then
            # reports as a change
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
            if len(value) > EXCEL_CELL_LIMIT:
                raise ValidationError(
                    f"{kind} {record_id!r}: {col.name} is {len(value):,} characters, more than "
                    f"an Excel cell holds ({EXCEL_CELL_LIMIT:,}); export the other kinds, and "
                    f"this record as JSON (`workbench show {kind} {record_id} --json`)")
            if neutralize(value):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type, cell.quotePrefix = "s", True
                value = cell
        out.append(value)
    out.extend(meta)
    return out


def _about(wb: Any, store: Store | None) -> None:
    ws = wb.create_sheet(ABOUT_SHEET)
    ws.column_dimensions["A"].width = 120
    ws.append(["ISO/IEC 42001 governance workbench: records for Excel"])
    ws.append([])
    for line in _ABOUT:
        ws.append([line])
    if store is not None:
        import workbench
        from workbench.store import safe_url

        seq, head = store.head_entry()
        ws.append([])
        ws.append([f"Exported from {safe_url(store.url)} at chain head #{seq} {head} on "
                   f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M UTC} by workbench "
                   f"{workbench.__version__}."])


def _write(path: Path, kinds: Sequence[str], store: Store | None) -> Path:
    from openpyxl import Workbook

    from workbench.model import model_for

    if path.suffix.lower() != ".xlsx":
        raise ValidationError(f"{path.name}: give an .xlsx file name")
    if not path.parent.exists():
        raise NotFoundError(f"the folder {str(path.parent)!r} does not exist; create it first")
    wb = Workbook(write_only=True)
    try:
        _about(wb, store)
        for kind in kinds:
            cls = model_for(kind)
            columns = columns_for(cls)
            ws = wb.create_sheet(cls.kind)
            ws.freeze_panes = "B2"
            _widths(ws, columns)
            versions = store.latest(kind) if store is not None else []
            _validations(ws, columns, len(versions))
            ws.append(_header(ws, columns))
            for v in versions:
                ws.append(_row(ws, kind, v.record_id, columns, v.content,
                               (v.version, v.author,
                                v.saved_at.strftime("%Y-%m-%d %H:%M UTC"))))
    except BaseException:
        for sheet in wb.worksheets:  # release the sheets' temporary files, quietly
            sheet.close()
        raise
    tmp = path.with_name(f".{path.name}.partial")
    try:
        wb.save(tmp)
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _kinds(kinds: str | Iterable[str] | None) -> list[str]:
    from workbench.model import model_for

    if kinds is None:
        return exportable_kinds()
    chosen = [kinds] if isinstance(kinds, str) else list(kinds)
    return [model_for(k).kind for k in chosen]


def export_workbook(store: Store, path: str | Path, kinds: str | Iterable[str] | None = None
                    ) -> Path:
    """Write the current records of ``kinds`` (default: every kind a person may save) to an
    ``.xlsx`` workbook, one sheet per kind, each row with its ``_version``."""
    return _write(Path(path), _kinds(kinds), store)


def template_workbook(path: str | Path, kinds: str | Iterable[str] | None = None) -> Path:
    """An empty workbook with the sheets, headers, notes and drop-downs of ``kinds``, for a
    team that starts from its own spreadsheet."""
    return _write(Path(path), _kinds(kinds), None)


# -- import ----------------------------------------------------------------------------------------
@dataclass
class _Row:
    kind: str
    sheet: str
    number: int
    record: Record
    base: int | None
    #: field (or _version) -> "sheet, row N, column X (field)", for messages
    where: dict[str, str]

    @property
    def id_where(self) -> str:
        return self.where.get("id", f"{self.sheet}, row {self.number}")


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _open_workbook(path: Path) -> Any:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    from workbench.files import existing_file

    path = existing_file(path, give="the path of an .xlsx workbook")
    try:
        return load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise WorkbookError(f"{path.name} is not an Excel workbook that can be read ({exc}); "
                            "save it as .xlsx") from None


def _sheet_kind(name: str, known: Sequence[str], workflow: set[str]
                ) -> tuple[str | None, str | None]:
    """``(kind, None)`` or ``(None, why the sheet is refused)``."""
    import difflib

    kind = header_key(name)
    if kind in workflow:
        return None, ("sign-off records are written only through the sign-off workflow "
                      "(`workbench signoff request|approve|reject`), never imported; remove "
                      "this sheet")
    if kind not in known:
        close = difflib.get_close_matches(kind, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return None, (f"{name!r} is not a record kind; {hint}name each sheet after a kind "
                      f"({', '.join(k for k in known if k not in workflow)}) or {ABOUT_SHEET!r}")
    return kind, None


def _map_header(sheet: str, header: Sequence[Any], columns: Sequence[Column],
                problems: list[tuple[str, str]]) -> dict[int, Column | str]:
    by_key = {c.name: c for c in columns} | {header_key(c.label): c for c in columns}
    mapping: dict[int, Column | str] = {}
    seen: dict[str, int] = {}
    for index, cell in enumerate(header):
        text = cell.value if hasattr(cell, "value") else cell
        if text is None or str(text).strip() == "":
            continue
        key = header_key(text)
        where = f"{sheet}, row 1, column {_letter(index)}"
        target: Column | str | None = by_key.get(key) or (key if key in META_COLUMNS else None)
        if target is None:
            problems.append((where, f"unknown column {str(text)!r}; the columns of {sheet} are "
                             f"{', '.join(c.name for c in columns)} and _version"))
            continue
        name = target if isinstance(target, str) else target.name
        if name in seen:
            problems.append((where, f"column {name!r} appears twice (also column "
                             f"{_letter(seen[name])})"))
            continue
        seen[name] = index
        mapping[index] = target
    missing = [c.name for c in columns if not c.optional and c.name not in seen]
    if missing:
        problems.append((f"{sheet}, row 1", f"no column for the required field"
                         f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}"))
    return mapping


def _read_sheet(ws: Any, kind: str, problems: list[tuple[str, str]]) -> list[_Row]:
    from workbench.model import model_for, validate_record

    cls = model_for(kind)
    columns = columns_for(cls)
    sheet = ws.title
    rows = ws.iter_rows()
    header = next(rows, None)
    if header is None:
        return []
    before = len(problems)
    mapping = _map_header(sheet, header, columns, problems)
    if len(problems) > before:
        return []
    out: list[_Row] = []
    for number, cells in enumerate(rows, start=2):
        data: dict[str, Any] = {}
        base: int | None = None
        bad = False
        filled = False
        for index, cell in enumerate(cells):
            target = mapping.get(index)
            value = getattr(cell, "value", None)
            if target is None or value is None or (isinstance(value, str) and not value.strip()):
                continue
            filled = True
            name = target if isinstance(target, str) else target.name
            where = f"{sheet}, row {number}, column {_letter(index)} ({name})"
            if getattr(cell, "data_type", None) == "f":
                problems.append((where, f"a formula ({_cut(str(value))}); type the value "
                                 "itself: formulas are never imported"))
                bad = True
                continue
            if name == "_version":
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    problems.append((where, f"{value!r} is not a version number; leave _version "
                                     "as exported (empty for a new record)"))
                    bad = True
                else:
                    base = value
                continue
            if isinstance(target, str):
                continue  # _saved_by, _saved_at: for people to read
            try:
                data[name] = target.from_cell(value)
            except ValueError as exc:
                problems.append((where, str(exc)))
                bad = True
        if not filled:
            continue
        locate = {(c.name if isinstance(c, Column) else c):
                  f"{sheet}, row {number}, column {_letter(i)} "
                  f"({c.name if isinstance(c, Column) else c})" for i, c in mapping.items()}
        if bad:
            continue
        data = {k: v for k, v in data.items() if v is not None}
        try:
            record = validate_record(cls, data)
        except ValidationError as exc:
            for loc, message in exc.errors or [("(record)", str(exc))]:
                head, _, rest = loc.partition(".")
                where = locate.get(head, f"{sheet}, row {number}")
                rest = _readable_loc(rest)
                problems.append((where, f"{rest}: {message}" if rest else message))
            continue
        out.append(_Row(kind, sheet, number, record, base, locate))
    return out


def _cut(text: str, limit: int = 40) -> str:
    """``text`` up to ``limit`` characters, with an ellipsis when it was cut off."""
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def _readable_loc(loc: str) -> str:
    """A field path inside a cell as people count: ``0.owner`` is ``item 1, owner``."""
    if not loc:
        return ""
    return ", ".join(f"item {int(p) + 1}" if p.isdigit() else p for p in loc.split("."))


def _conflicts(store: Store, rows: Sequence[_Row], problems: list[tuple[str, str]]
               ) -> dict[tuple[str, str], Any]:
    latest: dict[tuple[str, str], Any] = {}
    for kind in {r.kind for r in rows}:
        latest.update({(kind, v.record_id): v for v in store.latest(kind)})
    first: dict[tuple[str, str], _Row] = {}
    for row in rows:
        key = (row.kind, row.record.id)
        if key in first:
            problems.append((row.id_where, f"{row.record.id!r} is already on row "
                             f"{first[key].number}; each record once per workbook"))
            continue
        first[key] = row
        cur = latest.get(key)
        where = row.where.get("_version", f"{row.sheet}, row {row.number} (no _version column)")
        if row.base is None and cur is not None:
            problems.append((where, f"conflict: {row.kind} {row.record.id!r} already exists "
                             f"(version {cur.version} by {cur.author}); to change it, start "
                             "from an export, which gives the row its _version"))
        elif row.base is not None and cur is None:
            problems.append((where, f"_version {row.base} given, but there is no "
                             f"{row.kind} {row.record.id!r} in the store; leave _version "
                             "empty to create it"))
        elif row.base is not None and row.base < cur.version:
            why = f", reason: {cur.reason}" if cur.reason else ""
            problems.append((where, f"conflict: this row is based on version {row.base}, but "
                             f"{cur.author} saved version {cur.version} at "
                             f"{cur.saved_at:%Y-%m-%d %H:%M UTC}{why}; export again and "
                             "reapply your edit"))
        elif row.base is not None and row.base > cur.version:
            problems.append((where, f"the store has no version {row.base} of "
                             f"{row.record.id!r} (latest is {cur.version})"))
    return latest


def _references(store: Store, rows: Sequence[_Row], latest: dict[tuple[str, str], Any],
                problems: list[tuple[str, str]]) -> None:
    from workbench.errors import WorkbenchError
    from workbench.model import model_for

    in_batch = {(r.kind, r.record.id) for r in rows}
    ids: dict[str, set[str]] = {}

    def exists(kind: str, record_id: str) -> bool:
        if (kind, record_id) in in_batch:
            return True
        if kind not in ids:
            try:
                ids[kind] = {v.record_id for v in store.latest(model_for(kind).kind)}
            except WorkbenchError:
                ids[kind] = set()
        return record_id in ids[kind]

    risks = [r for r in rows if r.kind == "risk"]
    if risks:
        from workbench.risk.register import Lookup, check_risk

        lookup = Lookup.whole_store(store)
        for r in rows:  # systems and people of this workbook count too
            if r.kind == "ai_system":
                lookup.system_owner.setdefault(r.record.id, r.record.owner)
            elif r.kind == "person":
                lookup.people.setdefault(r.record.id, {str(x) for x in r.record.roles})
        from workbench.risk.register import acceptance_problems, is_clerk

        actor, today = store.acting_user(), store.now().date()
        clerk = is_clerk(store, actor)
        for r in risks:
            before = latest.get(("risk", r.record.id))
            for fld, message in [*check_risk(r.record, lookup), *acceptance_problems(
                    r.record, before.content if before else None, actor, today,
                    clerk=clerk)]:
                problems.append((_column_of(r, fld), message))
    for r in rows:
        if r.kind == "risk":
            continue
        for ref in r.record.references():
            if not exists(ref.kind, ref.record_id):
                label = ref.kind.replace("_", " ")
                problems.append((_column_of(r, ref.field), f"refers to {label} "
                                 f"{ref.record_id!r}, which is neither in the store nor in "
                                 "this workbook"))


def _permissions(store: Store, rows: Sequence[_Row], latest: dict[tuple[str, str], Any],
                 hashes: dict[tuple[str, str], str], problems: list[tuple[str, str]]) -> None:
    """Every row the acting user may not save (the permission policy), as the save would
    refuse it; a dry run reports them too. Unchanged rows save nothing and are not checked."""
    unique = list({(r.kind, r.record.id): r for r in reversed(rows)}.values())[::-1]
    unique = [r for r in unique if (cur := latest.get((r.kind, r.record.id))) is None
              or cur.content_hash != hashes[(r.kind, r.record.id)]]
    if not unique:
        return
    for index, message in store.refusals([(r.record, r.base) for r in unique]):
        problems.append((f"{unique[index].sheet}, row {unique[index].number}", message))


def _column_of(row: _Row, fld: str) -> str:
    return row.where.get(fld.split(".", 1)[0], f"{row.sheet}, row {row.number}")


def import_workbook(store: Store, path: str | Path, *, dry_run: bool = False,
                    reason: str = "") -> ImportReport:
    """Import a workbook all or nothing, as the acting user (see the module docstring).

    Parameters
    ----------
    dry_run
        Check everything and report what would be saved; save nothing.
    reason
        Why (kept with every version saved); default ``"imported from FILE"``.

    Raises
    ------
    WorkbookError
        Some cells are wrong or rows conflict with newer versions; ``errors`` lists every one
        as ``("sheet, row N, column X (field)", message)``; nothing was saved.
    PermissionDeniedError
        The acting user may not save one of the records: the permission policy, checked with
        every row (each refused row is a problem of the :class:`WorkbookError`) and again by
        the save, should the store change in between.
    """
    from workbench.model import known_kinds
    from workbench.store import content_hash

    path = Path(path)
    wb = _open_workbook(path)
    problems: list[tuple[str, str]] = []
    rows: list[_Row] = []
    known, workflow = known_kinds(), _workflow_kinds()
    try:
        for ws in wb.worksheets:
            if header_key(ws.title) == ABOUT_SHEET:
                continue
            kind, refused = _sheet_kind(ws.title, known, workflow)
            if kind is None:
                problems.append((f"sheet {ws.title}", str(refused)))
                continue
            rows += _read_sheet(ws, kind, problems)
    finally:
        wb.close()
    if not rows and not problems:
        problems.append((path.name, "no records in the workbook (each sheet: a header row, "
                         "then one row per record)"))
    latest = _conflicts(store, rows, problems) if rows else {}
    hashes = {(r.kind, r.record.id): content_hash(r.record.content()) for r in rows}
    if rows:
        _references(store, rows, latest, problems)
        _permissions(store, rows, latest, hashes, problems)
    if problems:
        first = f"{problems[0][0]}: {problems[0][1]}"
        raise WorkbookError(f"{path.name}: {len(problems)} problem"
                            f"{'s' if len(problems) != 1 else ''}; nothing was imported "
                            f"(first: {first})", problems)
    report = ImportReport(dry_run=dry_run, reason=reason or f"imported from {path.name}")
    items = [(r.record, r.base) for r in rows]
    for r in rows:
        cur = latest.get((r.kind, r.record.id))
        bucket = (report.created if cur is None else report.unchanged
                  if cur.content_hash == hashes[(r.kind, r.record.id)] else report.updated)
        bucket.setdefault(r.kind, []).append(r.record.id)
    report.signoff_notes = _signoff_notes(store, report.updated, dry_run)
    if not dry_run:
        store.save_many(items, reason=report.reason)
    return report


def _signoff_notes(store: Store, updated: dict[str, list[str]], dry_run: bool) -> list[str]:
    """What the changes do to sign-offs: an approved record goes stale, a pending request on
    the version replaced becomes outdated (both need a new request)."""
    if not updated:
        return []
    from workbench.model import model_for
    from workbench.oversight import status_frame

    frame = status_frame(store)
    changed = {(k, i) for k, ids in updated.items() for i in ids}
    hits = frame[[(k, i) in changed for k, i in zip(frame["kind"], frame["record_id"],
                                                       strict=True)]]
    will = "would" if dry_run else "will"
    notes = []
    for row in hits.itertuples():
        label = f"{model_for(row.kind).label} {row.record_id}"
        if row.state == "approved":
            notes.append(f"{label}: its approval (version {row.approved_version}) {will} go "
                         "stale; request sign-off of the new version")
        elif row.state == "pending":
            notes.append(f"{label}: its pending sign-off request (version "
                         f"{row.current_version}) {will} be outdated; request it again")
    return notes
