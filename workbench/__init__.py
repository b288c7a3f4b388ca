"""ISO/IEC 42001 governance workbench.

``import workbench as wb`` is deliberately light: submodules (and the heavy
libraries they use: pandas, SQLAlchemy, plotly, papermill) load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_SUBMODULES = frozenset(
    {
        "catalog",
        "cli",
        "demo",
        "errors",
        "explain",
        "identity",
        "impact",
        "improvement",
        "fairness",
        "interop",
        "model",
        "oversight",
        "portfolio",
        "readiness",
        "reports",
        "review",
        "risk",
        "store",
    }
)
# Names re-exported lazily from a submodule: name -> (module, attribute).
_EXPORTS = {
    "open_store": ("workbench.store", "open_store"),
    "Store": ("workbench.store", "Store"),
    "current_user": ("workbench.identity", "current_user"),
    "WorkbenchError": ("workbench.errors", "WorkbenchError"),
}

__all__ = ["__version__", *sorted(_SUBMODULES), *sorted(_EXPORTS)]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from . import catalog, errors, identity, model, store  # noqa: F401
    from .errors import WorkbenchError  # noqa: F401
    from .identity import current_user  # noqa: F401
    from .store import Store, open_store  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"workbench.{name}")
    if name in _EXPORTS:
        module, attr = _EXPORTS[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES | set(_EXPORTS))
