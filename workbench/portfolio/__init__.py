"""Dashboard and report panels: what the executive views compute, as pandas, plotly and HTML.

``portfolio_page()`` and ``system_page()`` build whole pages (dashboards display them);
panel functions (one per panel, registered in ``PORTFOLIO_PANELS`` / ``SYSTEM_PANELS``) build
one block each from :class:`PortfolioData`, loaded once per page. Importing this module loads
pandas; ``import workbench`` does not import it.
"""

from __future__ import annotations

from workbench.portfolio.data import (
    STAGE_ORDER,
    PortfolioData,
    counts_by,
    evidence_freshness,
    evidence_timeline_figure,
    fmt_date,
    inventory_counts,
    inventory_figure,
    kpis,
    label,
    load,
    reports_generated,
)
from workbench.portfolio.pages import (
    Page,
    Prepared,
    Viewer,
    message_box,
    portfolio_page,
    prepare,
    query_parameter,
    system_page,
    system_report,
    system_selector,
    viewer,
    wait_for_viewer,
)
from workbench.portfolio.panels import (
    PORTFOLIO_PANELS,
    SYSTEM_PANELS,
    Panel,
    build_panels,
    error_panel,
    evidence_panel,
    inventory_panel,
    kpi_panel,
    operation_panel,
    system_evidence_panel,
    system_facts_panel,
)

__all__ = [
    "PORTFOLIO_PANELS",
    "STAGE_ORDER",
    "SYSTEM_PANELS",
    "Page",
    "Panel",
    "PortfolioData",
    "Prepared",
    "Viewer",
    "build_panels",
    "counts_by",
    "error_panel",
    "evidence_freshness",
    "evidence_panel",
    "evidence_timeline_figure",
    "fmt_date",
    "inventory_counts",
    "inventory_figure",
    "inventory_panel",
    "kpi_panel",
    "kpis",
    "label",
    "load",
    "message_box",
    "operation_panel",
    "portfolio_page",
    "prepare",
    "query_parameter",
    "reports_generated",
    "system_evidence_panel",
    "system_facts_panel",
    "system_page",
    "system_report",
    "system_selector",
    "viewer",
    "wait_for_viewer",
]
