"""Working with assessments: start, check, save, submit, classify, and propose risks from harms.

Every write goes through :func:`save_assessment`, which checks the record *and* its answers
against the questionnaire in force (types, options, unknown ids; on submit, every required
field and question), so nothing invalid reaches the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from workbench.errors import ConfigurationError, ConflictError, NotFoundError, ValidationError
from workbench.impact.classify import Classification, Contradiction, Step, classify, contradictions
from workbench.impact.model import (
    SUBMIT_CONTENT,
    SUBMIT_FIELDS,
    AssessmentStatus,
    ImpactAssessment,
    submission_gaps,
)
from workbench.impact.questionnaire import Questionnaire, questionnaire
from workbench.model import validate_record

if TYPE_CHECKING:  # pragma: no cover
    from workbench.model import AISystem
    from workbench.store import Store, StoredVersion

__all__ = [
    "answer_contradictions",
    "assessment_id_for",
    "classify_assessment",
    "classify_system",
    "completeness",
    "latest_assessment",
    "new_assessment",
    "propose_risk_from_harm",
    "proposed_risks",
    "save_assessment",
    "save_proposed_risk",
    "scale_level",
    "submit_assessment",
    "validate_assessment",
]


def assessment_id_for(system_id: str) -> str:
    """The id of a system's assessment record (``ia-<system id>``)."""
    return f"ia-{system_id}"[:100]


def new_assessment(store: Store, system_id: str, *, assessor: str | None = None,
                   trigger: str = "new_system", assessed_on: dt.date | None = None,
                   assessment_id: str | None = None) -> ImpactAssessment:
    """A draft assessment of ``system_id``, pre-filled from the AI system's inventory record.

    Nothing is saved; pass the result to :func:`save_assessment`.

    Raises
    ------
    NotFoundError
        No such AI system.
    ConflictError
        The assessment id is taken: edit that assessment (a new version) instead.
    """
    from workbench.identity import current_user

    system: AISystem = store.get("ai_system", system_id).record
    record_id = assessment_id or assessment_id_for(system_id)
    existing = store.find("impact_assessment", record_id)
    if existing is not None:
        raise ConflictError(
            f"impact assessment {record_id!r} already exists ({existing.describe()}); open it "
            "and save a new version (a periodic or change-driven re-assessment is a new "
            "version with its trigger), or choose another assessment_id",
            kind="impact_assessment", record_id=record_id, latest_version=existing.version)
    parties = [{"name": p[:1].upper() + p[1:], "category": "affected_individual"}
               for p in system.affected_parties]
    return ImpactAssessment(
        id=record_id, system_id=system_id, assessor=assessor or current_user(store),
        assessed_on=assessed_on or dt.date.today(), trigger=trigger, status="draft",
        system_description=system.description, purpose=system.purpose,
        deployment={"geography": list(system.geography),
                    "constraints": system.deployment_context},
        model_info={"model_type": system.technique},
        interested_parties=parties)


