"""Reading the text files people hand the workbench (CSV, YAML), with one-line errors.

A file saved by a spreadsheet in Latin-1, or a binary file given by mistake, raises
:class:`~workbench.errors.ValidationError` naming the file and the first byte that is not
UTF-8, instead of a ``UnicodeDecodeError`` traceback.
"""

from __future__ import annotations

from pathlib import Path

from workbench.errors import NotFoundError, ValidationError

__all__ = ["existing_file", "read_text", "yaml_problem"]


def existing_file(path: str | Path, *, give: str) -> Path:
    """``path`` as a :class:`~pathlib.Path`, refused with one line unless it is a file.

    ``give`` says what to give instead (``"the path of a CSV or YAML file"``).

    >>> existing_file(".", give="a CSV file")
    Traceback (most recent call last):
    ...
    workbench.errors.NotFoundError: '.' is a folder, not a file; give a CSV file
    """
    p = Path(path)
    if p.is_dir():
        raise NotFoundError(f"{str(p)!r} is a folder, not a file; give {give}")
    if not p.is_file():
        raise NotFoundError(f"no file {str(p)!r}; give {give}")
    return p


def read_text(path: str | Path, *, what: str = "file") -> str:
    """The text of a UTF-8 file (a leading byte-order mark is dropped).

    Parameters
    ----------
    what
        What the file is, for messages (``"risk file"``).

    Raises
    ------
    NotFoundError
        There is no such file.
    ValidationError
        The file is a folder, cannot be read, or is not UTF-8 text.
    """
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise NotFoundError(f"no {what} {str(p)!r}; check the path") from None
    except IsADirectoryError:
        raise ValidationError(f"{what} {str(p)!r} is a folder; give a file",
                              [("file", "a folder")]) from None
    except PermissionError:
        raise ValidationError(f"{what} {p.name} cannot be read (permission denied)",
                              [("file", "not readable")]) from None
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start]
        excel = ' (in Excel: "CSV UTF-8")' if p.suffix.lower() == ".csv" else ""
        raise ValidationError(
            f"{what} {p.name} is not UTF-8 text (byte 0x{byte:02x} at position {exc.start:,}): "
            f"save it as UTF-8{excel}, or check that it is the right file",
            [("file", "not UTF-8 text")]) from None


def yaml_problem(exc: Exception) -> str:
    """A YAML error on one line: where and what (PyYAML's own message spans several).

    >>> import yaml
    >>> try:
    ...     yaml.safe_load("rules: [")
    ... except yaml.YAMLError as exc:
    ...     print(yaml_problem(exc))
    line 1, column 9: expected the node content, but found '<stream end>'
    """
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + str(problem)
