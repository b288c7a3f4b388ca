"""The workbench's Jupyter widgets (ipywidgets), imported as ``workbench.widgets``."""

from workbench.widgets.explain import DecisionExplainer
from workbench.widgets.fairness_report import FairnessReport
from workbench.widgets.impact_form import ImpactAssessmentForm
from workbench.widgets.improvement import AuditChecklist, IncidentRegister, NonconformityTracker
from workbench.widgets.model_card import ModelCardEditor
from workbench.widgets.monitoring import MonitoringTimeline
from workbench.widgets.readiness import ReadinessSummary
from workbench.widgets.risk_editor import RiskRegisterEditor
from workbench.widgets.risk_heatmap import RiskHeatmap
from workbench.widgets.signoff import PendingQueue, SignOffPanel
from workbench.widgets.soa_editor import SoAEditor
from workbench.widgets.system_dashboard import SystemDashboard

__all__ = [
    "AuditChecklist",
    "DecisionExplainer",
    "FairnessReport",
    "ImpactAssessmentForm",
    "IncidentRegister",
    "ModelCardEditor",
    "MonitoringTimeline",
    "NonconformityTracker",
    "PendingQueue",
    "ReadinessSummary",
    "RiskHeatmap",
    "RiskRegisterEditor",
    "SignOffPanel",
    "SoAEditor",
    "SystemDashboard",
]