def _as_data(assessment: ImpactAssessment | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(assessment, ImpactAssessment):
        return assessment.model_dump(warnings=False)
    if not isinstance(assessment, Mapping):
        raise ValidationError(f"expected an impact assessment, got {type(assessment).__name__}")
    return dict(assessment)


def validate_assessment(assessment: ImpactAssessment | Mapping[str, Any], *,
                        questionnaire: Questionnaire | None = None) -> ImpactAssessment:
    """Check an assessment and its answers; return it with the answers normalized.

    A ``submitted`` assessment must also answer every question of
    :data:`~workbench.impact.model.SUBMIT_QUESTIONS` (harms, benefits, intended and
    unintended uses, data, model, measures...) and every applicable required screening
    question (not ``unknown``), and no two answers may contradict each other
    (:func:`answer_contradictions`); the refusal names the questions by their text.

    Raises
    ------
    ValidationError
        One ``(field, message)`` per problem in ``errors`` (answers as ``answers.<id>``); on a
        submit with gaps the message lists every missing field and question.
    """
    q = questionnaire or _questionnaire()
    data = _as_data(assessment)
    status = str(getattr(data.get("status"), "value", data.get("status") or "draft"))
    answers, errors = q.normalize(data.get("answers") or {})
    if not errors:
        answers = q.prune(answers)
    record: ImpactAssessment | None = None
    try:
        record = validate_record(ImpactAssessment, {**data, "answers": answers,
                                                    "status": AssessmentStatus.draft})
    except ValidationError as exc:
        errors += exc.errors
    if status not in ("draft", "submitted"):
        # Approval is derived from sign-off; the record never claims it.
        errors = [e for e in errors if e[0] != "status"]
        errors.append(("status", (f"must be draft or submitted (got {status!r}); approval "
                                 "comes from sign-off and is never written into the record")))
    if errors:
        raise ValidationError(
            "invalid impact assessment: " + "; ".join(f"{f}: {m}" for f, m in errors), errors)
    assert record is not None
    if status == "submitted":
        missing = submission_gaps(record, questionnaire=q)
        gaps = [(f, "required before submitting: " + text + (
                 " ('unknown' is accepted in a draft only)"
                 if f.startswith("answers.") and answers.get(f[8:]) == "unknown" else ""))
                for f, text in missing]
        conflicts = answer_contradictions(record.answers, questionnaire=q)
        if gaps:
            texts = [text for _, text in missing]
            also = f" Also contradictory answers: {_conflict_text(conflicts)}." \
                if conflicts else ""
            raise ValidationError(
                f"cannot submit impact assessment {record.id!r}: {len(gaps)} required item(s) "
                f"missing: {' '.join(texts)}{also} Fill them in"
                f"{', answer those consistently,' if conflicts else ''} or keep it as a draft.",
                gaps + _conflict_errors(conflicts))
        if conflicts:
            raise ValidationError(
                f"cannot submit impact assessment {record.id!r}: contradictory answers: "
                f"{_conflict_text(conflicts)}. Answer them consistently or keep it as a "
                "draft.", _conflict_errors(conflicts))
        record = validate_record(ImpactAssessment, {**record.model_dump(warnings=False),
                                                    "status": AssessmentStatus.submitted})
    return record


def _questionnaire() -> Questionnaire:
    return questionnaire()


def answer_contradictions(answers: Mapping[str, Any], *,
                          questionnaire: Questionnaire | None = None
                          ) -> list[tuple[Contradiction, str, str]]:
    """Answers that contradict each other, each with the text of its two questions.

    ``(contradiction, text of its question, text of the other question)``; see
    :func:`workbench.impact.classify.contradictions`.
    """
    q = questionnaire or _questionnaire()

    def text(qid: str) -> str:
        return q.question(qid).text if qid in q else qid

    return [(c, text(c.question), text(c.other)) for c in contradictions(answers)]


def _shown_answer(answer: Any) -> str:
    if isinstance(answer, (list, tuple)):
        return ", ".join(map(str, answer))
    return str(answer)


def _conflict_text(conflicts: list[tuple[Contradiction, str, str]]) -> str:
    parts = []
    for c, first, other in conflicts:
        answer = (f"includes {c.other_answer}" if c.other == "high_risk.annex_iii_use_cases"
                  and isinstance(c.other_answer, str) else _shown_answer(c.other_answer))
        parts.append(f'"{first}" is answered {c.answer}, but "{other}" is answered {answer} '
                     f"({c.why})")
    return "; ".join(parts)


def _conflict_errors(conflicts: list[tuple[Contradiction, str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for c, _, _ in conflicts:
        out.append((f"answers.{c.question}", f"contradicts answers.{c.other}: {c.why}"))
        out.append((f"answers.{c.other}", f"contradicts answers.{c.question}: {c.why}"))
    return out


def save_assessment(store: Store, assessment: ImpactAssessment | Mapping[str, Any], *,
                    base_version: int | None = None, reason: str = "",
                    questionnaire: Questionnaire | None = None) -> StoredVersion:
    """Validate (:func:`validate_assessment`) and append a version of an assessment.

    Parameters
    ----------
    base_version
        The version the edit started from (``None`` creates the record). A stale base raises
        :class:`ConflictError` naming who saved in between; nothing is saved.

    Raises
    ------
    ValidationError, ConflictError, NotFoundError
        Nothing is saved.
    """
    record = validate_assessment(assessment, questionnaire=questionnaire)
    return store.save(record, base_version=base_version, reason=reason or (
        "submitted for approval" if record.status == AssessmentStatus.submitted else
        "draft saved"))


def submit_assessment(store: Store, assessment_id: str, *, base_version: int | None = None,
                      reason: str = "submitted for approval",
                      questionnaire: Questionnaire | None = None) -> StoredVersion:
    """Mark a saved draft as submitted (a new version), after the submit checks.

    ``base_version`` defaults to the latest version (the caller has just looked at it).
    """
    current = store.get("impact_assessment", assessment_id)
    if current.content.get("status") == "submitted":
        raise ValidationError(
            f"{assessment_id} is already submitted ({current.describe()}); nothing to do: "
            f"its sign-off shows with `workbench signoff status impact_assessment "
            f"{assessment_id}`, and a change to it is saved as a new draft, then submitted",
            [("status", "already submitted")])
    data = {**current.content, "status": "submitted"}
    return save_assessment(store, data, base_version=base_version or current.version,
                           reason=reason, questionnaire=questionnaire)


def latest_assessment(store: Store, system_id: str) -> StoredVersion | None:
    """The system's most recent assessment (latest ``assessed_on``, then latest save).

    Raises
    ------
    NotFoundError
        No such AI system.
    """
    return _most_recent(store, system_id, drafts_last=False)


def _most_recent(store: Store, system_id: str, *, drafts_last: bool) -> StoredVersion | None:
    """The system's assessment with the latest ``assessed_on`` (then latest save); with
    ``drafts_last``, any assessment that is not a draft before every draft."""
    if not store.exists("ai_system", system_id):
        store.get("ai_system", system_id)  # the NotFoundError naming it
    df = store.frame("impact_assessment")
    mine = df[df["system_id"] == system_id] if not df.empty else df
    if mine.empty:
        return None
    keys, ascending = ["assessed_on", "_saved_at"], [False, False]
    if drafts_last:
        mine = mine.assign(_draft=mine["status"].astype(str) == "draft")
        keys, ascending = ["_draft", *keys], [True, *ascending]
    top = mine.sort_values(keys, ascending=ascending).iloc[0]
    return store.get("impact_assessment", str(top["id"]))


def assessment_in_force(store: Store, system_id: str) -> StoredVersion | None:
    """The assessment that classifies the system: its most recent one that is not a draft
    (a reassessment started but not submitted does not undo the one before it), else its
    most recent draft, else None.

    Raises
    ------
    NotFoundError
        No such AI system.
    """
    return _most_recent(store, system_id, drafts_last=True)


def completeness(assessment: ImpactAssessment | Mapping[str, Any], *,
                 questionnaire: Questionnaire | None = None) -> float:
    """Share (0 to 1) of the submit requirements met: record fields plus required questions."""
    q = questionnaire or _questionnaire()
    data = _as_data(assessment)
    answers, _ = q.normalize(data.get("answers") or {}, allow_unknown_ids=True)
    _, required = q.completeness(answers)
    total = required + len(SUBMIT_FIELDS) + len(SUBMIT_CONTENT)
    gaps = len(submission_gaps(data, questionnaire=q))
    return (total - gaps) / total if total else 1.0


def classify_assessment(assessment: ImpactAssessment, system: AISystem) -> Classification:
    """Classify an assessment's answers for the organization's role(s) on the system."""
    return classify(assessment.answers, org_roles=system.org_roles)


def classify_system(store: Store, system_id: str) -> Classification:
    """The EU AI Act classification of a system, from its assessment in force
    (:func:`assessment_in_force`: the latest submitted one, while a newer one is a draft).

    A system without an assessment is ``undetermined``, with the reason in the reasoning.

    Raises
    ------
    NotFoundError
        No such AI system.
    """
    system = store.get("ai_system", system_id).record
    latest = assessment_in_force(store, system_id)
    if latest is None:
        from workbench.impact.classify import provider_roles

        return Classification(
            tier="undetermined", gpai="undetermined", roles=provider_roles(system.org_roles),
            reasoning=[Step(rule="art6", question="", effect="open",
                            conclusion=f"no impact assessment of {system_id} yet: start one "
                            "(ImpactAssessmentForm, or wb.impact.new_assessment) and answer "
                            "the screening questions")],
            missing=[], complete=False)
    return classify_assessment(latest.record, system)


# --------------------------------------------------------------------------- risk proposals


def scale_level(level: int, levels: int, *, of: int = 5) -> int:
    """Map a level on a 1..``of`` scale onto 1..``levels`` (the risk criteria's scale)."""
    if levels < 2:
        raise ValidationError(f"a risk scale needs at least 2 levels (got {levels})")
    return round((level - 1) * (levels - 1) / (of - 1)) + 1


_CONTROLS_BY_SCALE = {"individual": ["A.5.4"], "group": ["A.5.4"], "population": ["A.5.5"]}


def propose_risk_from_harm(assessment: ImpactAssessment, harm_id: str, *, owner: str,
                           identified_on: dt.date | None = None, levels: int = 5,
                           review_in_days: int = 90) -> dict[str, Any]:
    """A proposed risk-register entry for a harm (the risk record's field names).

    The harm's likelihood and severity become the inherent likelihood and consequence (mapped
    onto ``levels``); residual ratings equal inherent ones until a treatment is decided; the
    status is ``identified``. Nothing is saved: review it, then :func:`save_proposed_risk`.

    Parameters
    ----------
    owner
        Login of the proposed risk owner (usually the system owner).
    levels
        Number of levels of the organization's likelihood and consequence scales.

    Raises
    ------
    NotFoundError
        The assessment has no such harm.
    """
    from workbench.risk.model import proposed_risk

    harm = assessment.harm(harm_id)
    likelihood = scale_level(harm.likelihood.level, levels)
    consequence = scale_level(harm.severity.level, levels)
    controls = list(dict.fromkeys([*_CONTROLS_BY_SCALE[harm.scale.value], "A.5.2"]))
    text = harm.description if harm.description.endswith((".", "!", "?")) else \
        harm.description + "."
    description = (f"{text} Affects {harm.party}; severity {harm.severity.value}, "
                   f"likelihood {harm.likelihood.value}, "
                   f"{harm.reversibility.value.replace('_', ' ')}"
                   f", scale {harm.scale.value}. Identified in impact assessment "
                   f"{assessment.id} (harm {harm.id}) with no mitigating measure.")
    return proposed_risk(
        risk_id=f"risk-{assessment.system_id}-{harm.id}"[:100].rstrip("-."),
        system_id=assessment.system_id, title=harm.description[:90].rstrip(),
        description=description, risk_source=harm.risk_source or "source.machine_learning",
        objective=harm.objective, likelihood=likelihood, consequence=consequence,
        controls=controls, owner=owner, identified_on=identified_on,
        review_in_days=review_in_days)


def proposed_risks(store: Store, assessment: ImpactAssessment, *, levels: int | None = None,
                   identified_on: dt.date | None = None) -> list[dict[str, Any]]:
    """Proposals for every unmitigated harm of an assessment, owned by the system owner."""
    system = store.get("ai_system", assessment.system_id).record
    levels = levels or _criteria_levels(store)
    return [propose_risk_from_harm(assessment, h.id, owner=system.owner, levels=levels,
                                   identified_on=identified_on)
            for h in assessment.unmitigated_harms()]


def _criteria_levels(store: Store) -> int:
    """Levels of the likelihood scale in the risk criteria in force (5 when there are none)."""
    try:
        found = store.find("risk_criteria", "risk-criteria")
    except NotFoundError:  # the risk register is not installed
        return 5
    if found is None:
        return 5
    scale = found.content.get("likelihood_scale") or found.content.get("likelihood") or []
    return len(scale) if isinstance(scale, list) and len(scale) >= 2 else 5


def save_proposed_risk(store: Store, proposal: Mapping[str, Any], *,
                       reason: str = "proposed from an impact assessment") -> StoredVersion:
    """Save a proposal as a ``risk`` record (the risk register must be installed).

    Raises
    ------
    ConfigurationError
        The risk register (``workbench.risk``) is not available.
    ValidationError, ConflictError
        The proposal is invalid for the risk model, or the risk exists already.
    """
    from workbench.model import model_for

    try:
        cls = model_for("risk")
    except (NotFoundError, ImportError):
        raise ConfigurationError(
            "the risk register is not available in this installation, so the proposed risk "
            "was not saved; add it to your register by hand") from None
    return store.save(validate_record(cls, dict(proposal)), reason=reason)
