"""The one-system dashboard as a widget: choosing another system rebuilds the panels in place.

The system page used to choose a system with an HTML form that reloaded the page, and every
reload started a new kernel. Here a dropdown sets :attr:`SystemDashboard.system_id`; its
observer rebuilds the header and the panels in the same kernel from the registers the page
already holds (reloaded only if the store changed), so switching costs the panels, not a
kernel start. The first page is the one the URL names (``?system=ID``), built ahead by a
preheated kernel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as W
import traitlets as T

from workbench.portfolio.pages import system_options, system_page
from workbench.widgets._common import StatusLine, reports_errors

if TYPE_CHECKING:  # pragma: no cover
    from workbench.portfolio.pages import Page, Prepared

__all__ = ["SystemDashboard"]


class SystemDashboard(W.VBox):
    """One AI system in depth, with a dropdown that switches systems without a reload.

    Parameters
    ----------
    prepared
        ``portfolio.prepare(portfolio.system_page, database_url, selector=False)``: the page
        for the URL's system, built ahead, and the registers it was built from.

    Notes
    -----
    ``system_id`` is the system shown; setting it (the dropdown does) rebuilds the page.
    ``page`` is the :class:`~workbench.portfolio.pages.Page` on display; the panels are the
    ``body`` Output's outputs, the same bundles a notebook cell displays.
    """

    system_id = T.Unicode("")

    def __init__(self, prepared: Prepared) -> None:
        self.prepared = prepared
        self.header = W.HTML()
        self.picker = W.Dropdown(description="AI system", value=None,
                                 style={"description_width": "initial"},
                                 layout=W.Layout(width="480px", margin="6px 0 4px 0"))
        self.status = StatusLine()
        self.body = W.Output()
        super().__init__([self.header, self.picker, self.status, self.body])
        self.add_class("wb-system-dashboard")
        self._syncing = False
        self.page: Page = prepared.refresh()  # the URL's system, built before the viewer came
        self._show(self.page)
        self.system_id = self.page.system_id
        self.picker.observe(self._picked, names="value")

    def _picked(self, change: dict) -> None:
        if change["new"] and not self._syncing:
            self.system_id = change["new"]

    @T.observe("system_id")
    def _system_changed(self, change: dict) -> None:
        self._update()

    @reports_errors()
    def _update(self) -> None:
        if not self.system_id or self.system_id == self.page.system_id:
            return
        self.status.clear()
        data = self.prepared.current_data()
        self.page = system_page(self.prepared.database_url, self.system_id, data=data,
                                selector=False)
        self._show(self.page)

    def _show(self, page: Page) -> None:
        self.header.value = page.header
        self.body.outputs = tuple({"output_type": "display_data", "data": bundle,
                                   "metadata": {}} for bundle in page.bundles(header=False))
        # The systems of the registers shown (a new one appears after a reload), and the
        # one on display selected, blank if none (also when set from Python).
        self._syncing = True
        try:
            options = tuple(system_options(page.data)) if page.data is not None else ()
            if options != tuple(self.picker.options):
                self.picker.options = options
            self.picker.value = page.system_id or None
        finally:
            self._syncing = False
