"""`ape run recover`: an issuer moves a learner's credentials to a new wallet;
every refusal is found before sending, and a re-run sends nothing."""

from __future__ import annotations

from typing import Any

import pytest

from credstack.cli import recover as recover_cli
from tests.tooling.conftest import wallet

EVIDENCE = b"\x11" * 32


# Deploy before the first test, so ape snapshots the module with it in place.
pytestmark = pytest.mark.usefixtures("deployed")


def error_output(result: Any) -> str:
    assert result.exit_code == 1, result.output
    return "\n".join(x for x in result.output.splitlines() if not x.startswith("Usage"))


@pytest.fixture
def learner_tokens(deployed: dict[str, Any], deployed_registry: Any, accounts: Any) -> list[int]:
    """wallet(500) holds sql-querying and spreadsheet-analysis (northwind,
    TEST::1) and python-data-wrangling (lumen, TEST::2)."""
    classes = deployed["classes"]
    old = wallet(500)
    tokens = []
    for slug, issuer in (
        ("sql-querying", accounts[1]),
        ("spreadsheet-analysis", accounts[1]),
        ("python-data-wrangling", accounts[2]),
    ):
        tx = deployed_registry.issue(classes[slug].class_id, old, 9_000, EVIDENCE, sender=issuer)
        tokens.append(int(deployed_registry.CredentialIssued.from_receipt(tx)[0].token_id))
    return tokens


def test_recover__issuer_moves_its_classes_only(
    invoke: Any, deployed_registry: Any, learner_tokens: list[int], accounts: Any
) -> None:
    old, new = wallet(500), wallet(501)
    result = invoke(recover_cli.cli, "--from", old, "--to", new, "--account", "TEST::1", "--yes")
    assert result.exit_code == 0, result.output
    assert "recovered 2 credential(s)" in result.output
    sql, sheet, python = learner_tokens
    assert deployed_registry.ownerOf(sql) == new
    assert deployed_registry.ownerOf(sheet) == new
    assert deployed_registry.ownerOf(python) == old  # lumen's class: lumen recovers it
    result = invoke(recover_cli.cli, "--from", old, "--to", new, "--account", "TEST::2", "--yes")
    assert result.exit_code == 0, result.output
    assert deployed_registry.ownerOf(python) == new
    nonce = accounts[1].nonce
    again = invoke(recover_cli.cli, "--from", old, "--to", new, "--account", "TEST::1", "--yes")
    assert "nothing to recover" in again.output
    assert accounts[1].nonce == nonce


def test_recover__new_wallet_has_the_class__refused_before_sending(
    invoke: Any,
    deployed: dict[str, Any],
    deployed_registry: Any,
    learner_tokens: list[int],
    accounts: Any,
) -> None:
    new = wallet(502)
    class_id = deployed["classes"]["sql-querying"].class_id
    tx = deployed_registry.issue(class_id, new, 9_000, EVIDENCE, sender=accounts[1])
    held = int(deployed_registry.CredentialIssued.from_receipt(tx)[0].token_id)
    nonce = accounts[1].nonce
    result = invoke(
        recover_cli.cli, "--from", wallet(500), "--to", new, "--account", "TEST::1", "--yes"
    )
    output = error_output(result)
    assert f"--token = '{learner_tokens[0]}': {new} already holds class {class_id}" in output
    assert f"as token {held}" in output
    assert accounts[1].nonce == nonce


def test_recover__restricted_class_needs_allowlist(
    invoke: Any, deployed: dict[str, Any], deployed_registry: Any, accounts: Any
) -> None:
    from credstack.governance import Governance, time_travel

    pass_id = deployed["classes"]["mentor-session-pass"].class_id
    old, new = wallet(503), wallet(504)
    deployed_registry.issue(pass_id, old, 10_000, EVIDENCE, sender=accounts[2])
    gov = Governance.for_deployment(deployed["deployment"])
    members = [accounts[3], accounts[4]]
    gov.enact(
        [gov.encode("registry", "set_class_rules", [pass_id, True, 0])], "restrict", members,
        time_travel,
    )  # fmt: skip
    result = invoke(recover_cli.cli, "--from", old, "--to", new, "--account", "TEST::2", "--yes")
    assert "is restricted to its allowlist: governance must allowlist" in error_output(result)
    gov.enact(gov.allowlist_calls(pass_id, [new], True), "allow", members, time_travel)
    result = invoke(recover_cli.cli, "--from", old, "--to", new, "--account", "TEST::2", "--yes")
    assert result.exit_code == 0, result.output
    assert deployed_registry.ownerOf(deployed_registry.total_issued()) == new


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "0xabc", "--to", wallet(1)), "--from = '0xabc': not an address"),
        (("--from", wallet(1), "--to", wallet(1)), "the same wallet as --from"),
        (("--from", wallet(500), "--to", wallet(9), "--token", "999999"), "not in"),
    ],
)
def test_recover__bad_input(
    invoke: Any, learner_tokens: list[int], args: tuple[str, ...], message: str
) -> None:
    result = invoke(recover_cli.cli, *args, "--account", "TEST::1", "--yes")
    assert message in error_output(result)


def test_recover__paused(
    invoke: Any, deployed_registry: Any, learner_tokens: list[int], accounts: Any
) -> None:
    deployed_registry.pause(sender=accounts[6])
    result = invoke(
        recover_cli.cli, "--from", wallet(500), "--to", wallet(505), "--account", "TEST::1", "--yes"
    )
    assert "the registry is paused" in error_output(result)
