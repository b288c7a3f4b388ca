"""OSCAL 1.1.3 JSON documents built from the store.

- ``catalog``: the outline of ISO/IEC 42001 as the workbench identifies it: clauses 4 to 10
  (ids ``clause-6.1.2``, with the clause number as the ``label`` property) and the Annex A
  objectives and controls (``A.6.2.4``), **ids and titles only**: the standard's text is ISO's
  copyright and is not reproduced.
- ``component-definition``: the AI management system as one component whose control
  implementation is the Statement of Applicability (the approved version when there is one):
  one implemented requirement per Annex A control with its justification, applicability,
  implementation status, owner and links to its evidence (back-matter resources).
- ``assessment-results``: readiness (:func:`workbench.readiness.assess`) as one result: an
  observation per requirement (the reason, the evidence that counted) and a finding per
  requirement that applies (``satisfied`` when met, else ``not-satisfied``).
- ``poam``: a plan of action and milestones from the open nonconformities and the risks whose
  residual level is above the appetite, with their actions as milestones.

Identifiers are UUIDs derived (version 5) from the workbench's ids, so the same record keeps its
UUID from one export to the next. Each document's metadata carries the store head it reflects
(``store-head-seq``, ``store-head-hash``), and :func:`export_oscal` records every export as
evidence (kind ``report``, ``details.oscal``) with that head.

With the optional ``[oscal]`` extra (compliance-trestle), :func:`validate_document` checks a
document against trestle's OSCAL models and :func:`export_oscal` writes nothing that fails
them. The tests validate every model that way and the assessment results and POA&M also against
NIST's published OSCAL 1.1.3 JSON schemas.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import NotFoundError, PermissionDeniedError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = ["MODELS", "OSCAL_VERSION", "OscalExport", "export_oscal", "oscal_document",
           "validate_document"]

OSCAL_VERSION = "1.1.3"
#: Namespace of the workbench's own OSCAL properties.
NS = "urn:iso42001-workbench:oscal"
_UUID_NS = uuid.uuid5(uuid.NAMESPACE_URL, NS)
MODELS = ("catalog", "component-definition", "assessment-results", "poam")
_ROOT = {"catalog": "catalog", "component-definition": "component-definition",
         "assessment-results": "assessment-results", "poam": "plan-of-action-and-milestones"}
#: Root key -> compliance-trestle's model of it ("module:Class").
_TRESTLE = {"catalog": "trestle.oscal.catalog:Catalog",
            "component-definition": "trestle.oscal.component:ComponentDefinition",
            "assessment-results": "trestle.oscal.assessment_results:AssessmentResults",
            "plan-of-action-and-milestones": "trestle.oscal.poam:PlanOfActionAndMilestones"}


def validate_document(document: dict[str, Any]) -> str | None:
    """Check an OSCAL document against compliance-trestle's models (the ``[oscal]`` extra).

    Returns what it was checked with (``"compliance-trestle 5.2.0 (OSCAL 1.2.1 models)"``),
    or ``None`` when compliance-trestle is not installed (nothing was checked).

    Raises
    ------
    ValidationError
        The document is not one OSCAL model, or fails it: the first problem, located.
    """
    import importlib

    try:
        from importlib.metadata import version

        import trestle.oscal as trestle_oscal
    except ImportError:
        return None
    if not isinstance(document, dict) or len(document) != 1 or \
            next(iter(document)) not in _TRESTLE:
        raise ValidationError("not an OSCAL document: expected one root key of "
                              f"{', '.join(_TRESTLE)}")
    root, body = next(iter(document.items()))
    module, name = _TRESTLE[root].split(":")
    cls = getattr(importlib.import_module(module), name)
    try:
        cls.model_validate(body)
    except Exception as exc:  # noqa: BLE001 - pydantic's error, said in one line
        errors = getattr(exc, "errors", lambda: [])()
        first = errors[0] if errors else {"loc": (), "msg": str(exc)}
        where = ".".join(str(p) for p in first.get("loc", ()))
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ValidationError(f"OSCAL {root} fails its model at {where or 'the root'}: "
                              f"{first.get('msg')}{more}; nothing was written") from None
    return (f"compliance-trestle {version('compliance-trestle')} "
            f"(OSCAL {trestle_oscal.OSCAL_VERSION} models)")


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(_UUID_NS, "/".join(str(p) for p in parts)))


def _ts(value: dt.datetime | dt.date | None = None) -> str:
    """An OSCAL date-time: seconds precision, UTC."""
    if value is None:
        value = dt.datetime.now(dt.timezone.utc)
    elif not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(0, 0), tzinfo=dt.timezone.utc)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


#: Characters OSCAL's markup (Markdown) would read as formatting or HTML, escaped with a
#: backslash so what a person typed reads as typed.
_MARKUP = str.maketrans({c: "\\" + c for c in "\\`*_[]<>&"})


def _text(value: object, fallback: str = "(none recorded)") -> str:
    """A markup-line: one line, not empty, no white space at either end, user text escaped
    for OSCAL's markup (``fallback``, our own text, as it is)."""
    text = " ".join(str(value or "").split())
    return text.translate(_MARKUP) if text else fallback


