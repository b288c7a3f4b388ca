"""Who is acting: WORKBENCH_USER, else JUPYTERHUB_USER, else the OS login.

Roles are records (``person``) in the store; this module only resolves the login
and looks the person up.
"""

from __future__ import annotations

import getpass
import os
import re
from typing import TYPE_CHECKING

from workbench.errors import ConfigurationError, NotFoundError, PermissionDeniedError

if TYPE_CHECKING:  # pragma: no cover
    from workbench.model import Person, Role
    from workbench.store import Store

__all__ = ["current_user", "person", "roles_of", "require_role"]

_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


def current_user() -> str:
    """The acting user's login, normalised to lower case.

    Order: ``WORKBENCH_USER``, then ``JUPYTERHUB_USER`` (set by JupyterHub), then the
    operating-system login.
    """
    for var in ("WORKBENCH_USER", "JUPYTERHUB_USER"):
        value = os.environ.get(var, "").strip()
        if value:
            login = value.lower()
            if not _LOGIN.match(login):
                raise ConfigurationError(
                    f"{var}={value!r} is not a usable login: use letters, digits, '.', '_' "
                    "or '-' (it becomes the author of every record you save)"
                )
            return login
    try:
        login = getpass.getuser().strip().lower()
    except (OSError, KeyError):  # no login name (some containers)
        login = ""
    if not login or not _LOGIN.match(login):
        raise ConfigurationError(
            "cannot tell who you are: set WORKBENCH_USER to your login (e.g. export "
            "WORKBENCH_USER=alice)"
        )
    return login


def person(store: Store, login: str | None = None) -> Person:
    """The person record of ``login`` (default: the acting user)."""
    login = login or current_user()
    found = store.find("person", login)
    if found is None:
        raise NotFoundError(
            f"{login!r} is not a known person in this store; an admin adds people with "
            "`store.save(Person(...))` (or run `workbench demo` for the demo organization)"
        )
    return found.record  # type: ignore[return-value]


def roles_of(store: Store, login: str | None = None) -> set[Role]:
    """The roles ``login`` holds (empty when the person is unknown or inactive)."""
    login = login or current_user()
    found = store.find("person", login)
    if found is None or not found.record.active:  # type: ignore[attr-defined]
        return set()
    return set(found.record.roles)  # type: ignore[attr-defined]


def require_role(store: Store, *roles: Role | str, login: str | None = None) -> str:
    """Return the login if it holds one of ``roles``, else raise PermissionDeniedError."""
    from workbench.model import Role

    login = login or current_user()
    wanted = {Role(r) for r in roles}
    if not wanted & roles_of(store, login):
        names = " or ".join(sorted(r.value for r in wanted))
        raise PermissionDeniedError(
            f"{login} does not hold the role {names}; ask an admin to add it to their person record"
        )
    return login
