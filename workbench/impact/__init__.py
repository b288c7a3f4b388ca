"""AI system impact assessment (ISO/IEC 42005) and EU AI Act classification.

- :mod:`~workbench.impact.model` - the ``impact_assessment`` record and its parts.
- :mod:`~workbench.impact.questionnaire` - the screening questionnaire as data.
- :mod:`~workbench.impact.classify` - EU AI Act tier, obligations and reasoning (pure).
- :mod:`~workbench.impact.assess` - start, check, save, submit; risks proposed from harms.
- :mod:`~workbench.impact.portfolio` - one row per system; facts for sign-off.
- :mod:`~workbench.impact.views` - harms matrix, figures and escaped HTML.

Importing this package loads pydantic models only; pandas and plotly load when a function
that returns a table or a figure is called. The package's ``classify``, ``questionnaire``
and ``portfolio`` attributes are the functions of those names (import the modules'
other names with ``from workbench.impact.classify import ...``).

Examples
--------
>>> import workbench as wb
>>> result = wb.impact.classify({"prohibited.social_scoring": "yes"}, org_roles=["deployer"])
>>> result.tier, result.triggered
('prohibited', ['art5.c'])
"""

from __future__ import annotations

from workbench.impact.assess import (
    answer_contradictions,
    assessment_id_for,
    assessment_in_force,
    classify_assessment,
    classify_system,
    completeness,
    latest_assessment,
    new_assessment,
    propose_risk_from_harm,
    proposed_risks,
    save_assessment,
    save_proposed_risk,
    submit_assessment,
    validate_assessment,
)
from workbench.impact.classify import Classification, Step, classify
from workbench.impact.model import (
    AffectedParty,
    AssessmentStatus,
    Benefit,
    DataInfo,
    DeploymentInfo,
    Harm,
    ImpactAssessment,
    Likelihood,
    Measure,
    ModelInfo,
    PartyCategory,
    Reversibility,
    Scale,
    Severity,
    Trigger,
)
from workbench.impact.portfolio import assessments, portfolio, signoff_facts
from workbench.impact.questionnaire import Questionnaire, load_questionnaire, questionnaire
from workbench.impact.views import (
    SystemImpactView,
    approval_state,
    assessment_html,
    classification_html,
    harms_figure,
    harms_frame,
    harms_matrix,
    linked_evidence,
    system_view,
)

__all__ = [
    "answer_contradictions",
    "assessment_in_force",
    "AffectedParty",
    "AssessmentStatus",
    "Benefit",
    "Classification",
    "DataInfo",
    "DeploymentInfo",
    "Harm",
    "ImpactAssessment",
    "Likelihood",
    "Measure",
    "ModelInfo",
    "PartyCategory",
    "Questionnaire",
    "Reversibility",
    "Scale",
    "Severity",
    "Step",
    "SystemImpactView",
    "Trigger",
    "approval_state",
    "assessment_html",
    "assessment_id_for",
    "assessments",
    "classification_html",
    "classify",
    "classify_assessment",
    "classify_system",
    "completeness",
    "harms_figure",
    "harms_frame",
    "harms_matrix",
    "latest_assessment",
    "linked_evidence",
    "load_questionnaire",
    "new_assessment",
    "portfolio",
    "propose_risk_from_harm",
    "proposed_risks",
    "questionnaire",
    "save_assessment",
    "save_proposed_risk",
    "signoff_facts",
    "submit_assessment",
    "system_view",
    "validate_assessment",
]