def _para(value: object, fallback: str = "(none recorded)") -> str:
    """A markup-multiline: the paragraphs and line breaks a person typed kept (a blank line
    between paragraphs, a hard break within one), each line escaped as in :func:`_text`."""
    paragraphs = []
    for block in str(value or "").replace("\r\n", "\n").split("\n\n"):
        lines = [" ".join(line.split()).translate(_MARKUP) for line in block.split("\n")]
        lines = [line for line in lines if line]
        if lines:
            paragraphs.append("\\\n".join(lines))
    return "\n\n".join(paragraphs) or fallback


def _prop(name: str, value: object, *, ours: bool = True) -> dict[str, str] | None:
    text = " ".join(str(value if value is not None else "").split())
    if not text:
        return None
    out = {"name": name, "value": text}
    if ours:
        out["ns"] = NS
    return out


def _props(*items: dict[str, str] | None) -> dict[str, list[dict[str, str]]]:
    kept = [p for p in items if p is not None]
    return {"props": kept} if kept else {}


def _metadata(store: Store, title: str, head: tuple[int, str], now: str, *,
              remarks: str = "") -> dict[str, Any]:
    import workbench

    seq, head_hash = head
    meta: dict[str, Any] = {
        "title": title, "last-modified": now, "version": f"store-head-{seq}",
        "oscal-version": OSCAL_VERSION,
        "props": [p for p in (_prop("store-head-seq", seq), _prop("store-head-hash", head_hash),
                              _prop("generator", f"workbench {workbench.__version__}"))
                  if p is not None]}
    if remarks:
        meta["remarks"] = remarks
    return meta


def _standard_resource() -> dict[str, Any]:
    return {"uuid": _uuid("resource", "iso-iec-42001"),
            "title": "ISO/IEC 42001:2023 Information technology - Artificial intelligence - "
            "Management system",
            "description": "The standard the control ids refer to. Its text is ISO's copyright "
            "and is not reproduced here; only its clause and control numbers and titles."}


def _evidence_resources(store: Store, ids: set[str]) -> dict[str, dict[str, Any]]:
    """Back-matter resources for the evidence records named, by evidence id."""
    out: dict[str, dict[str, Any]] = {}
    for v in store.latest("evidence"):
        if v.record_id not in ids:
            continue
        ev = v.content
        resource: dict[str, Any] = {
            "uuid": _uuid("evidence", v.record_id), "title": _text(ev.get("title")),
            **_props(_prop("evidence-id", v.record_id), _prop("evidence-kind",
                     ev.get("evidence_kind")), _prop("collected-at", ev.get("collected_at")),
                     _prop("expires-at", ev.get("expires_at")),
                     _prop("record-version", v.version))}
        if ev.get("description"):
            resource["description"] = _para(ev["description"])
        if ev.get("uri"):
            rlink: dict[str, Any] = {"href": ev["uri"]}
            if ev.get("content_hash"):
                rlink["hashes"] = [{"algorithm": "SHA-256", "value": ev["content_hash"]}]
            resource["rlinks"] = [rlink]
        out[v.record_id] = resource
    return out


