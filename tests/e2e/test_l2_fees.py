"""The OP-stack data fee end to end: the GasPriceOracle mock's runtime code
is put at the predeploy address of the shared anvil (anvil_setCode), so
`ape run issue`, a separate process on a chain that is not Base or Optimism
by its id, finds the oracle by probing, and prices every transaction length
of its plan with it. The plan's sizes are checked against the transactions
that were then sent, and the fee against the oracle's own answer."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import rlp
from eth_abi.abi import decode, encode

from credstack.anvil import Anvil
from credstack.fees import GAS_PRICE_ORACLE, selector
from tests.e2e.conftest import Cli
from tests.plan_lines import GWEI, batch_lines, eth, fjord_upper_bound, line, to_eth
from tests.tooling.conftest import learner_rows, write_csv

SLUG, ISSUER = "applied-statistics", "TEST::2"
# anvil's last default account sets the oracle up; no test signs with it.
OPERATOR = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"
# L1 base fee, blob base fee, base fee scalar, blob base fee scalar.
FEES = (3 * GWEI, 2, 2_269, 1_055_762)


def send(anvil: Anvil, signature: str, types: list[str], args: list[Any]) -> None:
    call = selector(signature) + encode(types, args)
    tx = anvil.rpc(
        "eth_sendTransaction", {"from": OPERATOR, "to": GAS_PRICE_ORACLE, "data": "0x" + call.hex()}
    )
    for _ in range(100):  # anvil mines at once, but under load the receipt may lag
        if (receipt := anvil.rpc("eth_getTransactionReceipt", tx)) is not None:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"{signature}: {tx} not mined")
    assert int(receipt["status"], 16) == 1


def upper_bound(anvil: Anvil, size: int) -> int:
    call = selector("getL1FeeUpperBound(uint256)") + encode(["uint256"], [size])
    answer = anvil.rpc("eth_call", {"to": GAS_PRICE_ORACLE, "data": "0x" + call.hex()}, "latest")
    return int(decode(["uint256"], bytes.fromhex(answer[2:]))[0])


@pytest.fixture
def op_oracle(anvil: Anvil, project: Any) -> Iterator[None]:
    """The mock's runtime code at 0x42..0F, after Fjord, with FEES; the code
    is taken away again so that the other tests' chain has no data fee."""
    code = project.GasPriceOracleMock.contract_type.runtime_bytecode.bytecode
    anvil.rpc("anvil_setCode", GAS_PRICE_ORACLE, code)
    try:
        send(anvil, "set_fjord(bool)", ["bool"], [True])
        send(anvil, "set_fees(uint256,uint256,uint32,uint32)", ["uint256"] * 2 + ["uint32"] * 2,
             list(FEES))  # fmt: skip
        yield
    finally:
        anvil.rpc("anvil_setCode", GAS_PRICE_ORACLE, "0x")


def unsigned_size(anvil: Anvil, tx: str) -> int:
    """The size of a sent transaction's unsigned serialization: its raw
    (signed) bytes without the signature's three fields."""
    raw = bytes.fromhex(anvil.rpc("eth_getRawTransactionByHash", tx)[2:])
    assert raw[0] == 2  # a dynamic-fee transaction, as the plan built
    return 1 + len(rlp.encode(rlp.decode(raw[1:])[:-3]))


def test_issue__op_stack_oracle_at_the_predeploy__plan_prices_each_transaction_size(
    deployed: Cli, anvil: Anvil, op_oracle: None, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "l2.csv", learner_rows(9_000, 10))
    result = deployed.run(
        "issue", "--class", SLUG, "--csv", path, "--account", ISSUER, "--batch-size", 4, "--yes"
    )
    out = result.stdout
    assert "issued 10 credential(s) in 3 transaction(s)" in out
    # Two full batches of 4, the last of 2: each length's fee is the oracle's
    # upper bound for its size (and the spec's formula gives the same).
    batches = batch_lines(out)
    assert [copies for copies, *_ in batches] == [2, 1]
    for _, size, _, _, fee in batches:
        assert fee == upper_bound(anvil, size) == fjord_upper_bound(size, *FEES)
    data = line(out, "  L1 data cost (")
    assert data.startswith("  L1 data cost (OP-stack GasPriceOracle.getL1FeeUpperBound): ")
    assert eth(data) == to_eth(sum(copies * fee for copies, _, _, _, fee in batches))
    execution = line(out, "  execution cost at ")
    assert abs(eth(line(out, "  total:")) - eth(execution) - eth(data)) <= Decimal("2e-9")
    # The sizes are those of the transactions sent (nonce and fees may move a byte).
    [receipts] = (deployed.out / "issuance").rglob(f"{SLUG}-l2.receipts.csv")
    with receipts.open() as f:
        sent = list(dict.fromkeys(row["transaction"] for row in csv.DictReader(f)))
    planned = [batches[0][1], batches[0][1], batches[1][1]]
    sizes = [unsigned_size(anvil, tx) for tx in sent]
    assert len(sizes) == 3
    assert all(abs(size - plan) <= 1 for size, plan in zip(sizes, planned, strict=True))
