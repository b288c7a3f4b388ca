"""Data in and out: Excel round-trip of the registers, OSCAL export, verified backup and restore.

- :mod:`~workbench.interop.excel` - ``export_workbook`` / ``import_workbook`` (openpyxl): one
  sheet per record kind, conflicts caught by ``_version``, every bad cell reported.
- :mod:`~workbench.interop.oscal` - OSCAL JSON: the catalog outline, a component definition
  from the Statement of Applicability, assessment results from readiness, a plan of action
  and milestones; each export recorded as evidence with the store head it reflects.
- :mod:`~workbench.interop.backup` - ``backup`` / ``restore``: the whole chain as a gzip'd
  JSON-lines archive, checked completely before anything is written.

Importing this package imports none of them; openpyxl loads when a workbook is used.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "export_workbook": "workbench.interop.excel",
    "import_workbook": "workbench.interop.excel",
    "template_workbook": "workbench.interop.excel",
    "ImportReport": "workbench.interop.excel",
    "oscal_document": "workbench.interop.oscal",
    "export_oscal": "workbench.interop.oscal",
    "backup": "workbench.interop.backup",
    "restore": "workbench.interop.backup",
    "verify_archive": "workbench.interop.backup",
    "ArchiveError": "workbench.interop.backup",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'workbench.interop' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
