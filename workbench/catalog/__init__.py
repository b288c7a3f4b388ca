"""The framework catalog: ISO/IEC 42001, Annex C, NIST AI RMF, EU AI Act and crosswalks, as data.

The content lives in YAML files under :data:`DATA_DIR`, one per framework or
mapping, each item with a stable id. Files are read lazily on first use,
validated (:mod:`workbench.catalog._schema`), cross-checked and cached.

Importing this module is cheap: no pandas, no YAML parsing. Functions that
return tables import pandas when called; the id checks (:func:`is_control`,
:func:`check_control_id` and friends) never do, so other modules' pydantic
models can use them freely.

Examples
--------
>>> import workbench as wb
>>> wb.catalog.controls().shape[0]
38
>>> wb.catalog.get("A.6.2.4").title
'AI system verification and validation'
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import NotFoundError, ValidationError

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    import pandas as pd
    from pydantic import BaseModel

    from workbench.catalog._load import Catalog
    from workbench.catalog._lookup import CrosswalkResult

__all__ = [
    "DATA_DIR",
    "EVIDENCE_KINDS",
    "accepted_evidence",
    "accepted_evidence_text",
    "evidence_kind_label",
    "Catalog",
    "CrosswalkResult",
    "Link",
    "annex_c_objective_ids",
    "annex_c_objectives",
    "annex_c_risk_sources",
    "check_annex_c_objective",
    "check_control_id",
    "check_risk_source",
    "clause_ids",
    "clauses",
    "control_ids",
    "controls",
    "crosswalk",
    "eu_annex_iii",
    "eu_application_date",
    "eu_article_ids",
    "eu_articles",
    "eu_dates",
    "eu_mapping",
    "eu_practices",
    "get",
    "is_clause",
    "is_control",
    "kind_of",
    "load_catalog",
    "nist_crosswalk",
    "nist_subcategories",
    "objectives",
    "risk_source_ids",
    "sources",
]

#: Folder of the shipped data files (``*.yaml``); every file there is loaded.
DATA_DIR: Path = Path(__file__).resolve().parent / "data"

# Names re-exported lazily: name -> (module, attribute).
_LAZY = {
    "EVIDENCE_KINDS": ("workbench.catalog._schema", "EVIDENCE_KINDS"),
    "Catalog": ("workbench.catalog._load", "Catalog"),
    "CrosswalkResult": ("workbench.catalog._lookup", "CrosswalkResult"),
    "Link": ("workbench.catalog._lookup", "Link"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'workbench.catalog' has no attribute {name!r}")


# --------------------------------------------------------------------------- loading


@functools.lru_cache(maxsize=1)
def _default() -> Catalog:
    from workbench.catalog._load import load_catalog as _load_dir

    return _load_dir(DATA_DIR)


def load_catalog(directory: str | Path | None = None) -> Catalog:
    """Load and validate a catalog directory.

    Parameters
    ----------
    directory
        A folder of catalog YAML files. ``None`` (the default) means the shipped
        catalog in :data:`DATA_DIR`, loaded once and cached; any other folder is
        read afresh on every call.

    Returns
    -------
    Catalog
        Validated files and an index of every item id.

    Raises
    ------
    workbench.errors.ValidationError
        A file breaks its schema or the files disagree; the message names the file,
        the item id and the field.
    """
    if directory is None:
        return _default()
    from workbench.catalog._load import load_catalog as _load_dir

    return _load_dir(directory)


def sources() -> list[dict[str, str]]:
    """Each data file with its name, version, source and licence.

    Returns
    -------
    list of dict
        Keys ``file``, ``kind``, ``id``, ``name``, ``version``, ``publication``,
        ``publisher``, ``date``, ``url`` and ``licence``.
    """
    rows = []
    for f in _default().files:
        h = f.header
        rows.append(
            {
                "file": f.name,
                "kind": h.kind,
                "id": h.id,
                "name": h.name,
                "version": h.version,
                "publication": h.source.publication,
                "publisher": h.source.publisher,
                "date": h.source.date,
                "url": h.source.url or "",
                "licence": h.licence,
            }
        )
    return rows


# --------------------------------------------------------------------------- items


def _unknown(item_id: object) -> NotFoundError:
    from workbench.catalog._lookup import unknown_message

    return NotFoundError(unknown_message("catalog id", str(item_id), _default().ids()))


def get(item_id: str) -> BaseModel:
    """The catalog item with this id, whatever its framework.

    Parameters
    ----------
    item_id
        A clause (``"6.1.2"``), Annex A objective (``"A.6"``) or control
        (``"A.6.2.4"``), Annex C item (``"objective.fairness"``,
        ``"source.level_of_automation"``), NIST function or subcategory
        (``"GOVERN"``, ``"GOVERN 1.1"``), or EU AI Act item (``"art14"``,
        ``"art5.c"``, ``"annex3.4.a"``, ``"date.general_application"``).

    Returns
    -------
    pydantic.BaseModel
        The validated, frozen item (e.g. a ``Control`` with ``guidance`` and ``evidence``).

    Raises
    ------
    workbench.errors.NotFoundError
        Unknown id; the message suggests close matches and the command listing valid ids.
    """
    entry = _default().entry(item_id) if isinstance(item_id, str) else None
    if entry is None:
        raise _unknown(item_id)
    return entry.item


def accepted_evidence(requirement_id: str) -> tuple[str, ...]:
    """The evidence kinds that can prove a clause or control (its ``accepts`` in the catalog).

    Evidence of another kind linked to the requirement does not count towards readiness.
    Empty for an item that names none (a clause with sub-clauses, an objective).

    Raises
    ------
    workbench.errors.NotFoundError
        Unknown id.
    """
    return tuple(getattr(get(requirement_id), "accepts", ()) or ())


def evidence_kind_label(kind: str) -> str:
    """The words for an evidence kind in an explanation (``test_result`` -> test results)."""
    from workbench.catalog._schema import EVIDENCE_KIND_LABELS

    return EVIDENCE_KIND_LABELS.get(kind, kind.replace("_", " "))


def accepted_evidence_text(requirement_id: str) -> str:
    """What a requirement takes, in words: ``test results, performance or measurement results
    or fairness results`` (``no evidence`` when it names none)."""
    words = [evidence_kind_label(k) for k in accepted_evidence(requirement_id)]
    if not words:
        return "no evidence"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def kind_of(item_id: str) -> str:
    """The kind of a catalog item (``"control"``, ``"clause"``, ``"eu_article"``...).

    Raises
    ------
    workbench.errors.NotFoundError
        Unknown id.
    """
    entry = _default().entry(item_id) if isinstance(item_id, str) else None
    if entry is None:
        raise _unknown(item_id)
    return entry.kind


def crosswalk(item_id: str) -> CrosswalkResult:
    """What an item maps to in the other frameworks.

    For an Annex A control (or objective), the NIST AI RMF subcategories the
    published crosswalk links to its Annex B guidance item ``B.x.y``, and the EU
    AI Act articles of this project's mapping. For a clause, the subcategories
    linked to it or its sub-clauses. For a NIST subcategory (or function), the
    ISO/IEC 42001 clauses and controls it maps to. For an EU AI Act item, the
    Annex A controls mapped to it.

    Parameters
    ----------
    item_id
        Any catalog id accepted by :func:`get`.

    Returns
    -------
    CrosswalkResult
        ``nist``, ``iso`` and ``eu_articles`` tuples of :class:`Link`; ``to_frame()``
        gives one row per link.

    Raises
    ------
    workbench.errors.NotFoundError
        Unknown id.
    """
    from workbench.catalog._lookup import build_crosswalk

    catalog = _default()
    entry = catalog.entry(item_id) if isinstance(item_id, str) else None
    if entry is None:
        raise _unknown(item_id)
    return build_crosswalk(catalog, item_id, entry)


# --------------------------------------------------------------------------- id checks


@functools.cache
def _ids(kind: str) -> tuple[str, ...]:
    return _default().ids(kind)


@functools.cache
def _id_set(kind: str) -> frozenset[str]:
    return frozenset(_ids(kind))


def control_ids() -> tuple[str, ...]:
    """The 38 Annex A control ids, in the standard's order (``A.2.2`` ... ``A.10.4``)."""
    return _ids("control")


