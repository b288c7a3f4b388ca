"""The workbench's Jupyter widgets (ipywidgets), imported as ``workbench.widgets``."""

from workbench.widgets.risk_editor import RiskRegisterEditor
from workbench.widgets.risk_heatmap import RiskHeatmap

__all__ = [
    "RiskHeatmap",
    "RiskRegisterEditor",
]
