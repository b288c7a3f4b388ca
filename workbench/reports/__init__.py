"""Scheduled reports: report templates run with papermill, exported to HTML or PDF.

``run_reports(store, "system_report", all_systems=True, jobs=2)`` runs a template for every AI
system in one process (fresh kernels started ahead), writes each report atomically and
records it as evidence. ``list_templates()`` shows the templates and their parameters. The
``workbench report`` command is a thin layer over these functions.
"""

from __future__ import annotations

from workbench.reports.runner import (
    FORMATS,
    ReportPlan,
    ReportResult,
    execute_plan,
    output_stem,
    plan_reports,
    run_reports,
    summarize,
)
from workbench.reports.templates import (
    Template,
    TemplateParameter,
    find_template,
    list_templates,
    load_template,
)

__all__ = [
    "FORMATS",
    "ReportPlan",
    "ReportResult",
    "Template",
    "TemplateParameter",
    "execute_plan",
    "find_template",
    "list_templates",
    "load_template",
    "output_stem",
    "plan_reports",
    "run_reports",
    "summarize",
]