def clause_ids() -> tuple[str, ...]:
    """Every clause and sub-clause id of clauses 4 to 10, in order."""
    return _ids("clause")


def eu_article_ids() -> tuple[str, ...]:
    """Ids of the EU AI Act articles and paragraphs in the catalog (``art4``, ``art50.1``...)."""
    return _ids("eu_article")


def annex_c_objective_ids() -> tuple[str, ...]:
    """The 11 Annex C objective ids (``objective.fairness``...)."""
    return _ids("annex_c_objective")


def risk_source_ids() -> tuple[str, ...]:
    """The 7 Annex C risk source ids (``source.level_of_automation``...)."""
    return _ids("risk_source")


def is_control(item_id: object) -> bool:
    """True when ``item_id`` is one of the 38 Annex A control ids."""
    return isinstance(item_id, str) and item_id in _id_set("control")


def is_clause(item_id: object) -> bool:
    """True when ``item_id`` is a clause or sub-clause id (``"4"`` ... ``"10.2"``)."""
    return isinstance(item_id, str) and item_id in _id_set("clause")


def _check(kind: str, what: str, hint: str, value: object) -> str:
    if isinstance(value, str) and value in _id_set(kind):
        return value
    from workbench.catalog._lookup import unknown_message

    if not isinstance(value, str):
        raise ValidationError(f"{what} must be a string id, got {type(value).__name__}; {hint}")
    raise ValidationError(unknown_message(what, value, _ids(kind), hint))


