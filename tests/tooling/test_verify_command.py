"""`ape run verify`: a token or a holder, as a table or JSON, with the reason
a credential is not valid and whether an evidence file matches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from credstack.cli import issue as issue_cli
from credstack.cli import verify as verify_cli
from tests.tooling.conftest import wallet, write_csv


@pytest.fixture
def issued(invoke: Any, deployed: Any, tmp_path: Path, tooling_env: Path) -> dict[str, Any]:
    """Two SQL credentials issued through `issue`, evidence from files."""
    (tmp_path / "a.txt").write_text("exam A")
    (tmp_path / "b.txt").write_text("exam B")
    rows = [[wallet(0), "91.5", "a.txt", "S-1"], [wallet(1), "80", "b.txt", "S-2"]]
    path = write_csv(tmp_path / "cohort.csv", rows)
    result = invoke(
        issue_cli.cli, "--class", "sql-querying", "--csv", path, "--account", "TEST::1", "--yes"
    )
    assert result.exit_code == 0, result.output
    [receipts] = (tooling_env / "issuance").rglob("*.receipts.json")
    return {r["wallet"]: r for r in json.loads(receipts.read_text())} | {"dir": tmp_path}


def verify_json(invoke: Any, *args: str) -> Any:
    result = invoke(verify_cli.cli, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_verify__token__valid_with_issuer_class_and_score(invoke: Any, issued: Any) -> None:
    record = verify_json(invoke, "--token", "1")
    assert record["valid"] is True
    assert record["status"] == "active" and record["reason"] == ""
    assert record["class_name"] == "SQL Querying"
    assert record["issuer"] == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    assert record["holder"] == wallet(0)
    assert record["score"] == "91.5" and record["min_score"] == "75"
    assert record["evidence_hash"] == issued[wallet(0)]["evidence_hash"]
    assert record["issue_transaction"] == issued[wallet(0)]["transaction"]
    assert record["expires_at"] - record["issued_at"] == 730 * 86_400


def test_verify__evidence_and_salt__match_and_mismatch(invoke: Any, issued: Any) -> None:
    salt = issued[wallet(0)]["salt"]
    right = verify_json(
        invoke, "--token", "1", "--evidence", str(issued["dir"] / "a.txt"), "--salt", salt
    )
    assert right["evidence_matches"] is True
    wrong_file = verify_json(
        invoke, "--token", "1", "--evidence", str(issued["dir"] / "b.txt"), "--salt", salt
    )
    assert wrong_file["evidence_matches"] is False
    other_salt = issued[wallet(1)]["salt"]
    wrong_salt = verify_json(
        invoke, "--token", "1", "--evidence", str(issued["dir"] / "a.txt"), "--salt", other_salt
    )
    assert wrong_salt["evidence_matches"] is False


def test_verify__revoked__reason_shown(
    invoke: Any, issued: Any, deployed_registry: Any, accounts: Any
) -> None:
    deployed_registry.revoke(2, "exam taken by someone else", sender=accounts[1])
    record = verify_json(invoke, "--token", "2")
    assert (record["valid"], record["status"]) == (False, "revoked")
    assert record["reason"] == "revoked: exam taken by someone else"


def test_verify__suspended_and_expired__reason_shown(
    invoke: Any, issued: Any, deployed_registry: Any, accounts: Any, chain: Any
) -> None:
    deployed_registry.suspend(1, sender=accounts[1])
    assert verify_json(invoke, "--token", "1")["reason"] == "suspended by the issuer"
    chain.pending_timestamp += 731 * 86_400
    chain.mine()
    record = verify_json(invoke, "--token", "2")
    assert record["status"] == "expired"
    assert record["reason"] == f"expired on {record['expires']}"


def test_verify__holder__lists_held_credentials(
    invoke: Any, issued: Any, deployed_registry: Any, deployed: Any, accounts: Any
) -> None:
    passes = deployed["classes"]["mentor-session-pass"].class_id
    deployed_registry.issue(passes, wallet(0), 0, b"\x00" * 32, sender=accounts[2])
    records = verify_json(invoke, "--holder", wallet(0))
    assert [(r["token_id"], r["class_name"]) for r in records] == [
        (1, "SQL Querying"),
        (3, "Mentor Session Pass"),
    ]
    assert verify_json(invoke, "--holder", wallet(9)) == []


def test_verify__table__for_people(invoke: Any, issued: Any) -> None:
    result = invoke(verify_cli.cli, "--holder", wallet(0))
    assert result.exit_code == 0, result.output
    assert "│ valid " in result.output and "│ yes " in result.output
    assert "SQL Querying" in result.output


def test_verify__unknown_token__one_line(invoke: Any, issued: Any) -> None:
    result = invoke(verify_cli.cli, "--token", "99")
    assert result.exit_code == 1
    assert result.output.splitlines() == ["error: token 99: no such credential on this registry"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "error: give one of --token ID, --holder ADDRESS or --class SLUG|ID"),
        (("--token", "1", "--salt", "0x" + "11" * 32),
         "error: --evidence and --salt go together, with --token"),
        (("--holder", wallet(0).lower()),
         f"error: --holder '{wallet(0).lower()}': no EIP-55 checksum (all one case): "
         "copy the address as the wallet shows it"),
    ],
    ids=["nothing", "salt-alone", "lowercase-holder"],
)  # fmt: skip
def test_verify__bad_options__one_line(
    invoke: Any, deployed: Any, args: tuple[str, ...], message: str
) -> None:
    result = invoke(verify_cli.cli, *args)
    assert result.exit_code == 1
    assert result.output.splitlines() == [message]


def test_verify__bad_salt__one_line(invoke: Any, issued: Any) -> None:
    result = invoke(
        verify_cli.cli, "--token", "1", "--evidence", str(issued["dir"] / "a.txt"), "--salt", "0x12"
    )
    assert result.output.splitlines() == ["error: --salt '0x12': expected 0x + 64 hex digits"]


# A registry whose strings are not UTF-8 (issue 12, finding 5): a foreign
# contract, or a credstack registry deployed before class text had to be UTF-8.

LATIN1_NAME = "Café Data".encode("latin-1")
BAD_URI = b"ipfs://\xff\xfe"
BAD_REASON = b"fraud \xc0"
MARKUP_NAME = "Data [/bold] Analysis"  # valid UTF-8 that rich would read as markup


@pytest.fixture
def foreign(
    accounts: Any, chain: Any, project: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Any:
    """The mock as the deployment's registry: wallet(0) holds token 1 (class 1,
    name and URI not UTF-8) and had token 2 (class 2, markup in its name),
    revoked with a reason that is not UTF-8."""
    from credstack import deployments

    mock = project.ForeignRegistryMock.deploy(sender=accounts[0])
    height = chain.blocks.height
    monkeypatch.setenv("CREDSTACK_DEPLOYMENTS_DIR", str(tmp_path / "foreign"))
    deployments.write(
        deployments.Deployment(
            chain_id=int(chain.chain_id),
            network="ethereum:local:test",
            registry=mock.address,
            renderer=mock.address,
            deployer=accounts[0].address,
            block_number=height,
            block_hash=chain.blocks[height].hash.hex(),
        )
    )
    mock.add_class(1, LATIN1_NAME, BAD_URI, sender=accounts[1])
    mock.add_class(2, MARKUP_NAME.encode(), b"ipfs://ok", sender=accounts[1])
    mock.issue(1, 1, wallet(0), sender=accounts[1])
    mock.issue(2, 2, wallet(0), sender=accounts[1])
    mock.revoke(2, BAD_REASON, sender=accounts[1])
    return mock


def test_verify__holder__text_not_utf8_shown_as_flagged_hex(invoke: Any, foreign: Any) -> None:
    records = verify_json(invoke, "--holder", wallet(0))
    assert [(r["token_id"], r["status"]) for r in records] == [(1, "active"), (2, "revoked")]
    assert records[0]["class_name"] == f"0x{LATIN1_NAME.hex()} (not UTF-8)"
    assert records[0]["class_uri"] == f"0x{BAD_URI.hex()} (not UTF-8)"
    assert records[1]["class_name"] == MARKUP_NAME
    assert records[1]["reason"] == f"revoked: 0x{BAD_REASON.hex()} (not UTF-8)"


def test_verify__holder_table__text_not_utf8_or_markup(invoke: Any, foreign: Any) -> None:
    result = invoke(verify_cli.cli, "--holder", wallet(0))
    assert result.exit_code == 0, result.output
    assert f"0x{LATIN1_NAME.hex()}" in result.output
    assert "(not UTF-8)" in result.output
    assert "[/bold]" in result.output  # printed as it is, not read as markup


def test_registry__classes_created__name_not_utf8(foreign: Any, accounts: Any) -> None:
    from credstack.registry import Registry

    found = Registry.at(foreign.address).classes_created(accounts[1].address)
    assert found == {f"0x{LATIN1_NAME.hex()} (not UTF-8)": 1, MARKUP_NAME: 2}
