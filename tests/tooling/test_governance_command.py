"""`ape run governance propose|approve|execute|status` on the deployed example
(council TEST::3..5, 2 of 3, 48 h): calls encoded from names, the queue with
approvals and times, and each refusal as one clear line before sending."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from credstack.cli import governance as gov_cli
from credstack.deploy import contract_address
from credstack.governance import Governance
from credstack.units import parse_duration
from tests.tooling.conftest import COUNCIL, DELAY, wallet

# Deploy before the first test, so ape snapshots the module with it in place.
pytestmark = pytest.mark.usefixtures("deployed")


def one_line_error(result: Any) -> str:
    assert result.exit_code == 1, result.output
    [line] = [x for x in result.output.splitlines() if x.startswith("error:")]
    return line


def council_of(deployed: dict[str, Any]) -> Any:
    from ape import project

    return project.Council.at(deployed["deployment"].council)


def proposal_count(deployed: dict[str, Any]) -> int:
    return int(council_of(deployed).proposal_count())


def test_propose_approve_execute__grant_issuer(
    deployed: dict[str, Any], invoke: Any, deployed_registry: Any, chain: Any
) -> None:
    newcomer = wallet(900)
    result = invoke(
        gov_cli.cli, "propose", "registry", "grantRole", "ISSUER_ROLE", newcomer,
        "-d", "onboard Harbor Academy", "--account", COUNCIL[0], "--yes",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    proposal_id = proposal_count(deployed)
    assert f"call  registry.grantRole(ISSUER_ROLE, {newcomer})" in result.output
    assert "approvals 1 of 2" in result.output
    assert f"next: other members run `ape run governance approve {proposal_id}`" in result.output

    status = invoke(gov_cli.cli, "status")
    assert status.exit_code == 0, status.output
    assert "onboard Harbor Academy" in status.output
    assert "needs approvals" in status.output

    result = invoke(gov_cli.cli, "approve", proposal_id, "--account", COUNCIL[2], "--yes")
    assert result.exit_code == 0, result.output
    assert "approvals 2 of 2" in result.output
    assert "state queued (delay running); executable " in result.output
    assert re.search(r"\(in (2 d|1 d 23 h)\)", result.output)

    early = invoke(gov_cli.cli, "execute", proposal_id, "--account", COUNCIL[1], "--yes")
    assert one_line_error(early).startswith(
        f"error: proposal {proposal_id} is not executable yet: it becomes executable at "
    )
    assert not deployed_registry.hasRole(deployed_registry.ISSUER_ROLE(), newcomer)

    chain.pending_timestamp += DELAY
    result = invoke(gov_cli.cli, "execute", proposal_id, "--account", COUNCIL[1], "--yes")
    assert result.exit_code == 0, result.output
    assert f"executed proposal {proposal_id}" in result.output
    assert deployed_registry.hasRole(deployed_registry.ISSUER_ROLE(), newcomer)

    again = invoke(gov_cli.cli, "execute", proposal_id, "--account", COUNCIL[1], "--yes")
    assert one_line_error(again) == f"error: proposal {proposal_id} has already been executed"
    assert "no open proposals" in invoke(gov_cli.cli, "status").output
    shown = json.loads(invoke(gov_cli.cli, "status", "--all", "--json").output)
    assert shown["threshold"] == 2 and shown["delay"] == DELAY
    [done] = [p for p in shown["proposals"] if p["id"] == proposal_id]
    assert done["state"] == "executed"
    assert done["calls"] == [f"registry.grantRole(ISSUER_ROLE, {newcomer})"]


def test_propose_execute__employers_add_employer(
    deployed: dict[str, Any], invoke: Any, chain: Any
) -> None:
    """The employers contract is a proposal target: the council onboards an
    employer through the timelock."""
    from ape import project

    employers = project.EmployerRegistry.at(deployed["deployment"].employers)
    newcomer = wallet(903)
    result = invoke(
        gov_cli.cli, "propose", "employers", "add_employer", newcomer, "Acme Analytics",
        "https://acme.example", "--account", COUNCIL[0], "--yes",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        f"call  employers.add_employer({newcomer}, 'Acme Analytics', 'https://acme.example')"
        in result.output
    )
    proposal_id = proposal_count(deployed)
    invoke(gov_cli.cli, "approve", proposal_id, "--account", COUNCIL[1], "--yes")
    chain.pending_timestamp += DELAY
    result = invoke(gov_cli.cli, "execute", proposal_id, "--account", COUNCIL[2], "--yes")
    assert result.exit_code == 0, result.output
    assert employers.is_employer(newcomer) is True
    assert employers.employer(newcomer).name == "Acme Analytics"


def test_propose__several_calls_and_conversions(
    deployed: dict[str, Any], invoke: Any, chain: Any, deployed_registry: Any
) -> None:
    class_id = deployed["classes"]["mentor-session-pass"].class_id
    a, b = wallet(901), wallet(902)
    result = invoke(
        gov_cli.cli, "propose", "registry", "set_class_rules", class_id, "true", "2031-01-01",
        "--call", f"registry set_allowlist {class_id} {a},{b} yes",
        "--call", "timelock update_delay 3d",
        "--account", COUNCIL[1], "--yes",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"registry.set_class_rules({class_id}, True, 1924992000)" in result.output
    assert f"registry.set_allowlist({class_id}, [{a}, {b}], True)" in result.output
    assert "timelock.update_delay(259200)" in result.output
    proposal_id = proposal_count(deployed)
    invoke(gov_cli.cli, "approve", proposal_id, "--account", COUNCIL[0], "--yes")
    chain.pending_timestamp += DELAY
    result = invoke(gov_cli.cli, "execute", proposal_id, "--account", COUNCIL[2], "--yes")
    assert result.exit_code == 0, result.output
    assert tuple(deployed_registry.class_rules(class_id)) == (True, 1924992000)
    assert deployed_registry.allowlist(class_id, b) is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("registry", "grantrole", "x"), "error: registry has no function 'grantrole' (it has "),
        (("vault", "pause"),
         "error: unknown target 'vault' (one of council, timelock, registry, employers)"),
        (("registry", "force_revoke", "1"),
         "error: registry.force_revoke takes force_revoke(uint256,string); got 1 arguments"),
        (("registry", "force_revoke", "one", "fraud"),
         "error: registry.force_revoke: argument 'token_id' = 'one': "),
        (("registry", "grantRole", "OWNER_ROLE", "registry"),
         "error: registry.grantRole: argument 'role' = 'OWNER_ROLE': "),
        (("council", "add_member", "0xabc"),
         "error: council.add_member: argument 'member' = '0xabc': not an address (0x and 40 hex "
         "digits); or one of council, timelock, registry, employers"),
    ],
)  # fmt: skip
def test_propose__bad_call__clear_error_nothing_sent(
    deployed: Any, invoke: Any, accounts: Any, args: tuple[str, ...], message: str
) -> None:
    nonce = accounts[3].nonce
    result = invoke(gov_cli.cli, "propose", *args, "--account", COUNCIL[0], "--yes")
    assert one_line_error(result).startswith(message)
    assert accounts[3].nonce == nonce


def test_refusals__not_member_duplicate_unknown(deployed: Any, invoke: Any, accounts: Any) -> None:
    result = invoke(gov_cli.cli, "propose", "registry", "unpause", "--account", "TEST::1", "--yes")
    assert one_line_error(result) == f"error: {accounts[1].address} is not a council member"
    invoke(gov_cli.cli, "propose", "registry", "unpause", "--account", COUNCIL[0], "--yes")
    proposal_id = proposal_count(deployed)
    result = invoke(gov_cli.cli, "approve", proposal_id, "--account", COUNCIL[0], "--yes")
    assert one_line_error(result) == (
        f"error: {accounts[3].address} has already approved proposal {proposal_id}"
    )
    result = invoke(gov_cli.cli, "execute", proposal_id, "--account", COUNCIL[0], "--yes")
    assert one_line_error(result) == (
        f"error: proposal {proposal_id} is not scheduled: it has 1 of 2 approvals"
    )
    result = invoke(gov_cli.cli, "approve", 999, "--account", COUNCIL[1], "--yes")
    assert one_line_error(result).startswith("error: no proposal 999 (proposals run from 1 to ")
    result = invoke(gov_cli.cli, "approve", proposal_id, "--account", "TEST::0", "--yes")
    assert one_line_error(result) == f"error: {accounts[0].address} is not a council member"


def test_revert_during_execute__reported(deployed: Any, invoke: Any, chain: Any) -> None:
    """unpause while running reverts inside the timelock: the registry's
    message reaches the user."""
    invoke(gov_cli.cli, "propose", "registry", "unpause", "--account", COUNCIL[0], "--yes")
    proposal_id = proposal_count(deployed)
    invoke(gov_cli.cli, "approve", proposal_id, "--account", COUNCIL[1], "--yes")
    chain.pending_timestamp += DELAY
    result = invoke(gov_cli.cli, "execute", proposal_id, "--account", COUNCIL[1], "--yes")
    assert one_line_error(result) == (
        "error: the chain refused the transaction: credential: not paused"
    )


def test_governance_describe_roundtrip(deployed: dict[str, Any]) -> None:
    gov = Governance.for_deployment(deployed["deployment"])
    call = gov.encode("registry", "force_revoke", [7, 'fraud: "copied" work'])
    assert gov.describe(call) == "registry.force_revoke(7, 'fraud: \"copied\" work')"
    unknown = type(call)(call.target, b"\x12\x34\x56\x78")
    assert gov.describe(unknown) == "registry <calldata 0x12345678>"


def test_contract_address__known_vectors() -> None:
    # CREATE addresses of the well-known test deployer at nonces 0 and 1.
    deployer = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert contract_address(deployer, 0) == "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    assert contract_address(deployer, 1) == "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
    assert contract_address(deployer, 200) != contract_address(deployer, 201)


@pytest.mark.parametrize(
    ("text", "seconds"), [("3600", 3_600), ("90m", 5_400), ("48h", 172_800), ("2d", 172_800)]
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


def test_parse_duration__bad() -> None:
    with pytest.raises(ValueError, match=r"e\.g\. 48h"):
        parse_duration("two days")


GRACE = 14 * 86_400


def test_cancel__wrong_grant_stopped_and_shown(
    deployed: dict[str, Any], invoke: Any, deployed_registry: Any, chain: Any, accounts: Any
) -> None:
    wrong = wallet(903)
    invoke(
        gov_cli.cli, "propose", "registry", "grantRole", "ISSUER_ROLE", wrong,
        "-d", "onboard (wrong address)", "--account", COUNCIL[0], "--yes",
    )  # fmt: skip
    proposal_id = proposal_count(deployed)
    invoke(gov_cli.cli, "approve", proposal_id, "--account", COUNCIL[1], "--yes")

    result = invoke(gov_cli.cli, "cancel", proposal_id, "--account", COUNCIL[2], "--yes")
    assert result.exit_code == 0, result.output
    assert f"call  registry.grantRole(ISSUER_ROLE, {wrong})" in result.output
    assert f"cancelled proposal {proposal_id} in transaction " in result.output
    shown = invoke(gov_cli.cli, "status", str(proposal_id))
    assert "│ cancelled" in shown.output, shown.output
    listed = invoke(gov_cli.cli, "status")
    assert "onboard (wrong address)" not in listed.output
    assert "1 cancelled" in listed.output and "--all" in listed.output
    [entry] = [
        p
        for p in json.loads(invoke(gov_cli.cli, "status", "--all", "--json").output)["proposals"]
        if p["id"] == proposal_id
    ]
    assert entry["state"] == "cancelled" and entry["executable_at"] is None

    chain.pending_timestamp += DELAY
    nonce = accounts[3].nonce
    result = invoke(gov_cli.cli, "execute", proposal_id, "--account", COUNCIL[0], "--yes")
    assert one_line_error(result) == f"error: proposal {proposal_id} was cancelled"
    result = invoke(gov_cli.cli, "approve", proposal_id, "--account", COUNCIL[0], "--yes")
    assert one_line_error(result) == (
        f"error: proposal {proposal_id} was cancelled; propose it again if it is wanted"
    )
    result = invoke(gov_cli.cli, "cancel", proposal_id, "--account", COUNCIL[0], "--yes")
    assert one_line_error(result) == f"error: proposal {proposal_id} has already been cancelled"
    assert accounts[3].nonce == nonce
    assert not deployed_registry.hasRole(deployed_registry.ISSUER_ROLE(), wrong)


def test_expired__shown_and_refused(deployed: dict[str, Any], invoke: Any, chain: Any) -> None:
    invoke(
        gov_cli.cli, "propose", "registry", "pause", "-d", "forgotten",
        "--account", COUNCIL[0], "--yes",
    )  # fmt: skip
    proposal_id = proposal_count(deployed)
    result = invoke(gov_cli.cli, "approve", proposal_id, "--account", COUNCIL[1], "--yes")
    assert "; expires " in result.output
    chain.pending_timestamp += DELAY + GRACE
    chain.mine()
    shown = invoke(gov_cli.cli, "status", str(proposal_id))
    assert "expired (not executed in time)" in shown.output, shown.output
    assert "expired " in shown.output
    listed = invoke(gov_cli.cli, "status")
    assert "forgotten" not in listed.output and "1 expired" in listed.output
    [entry] = [
        p
        for p in json.loads(invoke(gov_cli.cli, "status", "--all", "--json").output)["proposals"]
        if p["id"] == proposal_id
    ]
    assert entry["state"] == "expired"
    assert entry["expires_at"] == entry["executable_at"] + GRACE
    result = invoke(gov_cli.cli, "execute", proposal_id, "--account", COUNCIL[2], "--yes")
    assert one_line_error(result).startswith(f"error: proposal {proposal_id} expired at ")
    assert "14 d after it became executable; propose it again" in one_line_error(result)
    # An expired proposal may still be cancelled (the timelock forgets it).
    result = invoke(gov_cli.cli, "cancel", proposal_id, "--account", COUNCIL[2], "--yes")
    assert result.exit_code == 0, result.output


def test_cancel__refusals_before_sending(
    deployed: dict[str, Any], invoke: Any, chain: Any, accounts: Any
) -> None:
    member = accounts[5].address  # COUNCIL[2]
    invoke(
        gov_cli.cli, "propose", "council", "remove_member", member,
        "--account", COUNCIL[0], "--yes",
    )  # fmt: skip
    removal = proposal_count(deployed)
    nonce = accounts[5].nonce
    result = invoke(gov_cli.cli, "cancel", removal, "--account", COUNCIL[2], "--yes")
    assert one_line_error(result) == (
        f"error: proposal {removal} removes {member} from the council: a member cannot veto "
        "their own removal"
    )
    assert accounts[5].nonce == nonce
    # The same removal with bytes appended still removes: refused alike.
    council = council_of(deployed)
    padded = bytes(council.remove_member.encode_input(member)) + b"\x00" * 32
    council.propose([council.address], [padded], "padded", sender=accounts[3])
    result = invoke(
        gov_cli.cli, "cancel", proposal_count(deployed), "--account", COUNCIL[2], "--yes"
    )
    assert "a member cannot veto their own removal" in one_line_error(result)
    assert accounts[5].nonce == nonce
    result = invoke(gov_cli.cli, "cancel", removal, "--account", "TEST::1", "--yes")
    assert one_line_error(result) == f"error: {accounts[1].address} is not a council member"
    result = invoke(gov_cli.cli, "cancel", 999, "--account", COUNCIL[1], "--yes")
    assert one_line_error(result).startswith("error: no proposal 999 (proposals run from 1 to ")
    # Passing the removal makes another open proposal stale: nothing to cancel.
    invoke(gov_cli.cli, "propose", "registry", "pause", "--account", COUNCIL[0], "--yes")
    pending = proposal_count(deployed)
    invoke(gov_cli.cli, "approve", removal, "--account", COUNCIL[1], "--yes")
    chain.pending_timestamp += DELAY
    invoke(gov_cli.cli, "execute", removal, "--account", COUNCIL[1], "--yes")
    result = invoke(gov_cli.cli, "cancel", pending, "--account", COUNCIL[1], "--yes")
    assert one_line_error(result) == (
        f"error: proposal {pending} is stale: it can never be scheduled; nothing to cancel"
    )
    result = invoke(gov_cli.cli, "cancel", removal, "--account", COUNCIL[1], "--yes")
    assert one_line_error(result) == f"error: proposal {removal} has already been executed"