def check_control_id(value: object) -> str:
    """Return ``value`` if it is an Annex A control id, else raise.

    Meant for pydantic validators (``AfterValidator(check_control_id)``); the
    error is a ``ValueError`` subclass, so pydantic reports it on the field.

    Raises
    ------
    workbench.errors.ValidationError
        Not a control id; the message suggests close matches.
    """
    hint = "Run `workbench catalog controls` to list the 38 Annex A controls."
    return _check("control", "Annex A control", hint, value)


def check_annex_c_objective(value: object) -> str:
    """Return ``value`` if it is an Annex C objective id (``objective.fairness``...).

    Raises
    ------
    workbench.errors.ValidationError
        Not an Annex C objective id; the message suggests close matches.
    """
    hint = "Run `workbench catalog annex-c` to list the 11 Annex C objectives."
    return _check("annex_c_objective", "Annex C objective", hint, value)


def check_risk_source(value: object) -> str:
    """Return ``value`` if it is an Annex C risk source id (``source.level_of_automation``...).

    Raises
    ------
    workbench.errors.ValidationError
        Not a risk source id; the message suggests close matches.
    """
    hint = "Run `workbench catalog annex-c` to list the 7 Annex C risk sources."
    return _check("risk_source", "Annex C risk source", hint, value)


# --------------------------------------------------------------------------- tables


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


def controls(objective: str | None = None) -> pd.DataFrame:
    """Annex A controls, one row each (38 unfiltered).

    Parameters
    ----------
    objective
        Keep only the controls of this objective, e.g. ``"A.6"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``objective_id``, ``objective_title``, ``title``, ``guidance``,
        ``evidence`` (list) and ``principles`` (list).

    Raises
    ------
    workbench.errors.NotFoundError
        ``objective`` is not one of ``A.2`` ... ``A.10``.
    """
    catalog = _default()
    titles = {o.id: o.title for o in catalog.iso.objectives}
    if objective is not None and objective not in titles:
        from workbench.catalog._lookup import unknown_message

        hint = "Run `workbench catalog controls` to see each control's objective."
        raise NotFoundError(unknown_message("Annex A objective", objective, tuple(titles), hint))
    rows = [
        {
            "id": c.id,
            "objective_id": c.objective,
            "objective_title": titles[c.objective],
            "title": c.title,
            "guidance": c.guidance,
            "evidence": list(c.evidence),
            "principles": list(c.principles),
        }
        for c in catalog.iso.controls
        if objective is None or c.objective == objective
    ]
    columns = ["id", "objective_id", "objective_title", "title", "guidance", "evidence"]
    return _frame(rows, [*columns, "principles"])


def objectives() -> pd.DataFrame:
    """The 9 Annex A objectives: ``id``, ``title``, ``summary``, ``controls`` (count)."""
    catalog = _default()
    counts: dict[str, int] = {}
    for c in catalog.iso.controls:
        counts[c.objective] = counts.get(c.objective, 0) + 1
    rows = [
        {"id": o.id, "title": o.title, "summary": o.summary, "controls": counts.get(o.id, 0)}
        for o in catalog.iso.objectives
    ]
    return _frame(rows, ["id", "title", "summary", "controls"])