# -- catalog ---------------------------------------------------------------------------------------
def _catalog(store: Store, head: tuple[int, str], now: str) -> dict[str, Any]:
    from workbench import catalog

    clauses = catalog.clauses()
    rows = clauses.to_dict(orient="records")
    children: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        parent = row["parent"] if isinstance(row["parent"], str) else ""
        children.setdefault(parent, []).append(row)

    def clause_control(row: dict[str, Any]) -> dict[str, Any]:
        item: dict[str, Any] = {"id": f"clause-{row['id']}", "class": "requirement",
                                "title": _text(row["title"]),
                                "props": [{"name": "label", "value": str(row["id"])}]}
        subs = [clause_control(c) for c in children.get(row["id"], [])]
        if subs:
            item["controls"] = subs
        return item

    groups = []
    for top in children.get("", []):
        group: dict[str, Any] = {"id": f"clause-{top['id']}", "class": "clause",
                                 "title": _text(top["title"]),
                                 "props": [{"name": "label", "value": str(top["id"])}]}
        controls = [clause_control(c) for c in children.get(top["id"], [])]
        if controls:
            group["controls"] = controls
        groups.append(group)
    controls = catalog.controls()
    annex = []
    for obj in catalog.objectives().to_dict(orient="records"):
        members = controls[controls["objective_id"] == obj["id"]]
        annex.append({"id": obj["id"], "class": "objective", "title": _text(obj["title"]),
                      "props": [{"name": "label", "value": obj["id"]}],
                      "controls": [{"id": c["id"], "class": "control", "title": _text(c["title"]),
                                    "props": [{"name": "label", "value": c["id"]}]}
                                   for c in members.to_dict(orient="records")]})
    groups.append({"id": "annex-a", "class": "annex",
                   "title": "Annex A: reference control objectives and controls",
                   "groups": annex})
    return {"uuid": _uuid("catalog", head[1]),
            "metadata": _metadata(store, "ISO/IEC 42001:2023 outline (ids and titles)", head, now,
                                  remarks="Ids and titles only, as the workbench identifies "
                                  "them; the standard's text is not reproduced."),
            "groups": groups,
            "back-matter": {"resources": [_standard_resource()]}}


# -- component definition (Statement of Applicability) ---------------------------------------------
def _component_definition(store: Store, head: tuple[int, str], now: str) -> dict[str, Any]:
    from workbench.readiness.soa import soa_table, soa_version

    try:
        shown, info = soa_version(store)
    except NotFoundError:
        raise NotFoundError("there is no Statement of Applicability to export yet; draft one "
                            "(`workbench soa draft`) first") from None
    table = soa_table(store)
    entries = {e["control_id"]: e for e in shown.content.get("entries", [])}
    cited: set[str] = set()
    for row in table.to_dict(orient="records"):
        cited.update(row.get("evidence") or [])
        cited.update(entries.get(row["control_id"], {}).get("evidence_ids") or [])
    resources = _evidence_resources(store, cited)
    standard = _standard_resource()
    requirements = []
    for row in table.to_dict(orient="records"):
        cid = row["control_id"]
        entry = entries.get(cid, {})
        evidence = sorted(set(row.get("evidence") or []) | set(entry.get("evidence_ids") or []))
        req: dict[str, Any] = {
            "uuid": _uuid("soa", shown.record_id, cid), "control-id": cid,
            "description": _para(row.get("justification"), "(no justification recorded yet)"),
            **_props(_prop("applicable", row.get("applicable") or "undecided"),
                     _prop("implementation-status", row.get("implementation")),
                     _prop("owner", row.get("owner")),
                     _prop("risks", ", ".join(str(r) for r in row.get("risks") or [])))}
        links = [{"href": f"#{resources[e]['uuid']}", "rel": "evidence",
                  "text": _text(resources[e].get("title"))} for e in evidence if e in resources]
        if links:
            req["links"] = links
        if row.get("notes"):
            req["remarks"] = _para(row["notes"])
        requirements.append(req)
    state = info.get("state", "none")
    component = {
        "uuid": _uuid("component", "aims"), "type": "process-procedure",
        "title": "AI management system (ISO/IEC 42001)",
        "description": "The organization's AI management system; its control implementation is "
        "the Statement of Applicability.",
        "control-implementations": [{
            "uuid": _uuid("soa", shown.record_id, "implementation"),
            "source": f"#{standard['uuid']}",
            "description": _text(f"Statement of Applicability {shown.record_id!r} version "
                                 f"{shown.version} ({state}); {info.get('banner', '')}"),
            **_props(_prop("soa-version", shown.version), _prop("signoff-state", state),
                     _prop("soa-status", shown.content.get("status"))),
            "implemented-requirements": requirements}]}
    return {"uuid": _uuid("component-definition", head[1]),
            "metadata": _metadata(store, "Statement of Applicability (ISO/IEC 42001 Annex A)",
                                  head, now),
            "components": [component],
            "back-matter": {"resources": [standard, *resources.values()]}}


