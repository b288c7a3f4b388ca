"""Id look-ups with helpful failures, and crosswalks between frameworks (no pandas here)."""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from workbench.catalog._load import Catalog, Entry
from workbench.catalog._schema import natural_key

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CrosswalkResult", "Link", "build_crosswalk", "hint_for", "suggest", "unknown_message"]

# What to run to list the items an unknown id probably belonged to.
_HINTS = (
    ("A.", "Run `workbench catalog controls` to list Annex A controls."),
    ("objective.", "Run `workbench catalog annex-c` to list Annex C objectives."),
    ("source.", "Run `workbench catalog annex-c` to list Annex C risk sources."),
    ("GOVERN", "Run `workbench catalog nist` to list NIST AI RMF subcategories."),
    ("MAP", "Run `workbench catalog nist` to list NIST AI RMF subcategories."),
    ("MEASURE", "Run `workbench catalog nist` to list NIST AI RMF subcategories."),
    ("MANAGE", "Run `workbench catalog nist` to list NIST AI RMF subcategories."),
    ("art5.", "Run `workbench catalog eu practices` to list prohibited practices."),
    ("art", "Run `workbench catalog eu articles` to list EU AI Act articles."),
    ("annex3", "Run `workbench catalog eu annex-iii` to list Annex III areas."),
    ("date.", "Run `workbench catalog eu dates` to list application dates."),
)
_DEFAULT_HINT = "Run `workbench catalog clauses` or `workbench catalog controls` to list ids."


def hint_for(item_id: str) -> str | None:
    """The command that lists the items ``item_id`` looks like, or ``None``."""
    for prefix, hint in _HINTS:
        if item_id.upper().startswith(prefix.upper()):
            return hint
    if item_id[:1].isdigit():
        return "Run `workbench catalog clauses` to list ISO/IEC 42001 clauses."
    return None


def suggest(item_id: str, candidates: tuple[str, ...], n: int = 3) -> list[str]:
    """Close matches of ``item_id`` among ``candidates`` (case-insensitive, prefix-aware)."""
    folded = {c.casefold(): c for c in candidates}
    key = item_id.strip().casefold()
    found: list[str] = []
    for prefixed in (key, f"objective.{key}", f"source.{key}", f"art{key}"):
        if prefixed in folded and folded[prefixed] not in found:
            found.append(folded[prefixed])
    for match in difflib.get_close_matches(key, list(folded), n=n, cutoff=0.6):
        if folded[match] not in found:
            found.append(folded[match])
    return found[:n]


def _join(ids: list[str]) -> str:
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " or " + ids[-1]


def unknown_message(
    what: str, item_id: str, candidates: tuple[str, ...], hint: str | None = None
) -> str:
    """One line: what is unknown, close matches, and the command that lists valid ids.

    Without an explicit ``hint``, the hint follows the id's shape, else the best match's.
    """
    matches = suggest(item_id, candidates)
    guess = f"; did you mean {_join(matches)}?" if matches else "."
    if hint is None:
        hint = hint_for(item_id) or (hint_for(matches[0]) if matches else None) or _DEFAULT_HINT
    return f"unknown {what} {item_id!r}{guess} {hint}"


# --------------------------------------------------------------------------- crosswalk


@dataclass(frozen=True)
class Link:
    """One related item in another framework.

    ``text`` is the item's title or (for NIST) its statement; ``via`` is the
    reference the link was made through, e.g. ``B.5.2`` in the NIST crosswalk.
    """

    framework: str
    id: str
    text: str
    relationship: str
    rationale: str | None = None
    via: str | None = None


