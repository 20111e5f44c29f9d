"""L2 data fees in the issuance plan (credstack.fees): the unsigned
transaction's bytes, the Fjord upper bound (the OP-stack oracle mock
against the spec's formula), which model a chain gets, the Arbitrum
answer's decoding, and the plan as `ape run issue` prints it with each
model, on ape's embedded chain (the e2e test puts the mock at the real
predeploy address on anvil)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import rlp
from eth_abi.abi import decode, encode
from eth_account import Account

from credstack import fees
from credstack.cli import issue as issue_cli
from credstack.errors import CredstackError
from tests.plan_lines import GWEI, batch_lines, eth, fjord_upper_bound, line, to_eth
from tests.tooling.conftest import learner_rows, write_csv

NORTHWIND = "TEST::1"
SLUG = "sql-querying"
KEY = "0x" + "42" * 32


# Unsigned transactions

TRANSACTIONS = {
    "dynamic-fee": {
        "type": 2,
        "chainId": 8453,
        "nonce": 300,
        "maxPriorityFeePerGas": 1_000_000,
        "maxFeePerGas": 12_345_678,
        "gas": 15_000_000,
        "to": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "value": 0,
        "data": bytes(range(256)) * 3,
        "accessList": [
            {
                "address": "0x420000000000000000000000000000000000000F",
                "storageKeys": ["0x" + "01" * 32],
            }
        ],
    },
    "access-list": {
        "type": 1,
        "chainId": 10,
        "nonce": 0,
        "gasPrice": 7,
        "gas": 21_000,
        "to": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "value": 5,
        "data": b"\x00\x01",
        "accessList": [],
    },
    "legacy": {
        "chainId": 42161,
        "nonce": 127,
        "gasPrice": 10**8,
        "gas": 100_000,
        "to": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "value": 0,
        "data": b"\xff" * 40,
    },
}


@pytest.mark.parametrize("kind", list(TRANSACTIONS))
def test_unsigned_serialization__is_the_signed_transaction_without_its_signature(kind: str) -> None:
    fields = TRANSACTIONS[kind]
    unsigned = fees.unsigned_serialization(fields)
    signed = bytes(Account.sign_transaction(fields, KEY).raw_transaction)
    typed = signed[0] < 0x7F
    items = rlp.decode(signed[1:] if typed else signed)
    v, r, s = (int.from_bytes(x, "big") for x in items[-3:])
    if typed:
        assert unsigned == signed[:1] + rlp.encode(items[:-3])
    else:  # EIP-155: the signed list ends v, r, s where the unsigned one ends chain id, 0, 0
        assert unsigned == rlp.encode([*items[:-3], fields["chainId"], 0, 0])
        v = v - 35 - 2 * int(fields["chainId"])
    # And the signature is over its hash.
    signer = Account._recover_hash(fees.keccak(unsigned), vrs=(v, r, s))
    assert signer == Account.from_key(KEY).address


def test_prepare__the_send_paths_transaction_unsigned(
    deployed_registry: Any, accounts: Any
) -> None:
    data = bytes(deployed_registry.set_class_active.encode_input(1, True))
    tx = fees.prepare(accounts[1].address, deployed_registry.address, data, 100_000)
    fields = rlp.decode(tx.unsigned[1:])
    assert tx.unsigned[0] == 2  # ape's dynamic-fee transaction
    chain_id, nonce, _, _, gas, to, value, calldata, access = fields
    assert int.from_bytes(nonce, "big") == accounts[1].nonce
    assert int.from_bytes(gas, "big") == 100_000
    assert to == bytes.fromhex(deployed_registry.address[2:])
    assert (value, calldata, access) == (b"", data, [])
    assert chain_id  # the embedded chain's id


# The OP-stack oracle mock follows the Fjord formula


@pytest.fixture
def oracle(accounts: Any, project: Any) -> Any:
    """The mock GasPriceOracle at an ordinary address, after Fjord: L1 base
    fee 3 gwei, blob base fee 2 wei, scalars 2,269 and 1,055,762."""
    mock = project.GasPriceOracleMock.deploy(sender=accounts[0])
    mock.set_fjord(True, sender=accounts[0])
    mock.set_fees(3 * GWEI, 2, 2_269, 1_055_762, sender=accounts[0])
    return mock


@pytest.mark.parametrize("size", [0, 40, 110, 638, 29_476, 600_000])
def test_oracle_mock__upper_bound_is_the_fjord_formula(oracle: Any, size: int) -> None:
    expected = fjord_upper_bound(size, 3 * GWEI, 2, 2_269, 1_055_762)
    assert oracle.getL1FeeUpperBound(size) == expected


def test_oracle_mock__before_fjord__reverts_as_the_predeploy_does(
    oracle: Any, accounts: Any
) -> None:
    import ape

    oracle.set_fjord(False, sender=accounts[0])
    with ape.reverts("GasPriceOracle: getL1FeeUpperBound only supports Fjord"):
        oracle.getL1FeeUpperBound(100)


# Which model a chain gets


class FakeNode:
    """A chain as far as fees ask: its id, ape's ecosystem name, code at
    addresses, and canned call answers by (address, selector)."""

    def __init__(
        self,
        chain_id: int = 31337,
        ecosystem: str = "ethereum",
        code: dict[str, bytes] | None = None,
        answers: dict[tuple[str, bytes], bytes | None] | None = None,
    ) -> None:
        self.id, self.name = chain_id, ecosystem
        self.codes = {k.lower(): v for k, v in (code or {}).items()}
        self.answers = {(a.lower(), s): v for (a, s), v in (answers or {}).items()}
        self.calls: list[tuple[str, bytes, str | None]] = []

    def chain_id(self) -> int:
        return self.id

    def ecosystem(self) -> str:
        return self.name

    def code(self, address: str) -> bytes:
        return self.codes.get(address.lower(), b"")

    def call(self, to: str, data: bytes, sender: str | None = None) -> bytes | None:
        self.calls.append((to, data, sender))
        return self.answers.get((to.lower(), data[:4]), b"")


L1_COMPONENT = fees.selector("gasEstimateL1Component(address,bool,bytes)")
UPPER_BOUND = fees.selector("getL1FeeUpperBound(uint256)")
IS_FJORD = fees.selector("isFjord()")
GET_L1_FEE = fees.selector("getL1Fee(bytes)")


@pytest.mark.parametrize("chain_id", [10, 11155420, 8453, 84532])
def test_detect__op_stack_chain_ids__op_stack_without_probing(chain_id: int) -> None:
    node = FakeNode(chain_id)
    assert isinstance(fees.detect(node), fees.OpStack)
    assert node.calls == []


@pytest.mark.parametrize("chain_id", [42161, 421614])
def test_detect__arbitrum_chain_ids__arbitrum_without_probing(chain_id: int) -> None:
    node = FakeNode(chain_id)
    assert isinstance(fees.detect(node), fees.Arbitrum)
    assert node.calls == []


@pytest.mark.parametrize(
    ("ecosystem", "model"),
    [("base", fees.OpStack), ("optimism", fees.OpStack), ("arbitrum", fees.Arbitrum)],
)
def test_detect__ape_ecosystem_name__its_model(ecosystem: str, model: type) -> None:
    assert isinstance(fees.detect(FakeNode(7_777, ecosystem)), model)


def test_detect__unknown_chain_with_the_oracle_predeploy__op_stack() -> None:
    node = FakeNode(7_777, code={fees.GAS_PRICE_ORACLE: b"\x60\x80"})
    assert isinstance(fees.detect(node), fees.OpStack)


def test_detect__unknown_chain_whose_node_answers_node_interface__arbitrum() -> None:
    # NodeInterface has no code: only its answer to eth_call tells.
    answer = encode(["uint64", "uint256", "uint256"], [0, 10**7, 3 * GWEI])
    node = FakeNode(7_777, answers={(fees.NODE_INTERFACE, L1_COMPONENT): answer})
    assert isinstance(fees.detect(node), fees.Arbitrum)


@pytest.mark.parametrize("answer", [b"", None, b"\x01" * 31])
def test_detect__plain_chain__none(answer: bytes | None) -> None:
    node = FakeNode(answers={(fees.NODE_INTERFACE, L1_COMPONENT): answer})
    assert fees.detect(node) is None


def test_detect__embedded_chain__none() -> None:
    assert fees.detect() is None


# Pricing a transaction

TX = fees.Transaction(
    sender="0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    to="0x5FbDB2315678afecb367f032d93F642f64180aa3",
    data=b"\xab" * 500,
    unsigned=b"\x02" + b"\xcd" * 637,
)


def test_op_stack__fjord__upper_bound_for_the_unsigned_size() -> None:
    node = FakeNode(
        8453,
        answers={
            (fees.GAS_PRICE_ORACLE, IS_FJORD): encode(["bool"], [True]),
            (fees.GAS_PRICE_ORACLE, UPPER_BOUND): encode(["uint256"], [123_456]),
        },
    )
    model = fees.OpStack(node)
    assert model.charge(TX) == fees.Charge(123_456, 0)
    assert node.calls[-1] == (fees.GAS_PRICE_ORACLE, UPPER_BOUND + encode(["uint256"], [638]), None)
    assert model.source == "OP-stack GasPriceOracle.getL1FeeUpperBound"


@pytest.mark.parametrize("is_fjord", [encode(["bool"], [False]), None])
def test_op_stack__before_fjord__get_l1_fee_of_the_unsigned_bytes(is_fjord: bytes | None) -> None:
    node = FakeNode(
        10,
        answers={
            (fees.GAS_PRICE_ORACLE, IS_FJORD): is_fjord,
            (fees.GAS_PRICE_ORACLE, GET_L1_FEE): encode(["uint256"], [99]),
        },
    )
    model = fees.OpStack(node)
    assert model.charge(TX).wei == 99
    assert node.calls[-1][1] == GET_L1_FEE + encode(["bytes"], [TX.unsigned])
    assert model.source == "OP-stack GasPriceOracle.getL1Fee, before Fjord"


def test_op_stack__oracle_reverts__one_clear_error() -> None:
    node = FakeNode(
        8453,
        answers={
            (fees.GAS_PRICE_ORACLE, IS_FJORD): encode(["bool"], [True]),
            (fees.GAS_PRICE_ORACLE, UPPER_BOUND): None,
        },
    )
    with pytest.raises(CredstackError, match=r"getL1FeeUpperBound\(638\) reverted"):
        fees.OpStack(node).charge(TX)


def test_arbitrum__gas_for_l1_times_the_l2_base_fee() -> None:
    answer = encode(["uint64", "uint256", "uint256"], [41_250, 10_000_000, 7 * GWEI])
    node = FakeNode(42161, answers={(fees.NODE_INTERFACE, L1_COMPONENT): answer})
    assert fees.Arbitrum(node).charge(TX) == fees.Charge(41_250 * 10_000_000, 41_250)
    to, data, sender = node.calls[-1]
    assert (to, sender) == (fees.NODE_INTERFACE, TX.sender)
    assert decode(["address", "bool", "bytes"], data[4:]) == (TX.to.lower(), False, TX.data)


def test_arbitrum__malformed_answer__one_clear_error() -> None:
    node = FakeNode(42161, answers={(fees.NODE_INTERFACE, L1_COMPONENT): b"\x00" * 40})
    with pytest.raises(CredstackError, match="not \\(uint64, uint256, uint256\\)"):
        fees.Arbitrum(node).charge(TX)


class Flat:
    """A fee model charging 10 wei and 1 gas a byte."""

    source = "flat"

    def charge(self, tx: fees.Transaction) -> fees.Charge:
        return fees.Charge(len(tx.unsigned) * 10, len(tx.unsigned))


def test_data_cost__copies_times_each_charge() -> None:
    short = fees.Transaction(TX.sender, TX.to, b"", b"\x02" * 100)
    cost = fees.data_cost(Flat(), [(TX, 3), (short, 1)])  # type: ignore[arg-type]
    assert (cost.wei, cost.gas, cost.transactions) == (3 * 6_380 + 1_000, 3 * 638 + 100, 4)
    assert [(b.copies, b.size) for b in cost.batches] == [(3, 638), (1, 100)]


def test_plan__execution_less_data_gas__cost_adds_data() -> None:
    from credstack.issuance import Plan

    rows: list[Any] = [None] * 5
    plan = Plan(1, rows, [], [rows[:4], rows[4:]], 4, 1_000, 100, 7, 10**7)
    assert (plan.gas_total, plan.execution_wei, plan.cost_wei) == (2_500, 17_500, 17_500)
    plan.data = fees.data_cost(Flat(), [(TX, 1), (TX, 1)])  # type: ignore[arg-type]
    assert plan.execution_wei == (2_500 - 2 * 638) * 7  # the estimate held the data gas
    assert plan.cost_wei == plan.execution_wei + 2 * 6_380


# The plan `ape run issue` prints


@pytest.fixture
def run_issue(invoke: Any, deployed: Any) -> Any:
    def run(csv_path: Path, *extra: str) -> Any:
        return invoke(
            issue_cli.cli, "--class", SLUG, "--csv", csv_path, "--account", NORTHWIND, *extra
        )

    return run


def test_issue__local_chain__plan_as_before_no_data_cost(run_issue: Any, tmp_path: Path) -> None:
    result = run_issue(write_csv(tmp_path / "a.csv", learner_rows(0, 3)), "--dry-run")
    assert result.exit_code == 0, result.output
    assert line(result.output, "  cost at ").endswith(" ETH")
    assert "data" not in result.output and "total" not in result.output


def test_issue__op_stack__data_cost_is_the_oracles_fee_per_transaction_size(
    run_issue: Any,
    oracle: Any,
    chain: Any,
    tmp_path: Path,
    tooling_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fees, "detect", lambda: fees.OpStack(fees.ChainNode(), oracle.address))
    rows = learner_rows(0, 10)
    result = run_issue(write_csv(tmp_path / "a.csv", rows), "--batch-size", "4", "--yes")
    assert result.exit_code == 0, result.output
    out = result.output
    # Two full batches of 4 and a last one of 2: two sizes, each priced by the oracle.
    batches = batch_lines(out)
    assert [(copies, gas) for copies, _, gas, _, _ in batches] == [(2, 0), (1, 0)]
    for _, size, _, _, fee in batches:
        assert fee == oracle.getL1FeeUpperBound(size)
    data = line(out, "  L1 data cost (")
    assert data.startswith("  L1 data cost (OP-stack GasPriceOracle.getL1FeeUpperBound): ")
    assert eth(data) == to_eth(sum(copies * fee for copies, _, _, _, fee in batches))
    # The gas estimate is execution alone (the fee is charged apart from gas).
    execution = line(out, "  execution cost at ")
    assert execution.endswith(" ETH")
    assert abs(eth(line(out, "  total:")) - eth(execution) - eth(data)) <= Decimal("2e-9")
    assert "  cost at " not in out
    # The sizes are the sent transactions' (the nonce and fees may move a byte).
    sent = [unsigned_size(chain, tx) for tx in sent_transactions(tooling_env)]
    assert len(sent) == 3
    planned = [batches[0][1], batches[0][1], batches[1][1]]
    assert all(abs(size - plan) <= 1 for size, plan in zip(sent, planned, strict=True))


def sent_transactions(out: Path) -> list[str]:
    [path] = (out / "issuance").rglob(f"{SLUG}-*.receipts.csv")
    with path.open() as f:
        return list(dict.fromkeys(row["transaction"] for row in csv.DictReader(f)))


def unsigned_size(chain: Any, tx: str) -> int:
    fields = dict(chain.provider.web3.eth.get_transaction(tx))
    fields["data"] = fields["input"]
    return len(fees.unsigned_serialization(fields))


def test_issue__arbitrum__data_gas_out_of_execution_priced_at_the_base_fee(
    run_issue: Any,
    accounts: Any,
    project: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base_fee = 2 * GWEI // 100
    node_interface = project.NodeInterfaceMock.deploy(sender=accounts[0])
    node_interface.set_prices(16, base_fee, 30 * GWEI, sender=accounts[0])
    monkeypatch.setattr(
        fees, "detect", lambda: fees.Arbitrum(fees.ChainNode(), node_interface.address)
    )
    result = run_issue(
        write_csv(tmp_path / "a.csv", learner_rows(0, 10)), "--batch-size", "4", "--dry-run"
    )
    assert result.exit_code == 0, result.output
    out = result.output
    # issue_batch(class, holders, scores, hashes): the selector, 4 head
    # words, 3 arrays of a length word and a word per row. The mock charges
    # 16 gas a calldata byte: the real calldata went to NodeInterface.
    gas = {rows: 16 * (4 + 4 * 32 + 3 * 32 * (rows + 1)) for rows in (4, 2)}
    batches = batch_lines(out)
    assert [(copies, g, fee_per_gas, fee) for copies, _, g, fee_per_gas, fee in batches] == [
        (2, gas[4], base_fee, gas[4] * base_fee),
        (1, gas[2], base_fee, gas[2] * base_fee),
    ]
    data_gas = 2 * gas[4] + gas[2]
    execution = line(out, "  execution cost at ")
    assert execution.endswith(f" ETH (the estimate less {data_gas:,} gas for L1 data)")
    data = line(out, "  L1 data cost (")
    assert data.startswith("  L1 data cost (Arbitrum NodeInterface.gasEstimateL1Component): ")
    assert eth(data) == to_eth(data_gas * base_fee)
    assert abs(eth(line(out, "  total:")) - eth(execution) - eth(data)) <= Decimal("2e-9")
    assert out.splitlines()[-1] == "dry run: nothing sent"
