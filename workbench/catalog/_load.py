"""Reading the catalog's data files, validating them and checking them against each other.

Every problem becomes a :class:`workbench.errors.ValidationError` whose message
names the file, the item id and the field, so a broken edit is found in seconds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic

from workbench.catalog import _schema as s
from workbench.errors import ValidationError

__all__ = ["Catalog", "CatalogFile", "Entry", "load_catalog", "load_file"]

# Facts of the frameworks that every load checks.
EXPECTED_CONTROLS: Mapping[str, int] = {
    "A.2": 3, "A.3": 2, "A.4": 5, "A.5": 4, "A.6": 9, "A.7": 5, "A.8": 4, "A.9": 3, "A.10": 3,
}  # fmt: skip
REQUIRED_CLAUSES: tuple[str, ...] = (
    "4", "4.1", "4.2", "4.3", "4.4",
    "5", "5.1", "5.2", "5.3",
    "6", "6.1", "6.1.1", "6.1.2", "6.1.3", "6.1.4", "6.2", "6.3",
    "7", "7.1", "7.2", "7.3", "7.4", "7.5", "7.5.1", "7.5.2", "7.5.3",
    "8", "8.1", "8.2", "8.3", "8.4",
    "9", "9.1", "9.2", "9.2.1", "9.2.2", "9.3", "9.3.1", "9.3.2", "9.3.3",
    "10", "10.1", "10.2",
)  # fmt: skip
EXPECTED_NIST: Mapping[str, int] = {"GOVERN": 19, "MAP": 18, "MEASURE": 22, "MANAGE": 13}
EXPECTED_ANNEX_C = {"objectives": 11, "risk_sources": 7}
EXPECTED_PRACTICES = tuple(f"art5.{letter}" for letter in "abcdefgh")
EXPECTED_ANNEX_III_AREAS = tuple(f"annex3.{n}" for n in range(1, 9))

# File kinds of which a catalog holds exactly one.
_SINGLE_KINDS = ("iso42001", "annex_c", "nist_ai_rmf", "nist_iso42001_crosswalk", "eu_ai_act")


@dataclass(frozen=True)
class CatalogFile:
    """One validated data file: its name, its path and its model."""

    name: str
    path: Path
    model: Any

    @property
    def header(self) -> s.Header:
        return self.model.header  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Entry:
    """What the catalog knows about an id: the kind of item, the item and its file."""

    kind: str
    item: pydantic.BaseModel
    file: str


@dataclass(frozen=True)
class Catalog:
    """Every data file of one catalog directory, validated and cross-checked."""

    directory: Path
    files: tuple[CatalogFile, ...]
    iso: s.Iso42001File
    annex_c: s.AnnexCFile
    nist: s.NistFile
    crosswalk: s.CrosswalkFile
    eu: s.EuAiActFile
    mappings: tuple[CatalogFile, ...]
    index: Mapping[str, Entry] = field(repr=False)

    def entry(self, item_id: str) -> Entry | None:
        """The entry for ``item_id``, or ``None``."""
        return self.index.get(item_id)

    def ids(self, kind: str | None = None) -> tuple[str, ...]:
        """Every id of the catalog, or those of one kind, in file order."""
        return tuple(i for i, e in self.index.items() if kind is None or e.kind == kind)


# ------------------------------------------------------------------------- reading one file


def _yaml_load(text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def _file_error(name: str, item: str, field_name: str, message: str) -> ValidationError:
    return ValidationError(
        f"catalog file {name}: item {item!r}, field {field_name!r}: {message}; "
        "fix the file and load the catalog again",
        errors=[(field_name, f"{name}: item {item!r}: {message}")],
    )


def _describe(node: Any) -> str | None:
    """The id by which a node of a data file is named in messages."""
    if not isinstance(node, dict):
        return None
    if "id" in node:
        return str(node["id"])
    if "subcategory" in node and "iso42001_ref" in node:
        return f"{node['subcategory']} -> {node['iso42001_ref']}"
    if "source" in node and "target" in node:
        return f"{node['source']} -> {node['target']}"
    return None


def _locate(raw: Any, loc: tuple[int | str, ...]) -> tuple[str, str]:
    """Split a pydantic error location into (item named by its id, field path within it)."""
    item, rest, node = "", list(loc), raw
    for i, part in enumerate(loc):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        described = _describe(node)
        if described is not None and isinstance(part, int):
            item, rest = described, list(loc[i + 1 :])
    if not item:
        item, rest = str(loc[0]) if loc else "(file)", list(loc[1:])
    field_path = ""
    for part in rest:
        field_path += f"[{part}]" if isinstance(part, int) else (f".{part}" if field_path else part)
    return item, field_path or "(item)"


def _from_pydantic(name: str, raw: Any, exc: pydantic.ValidationError) -> ValidationError:
    problems = []
    for err in exc.errors(include_url=False):
        item, field_path = _locate(raw, tuple(err["loc"]))
        problems.append((item, field_path, err["msg"].removeprefix("Value error, ")))
    item, field_path, message = problems[0]
    if len(problems) > 1:
        message += f" (and {len(problems) - 1} more problem(s) in this file)"
    error = _file_error(name, item, field_path, message)
    error.errors = [(f, f"{name}: item {i!r}: {m}") for i, f, m in problems]
    return error


def load_file(path: str | Path) -> CatalogFile:
    """Read and validate one data file (its header's ``kind`` chooses the schema).

    Parameters
    ----------
    path
        A YAML file of the catalog.

    Returns
    -------
    CatalogFile
        The file's name, path and validated model.

    Raises
    ------
    workbench.errors.ValidationError
        The file is not YAML, has no known ``header.kind``, or breaks its schema.
    """
    path = Path(path)
    name = path.name
    try:
        raw = _yaml_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(f"catalog file {name} cannot be read: {exc.strerror}") from exc
    except Exception as exc:  # yaml.YAMLError, without importing yaml up front
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ValidationError(
            f"catalog file {name} is not valid YAML{where}: {getattr(exc, 'problem', exc)}"
        ) from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("header"), dict):
        raise _file_error(name, "header", "header", "the file must start with a header mapping")
    kind = raw["header"].get("kind")
    model = s.FILE_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        known = ", ".join(sorted(s.FILE_MODELS))
        raise _file_error(name, "header", "kind", f"unknown kind {kind!r} (known: {known})")
    try:
        return CatalogFile(name=name, path=path, model=model.model_validate(raw))
    except pydantic.ValidationError as exc:
        raise _from_pydantic(name, raw, exc) from None


# ------------------------------------------------------------------------- cross-checks


class _Checker:
    """Collects the index of ids and raises on the first cross-file problem."""

    def __init__(self) -> None:
        self.index: dict[str, Entry] = {}

    def add(self, file: str, kind: str, items: Iterable[Any]) -> None:
        for item in items:
            if item.id in self.index:
                other = self.index[item.id].file
                raise _file_error(file, item.id, "id", f"duplicate id (already used in {other})")
            self.index[item.id] = Entry(kind=kind, item=item, file=file)

    def need(self, file: str, item: str, field_name: str, ref: str | None, kinds: set[str]) -> None:
        if ref is None:
            return
        entry = self.index.get(ref)
        if entry is None or entry.kind not in kinds:
            raise _file_error(file, item, field_name, f"{ref!r} does not exist in the catalog")


def _count_error(file: str, item: str, field_name: str, found: int, expected: int) -> None:
    if found != expected:
        raise _file_error(file, item, field_name, f"has {found} items, expected {expected}")


def _check_iso(f: CatalogFile, ck: _Checker) -> None:
    m: s.Iso42001File = f.model
    ck.add(f.name, "clause", m.clauses)
    ck.add(f.name, "annex_a_objective", m.objectives)
    ck.add(f.name, "control", m.controls)
    for clause in m.clauses:
        ck.need(f.name, clause.id, "parent", clause.parent, {"clause"})
    for control in m.controls:
        ck.need(f.name, control.id, "objective", control.objective, {"annex_a_objective"})
    missing = [c for c in REQUIRED_CLAUSES if c not in ck.index]
    if missing:
        raise _file_error(f.name, missing[0], "clauses", "required clause is missing")
    objectives = [o.id for o in m.objectives]
    if sorted(objectives) != sorted(EXPECTED_CONTROLS):
        raise _file_error(
            f.name, "objectives", "id", f"expected exactly {', '.join(EXPECTED_CONTROLS)}"
        )
    per_objective = Counter(c.objective for c in m.controls)
    for objective, expected in EXPECTED_CONTROLS.items():
        _count_error(f.name, objective, "controls", per_objective[objective], expected)


def _check_annex_c(f: CatalogFile, ck: _Checker) -> None:
    m: s.AnnexCFile = f.model
    ck.add(f.name, "annex_c_objective", m.objectives)
    ck.add(f.name, "risk_source", m.risk_sources)
    for key, expected in EXPECTED_ANNEX_C.items():
        _count_error(f.name, key, key, len(getattr(m, key)), expected)


def _check_nist(f: CatalogFile, ck: _Checker) -> None:
    m: s.NistFile = f.model
    ck.add(f.name, "nist_function", m.functions)
    ck.add(f.name, "nist_subcategory", m.subcategories)
    if sorted(fn.id for fn in m.functions) != sorted(EXPECTED_NIST):
        raise _file_error(f.name, "functions", "id", f"expected {', '.join(EXPECTED_NIST)}")
    per_function = Counter(sub.function for sub in m.subcategories)
    for function, expected in EXPECTED_NIST.items():
        _count_error(f.name, function, "subcategories", per_function[function], expected)


def _check_eu(f: CatalogFile, ck: _Checker) -> None:
    m: s.EuAiActFile = f.model
    ck.add(f.name, "eu_practice", m.practices)
    ck.add(f.name, "eu_annex_iii", m.annex_iii)
    ck.add(f.name, "eu_article", m.articles)
    ck.add(f.name, "eu_date", m.dates)
    ck.add(f.name, "eu_amendment", m.amendments)
    for amendment in m.amendments:
        ck.add(f.name, "eu_amendment_change", amendment.changes)
        for change in amendment.changes:
            if change.moves is not None:
                ck.need(f.name, change.id, "moves", change.moves, {"eu_date"})
            for ref in change.articles:
                ck.need(f.name, change.id, "articles", ref, {"eu_article"})
    for area in m.annex_iii:
        ck.need(f.name, area.id, "parent", area.parent, {"eu_annex_iii"})
    for article in m.articles:
        ck.need(f.name, article.id, "parent", article.parent, {"eu_article"})
    for date in m.dates:
        for ref in date.articles:
            ck.need(f.name, date.id, "articles", ref, {"eu_article"})
    if tuple(p.id for p in m.practices) != EXPECTED_PRACTICES:
        raise _file_error(f.name, "practices", "id", "expected art5.a to art5.h, in order")
    areas = tuple(a.id for a in m.annex_iii if a.parent is None)
    if areas != EXPECTED_ANNEX_III_AREAS:
        expected = "expected areas annex3.1 to annex3.8, in order"
        raise _file_error(f.name, "annex_iii", "id", expected)


def _framework_ids(ck: _Checker, files: Mapping[str, CatalogFile]) -> dict[str, set[str]]:
    """Each framework's header id -> the ids of its items."""
    by_file: dict[str, set[str]] = {}
    for item_id, entry in ck.index.items():
        by_file.setdefault(entry.file, set()).add(item_id)
    return {f.header.id: by_file.get(f.name, set()) for f in files.values()}


def _check_crosswalk(f: CatalogFile, ck: _Checker) -> None:
    m: s.CrosswalkFile = f.model
    seen: set[tuple[str, str]] = set()
    for link in m.links:
        item = f"{link.subcategory} -> {link.iso42001_ref}"
        if (link.subcategory, link.iso42001_ref) in seen:
            raise _file_error(f.name, item, "iso42001_ref", "duplicate link")
        seen.add((link.subcategory, link.iso42001_ref))
        ck.need(f.name, item, "subcategory", link.subcategory, {"nist_subcategory"})
        if link.annex_a_control is None:
            ck.need(f.name, item, "iso42001_ref", link.iso42001_ref, {"clause"})
        else:
            ck.need(f.name, item, "annex_a_control", link.annex_a_control, {"control"})


def _check_mapping(f: CatalogFile, frameworks: Mapping[str, set[str]]) -> None:
    m: s.MappingFile = f.model
    ends = {"source": m.header.source_framework, "target": m.header.target_framework}
    for end, framework in ends.items():
        if framework not in frameworks:
            raise _file_error(
                f.name, "header", f"{end}_framework", f"no catalog file has id {framework!r}"
            )
    relationships = {r.id for r in m.relationships}
    seen: set[tuple[str, str]] = set()
    for link in m.links:
        item = f"{link.source} -> {link.target}"
        if link.relationship not in relationships:
            known = ", ".join(sorted(relationships))
            raise _file_error(
                f.name, item, "relationship", f"{link.relationship!r} is not one of {known}"
            )
        for end, framework in ends.items():
            ref = getattr(link, end)
            if ref not in frameworks[framework]:  # type: ignore[index]
                raise _file_error(f.name, item, end, f"{ref!r} is not an id of {framework}")
        if (link.source, link.target) in seen:
            raise _file_error(f.name, item, "target", "duplicate link")
        seen.add((link.source, link.target))


def _iter_files(directory: Path) -> Iterator[CatalogFile]:
    for path in sorted(directory.glob("*.yaml")):
        yield load_file(path)


def load_catalog(directory: str | Path) -> Catalog:
    """Load, validate and cross-check every ``*.yaml`` file of a catalog directory.

    Parameters
    ----------
    directory
        A folder holding one file of each framework kind plus any number of mappings.

    Returns
    -------
    Catalog
        The validated catalog with an index of every item id.

    Raises
    ------
    workbench.errors.ValidationError
        A file breaks its schema, an id is duplicated, a parent or mapping end does not
        exist, or a count of the frameworks is wrong. The message names the file, the
        item id and the field.
    """
    directory = Path(directory)
    files = list(_iter_files(directory))
    by_kind: dict[str, list[CatalogFile]] = {}
    for f in files:
        by_kind.setdefault(f.header.kind, []).append(f)
    for kind in _SINGLE_KINDS:
        found = by_kind.get(kind, [])
        if len(found) != 1:
            names = ", ".join(f.name for f in found) or "none"
            raise ValidationError(
                f"catalog directory {directory.name!r}: expected one file of kind {kind!r}, "
                f"found {names}; add or remove data files so there is exactly one"
            )
    header_ids = Counter(f.header.id for f in files)
    for f in files:
        if header_ids[f.header.id] > 1:
            raise _file_error(f.name, "header", "id", f"{f.header.id!r} is used by another file")
    single = {kind: by_kind[kind][0] for kind in _SINGLE_KINDS}
    ck = _Checker()
    _check_iso(single["iso42001"], ck)
    _check_annex_c(single["annex_c"], ck)
    _check_nist(single["nist_ai_rmf"], ck)
    _check_eu(single["eu_ai_act"], ck)
    _check_crosswalk(single["nist_iso42001_crosswalk"], ck)
    frameworks = _framework_ids(ck, {f.name: f for f in files})
    mappings = tuple(by_kind.get("mapping", []))
    for f in mappings:
        _check_mapping(f, frameworks)
    return Catalog(
        directory=directory,
        files=tuple(files),
        iso=single["iso42001"].model,
        annex_c=single["annex_c"].model,
        nist=single["nist_ai_rmf"].model,
        crosswalk=single["nist_iso42001_crosswalk"].model,
        eu=single["eu_ai_act"].model,
        mappings=mappings,
        index=ck.index,
    )
