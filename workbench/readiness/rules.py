"""Readiness rules: one per ISO/IEC 42001 requirement, each a small named function or data.

A rule takes the shared :class:`~workbench.readiness.facts.Facts` and returns an
:class:`Outcome`: a status (``met``, ``partial``, ``missing`` or ``not_applicable``), the
reason in one sentence, the missing items named (the to-do list) and the records that
evidence it. Rules declare the record kinds they read; a rule naming an unknown kind, or a
requirement that is not a clause 4-10 sub-clause or an Annex A control, is refused when it
is registered.

The rules themselves live in :mod:`workbench.readiness.clause_rules` (clauses 4 to 7),
:mod:`workbench.readiness.operation_rules` (clauses 8 to 10),
:mod:`workbench.readiness.impact_rules` (Annex A.5) and :mod:`workbench.readiness.control_rules`
(the rest of Annex A); :func:`rules` loads them.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workbench.errors import ConfigurationError, NotFoundError

if TYPE_CHECKING:  # pragma: no cover
    from workbench.readiness.facts import Facts

__all__ = [
    "RULE_MODULES",
    "SCORES",
    "STATUSES",
    "EvidenceRule",
    "Outcome",
    "Rule",
    "all_rules",
    "check_rules",
    "evidence_rule",
    "few",
    "get_rule",
    "graded",
    "met",
    "missing",
    "not_applicable",
    "partial",
    "plural",
    "register_rule",
    "requirement_ids",
    "rule",
]

#: Status words, best first.
STATUSES = ("met", "partial", "missing", "not_applicable")
#: What each status counts towards a percentage (not_applicable is left out).
SCORES = {"met": 1.0, "partial": 0.5, "missing": 0.0}
#: Modules whose import registers the shipped rules.
RULE_MODULES = (
    "workbench.readiness.clause_rules",
    "workbench.readiness.operation_rules",
    "workbench.readiness.impact_rules",
    "workbench.readiness.control_rules",
)


@dataclass(frozen=True)
class Outcome:
    """What a rule found.

    ``missing`` names each item still to do; ``evidence`` the records that count
    (``"evidence ev-1"``, ``"ai_policy ai-policy v2 (approved)"``); ``expired`` the evidence
    that would count had it not expired (``"ev-2 (expired 2026-03-01)"``).
    """

    status: str
    reason: str
    missing: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    expired: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status {self.status!r} is not one of {', '.join(STATUSES)}")
        # an item to do (or a record) named twice is one item: keep the first, in order
        for name in ("missing", "evidence", "expired"):
            items = getattr(self, name)
            if len(set(items)) != len(items):
                object.__setattr__(self, name, tuple(dict.fromkeys(items)))


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 audit``, ``2 audits`` (``many`` for irregular plurals; see
    :func:`workbench.render.fmt_count`)."""
    from workbench.render import fmt_count

    return fmt_count(count, word, many)


def few(items: Sequence[str], shown: int = 3) -> str:
    """``a, b, c and 7 more``: a list kept short enough for a one-sentence reason."""
    items = list(items)
    head = ", ".join(items[:shown])
    return head + (f" and {len(items) - shown} more" if len(items) > shown else "")


def met(reason: str, *, evidence: Iterable[str] = (), expired: Iterable[str] = ()) -> Outcome:
    return Outcome("met", reason, (), tuple(evidence), tuple(expired))


def partial(reason: str, missing: Iterable[str], *, evidence: Iterable[str] = (),
            expired: Iterable[str] = ()) -> Outcome:
    return Outcome("partial", reason, tuple(missing), tuple(evidence), tuple(expired))


def missing(reason: str, items: Iterable[str], *, expired: Iterable[str] = ()) -> Outcome:
    return Outcome("missing", reason, tuple(items), (), tuple(expired))


def not_applicable(reason: str) -> Outcome:
    return Outcome("not_applicable", reason)


def graded(done: Sequence[str], todo: Sequence[str], *, reason: str,
           evidence: Iterable[str] = (), expired: Iterable[str] = (),
           none_reason: str | None = None) -> Outcome:
    """Met when nothing is left to do, missing when nothing is done, else partial; not
    applicable when there is nothing to judge (e.g. no in-scope AI systems), never a vacuous
    "met"."""
    if not todo and not done:
        return not_applicable("nothing to judge yet: no in-scope AI systems or records it "
                              "applies to")
    if not todo:
        return met(reason, evidence=evidence, expired=expired)
    if not done:
        return missing(none_reason or reason, todo, expired=expired)
    return partial(reason, todo, evidence=evidence, expired=expired)