# -- assessment results (readiness) ----------------------------------------------------------------
def _assessment_results(store: Store, head: tuple[int, str], now: str) -> dict[str, Any]:
    from workbench import readiness

    result = readiness.assess(store)
    tool = _uuid("tool", "workbench-readiness")
    origin = [{"actors": [{"type": "tool", "actor-uuid": tool}]}]
    observations, findings, selected = [], [], []
    for row in result.requirements.to_dict(orient="records"):
        rid = str(row["id"])
        target = rid if row["kind"] == "control" else f"clause-{rid}"
        obs_uuid = _uuid("observation", head[1], rid)
        missing = [str(m) for m in row.get("missing") or []]
        description = _text(row.get("reason"), "no reason recorded")
        if missing:
            description += " To do: " + "; ".join(_text(m) for m in missing)
        observation: dict[str, Any] = {
            "uuid": obs_uuid, "title": _text(f"{rid} {row['title']}"),
            "description": description, "methods": ["EXAMINE"], "types": ["control-objective"],
            "origins": origin, "collected": now,
            **_props(_prop("requirement", rid), _prop("readiness-status", row["status"]),
                     _prop("rule", row.get("rule")))}
        evidence = [str(e) for e in row.get("evidence") or []]
        expired = [str(e) for e in row.get("expired") or []]
        relevant = [{"description": _text(e)} for e in evidence]
        relevant += [{"description": _text(f"{e} (expired)")} for e in expired]
        if relevant:
            observation["relevant-evidence"] = relevant
        observations.append(observation)
        if row["status"] == "not_applicable":
            continue
        selected.append({"control-id": target})
        met = row["status"] == "met"
        findings.append({
            "uuid": _uuid("finding", head[1], rid), "title": _text(f"{rid} {row['title']}"),
            "description": description,
            **_props(_prop("readiness-status", row["status"])),
            "target": {"type": "objective-id", "target-id": target,
                       "status": {"state": "satisfied" if met else "not-satisfied",
                                  "reason": "pass" if met else "fail"}},
            "related-observations": [{"observation-uuid": obs_uuid}]})
    rules = {"uuid": _uuid("resource", "readiness-rules"),
             "title": "Readiness rules of the ISO/IEC 42001 governance workbench",
             "description": "Readiness is computed from the records by one rule per clause 4-10 "
             "sub-clause and Annex A control; there is no separate assessment plan."}
    counts = result.counts()
    res: dict[str, Any] = {
        "uuid": _uuid("result", head[1]), "title": "ISO/IEC 42001 readiness",
        "description": _text(result.summary()), "start": now, "end": now,
        **_props(_prop("overall-percent", f"{result.overall:.1f}"),
                 _prop("soa-state", result.soa_state),
                 *(_prop(f"requirements-{k.replace('_', '-')}", v) for k, v in counts.items())),
        "reviewed-controls": {"control-selections": [{"include-controls": selected}]
                              if selected else [{"description": "nothing applicable"}]},
    }
    if observations:
        res["observations"] = observations
    if findings:
        res["findings"] = findings
    return {"uuid": _uuid("assessment-results", head[1]),
            "metadata": _metadata(store, "ISO/IEC 42001 readiness: assessment results", head,
                                  now),
            "import-ap": {"href": f"#{rules['uuid']}",
                          "remarks": "Readiness rules stand in for an assessment plan."},
            "results": [res],
            "back-matter": {"resources": [rules, _standard_resource()]}}