def clauses() -> pd.DataFrame:
    """Clauses 4 to 10 and every sub-clause.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``parent``, ``depth`` (1 to 3), ``title``, ``summary`` and
        ``documented_information`` (list, empty when the clause requires none).
    """
    rows = [
        {
            "id": c.id,
            "parent": c.parent,
            "depth": c.depth,
            "title": c.title,
            "summary": c.summary,
            "documented_information": list(c.documented_information),
        }
        for c in _default().iso.clauses
    ]
    return _frame(rows, ["id", "parent", "depth", "title", "summary", "documented_information"])


def annex_c_objectives() -> pd.DataFrame:
    """The 11 Annex C objectives: ``id``, ``name``, ``description``."""
    rows = [o.model_dump() for o in _default().annex_c.objectives]
    return _frame(rows, ["id", "name", "description"])


def annex_c_risk_sources() -> pd.DataFrame:
    """The 7 Annex C risk sources: ``id``, ``name``, ``description``."""
    rows = [r.model_dump() for r in _default().annex_c.risk_sources]
    return _frame(rows, ["id", "name", "description"])


def nist_subcategories(function: str | None = None) -> pd.DataFrame:
    """NIST AI RMF 1.0 subcategories (72 unfiltered).

    Parameters
    ----------
    function
        Keep one function: ``"GOVERN"``, ``"MAP"``, ``"MEASURE"`` or ``"MANAGE"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``function``, ``category``, ``statement``.

    Raises
    ------
    workbench.errors.NotFoundError
        Unknown function.
    """
    catalog = _default()
    functions = tuple(f.id for f in catalog.nist.functions)
    if function is not None and function not in functions:
        from workbench.catalog._lookup import unknown_message

        hint = "Use one of GOVERN, MAP, MEASURE, MANAGE."
        raise NotFoundError(unknown_message("NIST AI RMF function", function, functions, hint))
    rows = [
        s.model_dump()
        for s in catalog.nist.subcategories
        if function is None or s.function == function
    ]
    return _frame(rows, ["id", "function", "category", "statement"])


def nist_crosswalk() -> pd.DataFrame:
    """The published NIST AI RMF to ISO/IEC 42001 crosswalk, one row per link (280).

    Returns
    -------
    pandas.DataFrame
        Columns ``subcategory``, ``iso42001_ref`` (clause or ``B.x.y``),
        ``annex_a_control`` (``A.x.y`` or missing), ``title`` (as published) and
        ``note`` (set where the published title does not match the referenced item).
    """
    rows = [link.model_dump() for link in _default().crosswalk.links]
    return _frame(rows, ["subcategory", "iso42001_ref", "annex_a_control", "title", "note"])


def eu_articles() -> pd.DataFrame:
    """EU AI Act articles and paragraphs in the catalog.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``parent``, ``number``, ``title``, ``summary``, ``roles``
        (provider, deployer, both, gpai_provider), ``tier`` (prohibited, high_risk,
        transparency, gpai, all), ``exclusions`` and ``threshold_flop``.
    """
    rows = [a.model_dump() for a in _default().eu.articles]
    columns = ["id", "parent", "number", "title", "summary", "roles", "tier"]
    return _frame(rows, [*columns, "exclusions", "threshold_flop"])


def eu_practices() -> pd.DataFrame:
    """The 8 prohibited practices of Art. 5(1).

    Returns
    -------
    pandas.DataFrame
        Columns ``id`` (``art5.a`` ... ``art5.h``), ``point``, ``title``, ``description``
        and ``exceptions``.
    """
    rows = [p.model_dump() for p in _default().eu.practices]
    return _frame(rows, ["id", "point", "title", "description", "exceptions"])


def eu_annex_iii() -> pd.DataFrame:
    """Annex III high-risk areas (``annex3.1`` ... ``annex3.8``) and their use cases.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``parent`` (missing for an area), ``title``, ``description``
        and ``exclusions`` (e.g. fraud detection for credit scoring).
    """
    rows = [a.model_dump() for a in _default().eu.annex_iii]
    return _frame(rows, ["id", "parent", "title", "description", "exclusions"])


