"""Report templates: parameterized notebooks found by name, and their declared parameters.

Templates ship as package data (``workbench.notebooks``); ``WORKBENCH_TEMPLATE_PATH`` (folders
separated by ``os.pathsep``) adds an organization's own templates, searched first. Parameters
are read from the cell tagged ``parameters`` with :mod:`ast`, without importing papermill, so
``workbench report --list`` stays fast.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from workbench.errors import NotFoundError, ValidationError

__all__ = [
    "TEMPLATE_PATH_ENV",
    "Template",
    "TemplateParameter",
    "coerce_value",
    "find_template",
    "list_templates",
    "load_template",
    "template_dirs",
]

TEMPLATE_PATH_ENV = "WORKBENCH_TEMPLATE_PATH"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class TemplateParameter(BaseModel):
    """One parameter declared in a template's ``parameters`` cell."""

    model_config = ConfigDict(frozen=True)

    name: str
    default: Any = None
    type: str = "str"  # str, int, float, bool, list, dict, none
    help: str = ""  # the trailing comment on the assignment line


class Template(BaseModel):
    """A report template: a notebook with a ``parameters`` cell."""

    model_config = ConfigDict(frozen=True)

    name: str
    path: Path
    title: str = ""
    parameters: tuple[TemplateParameter, ...] = ()
    #: Modules the template imports (used to warm kernels started ahead).
    imports: tuple[str, ...] = ()
    #: Evidence tags from the notebook metadata ``workbench.control_ids`` / ``clause_ids``.
    control_ids: tuple[str, ...] = ()
    clause_ids: tuple[str, ...] = ()
    kernel_name: str = "python3"

    @property
    def parameter_names(self) -> list[str]:
        return [p.name for p in self.parameters]

    def parameter(self, name: str) -> TemplateParameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def file_hash(self) -> str:
        """SHA-256 of the template file's bytes (recorded with every report)."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def template_dirs() -> list[Path]:
    """Folders searched for templates: ``WORKBENCH_TEMPLATE_PATH`` first, then the shipped ones."""
    dirs = [Path(p) for p in os.environ.get(TEMPLATE_PATH_ENV, "").split(os.pathsep) if p]
    dirs.append(Path(str(resources.files("workbench.notebooks"))))
    return dirs


def list_templates() -> list[Template]:
    """Every template found, by name (a name found twice is taken from the first folder)."""
    found: dict[str, Template] = {}
    for folder in template_dirs():
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.ipynb")):
            if path.stem not in found and not path.name.startswith("."):
                found[path.stem] = load_template(path)
    return [found[k] for k in sorted(found)]


def find_template(name: str | Path) -> Template:
    """The template called ``name`` (or the notebook at a path ending in ``.ipynb``).

    Raises
    ------
    NotFoundError
        No template has that name.
    """
    text = str(name)
    if text.endswith(".ipynb"):
        path = Path(text)
        if not path.is_file():
            raise NotFoundError(f"no notebook at {text!r}; check the path")
        return load_template(path)
    if _NAME.match(text):
        for folder in template_dirs():
            path = folder / f"{text}.ipynb"
            if path.is_file():
                return load_template(path)
    names = ", ".join(t.name for t in list_templates()) or "none"
    raise NotFoundError(f"no report template {text!r}; templates: {names} "
                        "(`workbench report --list` shows them with their parameters)")


def load_template(path: Path) -> Template:
    """Read a template's title, parameters, imports and evidence tags from its JSON."""
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValidationError(f"{str(path)!r} is not a readable notebook ({exc})") from None
    title, params, imports = "", (), []
    for cell in cells:
        source = _source(cell)
        if not title and cell.get("cell_type") == "markdown":
            title = next((ln.lstrip("# ").strip() for ln in source.splitlines() if ln.strip()), "")
        if cell.get("cell_type") != "code":
            continue
        if "parameters" in cell.get("metadata", {}).get("tags", []) and not params:
            params = tuple(parse_parameters(source, where=str(path)))
        imports.extend(_imports(source))
    meta = nb.get("metadata", {})
    tags = meta.get("workbench", {}) if isinstance(meta.get("workbench"), dict) else {}
    return Template(
        name=Path(path).stem, path=Path(path), title=title, parameters=params,
        imports=tuple(dict.fromkeys(imports)),
        control_ids=tuple(tags.get("control_ids", ())),
        clause_ids=tuple(tags.get("clause_ids", ())),
        kernel_name=meta.get("kernelspec", {}).get("name") or "python3")


def parse_parameters(source: str, *, where: str = "template") -> list[TemplateParameter]:
    """Parameters declared as ``name = literal  # help`` lines of a ``parameters`` cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ValidationError(f"{where}: the parameters cell is not valid Python ({exc.msg})") \
            from None
    lines = source.splitlines()
    out: list[TemplateParameter] = []
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        if not isinstance(target, ast.Name):
            continue
        try:
            default = ast.literal_eval(value)
        except ValueError:
            default = None
        rest = lines[node.end_lineno - 1][node.end_col_offset:].strip()
        comment = rest[1:].strip() if rest.startswith("#") else ""
        out.append(TemplateParameter(name=target.id, default=default, type=_type_name(default),
                                     help=comment))
    return out


def coerce_value(param: TemplateParameter, text: str) -> Any:
    """Turn ``-p key=value`` text into the type of the declared default.

    Raises
    ------
    ValidationError
        The text cannot be read as that type.
    """
    kind = param.type
    try:
        if kind == "bool":
            lowered = text.strip().lower()
            if lowered in ("true", "yes", "1", "on"):
                return True
            if lowered in ("false", "no", "0", "off"):
                return False
            raise ValueError
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind in ("list", "dict"):
            value = json.loads(text)
            if type(value).__name__ != kind:
                raise ValueError
            return value
        if kind == "none":
            try:
                return json.loads(text)
            except ValueError:
                return text
    except ValueError:
        wanted = _KIND_WORDS.get(kind, kind)
        raise ValidationError(
            f"-p {param.name}={text}: {param.name} takes {wanted} (default {param.default!r})",
            [(param.name, f"expected {wanted}")]) from None
    return text


_KIND_WORDS = {"int": "a whole number", "float": "a number", "bool": "true or false",
               "list": "a JSON list", "dict": "a JSON object"}


def _type_name(value: Any) -> str:
    if value is None:
        return "none"
    return type(value).__name__ if isinstance(value, (bool, int, float, list, dict)) else "str"


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _imports(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names