@dataclass(frozen=True)
class CrosswalkResult:
    """What an item maps to: NIST AI RMF subcategories, ISO/IEC 42001 items, EU AI Act items."""

    item_id: str
    kind: str
    nist: tuple[Link, ...] = ()
    iso: tuple[Link, ...] = ()
    eu_articles: tuple[Link, ...] = ()

    @property
    def links(self) -> tuple[Link, ...]:
        """Every link, NIST first, then ISO, then EU."""
        return self.nist + self.iso + self.eu_articles

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {
            "item_id": self.item_id,
            "kind": self.kind,
            "nist": [asdict(link) for link in self.nist],
            "iso": [asdict(link) for link in self.iso],
            "eu_articles": [asdict(link) for link in self.eu_articles],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per link: framework, id, text, relationship, rationale, via."""
        import pandas as pd

        columns = ["framework", "id", "text", "relationship", "rationale", "via"]
        return pd.DataFrame([asdict(link) for link in self.links], columns=columns)


def _title(entry: Entry | None) -> str:
    if entry is None:
        return ""
    item = entry.item
    for attr in ("title", "name", "statement", "applies_to"):
        value = getattr(item, attr, None)
        if isinstance(value, str):
            return value
    return ""


def _covers(scope: str, item_id: str) -> bool:
    """True when ``item_id`` is ``scope`` or below it (``A.6`` covers ``A.6.2.4``)."""
    return item_id == scope or item_id.startswith(scope + ".")


def _sorted(catalog: Catalog, links: list[Link]) -> tuple[Link, ...]:
    """Links without repeats, in the order their items appear in the data files."""
    position = {item_id: i for i, item_id in enumerate(catalog.index)}
    unique = {(link.id, link.via, link.relationship): link for link in links}
    return tuple(
        sorted(
            unique.values(),
            key=lambda link: (position.get(link.id, len(position)), natural_key(link.via or "")),
        )
    )


def build_crosswalk(catalog: Catalog, item_id: str, entry: Entry) -> CrosswalkResult:
    """Links of an ISO/IEC 42001 item, a NIST subcategory or function, or an EU AI Act item."""
    nist: list[Link] = []
    iso: list[Link] = []
    eu: list[Link] = []
    kind = entry.kind
    if kind in ("clause", "annex_a_objective", "control"):
        # A control is reached through its Annex B guidance item; a clause covers sub-clauses.
        for link in catalog.crosswalk.links:
            target = link.annex_a_control or link.iso42001_ref
            if _covers(item_id, target) and (link.annex_a_control is None) == (kind == "clause"):
                nist.append(
                    Link(
                        framework="nist_ai_rmf",
                        id=link.subcategory,
                        text=_title(catalog.entry(link.subcategory)),
                        relationship="related",
                        via=link.iso42001_ref,
                    )
                )
        for mapping in catalog.mappings:
            if mapping.header.source_framework != "iso42001":
                continue
            for m in mapping.model.links:
                source_entry = catalog.entry(m.source)
                same_kind = source_entry is not None and (source_entry.kind == "clause") == (
                    kind == "clause"
                )
                if same_kind and _covers(item_id, m.source):
                    target = Link(
                        framework=mapping.header.target_framework or "",
                        id=m.target,
                        text=_title(catalog.entry(m.target)),
                        relationship=m.relationship,
                        rationale=m.rationale,
                        via=m.source,
                    )
                    (eu if target.framework == "eu_ai_act" else iso).append(target)
    elif kind in ("nist_subcategory", "nist_function"):
        for link in catalog.crosswalk.links:
            if link.subcategory == item_id or link.subcategory.startswith(item_id + " "):
                target_id = link.annex_a_control or link.iso42001_ref
                iso.append(
                    Link(
                        framework="iso42001",
                        id=target_id,
                        text=_title(catalog.entry(target_id)),
                        relationship="related",
                        rationale=link.note,
                        via=link.iso42001_ref,
                    )
                )
    elif kind.startswith("eu_"):
        for mapping in catalog.mappings:
            if mapping.header.target_framework != "eu_ai_act":
                continue
            for m in mapping.model.links:
                if _covers(item_id, m.target):
                    iso.append(
                        Link(
                            framework=mapping.header.source_framework or "",
                            id=m.source,
                            text=_title(catalog.entry(m.source)),
                            relationship=m.relationship,
                            rationale=m.rationale,
                            via=m.target,
                        )
                    )
    return CrosswalkResult(
        item_id, kind, _sorted(catalog, nist), _sorted(catalog, iso), _sorted(catalog, eu)
    )
