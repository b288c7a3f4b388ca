"""Filling a model card from the records it rests on (see :func:`workbench.explain.fill`).

Each filled field comes from one source: the provider from the organization and the system
owner, purpose, uses, limitations and misuse from the impact assessment, metrics, features and
the interpretation from the explanation evidence (else the fairness evidence), monitoring and
logging from evidence for A.6.2.6 and A.6.2.8; the Annex IV outline is written from them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from workbench.explain.card import current_sources
from workbench.explain.model import CardStatus, ModelCard, card_id_for, written_fields
from workbench.model import validate_record

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store

__all__ = ["fill_card"]


def _round(value: Any, digits: int = 4) -> Any:
    return round(float(value), digits) if isinstance(value, (int, float)) and not \
        isinstance(value, bool) else value


def _group_figures(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keep = ("accuracy", "selection_rate", "true_positive_rate", "false_positive_rate",
            "mean_absolute_error")
    return [{"feature": str(r["feature"]), "group": str(r["group"]), "count": int(r["count"]),
             **{k: _round(r.get(k)) for k in keep if r.get(k) is not None},
             "reliable": bool(r.get("reliable", True))} for r in rows]


def _interpretation(d: Mapping[str, Any], evidence_id: str) -> str:
    imp = d.get("importance") or []
    tops = ", ".join(f"{r['feature']} ({r['importance_mean']:.3f} ± {r['importance_std']:.3f})"
                     for r in imp[:3])
    model = d.get("model") or {}
    settings = d.get("settings") or {}
    ident = (model.get("sha256") or "")[:12] or model.get("declared_version")
    text = (f"Permutation importance on {d.get('sample_size', 0):,} held-out rows "
            f"({settings.get('n_repeats')} repeats, scored by {settings.get('scorer')}) ranks "
            f"the inputs of model {ident}; the most important are {tops}. Partial dependence "
            "shows how the score moves with each of them.")
    brier = (d.get("performance") or {}).get("brier_score")
    if brier is not None:
        text += f" Calibration: Brier score {brier:.3f} (0 is perfect)."
    text += (" A single decision is explained to the person concerned with wb.explain.decision "
             "(its top factors, their direction and size, the method and its limits). "
             f"Evidence: {evidence_id}.")
    return text


def _system_text(system: Mapping[str, Any]) -> str:
    from workbench.portfolio.data import label

    context = system.get("deployment_context") or "not recorded"
    return (f"{label(system.get('oversight_mode'))}; {label(system.get('automation_level'))}"
            f" (from the inventory). Deployment: {context}.")


def _limitations(ia: Mapping[str, Any] | None, fairness: Mapping[str, Any] | None,
                 explanation: Mapping[str, Any] | None) -> list[str]:
    out: list[str] = []
    if ia:
        lim = (ia.get("model_info") or {}).get("limitations")
        if lim:
            out.append(str(lim))
        out += [f"Failure mode: {m}" for m in ia.get("failure_modes") or []]
        gaps = (ia.get("data") or {}).get("gaps")
        if gaps:
            out.append(f"Data gaps: {gaps}")
    for source, details in (("fairness", fairness), ("explanation", explanation)):
        if not details:
            continue
        for m in details.get("metrics") or details.get("fairness_metrics") or []:
            if m.get("breach"):
                sign = "<=" if m.get("bound") == "max" else ">="
                out.append(f"{str(m['metric']).replace('_', ' ').capitalize()} by "
                           f"{m['feature']} is {m['value']:.3f}, outside the threshold "
                           f"{sign} {m['threshold']:g} ({source} evidence)")
    return list(dict.fromkeys(out))


def _development(system: Mapping[str, Any], model: Mapping[str, Any], features: list[str],
                 training: str) -> str:
    text = f"{system.get('technique')}. Model: {model.get('estimator', 'not yet explained')}"
    if model:
        text += f" {(model.get('sha256') or '')[:12]} ({model.get('library')})"
    text += f"; {len(features)} input features." if features else "."
    return text + (f" Training data: {training}" if training else "")


def _annex_iv(system: Mapping[str, Any], card: dict[str, Any], ia_id: str | None,
              explanation: Mapping[str, Any] | None, fairness_id: str | None,
              monitoring: str) -> list[dict[str, Any]]:
    model = (explanation or {}).get("model") or {}
    features = (explanation or {}).get("features") or []
    metrics = ", ".join(k.replace("_", " ") for k, v in card["accuracy_metrics"].items()
                        if v is not None)
    refs_ia = [f"impact_assessment {ia_id}"] if ia_id else []
    refs_ex = [f"evidence {card['_explanation_id']}"] if card.get("_explanation_id") else []
    items = [
        ("annex_iv.1", f"{system['name']}: {system['purpose']} Provided by "
         f"{card['provider']['name'] or 'the organization'}; version "
         f"{card['model_version'] or 'not declared'}. Deployed in "
         f"{system.get('deployment_context') or 'a context not recorded'} "
         f"({', '.join(system.get('geography') or []) or 'no geography recorded'}).",
         [f"ai_system {system['id']}"]),
        ("annex_iv.2", _development(system, model, features, card["training_data"]), refs_ex),
        ("annex_iv.3", "Capabilities and limitations, accuracy for the groups concerned and the "
         "human oversight measures are the sections of the instructions for use above: "
         f"{len(card['known_limitations'])} known limitations, "
         f"{len(card['accuracy_by_group'])} group figures. Oversight: {card['oversight']}",
         refs_ex + ([f"evidence {fairness_id}"] if fairness_id else [])),
        ("annex_iv.4", (f"Measured with {metrics} on held-out data; by group with the "
                        "selection rate, accuracy and true and false positive rates "
                        "(Fairlearn)." if metrics else "No performance metrics recorded yet.")
         + " Why they suit the system: see the accuracy statement.", refs_ex),
        ("annex_iv.5", "The system's risks are managed in the workbench's risk register and its "
         "impact assessment" + (f" ({ia_id})" if ia_id else " (none recorded yet)") + ".",
         refs_ia),
        ("annex_iv.6", "Every version of this card and of the records it is filled from is kept "
         "in the workbench's append-only, hash-chained store, with who changed what, when and "
         "why.", []),
        ("annex_iv.9", monitoring or "No monitoring evidence (A.6.2.6) recorded for this system "
         "yet.", []),
    ]
    return [{"id": i, "content": c, "references": r} for i, c, r in items]


def _model_version(given: str | None, model: Mapping[str, Any], fingerprint: str,
                   existing: Mapping[str, Any] | None) -> str:
    """The card's model version, paired with the fingerprint it shows.

    Parameters
    ----------
    given
        A version given when filling; it wins.
    model
        The model as the explanation evidence records it (its ``declared_version``).
    fingerprint
        The fingerprint the card takes from that evidence.
    existing
        The current card, if any: its version is kept only for the same model (unchanged
        fingerprint) when the evidence declares none, never for another model.
    """
    if given is not None:
        return given
    declared = model.get("declared_version") or ""
    if declared:
        return str(declared)
    if existing and (existing.get("model_fingerprint") or "") == fingerprint:
        return str(existing.get("model_version") or "")
    return ""


def fill_card(store: Store, system_id: str, *, model_version: str | None = None,
              today: dt.date | None = None) -> ModelCard:
    """See :func:`workbench.explain.card.fill`."""
    today = today or dt.date.today()
    sources = current_sources(store, system_id, today=today)
    by_role = {s.role: s for s in sources}

    def content(role: str) -> dict[str, Any] | None:
        ref = by_role.get(role)
        return None if ref is None else store.get(ref.kind, ref.id, ref.version).content

    system = content("ai_system") or {}
    org, owner, ia = content("organization"), content("owner"), content("impact_assessment")
    expl, fair = content("explanation"), content("fairness")
    monitor, logs = content("monitoring"), content("logging")
    existing = store.find("model_card", card_id_for(system_id))
    kept = {k: v for k, v in (existing.content if existing else {}).items()
            if k in written_fields()}
    ed = (expl or {}).get("details") or {}
    fd = (fair or {}).get("details") or {}
    fingerprint = (ed.get("model") or {}).get("sha256") or ""
    version = _model_version(model_version, ed.get("model") or {}, fingerprint,
                             existing.content if existing else None)
    contact = ""
    if owner:
        contact = ", ".join(x for x in (owner.get("name"), owner.get("job_title"),
                                        owner.get("email")) if x)
    perf = ed.get("performance") or {}
    if not perf and fd.get("overall"):
        perf = {k: v for k, v in fd["overall"].items() if k != "count"}
    groups = ed.get("by_group") or fd.get("by_group") or []
    data = (ia or {}).get("data") or {}
    training = " ".join(x for x in (
        f"Sources: {', '.join(data.get('sources') or [])}." if data.get("sources") else "",
        data.get("provenance", ""), data.get("representativeness", "")) if x)
    monitoring = (f"{monitor['title']} (evidence {by_role['monitoring'].id}, collected "
                  f"{str(monitor['collected_at'])[:10]})." if monitor else "")
    card: dict[str, Any] = {
        **kept, "id": card_id_for(system_id), "system_id": system_id,
        "model_version": version or "",
        "model_fingerprint": fingerprint,
        "status": CardStatus.draft,
        "provider": {"name": (org or {}).get("legal_name") or (org or {}).get("name") or "",
                     "contact": contact},
        "intended_purpose": (ia or {}).get("purpose") or system.get("purpose", ""),
        "intended_uses": list((ia or {}).get("intended_uses") or []),
        "accuracy_metrics": {k: _round(v) for k, v in perf.items()},
        "accuracy_by_group": _group_figures(groups),
        "known_limitations": _limitations(ia, fd, ed),
        "foreseeable_misuse": list((ia or {}).get("unintended_uses") or []),
        "interpretation": _interpretation(ed, by_role["explanation"].id) if expl else "",
        "input_features": [{"name": r["feature"], "dtype": (ed.get("feature_types") or {})
                            .get(r["feature"], ""), "importance": _round(r["importance_mean"]),
                            "importance_std": _round(r["importance_std"])}
                           for r in ed.get("importance") or []],
        "training_data": training, "oversight": _system_text(system),
        "monitoring": monitoring,
        "log_evidence": [f"{logs['title']} (evidence {by_role['logging'].id})"] if logs else [],
        "sources": [s.model_dump() for s in sources],
    }
    card["_explanation_id"] = by_role["explanation"].id if expl else None
    card["annex_iv"] = _annex_iv(system, card, by_role["impact_assessment"].id if ia else None,
                                 ed or None, by_role["fairness"].id if fair else None,
                                 monitoring)
    card.pop("_explanation_id")
    return validate_record(ModelCard, card)
