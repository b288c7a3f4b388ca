"""The ``workbench`` command line.

Each command group lives in its own module exposing ``register(subparsers)``;
modules import nothing heavy at import time, so ``workbench --help`` stays fast
(no pandas, SQLAlchemy or papermill).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

# Command modules, in the order their groups appear in --help.
_COMMAND_MODULES = (
    "workbench.cli._store",
    "workbench.cli._admin",
    "workbench.cli._catalog",
    "workbench.cli._systems",
    "workbench.cli._report",
    "workbench.cli._dashboard",
    "workbench.cli._signoff",
    "workbench.cli._risk",
    "workbench.cli._impact",
    "workbench.cli._explain",
    "workbench.cli._readiness",
    "workbench.cli._interop",
    "workbench.cli._monitor",
    "workbench.cli._improvement",
    "workbench.cli._audit",
    "workbench.cli._review",
)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (the usage block is on ``--help``)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    from workbench import __version__

    parser = _Parser(
        prog="workbench",
        description="ISO/IEC 42001 governance workbench: catalog, records, reports.",
        epilog="The store is WORKBENCH_DATABASE_URL (default: sqlite:///workbench.db); "
        "the acting user is your database login on a team store, else JUPYTERHUB_USER under "
        "a hub, else WORKBENCH_USER, else the OS login (`workbench admin whoami`).",
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="store to use instead of WORKBENCH_DATABASE_URL",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code (0 ok, 1 refused or failed, 2 usage)."""
    from workbench.errors import WorkbenchError

    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `workbench catalog controls | head`
        return 0
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError) as exc:
        # a file the user named that cannot be written or read: their path, one line
        where = f" {exc.filename!r}" if exc.filename else ""
        print(f"error: cannot use{where}: {exc.strerror or exc}; check the path (does the "
              "folder exist, may you write there?)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
