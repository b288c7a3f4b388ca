"""Scheduled reports: report templates run with papermill, exported to HTML or PDF.

``run_reports(store, "system_report", all_systems=True, jobs=2)`` runs a template for every AI
system in one process (fresh kernels started ahead), writes each report atomically and
records it as evidence (kind ``report``, with the store head it saw);
``verify_report(store, path)`` finds a report file's record again. ``list_templates()`` shows
the templates and their parameters. The
``workbench report`` command is a thin layer over these functions.
"""

from __future__ import annotations

from workbench.reports.records import ReportIdentity, verify_report
from workbench.reports.runner import (
    FORMATS,
    ReportPlan,
    ReportResult,
    default_period,
    execute_plan,
    output_stem,
    parse_shard,
    plan_reports,
    run_reports,
    shard_of,
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
    "ReportIdentity",
    "ReportPlan",
    "ReportResult",
    "Template",
    "TemplateParameter",
    "default_period",
    "execute_plan",
    "find_template",
    "list_templates",
    "load_template",
    "output_stem",
    "parse_shard",
    "plan_reports",
    "run_reports",
    "shard_of",
    "summarize",
    "verify_report",
]
