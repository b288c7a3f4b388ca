"""Acting as someone in a test: the acting identity comes from the environment, never from a
parameter, so a test that needs another person sets WORKBENCH_USER for a block."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def acting(login: str) -> Iterator[None]:
    """Run the block as ``login`` (WORKBENCH_USER), then restore who acted before."""
    before = os.environ.get("WORKBENCH_USER")
    os.environ["WORKBENCH_USER"] = login
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("WORKBENCH_USER", None)
        else:
            os.environ["WORKBENCH_USER"] = before


#: The login every test acts as unless it says otherwise (conftest's autouse fixture sets it).
TESTER = "tester"


def bootstrap_tester(store) -> None:
    """Make ``tester`` the store's first admin, holding every role (tests that check a
    permission act as someone else)."""
    from workbench.model import Person, Role

    first = store.bootstrap(TESTER, name="Test User")
    store.save(Person(id=TESTER, name="Test User", roles=[r.value for r in Role]),
               base_version=first.version, reason="every role, for the tests")
