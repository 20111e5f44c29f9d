"""Fixtures for the contract tests on ape's embedded chain.

Roles are named as the people who hold them. Ape snapshots the chain around
each test: the registry (deployed, issuers and pauser named) is a session
fixture; classes and tokens are made per test, which keeps ape's snapshots
simple and each test's ids predictable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

# Ids come from events (see created_class_id); tests check return values with
# `.call()` before sending.
from credstack.deploy import deploy_registry
from credstack.registry import created_class_id, issued_token_ids
from tests.constants import DAY, EVIDENCE


def credential_event(event_type: Any, tx: Any, token_id: int, class_id: int, holder: Any) -> Any:
    """The one `event_type` log in `tx`, checked for its indexed token, class
    and holder; returned for the caller to check the rest."""
    [event] = event_type.from_receipt(tx)
    assert (event.token_id, event.class_id, event.holder) == (token_id, class_id, holder.address)
    return event


@pytest.fixture(scope="session")
def deployer(accounts: Any) -> Any:
    return accounts[0]


@pytest.fixture(scope="session")
def admin(accounts: Any) -> Any:
    """The registry's admin (DEFAULT_ADMIN_ROLE). In a deployment that is
    the timelock (tests/contracts/test_council.py deploys one); here an
    account stands in for it, so each power is tested directly."""
    return accounts[1]


@pytest.fixture(scope="session")
def issuer(accounts: Any) -> Any:
    return accounts[2]


@pytest.fixture(scope="session")
def delegate(accounts: Any) -> Any:
    """A hot wallet that `issuer` lets issue and manage its classes."""
    return accounts[3]


@pytest.fixture(scope="session")
def other_issuer(accounts: Any) -> Any:
    return accounts[4]


@pytest.fixture(scope="session")
def learner(accounts: Any) -> Any:
    return accounts[5]


@pytest.fixture(scope="session")
def learner2(accounts: Any) -> Any:
    return accounts[6]


@pytest.fixture(scope="session")
def employer(accounts: Any) -> Any:
    return accounts[7]


@pytest.fixture(scope="session")
def stranger(accounts: Any) -> Any:
    return accounts[8]


@pytest.fixture(scope="session")
def guardian(accounts: Any) -> Any:
    """The registry's guardian: may pause, may not unpause."""
    return accounts[9]


@pytest.fixture(scope="session")
def registry(
    project: Any,
    deployer: Any,
    admin: Any,
    issuer: Any,
    delegate: Any,
    other_issuer: Any,
    guardian: Any,
) -> Any:
    reg = deploy_registry(project, deployer, admin=admin.address, guardian=guardian.address)
    reg.grantRole(reg.ISSUER_ROLE(), issuer, sender=admin)
    reg.grantRole(reg.ISSUER_ROLE(), other_issuer, sender=admin)
    reg.set_delegate(delegate, True, sender=issuer)
    return reg


@pytest.fixture
def create_class(registry: Any, issuer: Any) -> Callable[..., int]:
    """Factory: a class with the given rules; returns its id."""

    def make(
        name: str = "SQL for Data Analysis",
        uri: str = "ipfs://bafybeigdyrzt/sql.json",
        transferable: bool = False,
        revocable: bool = True,
        validity: int = 365 * DAY,
        min_score: int = 7_000,
        sender: Any = None,
    ) -> int:
        tx = registry.create_class(
            name, uri, transferable, revocable, validity, min_score, sender=sender or issuer
        )
        return created_class_id(registry, tx)

    return make


@pytest.fixture
def soulbound_class(create_class: Callable[..., int]) -> int:
    return create_class()


@pytest.fixture
def transferable_class(create_class: Callable[..., int]) -> int:
    return create_class(
        name="Mentor Workshop Pass",
        uri="https://academy.example/passes/mentor.json",
        transferable=True,
        validity=90 * DAY,
        min_score=0,
    )


@pytest.fixture
def permanent_class(create_class: Callable[..., int]) -> int:
    """Never expires and cannot be revoked (an attendance record, say)."""
    return create_class(name="Orientation Attended", revocable=False, validity=0, min_score=0)


@pytest.fixture
def issue(registry: Any, issuer: Any) -> Callable[..., int]:
    """Factory: issues one credential; returns its token id."""

    def make(class_id: int, to: Any, score: int = 8_500, sender: Any = None) -> int:
        tx = registry.issue(class_id, to, score, EVIDENCE, sender=sender or issuer)
        return issued_token_ids(registry, tx)[0]

    return make


@pytest.fixture
def soulbound_token(issue: Callable[..., int], soulbound_class: int, learner: Any) -> int:
    return issue(soulbound_class, learner)


@pytest.fixture
def transferable_token(issue: Callable[..., int], transferable_class: int, learner: Any) -> int:
    return issue(transferable_class, learner)


# Files that take longest come first, so that under pytest-xdist (`make
# test`) they start at once and the rest fills the other core around them:
# the e2e file on 2-second blocks mostly waits for blocks, and the property
# test is one long test. The order within each file is kept. xdist reorders
# files by their number of tests unless told not to: `make test` passes
# --no-loadscope-reorder (without it, these one-test files ran last).
SLOW_FIRST = (
    "tests/e2e/test_interval_mining.py",
    "tests/properties/test_registry_state.py",
    "tests/e2e/test_interrupted_run.py",
    "tests/tooling/test_employer_command.py",
    "tests/contracts/test_badge.py",
    "tests/e2e/test_processes.py",
    "tests/e2e/test_analytics_anvil.py",
    "tests/e2e/test_cli_edges.py",
    "tests/e2e/test_anvil.py",
    "tests/e2e/test_membership_processes.py",
    "tests/e2e/test_openbadges_anvil.py",
    "tests/e2e/test_serve_anvil.py",
    "tests/e2e/test_l2_fees.py",
    "tests/e2e/test_index_anvil.py",
    "tests/properties/test_membership_state.py",
    "tests/properties/test_council_state.py",
    "tests/properties/test_employer_state.py",
    "tests/web/test_browser.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::")[0]
        return SLOW_FIRST.index(path) if path in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)
