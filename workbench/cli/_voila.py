"""The Voila process of ``workbench dashboard``: ``python -m workbench.cli._voila ARGS``.

Voila itself, with two things it needs from the workbench before it starts:

- the workbench's Voila template (``--template=workbench``, shipped in the dashboards'
  ``jupyter/`` folder, which this puts on ``JUPYTER_PATH`` where Voila looks for templates):
  Voila's lab template with nothing fetched from outside the machine;
- :class:`PageIdentityProvider`, which gives every dashboard page the ``_xsrf`` cookie. A
  page's unload handler asks Voila to shut its kernel down with a POST carrying that cookie;
  Voila never sets it, so the POST was refused (403) and every closed tab left its kernel
  running until the server stopped.
"""

from __future__ import annotations

import inspect
import os
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from jupyter_server.auth.identity import PasswordIdentityProvider


def jupyter_data_dir() -> Path:
    """The folder holding ``voila/templates/workbench`` (a ``JUPYTER_PATH`` entry)."""
    return Path(str(resources.files("workbench.dashboards"))) / "jupyter"


class PageIdentityProvider(PasswordIdentityProvider):
    """Voila's identity provider, setting the ``_xsrf`` cookie on every dashboard page."""

    async def get_user(self, handler: Any) -> Any:
        user = super().get_user(handler)
        if inspect.isawaitable(user):
            user = await user
        from voila.handler import VoilaHandler

        if isinstance(handler, VoilaHandler):
            # Reading the token sets the cookie; tornado consults the user while doing so,
            # and Jupyter Server sets the same user on the handler right after this returns.
            handler.current_user = user
            handler.xsrf_token  # noqa: B018
        return user


def main(argv: list[str] | None = None) -> None:
    paths = [str(jupyter_data_dir()), os.environ.get("JUPYTER_PATH", "")]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in paths if p)
    from voila.app import main as voila_main

    voila_main(argv=sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
