"""The AI risk register: risk criteria, risks, the register DataFrame and the heatmap.

ISO/IEC 42001 6.1.2 and 8.2 (risk assessment), 6.1.3 and 8.3 (risk treatment). The
organization's :class:`RiskCriteria` (scales, bands, appetite, review interval) are a
versioned record; each :class:`Risk` of an AI system records likelihood and consequence
before and after treatment, the Annex A controls and actions that treat it, and who accepted
what remains. Levels are computed from the criteria in force, never stored.

Examples
--------
>>> import workbench as wb
>>> store = wb.open_store()
>>> reg = wb.risk.register(store, system_id="cv-screening")      # doctest: +SKIP
>>> wb.risk.heatmap_figure(store, which="inherent")              # doctest: +SKIP
"""

from __future__ import annotations

from workbench.risk.criteria import (
    bands_frame,
    criteria_in_force,
    criteria_matrix,
    criteria_version,
    save_criteria,
    scales_frame,
)
from workbench.risk.heatmap import (
    cell_risks,
    heatmap_figure,
    heatmap_matrix,
    matrix_text,
    open_risks,
    register_criteria,
)
from workbench.risk.io import (
    VERSION_COLUMN,
    ImportConflictError,
    ImportResult,
    export_risks,
    import_risks,
    read_risk_rows,
)
from workbench.risk.model import (
    CRITERIA_ID,
    Acceptance,
    Action,
    Band,
    Risk,
    RiskCriteria,
    RiskStatus,
    ScaleLevel,
    Treatment,
    default_criteria,
)
from workbench.risk.register import (
    Lookup,
    accept_risk,
    build_register,
    check_risk,
    filter_register,
    prepare_risk,
    register,
    save_risk,
    signoff_facts,
    suggest_risk_id,
)
from workbench.risk.signoff import (
    NOT_REQUIRED,
    SIGNOFF_STATES,
    risk_signoff_frame,
    signoff_changes,
    signoff_html,
    signoff_label,
)
from workbench.risk.views import (
    actions,
    awaiting_acceptance,
    level_counts,
    overdue_actions,
    reviews_due,
    summary_columns,
    treatments_by_control,
)

__all__ = [
    "CRITERIA_ID",
    "NOT_REQUIRED",
    "SIGNOFF_STATES",
    "VERSION_COLUMN",
    "Acceptance",
    "Action",
    "Band",
    "ImportConflictError",
    "ImportResult",
    "Lookup",
    "Risk",
    "RiskCriteria",
    "RiskStatus",
    "ScaleLevel",
    "Treatment",
    "accept_risk",
    "actions",
    "awaiting_acceptance",
    "bands_frame",
    "build_register",
    "cell_risks",
    "check_risk",
    "criteria_in_force",
    "criteria_matrix",
    "criteria_version",
    "default_criteria",
    "export_risks",
    "filter_register",
    "heatmap_figure",
    "heatmap_matrix",
    "import_risks",
    "level_counts",
    "matrix_text",
    "open_risks",
    "overdue_actions",
    "prepare_risk",
    "read_risk_rows",
    "register",
    "register_criteria",
    "reviews_due",
    "risk_signoff_frame",
    "save_criteria",
    "save_risk",
    "scales_frame",
    "signoff_changes",
    "signoff_facts",
    "signoff_html",
    "signoff_label",
    "suggest_risk_id",
    "summary_columns",
    "treatments_by_control",
]