def eu_dates() -> pd.DataFrame:
    """Application dates of the Act, then the changes amending acts make to them.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``date``, ``applies_to``, ``articles`` (list), ``status``
        (``in_law`` for the Act's own dates; an amendment's ``proposed``, ``reported``,
        ``adopted`` or ``in_force``), ``source``, ``replaces`` (the Act's date a change
        moves; missing for the Act's dates and for provisions an amendment adds) and
        ``applies`` (True for the date that applies today: an amended date applies only once
        its amendment is in force, and then replaces the Act's date for what it covers).
    """
    eu = _default().eu
    rows: list[dict[str, Any]] = [
        {**d.model_dump(), "articles": list(d.articles), "replaces": None, "applies": True}
        for d in eu.dates
    ]
    for amendment in eu.amendments:
        for change in amendment.changes:
            rows.append(
                {
                    "id": change.id,
                    "date": change.proposed_date,
                    "applies_to": change.applies_to,
                    "articles": list(change.articles),
                    "status": amendment.status,
                    "source": amendment.source,
                    "replaces": change.current_date,
                    "applies": amendment.applies,
                }
            )
    columns = ["id", "date", "applies_to", "articles", "status", "source", "replaces",
               "applies"]
    frame = _frame(rows, columns)
    import pandas as pd

    frame["date"] = pd.to_datetime(frame["date"])
    frame["replaces"] = pd.to_datetime(frame["replaces"])
    return frame


def eu_application_date(date_id: str, article: str | None = None) -> dict[str, Any]:
    """Which date applies for an application date of the Act (and one article of it).

    The Act's date applies until an amendment that moves it is in force; an amendment that
    is only proposed, reported or adopted gives a planning date (``amended``) next to it.

    Parameters
    ----------
    date_id
        An application date (``date.general_application``, ``date.annex_i_route``...).
    article
        Narrow the amendments to those covering this article (``art50.2``, ``art9``).

    Returns
    -------
    dict
        ``date_id``, ``original`` (the Act's date), ``amended`` (None without an amendment),
        ``amendment`` (the change id), ``status`` (``in_law``, or the amendment's status),
        ``applies`` (the date that applies), ``which`` (``original`` or ``amended``),
        ``source`` and ``text`` (one line saying all of it).

    Raises
    ------
    workbench.errors.NotFoundError
        Unknown date id.
    """
    date = get(date_id)
    if kind_of(date_id) != "eu_date":
        raise _unknown(date_id)
    found = None
    for amendment in _default().eu.amendments:
        for change in amendment.changes:
            if change.moves != date_id:
                continue
            if article is not None and change.articles and not any(
                    article == a or article.startswith(a + ".") for a in change.articles):
                continue
            if found is None or (article is not None and article in change.articles):
                found = (amendment, change)
    original = date.date  # type: ignore[attr-defined]
    out: dict[str, Any] = {"date_id": date_id, "original": original, "amended": None,
                           "amendment": None, "status": "in_law", "applies": original,
                           "which": "original",
                           "source": date.source}  # type: ignore[attr-defined]
    if found is None:
        out["text"] = f"{original} (Regulation (EU) 2024/1689)"
        return out
    amendment, change = found
    out.update(amended=change.proposed_date, amendment=change.id, status=amendment.status)
    if amendment.applies:
        out.update(applies=change.proposed_date, which="amended",
                   text=f"{change.proposed_date} (amended by {amendment.id}, in force; the "
                   f"Act said {original})")
    else:
        out["text"] = (f"{original} (Regulation (EU) 2024/1689); {change.proposed_date} once "
                       f"{amendment.id} is in force (status: {amendment.status})")
    return out


def eu_mapping() -> pd.DataFrame:
    """This project's Annex A to EU AI Act mapping, one row per link.

    Returns
    -------
    pandas.DataFrame
        Columns ``control``, ``control_title``, ``article``, ``article_title``,
        ``relationship`` (equivalent_intent, partially_covers, supports) and ``rationale``.
    """
    catalog = _default()
    rows = []
    for mapping in catalog.mappings:
        header = mapping.header
        if header.source_framework != "iso42001" or header.target_framework != "eu_ai_act":
            continue
        for link in mapping.model.links:
            rows.append(
                {
                    "control": link.source,
                    "control_title": getattr(get(link.source), "title", ""),
                    "article": link.target,
                    "article_title": getattr(get(link.target), "title", ""),
                    "relationship": link.relationship,
                    "rationale": link.rationale,
                }
            )
    columns = ["control", "control_title", "article", "article_title", "relationship"]
    return _frame(rows, [*columns, "rationale"])
