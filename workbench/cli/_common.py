"""Helpers shared by CLI commands (kept free of heavy imports)."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from workbench.store import Store


def open_cli_store(args: argparse.Namespace, *, create: bool = False) -> Store:
    """Open the store named by --database-url or WORKBENCH_DATABASE_URL."""
    from workbench.store import open_store

    return open_store(getattr(args, "database_url", None), create=create)


def iso_date(text: str) -> dt.date:
    """argparse type for YYYY-MM-DD dates."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD") from None


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


#: The largest count or version number the store's integer columns hold.
_MAX_INT = 2**31 - 1


def whole_number(high: int) -> Callable[[str], int]:
    """An argparse type for a whole number from 1 to ``high`` (its message names the range)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not 1 <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is out of range (1 to {high:,})")
        return value

    return parse


#: argparse type for a version number or a count: a whole number from 1 to 2,147,483,647.
positive_int = whole_number(_MAX_INT)


def read_data(path: str, *, what: str, shape: type = dict) -> Any:
    """A YAML or JSON file (JSON by its ``.json`` suffix) holding a mapping, or a list with
    ``shape=list``; anything else is one line naming the file and what it should hold."""
    import json

    import yaml

    from workbench.errors import ValidationError
    from workbench.files import existing_file, read_text

    file = existing_file(path, give=f"a YAML or JSON file of {what}")
    text = read_text(file, what=f"{what} file")
    try:
        data = json.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ValidationError(f"{file.name} is not valid YAML or JSON: {exc}".splitlines()[0]
                              ) from None
    if not isinstance(data, shape):
        raise ValidationError(f"{file.name}: expected a {'list' if shape is list else 'mapping'}"
                              f" of {what}")
    return data