# -- plan of action and milestones -----------------------------------------------------------------
def _milestones(prefix: str, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tasks = []
    for i, action in enumerate(actions):
        if action.get("done_on"):
            continue
        task: dict[str, Any] = {"uuid": _uuid(prefix, "action", i), "type": "milestone",
                                "title": _text(action.get("description")),
                                **_props(_prop("owner", action.get("owner")))}
        if action.get("due"):
            task["timing"] = {"on-date": {"date": _ts(dt.date.fromisoformat(action["due"]))}}
        tasks.append(task)
    return tasks


def _poam(store: Store, head: tuple[int, str], now: str) -> dict[str, Any]:
    from workbench import risk as risk_mod

    items, risks = [], []
    for v in store.latest("nonconformity"):
        nc = v.content
        if nc.get("closed_on"):
            continue
        item: dict[str, Any] = {
            "uuid": _uuid("nonconformity", v.record_id), "title": _text(nc.get("title")),
            "description": _para(nc.get("description")),
            **_props(_prop("source", "nonconformity"), _prop("record-id", v.record_id),
                     _prop("severity", nc.get("severity")), _prop("raised-on",
                     nc.get("raised_on")), _prop("raised-by", nc.get("raised_by")),
                     _prop("clauses", ", ".join(nc.get("clause_ids") or [])),
                     _prop("controls", ", ".join(nc.get("control_ids") or [])))}
        if nc.get("correction"):
            item["remarks"] = "Correction: " + _para(nc["correction"])
        items.append(item)
    register = risk_mod.register(store)
    above = register[register["above_appetite"] & (register["status"] != "closed")]
    for row in above.to_dict(orient="records"):
        rid = row["id"]
        risk_uuid = _uuid("risk", rid)
        actions = list(row.get("actions") or [])
        tasks = _milestones(f"risk/{rid}", actions)
        entry: dict[str, Any] = {
            "uuid": risk_uuid, "title": _text(row["title"]),
            "description": _para(row.get("description"), _text(row["title"])),
            "statement": _text(f"Residual level {row['residual_level']} (score "
                               f"{row['residual_score']}), above the risk appetite; inherent "
                               f"{row['inherent_level']}. Treatment: {row['treatment']}."),
            **_props(_prop("system-id", row["system_id"]), _prop("owner", row["owner"]),
                     _prop("residual-level", row["residual_level"]),
                     _prop("treatment", row["treatment"]),
                     _prop("controls", ", ".join(row.get("controls") or [])),
                     _prop("accepted", "yes" if row.get("accepted") else "no"),
                     _prop("signoff-state", row.get("signoff"))),
            "status": "deviation-approved" if row.get("accepted") else "open"}
        if tasks:
            entry["remediations"] = [{
                "uuid": _uuid("risk", rid, "response"), "lifecycle": "planned",
                "title": _text(f"Treatment: {row['treatment']}"),
                "description": _text(f"Open actions of risk {rid}"), "tasks": tasks}]
        due = sorted(a["due"] for a in actions if a.get("due") and not a.get("done_on"))
        if due:
            entry["deadline"] = _ts(dt.date.fromisoformat(str(due[0])))
        risks.append(entry)
        items.append({"uuid": _uuid("poam-item", "risk", rid),
                      "title": _text(f"Risk above appetite: {row['title']}"),
                      "description": entry["statement"],
                      **_props(_prop("source", "risk"), _prop("record-id", rid)),
                      "related-risks": [{"risk-uuid": risk_uuid}]})
    if not items:
        items.append({"uuid": _uuid("poam-item", "none"), "title": "Nothing open",
                      "description": "No open nonconformity and no risk above the appetite."})
    doc: dict[str, Any] = {
        "uuid": _uuid("poam", head[1]),
        "metadata": _metadata(store, "ISO/IEC 42001 plan of action and milestones", head, now),
        "system-id": {"identifier-type": NS, "id": "aims"},
        "poam-items": items}
    if risks:
        doc["risks"] = risks
    return doc


_BUILDERS: dict[str, Callable[[Store, tuple[int, str], str], dict[str, Any]]] = {
    "catalog": _catalog, "component-definition": _component_definition,
    "assessment-results": _assessment_results, "poam": _poam}


def oscal_document(store: Store, model: str, *, head: tuple[int, str] | None = None
                   ) -> dict[str, Any]:
    """The OSCAL document ``model`` (one of :data:`MODELS`) built from ``store``."""
    if model not in _BUILDERS:
        raise ValidationError(f"unknown OSCAL model {model!r}; use one of {', '.join(MODELS)}")
    head = head or store.head_entry()
    return {_ROOT[model]: _BUILDERS[model](store, head, _ts())}


@dataclass(frozen=True)
class OscalExport:
    """An OSCAL file written, the store head it reflects, and the evidence recording it."""

    path: Path
    model: str
    head_seq: int
    head_hash: str
    sha256: str
    evidence_id: str | None
    #: What the document was validated with before writing (None: compliance-trestle is not
    #: installed, so it was not).
    validated_with: str | None = None

    def summary(self) -> str:
        recorded = (f"; recorded as evidence {self.evidence_id}" if self.evidence_id
                    else "")
        checked = (f"; valid against {self.validated_with}" if self.validated_with
                   else "; not validated (install the [oscal] extra to check it)")
        return (f"wrote OSCAL {OSCAL_VERSION} {self.model} to {self.path} (store head "
                f"#{self.head_seq}){checked}{recorded}")


def export_oscal(store: Store, model: str, path: str | Path, *, record: bool = True
                 ) -> OscalExport:
    """Write the OSCAL document ``model`` to ``path`` and record it as evidence.

    The evidence (kind ``report``) names the file, its SHA-256 and, in ``details``, the OSCAL
    model and version and the store head (seq and hash) the document reflects. With the
    ``[oscal]`` extra installed the document is validated first (:func:`validate_document`):
    one that fails is not written.
    """
    path = Path(path)
    if not path.parent.exists():
        raise NotFoundError(f"the folder {str(path.parent)!r} does not exist; create it first")
    head = store.head_entry()
    document = oscal_document(store, model, head=head)
    checked = validate_document(document)
    data = json.dumps(document, indent=2, ensure_ascii=False)
    digest = hashlib.sha256((data + "\n").encode("utf-8")).hexdigest()
    evidence = _evidence(store, model, path, digest, head) if record else None
    if evidence is not None:  # refused before anything is written
        refused = store.refusals([(evidence, None)])
        if refused:
            raise PermissionDeniedError(f"{refused[0][1]}; the OSCAL file was not written "
                                        "(--no-record writes it without recording it)")
    tmp = path.with_name(f".{path.name}.partial")
    try:
        tmp.write_text(data + "\n", encoding="utf-8")
        if evidence is not None:  # recorded first: a refused save leaves no file behind
            store.save(evidence, reason=f"OSCAL {model} exported")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return OscalExport(path=path, model=model, head_seq=head[0], head_hash=head[1],
                       sha256=digest, evidence_id=evidence.id if evidence else None,
                       validated_with=checked)


def _evidence(store: Store, model: str, path: Path, digest: str, head: tuple[int, str]
              ) -> Any:
    """The evidence record of an export (not saved)."""
    import workbench
    from workbench.model import Evidence
    from workbench.store import safe_url

    now = dt.datetime.now(dt.timezone.utc)
    evidence_id = f"oscal-{model}-{now:%Y%m%dt%H%M%S}-{digest[:8]}"
    clauses = {"assessment-results": ["9.1"], "poam": ["10.2"],
               "component-definition": ["6.1.3"]}.get(model, [])
    evidence = Evidence(
        id=evidence_id, title=f"OSCAL {model} export ({now:%Y-%m-%d})", evidence_kind="report",
        description=f"OSCAL {OSCAL_VERSION} {model} written by `workbench oscal {model}`; it "
        f"reflects the store at chain head #{head[0]}.",
        uri=path.resolve().as_uri(), content_hash=digest, collected_by=store.acting_user(),
        collected_at=now, clause_ids=clauses,
        details={"oscal": {"model": model, "version": OSCAL_VERSION},
                 "store_head": {"seq": head[0], "hash": head[1]},
                 "file": path.name, "store": safe_url(store.url),
                 "generated_by": f"workbench {workbench.__version__}"})
    return evidence
