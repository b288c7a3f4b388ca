"""EU AI Act classification from questionnaire answers: tier, obligations and the reasoning.

Pure functions: :func:`classify` takes the answers and the organization's role(s) and returns
a :class:`Classification` that is never a bare label. Every step of the reasoning names the
catalog item it applies (``art5.c``, ``annex3.5.b``, ``art6.3``, ``art50.1``...), the
question and answer that triggered it, and what followed. Questions left open (unanswered or
answered ``unknown``) that could change the tier make it ``undetermined`` and are listed in
``missing``; nothing is guessed.

This is the project's reading of Regulation (EU) 2024/1689 for screening, not legal advice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from workbench.errors import ValidationError
from workbench.impact.questionnaire import NO, UNKNOWN, YES
from workbench.impact.result import GPAI_TRACKS, TIERS, Classification, Effect, Step

__all__ = [
    "GPAI_TRACKS",
    "QUESTIONS",
    "SYSTEMIC_RISK_FLOP",
    "TIERS",
    "Classification",
    "Contradiction",
    "Step",
    "classify",
    "contradictions",
    "provider_roles",
]


#: Art. 51(2): training compute above which high-impact capabilities are presumed.
SYSTEMIC_RISK_FLOP = 1e25

# Art. 5(1) practices: (catalog id, question, exception question or None).
ART5: tuple[tuple[str, str, str | None], ...] = (
    ("art5.a", "prohibited.manipulation", None),
    ("art5.b", "prohibited.exploits_vulnerabilities", None),
    ("art5.c", "prohibited.social_scoring", None),
    ("art5.d", "prohibited.crime_prediction", "prohibited.crime_prediction_objective_facts"),
    ("art5.e", "prohibited.facial_scraping", None),
    ("art5.f", "prohibited.emotion_work_education", "prohibited.emotion_medical_safety"),
    ("art5.g", "prohibited.biometric_sensitive_categorisation",
     "prohibited.biometric_categorisation_exempt"),
    ("art5.h", "prohibited.realtime_biometric_identification",
     "prohibited.realtime_biometric_authorised"),
)
# An Art. 5 exception that leaves the system in an Annex III use case: the point, and what
# the system then is. Biometric categorisation outside the ban (labelling or filtering of
# lawfully acquired data sets, law enforcement) is still categorisation by sensitive or
# protected attributes, Annex III point 1(b).
_EXCEPTION_LEADS_TO = {
    "art5.f": ("annex3.1.c", "emotion recognition"),
    "art5.g": ("annex3.1.b", "biometric categorisation by sensitive or protected attributes"),
    "art5.h": ("annex3.1.a", "remote biometric identification"),
}

Q_ANNEX_I = "high_risk.annex_i_product"
Q_ANNEX_I_THIRD_PARTY = "high_risk.annex_i_third_party_assessment"
Q_ANNEX_III = "high_risk.annex_iii_use_cases"
Q_PROFILING = "high_risk.profiling"
Q_DEROGATION = "high_risk.derogation"
# Annex III exclusions: use case -> (question, what a yes means).
EXCLUSIONS: dict[str, tuple[str, str]] = {
    "annex3.5.b": ("high_risk.fraud_detection_only",
                   "detecting financial fraud is excluded from credit scoring"),
    "annex3.1.a": ("high_risk.biometric_verification_only",
                   "biometric verification of a claimed identity is excluded"),
    "annex3.7.d": ("high_risk.travel_document_verification_only",
                   "verifying travel documents is excluded"),
    "annex3.8.b": ("high_risk.campaign_logistics_only",
                   "administrative and logistical campaign tools are excluded"),
}
# Art. 50 paragraphs: (catalog id, question, whom it binds).
ART50: tuple[tuple[str, str, str], ...] = (
    ("art50.1", "transparency.interacts_with_people", "provider"),
    ("art50.2", "transparency.synthetic_content", "provider"),
    ("art50.3", "transparency.emotion_or_biometric_categorisation", "deployer"),
    ("art50.4", "transparency.deepfake_or_public_text", "deployer"),
)
Q_EMOTION_OR_CATEGORISATION = "transparency.emotion_or_biometric_categorisation"
Q_SYNTHETIC = "transparency.synthetic_content"
Q_DEEPFAKE = "transparency.deepfake_or_public_text"
Q_GPAI = "gpai.provides_model"
Q_GPAI_FLOP = "gpai.training_compute_flop"
Q_GPAI_DESIGNATED = "gpai.commission_designated"
Q_GPAI_OUTSIDE_EU = "gpai.established_outside_eu"
Q_PUBLIC_SERVICE = "context.public_service"
Q_POST_REMOTE_BIOMETRIC = "high_risk.post_remote_biometric_identification"

#: Every question id the rules read (a test checks each is in the shipped questionnaire).
QUESTIONS: tuple[str, ...] = (
    *(q for _, q, _ in ART5), *(e for _, _, e in ART5 if e),
    Q_ANNEX_I, Q_ANNEX_I_THIRD_PARTY, Q_ANNEX_III, *(q for q, _ in EXCLUSIONS.values()),
    Q_PROFILING, Q_DEROGATION, *(q for _, q, _ in ART50),
    Q_GPAI, Q_GPAI_FLOP, Q_GPAI_DESIGNATED, Q_GPAI_OUTSIDE_EU, Q_PUBLIC_SERVICE,
    Q_POST_REMOTE_BIOMETRIC,
)

HIGH_RISK_PROVIDER = ("art9", "art10", "art11", "art12", "art13", "art14", "art15", "art17",
                      "art72", "art73")
# Art. 27 reaches deployers of credit-scoring and life/health insurance pricing systems
# whoever they are, and public bodies or public-service providers for the other areas
# except critical infrastructure (Annex III point 2).
_FRIA_ALWAYS = ("annex3.5.b", "annex3.5.c")


class Contradiction(NamedTuple):
    """Two answers that cannot both be true.

    ``question`` answered ``answer`` contradicts ``other`` answered ``other_answer``;
    ``rule`` is the catalog id the conflict is about and ``why`` says, in a few words, why
    both cannot hold. ``blocks`` is False for an omission the classification can follow
    without choosing (an Art. 5 exception that places the system in an Annex III point the
    use-case answer leaves out: the point is applied, and the submit check still refuses).
    """

    rule: str
    question: str
    answer: Any
    other: str
    other_answer: Any
    why: str
    blocks: bool = True


# Answers implied by another answer: (rule, question, the answer it must then have, other
# question, the other answer that implies it (or "includes:<use case>"), why).
_IMPLIED: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("art50.2", Q_SYNTHETIC, YES, Q_DEEPFAKE, YES,
     "creating deepfakes or AI-generated text is generating synthetic content"),
    ("art50.3", Q_EMOTION_OR_CATEGORISATION, YES, "prohibited.biometric_sensitive_categorisation",
     YES, "inferring such characteristics from biometric data is biometric categorisation"),
    ("art50.3", Q_EMOTION_OR_CATEGORISATION, YES, "prohibited.emotion_work_education", YES,
     "inferring emotions is emotion recognition"),
    ("art50.3", Q_EMOTION_OR_CATEGORISATION, YES, Q_ANNEX_III, "includes:annex3.1.b",
     "Annex III point 1(b) is biometric categorisation"),
    ("art50.3", Q_EMOTION_OR_CATEGORISATION, YES, Q_ANNEX_III, "includes:annex3.1.c",
     "Annex III point 1(c) is emotion recognition"),
)


def _lenient_yes_no(value: Any) -> str | None:
    if value is True:
        return YES
    if value is False:
        return NO
    if isinstance(value, str) and value.strip().lower() in (YES, NO):
        return value.strip().lower()
    return None


def _lenient_cases(value: Any) -> list[str] | None:
    if isinstance(value, str):
        if value.strip().lower() == UNKNOWN:
            return None
        value = value.split(",")
    if not isinstance(value, (list, tuple)):
        return None
    cases = [str(i).strip() for i in value if str(i).strip()]
    return cases or None


def contradictions(answers: Mapping[str, Any]) -> list[Contradiction]:
    """Answers that contradict each other (an answer another one rules out).

    Unanswered and ``unknown`` answers contradict nothing; unreadable ones are left to
    :func:`classify`, which refuses them.
    """
    found: list[Contradiction] = []
    cases = _lenient_cases(answers.get(Q_ANNEX_III))
    for rule, question, needed, other, trigger, why in _IMPLIED:
        answer = _lenient_yes_no(answers.get(question))
        if answer is None or answer == needed:
            continue
        if trigger.startswith("includes:"):
            case = trigger.removeprefix("includes:")
            if cases is None or case not in cases:
                continue
            found.append(Contradiction(rule, question, answer, other, case, why))
        elif _lenient_yes_no(answers.get(other)) == trigger:
            found.append(Contradiction(rule, question, answer, other, trigger, why))
    for rule, question, exception in ART5:
        if rule not in _EXCEPTION_LEADS_TO or exception is None:
            continue
        lead, what = _EXCEPTION_LEADS_TO[rule]
        if _lenient_yes_no(answers.get(question)) != YES or \
                _lenient_yes_no(answers.get(exception)) != YES:
            continue
        if cases is not None and lead not in cases:
            found.append(Contradiction(
                lead, exception, YES, Q_ANNEX_III, cases,
                f"outside the ban the system is still {what}, Annex III point "
                f"{lead.removeprefix('annex3.')}: include it", blocks=False))
    return found


def provider_roles(org_roles: Iterable[Any]) -> list[str]:
    """Map inventory roles (provider, developer, deployer, user) to the Act's two roles.

    A developer that puts a system into service under its own name is its provider; a user
    of a system under its authority is its deployer.
    """
    names = {str(getattr(r, "value", r)).strip().lower() for r in org_roles}
    unknown = names - {"provider", "developer", "deployer", "user"}
    if unknown:
        raise ValidationError(
            f"org_roles: unknown role(s) {', '.join(sorted(unknown))}; use provider, developer, "
            "deployer or user", [("org_roles", "unknown role")])
    roles = []
    if names & {"provider", "developer"}:
        roles.append("provider")
    if names & {"deployer", "user"}:
        roles.append("deployer")
    if not roles:
        raise ValidationError("org_roles: give the organization's role for the system "
                              "(provider and/or deployer)", [("org_roles", "required")])
    return roles


class _Reader:
    """Reads answers as yes/no/None, recording open questions."""

    def __init__(self, answers: Mapping[str, Any],
                 conflicted: Mapping[str, str] | None = None) -> None:
        self.answers = answers
        # question -> why its answer is not used (it contradicts another answer)
        self.conflicted = dict(conflicted or {})

    def raw(self, question: str) -> Any:
        if question in self.conflicted:
            return None
        return self._raw(question)

    def _raw(self, question: str) -> Any:
        value = self.answers.get(question)
        if isinstance(value, str):
            value = value.strip()
            return None if value == "" else value
        return value

    def yes_no(self, question: str) -> str | None:
        """``yes``, ``no``, or None (unanswered, unknown, or contradicting another answer)."""
        answer = self._yes_no(question)
        return None if question in self.conflicted else answer

    def _yes_no(self, question: str) -> str | None:
        value = self._raw(question)
        if value is True:
            return YES
        if value is False:
            return NO
        if isinstance(value, str) and value.lower() in (YES, NO):
            return value.lower()
        if value is None or (isinstance(value, str) and value.lower() == UNKNOWN):
            return None
        raise ValidationError(
            f"answers.{question}: answer yes, no or unknown (got {value!r})",
            [(f"answers.{question}", "answer yes, no or unknown")])

    def shown(self, question: str) -> Any:
        value = self._raw(question)
        return UNKNOWN if value is None or value == UNKNOWN else value


class _Run:
    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.conflicts = contradictions(answers)
        conflicted: dict[str, str] = {}
        for c in self.conflicts:
            if c.blocks:
                conflicted.setdefault(c.question, f"it contradicts the answer to {c.other} "
                                      f"({c.why})")
                conflicted.setdefault(c.other, f"it contradicts the answer to {c.question} "
                                      f"({c.why})")
        self.read = _Reader(answers, conflicted)
        self.steps: list[Step] = []
        self.open: list[str] = []
        self.triggered: list[str] = []
        for c in self.conflicts:
            if c.blocks:
                self.step(c.rule, c.question, f"contradictory answers: {c.question} is "
                          f"{c.answer} but {c.other} is {_shown(c.other_answer)} ({c.why}); "
                          "neither answer is used until they agree", "open")

    def step(self, rule: str, question: str, conclusion: str, effect: Effect,
             answer: Any = ...) -> None:
        shown = self.read.shown(question) if answer is ... and question else answer
        self.steps.append(Step(rule=rule, question=question,
                               answer=None if shown is ... else shown,
                               conclusion=conclusion, effect=effect))

    def unanswered(self, rule: str, question: str, conclusion: str) -> None:
        if question not in self.open:
            self.open.append(question)
        why = self.read.conflicted.get(question)
        if why:
            self.step(rule, question, f"open: the answer is not used because {why}", "open")
        else:
            self.step(rule, question, conclusion, "open", answer=UNKNOWN)

    def conflicted_open(self) -> list[str]:
        """The contradicting questions, also when no rule read them (a ban decided first)."""
        for question in self.read.conflicted:
            if question not in self.open:
                self.open.append(question)
        return list(self.read.conflicted)


def _shown(answer: Any) -> str:
    return ", ".join(map(str, answer)) if isinstance(answer, (list, tuple)) else str(answer)


def _prohibited(run: _Run) -> tuple[list[str], list[str], list[str]]:
    """(practices that apply, open questions, Annex III points an exception leads to)."""
    hits: list[str] = []
    open_before = len(run.open)
    leads: list[str] = []
    for rule, question, exception in ART5:
        answer = run.read.yes_no(question)
        if answer is None:
            run.unanswered(rule, question, "open: the practice can be neither ruled out nor "
                           "confirmed until this is answered")
        elif answer == NO:
            run.step(rule, question, "the practice does not apply", "rules_out")
        elif exception is None:
            hits.append(rule)
            run.step(rule, question, "prohibited practice: the system may not be placed on "
                     "the market, put into service or used", "triggers")
        else:
            excepted = run.read.yes_no(exception)
            if excepted is None:
                run.unanswered(rule, exception, "prohibited unless the exception applies: "
                               "answer this question")
            elif excepted == NO:
                hits.append(rule)
                run.step(rule, exception, "no exception applies: prohibited practice",
                         "triggers")
            else:
                lead, what = _EXCEPTION_LEADS_TO.get(rule, (None, ""))
                tail = (f"; the system is still {what}, which stays high-risk in Annex III "
                        f"({lead})") if lead else ""
                run.step(rule, exception, f"the exception applies, so the ban does not{tail}",
                         "exception")
                if lead:
                    leads.append(lead)
    return hits, run.open[open_before:], leads


def _annex_i(run: _Run) -> bool:
    answer = run.read.yes_no(Q_ANNEX_I)
    if answer is None:
        run.unanswered("art6", Q_ANNEX_I, "open: the Annex I product route cannot be ruled out")
        return False
    if answer == NO:
        run.step("art6", Q_ANNEX_I, "not an Annex I product or safety component",
                 "rules_out")
        return False
    third = run.read.yes_no(Q_ANNEX_I_THIRD_PARTY)
    if third is None:
        run.unanswered("art6", Q_ANNEX_I_THIRD_PARTY,
                       "open: an Annex I product is high-risk when it needs a third-party "
                       "conformity assessment")
        return False
    if third == NO:
        run.step("art6", Q_ANNEX_I_THIRD_PARTY, "Annex I product without third-party "
                 "conformity assessment: not high-risk by this route", "rules_out")
        return False
    run.step("art6", Q_ANNEX_I_THIRD_PARTY, "high-risk: an Annex I product (or its safety "
             "component) that needs a third-party conformity assessment (Art. 6(1))",
             "triggers")
    run.triggered.append("art6")
    return True


def _use_cases(run: _Run) -> list[str] | None:
    raw = run.read.raw(Q_ANNEX_III)
    if raw is None or raw == [] or raw == UNKNOWN:
        return None
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)):
        raise ValidationError(f"answers.{Q_ANNEX_III}: give a list of Annex III use cases "
                              f"(got {raw!r})", [(f"answers.{Q_ANNEX_III}", "give a list")])
    cleaned = [str(i).strip() for i in items if str(i).strip()]
    from workbench.impact.questionnaire import _annex_iii_options

    allowed = {o.value for o in _annex_iii_options()} | {"none"}
    wrong = [i for i in cleaned if i not in allowed]
    if wrong:
        raise ValidationError(
            f"answers.{Q_ANNEX_III}: {', '.join(wrong)} is not an Annex III use case; use ids "
            "such as annex3.4.a (`workbench catalog eu annex-iii` lists them)",
            [(f"answers.{Q_ANNEX_III}", "unknown use case")])
    return cleaned


def _annex_iii(run: _Run, leads: Sequence[str]) -> list[str]:
    """Annex III points that make the system high-risk (after exclusions and Art. 6(3))."""
    cases = _use_cases(run)
    candidates: list[str] = []
    if cases is None:
        run.unanswered("art6", Q_ANNEX_III, "open: say which Annex III use cases apply, or none")
    elif cases == ["none"]:
        run.step("art6", Q_ANNEX_III, "no Annex III use case", "rules_out")
    for case in cases or []:
        if case == "none":
            continue
        exclusion = EXCLUSIONS.get(case)
        if exclusion is None:
            candidates.append(case)
            run.step(case, Q_ANNEX_III, "Annex III use case", "triggers", answer=case)
            continue
        question, meaning = exclusion
        excluded = run.read.yes_no(question)
        if excluded is None:
            run.unanswered(case, question, f"open: {meaning} - answer whether it applies")
        elif excluded == YES:
            run.step(case, question, f"not this Annex III point: {meaning}", "exception")
        else:
            candidates.append(case)
            run.step(case, question, "the exclusion does not apply: Annex III use case",
                     "triggers")
    for lead in leads:
        if lead not in candidates:
            candidates.append(lead)
            left_out = (" (the answer on Annex III use cases leaves it out: include it)"
                        if cases is not None else "")
            run.step(lead, "", "Annex III use case that remains after the Art. 5 exception"
                     + left_out, "triggers", answer=None)
    if not candidates:
        return []
    profiling = run.read.yes_no(Q_PROFILING)
    derogation = run.read.yes_no(Q_DEROGATION)
    if profiling == YES:
        run.step("art6.3", Q_PROFILING, "the system profiles natural persons, so the Art. 6(3) "
                 "derogation never applies: high-risk", "triggers")
    elif derogation == NO:
        run.step("art6.3", Q_DEROGATION, "no derogation claimed: high-risk (Art. 6(2))",
                 "triggers")
    elif derogation == YES and profiling == NO:
        run.step("art6.3", Q_DEROGATION, "derogation: no significant risk of harm and no "
                 "profiling, so not high-risk; the provider documents this assessment and "
                 "registers the system", "exception")
        run.triggered.append("art6.3")
        return []
    else:
        if derogation is None:
            run.unanswered("art6.3", Q_DEROGATION, "open: whether the Art. 6(3) derogation is "
                           "claimed decides if the Annex III system is high-risk")
        if profiling is None:
            run.unanswered("art6.3", Q_PROFILING, "open: the derogation never covers "
                           "profiling, so this decides whether it can apply")
        return []
    run.triggered.extend(candidates)
    return candidates


def _transparency(run: _Run) -> list[tuple[str, str]]:
    hits = []
    for rule, question, binds in ART50:
        answer = run.read.yes_no(question)
        if answer is None:
            run.unanswered(rule, question, "open: this transparency obligation may apply")
        elif answer == NO:
            run.step(rule, question, "does not apply", "rules_out")
        else:
            hits.append((rule, binds))
            run.triggered.append(rule)
            run.step(rule, question, f"transparency obligation on the {binds}", "triggers")
    return hits


def _gpai(run: _Run) -> tuple[str, list[str]]:
    answer = run.read.yes_no(Q_GPAI)
    if answer is None:
        run.unanswered("art53", Q_GPAI, "open: whether the organization provides a "
                       "general-purpose AI model")
        return "undetermined", []
    if answer == NO:
        run.step("art53", Q_GPAI, "the organization provides no general-purpose AI model",
                 "rules_out")
        return "none", []
    run.step("art53", Q_GPAI, "provider of a general-purpose AI model: Art. 53 applies",
             "triggers")
    obligations = ["art53"]
    outside = run.read.yes_no(Q_GPAI_OUTSIDE_EU)
    if outside == YES:
        obligations.append("art54")
        run.step("art54", Q_GPAI_OUTSIDE_EU, "provider outside the EU: appoint an authorised "
                 "representative", "triggers")
    elif outside is None:
        run.unanswered("art54", Q_GPAI_OUTSIDE_EU, "open: an authorised representative is "
                       "needed when the provider is outside the EU")
    flop_raw = run.read.raw(Q_GPAI_FLOP)
    flop: float | None = None
    if flop_raw is not None and flop_raw != UNKNOWN:
        try:
            flop = float(flop_raw)
        except (TypeError, ValueError):
            raise ValidationError(f"answers.{Q_GPAI_FLOP}: answer with a number (got "
                                  f"{flop_raw!r})", [(f"answers.{Q_GPAI_FLOP}", "a number")]
                                  ) from None
    designated = run.read.yes_no(Q_GPAI_DESIGNATED)
    systemic = False
    if flop is not None and flop > SYSTEMIC_RISK_FLOP:
        systemic = True
        run.step("art51.2", Q_GPAI_FLOP, f"training compute {flop:.3g} FLOP exceeds 10^25: "
                 "high-impact capabilities presumed, systemic risk", "triggers", answer=flop)
    elif flop is not None:
        run.step("art51.2", Q_GPAI_FLOP, f"training compute {flop:.3g} FLOP is not above 10^25",
                 "rules_out", answer=flop)
    if designated == YES:
        systemic = True
        run.step("art51", Q_GPAI_DESIGNATED, "designated by the Commission: systemic risk",
                 "triggers")
    elif designated == NO:
        run.step("art51", Q_GPAI_DESIGNATED, "not designated by the Commission", "rules_out")
    if systemic:
        run.triggered.append("art51")
        return "systemic", [*obligations, "art51", "art52", "art55"]
    if flop is None or designated is None:
        if flop is None:
            run.unanswered("art51.2", Q_GPAI_FLOP, "open: training compute decides whether "
                           "systemic risk is presumed")
        if designated is None:
            run.unanswered("art51", Q_GPAI_DESIGNATED, "open: a Commission designation makes "
                           "the model systemic-risk")
        return "undetermined", obligations
    return "gpai", obligations


def _order(ids: Iterable[str]) -> list[str]:
    from workbench import catalog

    order = {a: n for n, a in enumerate(catalog.eu_article_ids())}
    return sorted(set(ids), key=lambda a: order.get(a, len(order)))


def classify(answers: Mapping[str, Any], *, org_roles: Iterable[Any]) -> Classification:
    """Classify a system under the EU AI Act from its questionnaire answers.

    Parameters
    ----------
    answers
        ``question id -> answer`` (``yes``/``no``/``unknown`` or booleans for yes/no
        questions; a list of Annex III ids for ``high_risk.annex_iii_use_cases``). Missing
        answers and ``unknown`` are treated alike: the rule they feed stays open.
    org_roles
        The organization's role(s) for the system (``AISystem.org_roles``): provider,
        developer, deployer, user.

    Returns
    -------
    Classification
        Tier (``prohibited`` > ``high_risk`` > ``transparency`` > ``minimal``, or
        ``undetermined`` with the questions that could change it), GPAI track, the
        obligations for the organization's role(s), and the reasoning trail.

    Answers that contradict each other (:func:`contradictions`: "no synthetic content" with
    "creates deepfakes", for example) are both left open, with a step saying so: the
    classification never picks one of them.

    Raises
    ------
    ValidationError
        An answer the rules cannot read (not yes/no/unknown, an unknown Annex III id) or no
        usable role.
    """
    roles = provider_roles(org_roles)
    run = _Run(answers)
    prohibited, prohibited_open, leads = _prohibited(run)
    run.triggered.extend(prohibited)
    if prohibited:
        # The ban ends the system's classification; the GPAI track is about the model.
        gpai, gpai_obligations = _gpai(run)
        conflicted = run.conflicted_open()
        return Classification(tier="prohibited", gpai=gpai,
                              obligations=_order(["art4", "art5", *gpai_obligations]),
                              triggered=list(dict.fromkeys(run.triggered)), reasoning=run.steps,
                              missing=list(dict.fromkeys([*conflicted, *run.open])),
                              roles=roles, complete=not run.open)

    open_before = len(run.open)
    annex_i = _annex_i(run)
    annex_iii = _annex_iii(run, leads)
    high_open = run.open[open_before:]
    open_before = len(run.open)
    art50 = _transparency(run)
    transparency_open = run.open[open_before:]
    gpai, gpai_obligations = _gpai(run)

    high_risk = annex_i or bool(annex_iii)
    if prohibited_open:
        tier, tier_open = "undetermined", [*prohibited_open, *high_open, *transparency_open]
    elif high_risk:
        tier, tier_open = "high_risk", []
    elif high_open:
        tier, tier_open = "undetermined", [*high_open, *transparency_open]
    elif art50:
        tier, tier_open = "transparency", []
    elif transparency_open:
        tier, tier_open = "undetermined", transparency_open
    else:
        tier, tier_open = "minimal", []

    obligations = ["art4"]
    if high_risk:
        obligations += _high_risk_obligations(run, roles, annex_iii)
    if "art6.3" in run.triggered:
        if "provider" in roles:
            obligations += ["art6.3", "art6.4", "art49.2"]
            run.step("art6.4", "", "as provider claiming the Art. 6(3) derogation: document "
                     "the assessment before placing the system on the market (Art. 6(4))",
                     "obligation", answer=None)
            run.step("art49.2", "", "as provider claiming the Art. 6(3) derogation: register "
                     "the system in the EU database (Art. 49(2))", "obligation", answer=None)
        else:
            run.step("art6.3", "", "the derogation assessment and registration fall to the "
                     "provider; as deployer, keep a copy of the provider's assessment", "role",
                     answer=None)
    for rule, binds in art50:
        if binds in roles:
            obligations += ["art50", rule]
        else:
            run.step(rule, "", f"binds the {binds}; the organization is not the {binds} of this "
                     f"system, so it checks that the {binds} meets it", "role", answer=None)
    obligations += gpai_obligations

    # Questions that could change the tier first, then those that change obligations only;
    # contradicting answers are open whether or not a rule read them.
    conflicted = run.conflicted_open()
    if tier == "undetermined":
        tier_open = [*[q for q in conflicted if q in tier_open],
                     *[q for q in tier_open if q not in conflicted]]
    missing = list(dict.fromkeys([*tier_open, *conflicted, *run.open]))
    complete = not run.open
    return Classification(tier=tier, gpai=gpai, obligations=_order(obligations),
                          triggered=list(dict.fromkeys(run.triggered)), reasoning=run.steps,
                          missing=missing, roles=roles, complete=complete)


def _high_risk_obligations(run: _Run, roles: list[str], annex_iii: list[str]) -> list[str]:
    out: list[str] = []
    if "provider" in roles:
        out += ["art6", *HIGH_RISK_PROVIDER]
        run.step("art9", "", "as provider of a high-risk system: risk management, data "
                 "governance, technical documentation, logging, instructions, human oversight, "
                 "accuracy and robustness, quality management, post-market monitoring and "
                 "incident reporting (Arts. 9-15, 17, 72, 73)", "obligation", answer=None)
    if "deployer" in roles:
        out.append("art26")
        run.step("art26", "", "as deployer of a high-risk system: use it as instructed, "
                 "assign human oversight, monitor it, keep logs, inform affected people",
                 "obligation", answer=None)
        if "annex3.1.a" in annex_iii:
            post = run.read.yes_no(Q_POST_REMOTE_BIOMETRIC)
            if post == YES:
                out.append("art26.10")
                run.step("art26.10", Q_POST_REMOTE_BIOMETRIC, "post-remote biometric "
                         "identification: authorisation by a judicial or administrative "
                         "authority before use, each use recorded, never untargeted",
                         "obligation")
            elif post == NO:
                run.step("art26.10", Q_POST_REMOTE_BIOMETRIC, "no post-remote biometric "
                         "identification", "rules_out")
            else:
                run.unanswered("art26.10", Q_POST_REMOTE_BIOMETRIC, "open: post-remote "
                               "biometric identification needs prior authorisation")
        fria_always = [c for c in annex_iii if c in _FRIA_ALWAYS]
        other = [c for c in annex_iii if c not in _FRIA_ALWAYS and not c.startswith("annex3.2")]
        if fria_always:
            out.append("art27")
            run.step("art27", "", "fundamental rights impact assessment before first use: "
                     f"deployers of {', '.join(fria_always)} systems always do one",
                     "obligation", answer=None)
        elif other:
            public = run.read.yes_no(Q_PUBLIC_SERVICE)
            if public == YES:
                out.append("art27")
                run.step("art27", Q_PUBLIC_SERVICE, "public body or public-service provider "
                         "deploying a high-risk system: fundamental rights impact assessment "
                         "before first use", "obligation")
            elif public == NO:
                run.step("art27", Q_PUBLIC_SERVICE, "no fundamental rights impact assessment "
                         "required (not a public body or public service)", "rules_out")
            else:
                run.unanswered("art27", Q_PUBLIC_SERVICE, "open: public bodies and public-"
                               "service providers do a fundamental rights impact assessment")
    return out