@dataclass(frozen=True)
class Rule:
    """One readiness rule: the requirement it judges, what it reads, and how."""

    id: str
    kind: str  # clause or control
    name: str
    reads: tuple[str, ...]
    evaluate: Callable[[Facts], Outcome] = field(repr=False)
    description: str = ""

    @property
    def accepts(self) -> tuple[str, ...]:
        """The evidence kinds that can prove the requirement (catalog data; empty when the
        rule reads no evidence)."""
        if "evidence" not in self.reads:
            return ()
        from workbench import catalog

        return catalog.accepted_evidence(self.id)


_RULES: dict[str, Rule] = {}


@functools.lru_cache(maxsize=1)
def requirement_ids() -> dict[str, str]:
    """Every requirement a rule must exist for: clause 4-10 sub-clauses without sub-clauses
    of their own, then the 38 Annex A controls, in the standard's order (id -> kind)."""
    from workbench import catalog

    clauses = catalog.clause_ids()
    parents = {c.rpartition(".")[0] for c in clauses}
    out = {c: "clause" for c in clauses if "." in c and c not in parents}
    out.update({c: "control" for c in catalog.control_ids()})
    return out


def register_rule(requirement_id: str, evaluate: Callable[[Facts], Outcome], *,
                  reads: Sequence[str], description: str = "", replace: bool = False) -> Rule:
    """Register the rule of one requirement.

    Raises
    ------
    ConfigurationError
        ``requirement_id`` is not a clause 4-10 sub-clause or an Annex A control, a kind in
        ``reads`` is not a record kind, or the requirement has a rule already (without
        ``replace``).
    """
    from workbench.model import known_kinds

    name = getattr(evaluate, "rule_name", None) or getattr(evaluate, "__name__", repr(evaluate))
    kinds = requirement_ids()
    if requirement_id not in kinds:
        from workbench.catalog._lookup import unknown_message

        raise ConfigurationError(
            f"readiness rule {name}: "
            + unknown_message("requirement", requirement_id, tuple(kinds),
                              "Rules judge clause 4-10 sub-clauses (e.g. 6.1.4) and Annex A "
                              "controls (e.g. A.6.2.4)."))
    if not reads:
        raise ConfigurationError(f"readiness rule {requirement_id} ({name}) names no record "
                                 "kind it reads; declare reads=(...)")
    known = known_kinds()
    for kind in reads:
        if kind not in known:
            raise ConfigurationError(
                f"readiness rule {requirement_id} ({name}) reads unknown record kind "
                f"{kind!r}; known kinds: {', '.join(known)}")
    if requirement_id in _RULES and not replace:
        raise ConfigurationError(
            f"requirement {requirement_id} already has a rule ({_RULES[requirement_id].name}); "
            "pass replace=True to replace it")
    doc = description or (evaluate.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
    if "evidence" in reads:
        from workbench import catalog

        accepted = catalog.accepted_evidence(requirement_id)
        if not accepted:
            raise ConfigurationError(
                f"readiness rule {requirement_id} ({name}) reads evidence but the catalog "
                f"names no evidence kind {requirement_id} accepts; add accepts: [...] to its "
                "entry in the catalog")
        wanted = getattr(evaluate, "evidence_kinds", ())
        stray = [k for k in wanted if k not in accepted]
        if stray:
            raise ConfigurationError(
                f"readiness rule {requirement_id} ({name}) counts evidence of kind "
                f"{', '.join(stray)}, which {requirement_id} does not accept "
                f"({', '.join(accepted)})")
        doc = f"{doc.rstrip()} Evidence accepted: {catalog.accepted_evidence_text(requirement_id)}."
    made = Rule(id=requirement_id, kind=kinds[requirement_id], name=name, reads=tuple(reads),
                evaluate=evaluate, description=" ".join(doc.split()))
    _RULES[requirement_id] = made
    return made


def rule(requirement_id: str, *, reads: Sequence[str]) -> Callable[[Callable[[Facts], Outcome]],
                                                                   Callable[[Facts], Outcome]]:
    """Decorator form of :func:`register_rule` (the docstring's first paragraph describes it)."""
    def decorate(func: Callable[[Facts], Outcome]) -> Callable[[Facts], Outcome]:
        register_rule(requirement_id, func, reads=reads)
        return func

    return decorate


# -- rules as data: valid evidence of a requirement, per system or organization-wide ---------------
@dataclass(frozen=True)
class EvidenceRule:
    """A requirement judged from valid (unexpired) evidence linked to it.

    ``scope`` is None for organization-wide evidence, else a key of
    :data:`~workbench.readiness.facts.SYSTEM_SCOPES`: every system in that scope needs its
    own evidence (organization-wide evidence counts for all when ``org_wide_counts``).
    ``evidence_kinds`` are evidence kinds that count even when not linked to the requirement
    (a data sheet for A.4.3). ``expects`` says what evidence to add.
    """

    requirement: str
    expects: str
    scope: str | None = None
    org_wide_counts: bool = False
    evidence_kinds: tuple[str, ...] = ()

    @property
    def rule_name(self) -> str:
        """The rule's name in messages (``evidence_of_A_6_2_4``)."""
        return f"evidence_of_{self.requirement.replace('.', '_')}"

    def __call__(self, facts: Facts) -> Outcome:
        targets = [self.requirement, *(f"kind:{k}" for k in self.evidence_kinds)]
        if self.scope is None:
            cov = facts.coverage(targets)
            if cov.valid:
                return met(f"valid evidence: {', '.join(cov.valid)}",
                           evidence=[f"evidence {e}" for e in cov.valid], expired=cov.expired)
            # one item per gap: renewing the expired evidence is one way to close it (an
            # item shared by several requirements is not listed twice under each)
            renew = f" (renew expired {', '.join(cov.expired)})" if cov.expired else ""
            todo = [f"add evidence for {self.requirement}: {self.expects}{renew}"]
            if cov.expired:
                return missing(f"only expired evidence of {self.requirement}", todo,
                               expired=cov.expired)
            return missing(f"no evidence linked to {self.requirement}", todo)
        from workbench.readiness.facts import SYSTEM_SCOPES

        systems = facts.systems_in(self.scope)
        if systems.empty:
            return not_applicable(f"no {SYSTEM_SCOPES[self.scope]}")
        cov = facts.coverage(targets, systems, org_wide_counts=self.org_wide_counts)
        labels = dict(zip(systems["id"], systems["label"], strict=True))
        todo = []
        for sid in cov.uncovered:
            old = cov.expired_only.get(sid)
            note = f" (renew expired {', '.join(old)})" if old else ""
            todo.append(f"{labels[sid]}: add evidence for {self.requirement}: {self.expects}"
                        f"{note}")
        reason = (f"{len(cov.covered):,} of {len(systems):,} {SYSTEM_SCOPES[self.scope]} have "
                  f"valid evidence for {self.requirement}")
        if cov.expired:
            reason += f"; expired: {few(cov.expired)}"
        return graded(cov.covered, todo, reason=reason,
                      evidence=[f"evidence {e}" for e in cov.valid], expired=cov.expired)


def evidence_rule(requirement_id: str, expects: str, *, scope: str | None = None,
                  org_wide_counts: bool = False, evidence_kinds: Sequence[str] = (),
                  reads: Sequence[str] = ()) -> Rule:
    """Register an :class:`EvidenceRule` (a rule that is data)."""
    data = EvidenceRule(requirement_id, expects, scope, org_wide_counts, tuple(evidence_kinds))
    kinds = ["evidence"] + (["ai_system"] if scope else []) + list(reads)
    if scope == "interacting":
        kinds += ["impact_assessment", "signoff", "signoff_request"]
    where = f"for each of the {scope.replace('_', ' ')} systems" if scope else \
        "organization-wide"
    return register_rule(requirement_id, data, reads=kinds,
                         description=f"Met when valid evidence exists {where}: {expects}.")


# -- access ----------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _load_modules() -> None:
    for module in RULE_MODULES:
        importlib.import_module(module)


def all_rules() -> dict[str, Rule]:
    """Every registered rule, in the standard's order (clauses, then Annex A)."""
    _load_modules()
    order = {rid: i for i, rid in enumerate(requirement_ids())}
    return dict(sorted(_RULES.items(), key=lambda kv: order.get(kv[0], len(order))))


def get_rule(requirement_id: str) -> Rule:
    """The rule of one requirement.

    Raises
    ------
    NotFoundError
        No such requirement (the message suggests close ids).
    """
    found = all_rules().get(requirement_id)
    if found is None:
        from workbench.catalog._lookup import unknown_message

        raise NotFoundError(unknown_message(
            "requirement", requirement_id, tuple(requirement_ids()),
            "Run `workbench readiness` to list the requirements (e.g. 6.1.4, A.6.2.4)."))
    return found


def check_rules() -> list[str]:
    """Requirements without a rule (empty when every one has its rule).

    Raises
    ------
    ConfigurationError
        A rule was registered for something that is not a requirement (cannot happen through
        :func:`register_rule`, which refuses it).
    """
    registered = all_rules()
    stray = set(registered) - set(requirement_ids())
    if stray:
        raise ConfigurationError(f"rules for unknown requirements: {', '.join(sorted(stray))}")
    return [rid for rid in requirement_ids() if rid not in registered]
