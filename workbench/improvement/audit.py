"""Internal audits run from the audit programme (ISO/IEC 42001 9.2).

:func:`audit_checklist` lists the clauses and controls in an audit's scope, pre-filled with
today's readiness result and the records behind it, so the auditor samples real records.
:func:`complete_audit` saves the auditor's finding on each requirement in the programme and
raises a nonconformity for each nonconforming finding, in one atomic save. An auditor does
not audit their own work: systems they own or are on the team of, areas (Statement of
Applicability entries) they own, or records they saved.
"""

from __future__ import annotations

import datetime as dt
import reprlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from workbench.dates import past_or_today
from workbench.errors import NotFoundError, PermissionDeniedError, ValidationError
from workbench.model._base import validate_record
from workbench.readiness.model import (
    Audit,
    AuditFinding,
    AuditProgramme,
    FindingOutcome,
    NCStage,
    Nonconformity,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.store import Store, StoredVersion

__all__ = ["audit_checklist", "audit_report_html", "complete_audit", "find_audit",
           "latest_completed_audit", "own_work", "sampled_systems"]


def find_audit(store: Store, programme_id: str, audit_id: str
               ) -> tuple[StoredVersion, int, Audit]:
    """The programme's latest version, the audit's index in it and the audit."""
    current = store.get("audit_programme", programme_id)
    programme: AuditProgramme = current.record
    for i, audit in enumerate(programme.audits):
        if audit.id == audit_id:
            return current, i, audit
    known = ", ".join(a.id for a in programme.audits) or "none"
    raise NotFoundError(f"audit programme {programme_id} has no audit {audit_id!r} "
                        f"(its audits: {known})")


def _scope(audit: Audit) -> list[str]:
    return [*audit.clause_ids, *audit.control_ids]


def _record_ref(store: Store, text: str) -> str | None:
    """``"evidence ev-1"`` (a readiness evidence item) as ``"evidence/ev-1"`` when that
    record exists."""
    from workbench.model import known_kinds

    kind, _, rest = str(text).partition(" ")
    rid = rest.split(" ")[0]
    if kind in known_kinds() and rid and "/" not in rid and store.exists(kind, rid):
        return f"{kind}/{rid}"
    return None


def audit_checklist(store: Store, programme_id: str, audit_id: str, *,
                    today: dt.date | None = None) -> pd.DataFrame:
    """One row per clause or control in the audit's scope, with today's readiness.

    Columns: ``requirement_id``, ``title``, ``readiness`` (met, partial, missing...),
    ``reason``, ``evidence`` (what readiness rests on), ``missing``, ``records`` (the records
    to sample, as kind/id), and the finding already recorded (``outcome``, ``notes``,
    ``records_sampled``, ``nonconformity_id``; empty until the audit is completed).
    """
    import pandas as pd

    from workbench.readiness import assess

    _, _, audit = find_audit(store, programme_id, audit_id)
    scope = _scope(audit)
    if not scope:
        raise ValidationError(f"audit {audit_id} has no clause or control in its scope; add "
                              "clause_ids or control_ids to it in the programme",
                              [("clause_ids", "required")])
    found = assess(store, today=today or store.now().date(), only=scope,
                   verify=False).requirements.set_index("id")
    done = {f.requirement_id: f for f in audit.findings}
    rows = []
    for rid in scope:
        row = found.loc[rid] if rid in found.index else None
        evidence = list(row["evidence"]) if row is not None else []
        finding = done.get(rid)
        rows.append({
            "requirement_id": rid, "title": row["title"] if row is not None else "",
            "readiness": row["status"] if row is not None else "not assessed",
            "reason": row["reason"] if row is not None else "",
            "evidence": evidence, "missing": list(row["missing"]) if row is not None else [],
            "records": [r for r in (_record_ref(store, e) for e in evidence) if r],
            "outcome": finding.outcome.value if finding else "",
            "notes": finding.notes if finding else "",
            "records_sampled": list(finding.records_sampled) if finding else [],
            "nonconformity_id": finding.nonconformity_id if finding else None})
    return pd.DataFrame(rows)


def own_work(store: Store, who: str, audit: Audit,
             findings: Iterable[AuditFinding] = ()) -> list[str]:
    """What in this audit is ``who``'s own work (empty when they may audit it)."""
    findings = list(findings)
    out: list[str] = []
    systems = dict.fromkeys([*audit.system_ids, *(s for f in findings for s in f.system_ids),
                             *sampled_systems(store, (r for f in findings
                                                      for r in f.records_sampled))])
    for sid in systems:
        found = store.find("ai_system", sid)
        if found is not None and who in {found.content.get("owner"),
                                         *(found.content.get("team") or [])}:
            out.append(f"AI system {sid} (owner or team)")
    soa = store.find("soa", "soa")
    if soa is not None and audit.control_ids:
        owned = {e.get("control_id") for e in soa.content.get("entries") or []
                 if e.get("owner") == who}
        out += [f"control {c} (owner in the Statement of Applicability)"
                for c in audit.control_ids if c in owned]
    for ref in dict.fromkeys(r for f in findings for r in f.records_sampled):
        kind, _, rid = ref.partition("/")
        if any(v.author == who for v in store.history(kind, rid)):
            out.append(f"{kind} {rid} (saved by {who})")
    return out


def _check_sampled(store: Store, findings: list[AuditFinding]) -> None:
    from workbench.model import known_kinds

    kinds = set(known_kinds())
    for f in findings:
        for ref in f.records_sampled:
            kind, sep, rid = ref.partition("/")
            if not sep or kind not in kinds or store.find(kind, rid) is None:
                raise ValidationError(f"records_sampled: {f.requirement_id}: {ref!r} is not a "
                                      "record in the store (write kind/id, e.g. evidence/ev-1)",
                                      [("records_sampled", "unknown record")])


def _check_systems(store: Store, findings: list[AuditFinding]) -> None:
    for f in findings:
        for sid in f.system_ids:
            if store.find("ai_system", sid) is None:
                raise ValidationError(f"system_ids: {f.requirement_id}: no AI system {sid!r} in "
                                      "the store; check the id (`workbench list ai_system` "
                                      "shows them)", [("system_ids", "unknown AI system")])


def sampled_systems(store: Store, refs: Iterable[str]) -> list[str]:
    """The AI systems of the sampled records ``kind/id``: an ``ai_system`` record itself, or
    any record naming a ``system_id`` or ``system_ids`` (in the order sampled)."""
    out: list[str] = []
    for ref in refs:
        kind, _, rid = str(ref).partition("/")
        found = store.find(kind, rid) if rid else None
        if found is None:
            continue
        if kind == "ai_system":
            out.append(rid)
            continue
        content = found.content
        out += [s for s in [content.get("system_id"), *(content.get("system_ids") or [])]
                if isinstance(s, str) and s]
    return list(dict.fromkeys(out))


def _nc_id(taken: set[str]) -> str:
    n = 1
    while f"nc-{n}" in taken:
        n += 1
    taken.add(f"nc-{n}")
    return f"nc-{n}"


def complete_audit(store: Store, programme_id: str, audit_id: str,
                   findings: Iterable[AuditFinding | Mapping[str, Any]], *, results: str,
                   reported_to: Iterable[str] = (), completed_on: dt.date | None = None,
                   reason: str = "") -> dict[str, Any]:
    """Complete an audit: its findings saved in the programme, a nonconformity raised for each
    minor or major NC finding (linked to the audit, the requirement and the systems: those the
    finding names, else those of the records it sampled, else the audit's).

    Only the audit's auditor completes it, and not over their own work. Every requirement in
    the audit's scope has exactly one finding. Everything is saved in one atomic step, or
    nothing (a one-line error says why).

    Returns
    -------
    dict
        ``programme`` (the saved version) and ``nonconformities`` (the saved versions).
    """
    current, index, audit = find_audit(store, programme_id, audit_id)
    who = store.acting_user()
    if audit.completed_on is not None:
        raise ValidationError(f"audit {audit_id} was already completed on {audit.completed_on}",
                              [("completed_on", "already completed")])
    if who != audit.auditor:
        raise PermissionDeniedError(f"audit {audit_id} is assigned to {audit.auditor}; only "
                                    f"{audit.auditor} completes it ({who} may not)")
    import pydantic

    from workbench.model._base import format_validation_error

    if isinstance(findings, (str, bytes, Mapping)) or not isinstance(findings, Iterable):
        raise ValidationError(f"findings: give a list of findings, one per requirement in the "
                              f"scope (got {reprlib.repr(findings)})",
                              [("findings", "not a list")])
    parsed: list[AuditFinding] = []
    for i, item in enumerate(findings):
        if not isinstance(item, (AuditFinding, Mapping)):
            raise ValidationError(f"findings[{i}]: {reprlib.repr(item)} is not a finding; "
                                  "give a mapping with requirement_id, outcome and notes",
                                  [(f"findings.{i}", "not a finding")])
        data = item.model_dump() if isinstance(item, AuditFinding) else dict(item)
        try:
            parsed.append(AuditFinding.model_validate(data))
        except pydantic.ValidationError as exc:  # one line naming the field
            raise format_validation_error(AuditFinding, exc) from None
    scope = _scope(audit)
    seen = [f.requirement_id for f in parsed]
    outside = [r for r in seen if r not in scope]
    twice = sorted({r for r in seen if seen.count(r) > 1})
    absent = [r for r in scope if r not in seen]
    if outside or twice or absent:
        parts = ([f"outside its scope: {', '.join(outside)}"] if outside else []) + (
            [f"given twice: {', '.join(twice)}"] if twice else []) + (
            [f"no finding for: {', '.join(absent)}"] if absent else [])
        raise ValidationError(f"findings: audit {audit_id} records one finding per requirement "
                              f"in its scope; {'; '.join(parts)}", [("findings", "scope")])
    text = (results or "").strip()
    if not text:
        raise ValidationError("results: summarize the audit's conclusions",
                              [("results", "required")])
    _check_sampled(store, parsed)
    _check_systems(store, parsed)
    when = past_or_today(store, completed_on, "completed_on")
    own = own_work(store, who, audit, parsed)
    if own:
        raise PermissionDeniedError(f"{who} may not audit their own work: {'; '.join(own)}; "
                                    "assign another auditor")
    taken = {v.record_id for v in store.latest("nonconformity")}
    ncs: list[Nonconformity] = []
    saved_findings = []
    for f in parsed:
        data = f.model_dump()
        if f.outcome.is_nonconformity:
            clause = f.requirement_id[0].isdigit()
            first = f.notes.splitlines()[0][:120]
            nc = validate_record(Nonconformity, {
                "id": _nc_id(taken), "title": f"{f.requirement_id}: {first}",
                "description": f.notes, "raised_on": when, "raised_by": who,
                "source": "internal_audit", "audit_programme_id": programme_id,
                "audit_id": audit_id,
                "severity": "major" if f.outcome is FindingOutcome.major_nc else "minor",
                "clause_ids": [f.requirement_id] if clause else [],
                "control_ids": [] if clause else [f.requirement_id],
                "system_ids": list(f.system_ids) or sampled_systems(store, f.records_sampled)
                or list(audit.system_ids), "stage": NCStage.raised})
            ncs.append(nc)
            data["nonconformity_id"] = nc.id
        saved_findings.append(data)
    programme: AuditProgramme = current.record
    audits = [a.model_dump() for a in programme.audits]
    audits[index].update({"completed_on": when, "results": text, "findings": saved_findings,
                          "reported_to": list(dict.fromkeys(reported_to))
                          or audits[index]["reported_to"]})
    updated = validate_record(AuditProgramme, {**programme.model_dump(), "audits": audits})
    n = len(ncs)
    saved = store.save_many([(updated, current.version), *((nc, None) for nc in ncs)],
                            reason=reason or f"audit {audit_id} completed with {len(parsed)} "
                            f"findings, {n} nonconformit{'y' if n == 1 else 'ies'} raised")
    return {"programme": saved[0], "nonconformities": saved[1:]}


def latest_completed_audit(store: Store, programme_id: str) -> str:
    """The id of the programme's most recently completed audit."""
    programme: AuditProgramme = store.get("audit_programme", programme_id).record
    done = [a for a in programme.audits if a.completed_on is not None]
    if not done:
        raise NotFoundError(f"audit programme {programme_id} has no completed audit yet; "
                            "complete one (complete_audit, or the AuditChecklist widget)")
    return max(done, key=lambda a: (a.completed_on, a.id)).id


def audit_report_html(store: Store, programme_id: str, audit_id: str = "", *,
                      today: dt.date | None = None) -> str:
    """The audit report: scope, auditor, results, each finding with the records sampled, and
    the nonconformities it raised with their stage today (every user text escaped)."""
    from workbench.improvement.nonconformity import nonconformities_frame
    from workbench.render import esc, html_table

    audit_id = audit_id or latest_completed_audit(store, programme_id)
    _, _, audit = find_audit(store, programme_id, audit_id)
    counts: dict[str, int] = {}
    for f in audit.findings:
        counts[f.outcome.value] = counts.get(f.outcome.value, 0) + 1
    summary = ", ".join(f"{n} {o.replace('_', ' ')}" for o, n in counts.items()) or \
        "no findings recorded"
    state = (f"completed on {audit.completed_on}" if audit.completed_on else
             f"planned for {audit.planned_on}, not completed")
    head = (f"<h2>Internal audit: {esc(audit.title)}</h2>"
            f"<p>Programme {esc(programme_id)}, audit {esc(audit.id)}; auditor "
            f"{esc(audit.auditor)}; {esc(state)}; scope "
            f"{esc(', '.join(_scope(audit)) or '-')}"
            + (f"; AI systems {esc(', '.join(audit.system_ids))}" if audit.system_ids else "")
            + (f"; reported to {esc(', '.join(audit.reported_to))}" if audit.reported_to
               else "") + f"</p><p><b>Findings:</b> {esc(summary)}</p>"
            + (f"<p><b>Results:</b> {esc(audit.results)}</p>" if audit.results else ""))
    rows = [{"requirement": f.requirement_id, "outcome": f.outcome.value.replace("_", " "),
             "notes": f.notes, "sampled": ", ".join(f.records_sampled),
             "nc": f.nonconformity_id or ""} for f in audit.findings]
    findings = html_table(rows, {"requirement": "Requirement", "outcome": "Finding",
                                 "notes": "Notes", "sampled": "Records sampled",
                                 "nc": "Nonconformity"},
                          empty="No finding recorded for this audit.")
    ncs = nonconformities_frame(store, today=today)
    ncs = ncs[(ncs["audit_programme_id"] == programme_id) & (ncs["audit_id"] == audit_id)]
    ncs = ncs.assign(late=ncs["overdue_actions"].map(lambda n: f"{n} overdue" if n else ""),
                     stage=ncs["stage"].astype(str).str.replace("_", " "))
    raised = html_table(ncs, {"id": "Id", "severity": "Severity", "stage": "Stage",
                              "late": "Actions", "title": "Title"},
                        empty="The audit raised no nonconformity.")
    return (f"{head}<h3>Findings per requirement</h3>{findings}"
            f"<h3>Nonconformities raised</h3>{raised}")
