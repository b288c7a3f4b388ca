"""One manifest of features: the record kinds, checks, fact providers and demo seeders each adds.

Lower layers (the model registry, ``verify``, the sign-off policy, the demo) never name the
features above them; they ask this manifest. A feature is registered in one place: a
:class:`Feature` in :data:`BUILTIN` for the workbench's own, or, for a package of your own, an
entry point in the ``workbench.features`` group naming a :class:`Feature` object::

    [project.entry-points."workbench.features"]
    vendor_risk = "my_package.feature:FEATURE"

Every reference is a ``"module:attribute"`` string, resolved only when used, so reading the
manifest imports nothing heavy (``import workbench`` stays light).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.errors import ConfigurationError

__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "Feature",
    "fact_providers",
    "features",
    "permissions",
    "record_kinds",
    "register",
    "resolve",
    "save_guards",
    "seeders",
    "unregister",
    "verify_checks",
]

ENTRY_POINT_GROUP = "workbench.features"


@dataclass(frozen=True)
class Feature:
    """What one feature adds to the workbench.

    Parameters
    ----------
    name
        A unique name (``"risk"``).
    kinds
        Record kind -> ``"module:Class"`` of its pydantic record.
    verify_checks
        ``"module:function"`` checks ``workbench verify`` runs after the hash chain; each takes
        the store and returns a list of :class:`workbench.store.Problem`.
    fact_providers
        Record kind -> ``"module:function"`` giving the sign-off policy facts about one stored
        version, ``(store, stored_version) -> dict``.
    seeders
        ``(order, "module:function")`` demo seeders; each takes ``(store, as_of)`` and returns
        ``{label: count}``. Lower orders run first.
    permissions
        Record kind -> its entry in the permission policy (``{"grants": [...]}``, as in
        ``oversight/permissions.yaml``), used when the organization's policy file has no entry
        for the kind. Without either, nobody may save the kind.
    save_guards
        Record kind -> ``"module:function"`` rules a grant cannot express (who may make a
        given transition), checked on every save the grants allow: each takes ``(view, actor,
        change)`` (see :mod:`workbench.permissions`) and returns a one-line refusal or ``""``.
    """

    name: str
    kinds: Mapping[str, str] = field(default_factory=dict)
    verify_checks: tuple[str, ...] = ()
    fact_providers: Mapping[str, str] = field(default_factory=dict)
    seeders: tuple[tuple[int, str], ...] = ()
    permissions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    save_guards: Mapping[str, str] = field(default_factory=dict)


#: The workbench's own features, in the order their kinds are listed.
BUILTIN: tuple[Feature, ...] = (
    Feature(
        name="core",
        kinds={
            "organization": "workbench.model.core:Organization",
            "aims_scope": "workbench.model.core:AIMSScope",
            "person": "workbench.model.core:Person",
            "ai_system": "workbench.model.core:AISystem",
            "evidence": "workbench.model.core:Evidence",
            "permission_policy": "workbench.permissions:StoredPermissions",
        },
        verify_checks=("workbench.permissions:check_authors",),
        seeders=((10, "workbench.demo.organization:seed"),),
    ),
    Feature(
        name="oversight",
        kinds={
            "signoff_request": "workbench.oversight.model:SignOffRequest",
            "signoff": "workbench.oversight.model:SignOff",
            "signoff_policy": "workbench.oversight.policy:StoredPolicy",
        },
        verify_checks=("workbench.oversight.verify:check_signoffs",),
        fact_providers={"ai_system": "workbench.oversight.policy:ai_system_facts"},
        seeders=((40, "workbench.demo.oversight:seed"),),
    ),
    Feature(
        name="risk",
        kinds={
            "risk_criteria": "workbench.risk.model:RiskCriteria",
            "risk": "workbench.risk.model:Risk",
        },
        fact_providers={"risk": "workbench.risk:signoff_facts"},
        seeders=((20, "workbench.demo.risks:seed"),),
    ),
    Feature(
        name="impact",
        kinds={"impact_assessment": "workbench.impact.model:ImpactAssessment"},
        fact_providers={"impact_assessment": "workbench.impact:signoff_facts"},
        seeders=((30, "workbench.demo.impact:seed"),),
    ),
    Feature(
        name="explain",
        kinds={"model_card": "workbench.explain.model:ModelCard"},
        fact_providers={"model_card": "workbench.explain.card:signoff_facts"},
        seeders=((45, "workbench.demo.explain:seed"),),
    ),
    Feature(
        name="readiness",
        kinds={
            "soa": "workbench.readiness.model:StatementOfApplicability",
            "ai_policy": "workbench.readiness.model:AIPolicy",
            "ai_objective": "workbench.readiness.model:AIObjective",
            "audit_programme": "workbench.readiness.model:AuditProgramme",
            "management_review": "workbench.readiness.model:ManagementReview",
            "review_followup": "workbench.readiness.model:DecisionFollowUp",
            "nonconformity": "workbench.readiness.model:Nonconformity",
        },
        seeders=((50, "workbench.demo.readiness:seed"),
                 (57, "workbench.demo.readiness:seed_review")),
    ),
    Feature(
        name="monitoring",
        kinds={
            "monitoring_plan": "workbench.monitoring.model:MonitoringPlan",
            "monitoring_run": "workbench.monitoring.model:MonitoringRun",
        },
        fact_providers={"monitoring_plan": "workbench.monitoring.runs:signoff_facts"},
        seeders=((47, "workbench.demo.monitoring:seed"),),
        permissions={
            kind: {"grants": [
                {"roles": ["governance_lead"]},
                {"roles": ["owner", "assessor", "contributor"], "scope": "own",
                 "because": "owners and their teams plan and record the monitoring of their "
                 "own systems"},
            ]} for kind in ("monitoring_plan", "monitoring_run")
        },
    ),
    # Continual improvement (9.2, 10.2, A.8.4): nonconformities and internal audits are the
    # readiness kinds above, worked through workbench.improvement; incidents are its own.
    Feature(
        name="improvement",
        kinds={"incident": "workbench.improvement.model:Incident"},
        seeders=((55, "workbench.demo.improvement:seed"),),
        save_guards={"nonconformity": "workbench.improvement.nonconformity:save_guard"},
        permissions={"incident": {"grants": [
            {"roles": ["governance_lead"]},
            {"roles": ["owner", "assessor", "contributor"], "scope": "own",
             "because": "the owner and team of the AI system work its incidents"},
            {"roles": ["executive", "owner", "assessor", "contributor", "approver", "auditor",
                       "viewer"],
             "when": [{"field": "status", "equals": "open"}],
             "because": "anyone active may open an incident; its system's team reports it"},
        ]}},
    ),
    Feature(
        name="review",
        fact_providers={"management_review": "workbench.review.minutes:review_facts"},
        verify_checks=("workbench.review.minutes:check_followups",),
        save_guards={"management_review": "workbench.review.minutes:save_guard"},
    ),
)

_lock = threading.Lock()
_loaded: list[Feature] | None = None
_extra: list[Feature] = []


def _from_entry_points() -> list[Feature]:
    from importlib.metadata import entry_points

    found = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            feature = ep.load()
        except Exception as exc:  # noqa: BLE001 - a broken plug-in is named, not fatal
            raise ConfigurationError(
                f"the workbench feature {ep.name!r} ({ep.value}) cannot be loaded: {exc}"
            ) from None
        if not isinstance(feature, Feature):
            raise ConfigurationError(
                f"the workbench feature {ep.name!r} ({ep.value}) is not a workbench.features."
                "Feature")
        found.append(feature)
    return found


def features() -> list[Feature]:
    """Every registered feature: the built-in ones, entry points, then :func:`register`-ed."""
    global _loaded
    with _lock:
        if _loaded is None:
            names = {f.name for f in BUILTIN}
            plugins = [f for f in _from_entry_points() if f.name not in names]
            _loaded = [*BUILTIN, *plugins]
        return [*_loaded, *_extra]


def register(feature: Feature) -> None:
    """Add a feature at run time (for tests and notebooks); its kinds must be new."""
    taken = record_kinds()
    clash = sorted(set(feature.kinds) & set(taken))
    if clash or any(f.name == feature.name for f in features()):
        raise ConfigurationError(
            f"feature {feature.name!r} clashes with a registered one "
            f"({', '.join(clash) or 'same name'})")
    with _lock:
        _extra.append(feature)


def unregister(name: str) -> None:
    """Remove a feature added with :func:`register` (built-in ones stay)."""
    with _lock:
        _extra[:] = [f for f in _extra if f.name != name]


def record_kinds() -> dict[str, str]:
    """kind -> ``"module:Class"`` over every feature."""
    out: dict[str, str] = {}
    for feature in features():
        for kind, target in feature.kinds.items():
            out.setdefault(kind, target)
    return out


def verify_checks() -> list[str]:
    return [check for feature in features() for check in feature.verify_checks]


def fact_providers() -> dict[str, str]:
    out: dict[str, str] = {}
    for feature in features():
        for kind, target in feature.fact_providers.items():
            out.setdefault(kind, target)
    return out


def permissions() -> dict[str, Mapping[str, Any]]:
    """Record kind -> the default permission entry its feature gives."""
    out: dict[str, Mapping[str, Any]] = {}
    for feature in features():
        for kind, entry in feature.permissions.items():
            out.setdefault(kind, entry)
    return out


def save_guards() -> dict[str, list[str]]:
    """Record kind -> the save guards features give it."""
    out: dict[str, list[str]] = {}
    for feature in features():
        for kind, target in feature.save_guards.items():
            out.setdefault(kind, []).append(target)
    return out


def seeders() -> list[str]:
    """Demo seeders in the order they run."""
    pairs = [pair for feature in features() for pair in feature.seeders]
    return [target for _, target in sorted(pairs, key=lambda p: p[0])]


def resolve(target: str | Callable[..., Any]) -> Any:
    """Import ``"module:attribute"`` (a callable is returned as it is)."""
    if callable(target):
        return target
    module, sep, name = str(target).partition(":")
    if not sep or not module or not name:
        raise ConfigurationError(f"{target!r} is not a 'module:attribute' reference")
    return getattr(importlib.import_module(module), name)
