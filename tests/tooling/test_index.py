"""credstack.index against a chain kept in Python (a fake node answering
raw JSON-RPC): tables from ABIs, decoding of every ABI type, incremental
sync, refused ranges, interruption, node errors, reorgs, the unconfirmed
tail, and files of another chain. The real chains are in
tests/tooling/test_index_chain.py (embedded) and tests/e2e/test_index_anvil.py."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import encode
from eth_utils import keccak, to_checksum_address

from credstack.deployments import Deployment
from credstack.index import Index, IndexFileError, NodeError
from credstack.index.rpc import Flaky, Rpc

ALPHA = to_checksum_address("0x" + "a1" * 20)
BETA = to_checksum_address("0x" + "b2" * 20)
STRANGER = to_checksum_address("0x" + "c3" * 20)


def ev(name: str, *inputs: tuple[str, str, bool] | dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "event",
        "name": name,
        "anonymous": False,
        "inputs": [
            i if isinstance(i, dict) else {"name": i[0], "type": i[1], "indexed": i[2]}
            for i in inputs
        ],
    }


PAIRS = {
    "name": "pairs",
    "type": "tuple[]",
    "indexed": False,
    "components": [{"name": "a", "type": "uint256"}, {"name": "bName", "type": "string"}],
}
ABIS = {
    # The registry and renderer fields of a Deployment carry these type names.
    "CredentialRegistry": [
        ev("Issued", ("token", "uint256", True), ("holder", "address", True),
           ("score", "uint256", False), ("evidence", "bytes32", False)),
        ev("Note", ("text", "string", False), ("delta", "int256", False),
           ("small", "uint8", False), ("blob", "bytes", False), ("list", "address[]", False),
           PAIRS),
        ev("Same", ("who", "address", True)),
        ev("Clash", ("x", "uint256", False)),
        ev("Hidden", ("block_number", "uint64", False), ("address_", "bool", False)),
    ],
    "CredentialRenderer": [
        ev("Same", ("who", "address", True)),
        ev("Clash", ("x", "address", False)),
        ev("Tagged", ("tag", "string", True), ("_fromTokenId", "bytes32", False)),
    ],
}  # fmt: skip
CHAIN_ID = 31337


def topic0(event: dict[str, Any]) -> str:
    from credstack.index.schema import signature

    return "0x" + keccak(text=signature(event)).hex()


def find(contract: str, name: str) -> dict[str, Any]:
    return next(e for e in ABIS[contract] if e["name"] == name)


def word(value: int | str) -> str:
    if isinstance(value, str):
        return "0x" + value.lower()[2:].rjust(64, "0")
    return "0x" + value.to_bytes(32, "big").hex()


def log_of(address: str, event: dict[str, Any], topics: Sequence[str], data: bytes = b"") -> dict:
    return {"address": address.lower(), "topics": [topic0(event), *topics], "data": data}


def issued(token: int, holder: str, score: int = 8_000) -> dict[str, Any]:
    data = encode(["uint256", "bytes32"], [score, keccak(text=f"e{token}")])
    return log_of(ALPHA, find("CredentialRegistry", "Issued"), [word(token), word(holder)], data)


class FakeChain(Rpc):
    """Blocks (hash, timestamp, logs) answered as a node's JSON-RPC: batch
    requests, `finalized` when asked, eth_getLogs refused over ``max_range``."""

    def __init__(self, chain_id: int = CHAIN_ID, max_range: int | None = None) -> None:
        super().__init__(backoff=(0, 0))
        self.chain_id = chain_id
        self.max_range = max_range
        self.finalized: int | None = None
        self.blocks: list[tuple[str, int, list[dict[str, Any]]]] = []
        self.ranges: list[tuple[int, int]] = []
        self.fork = 0
        self.mine(1)  # genesis

    def mine(self, count: int = 1, logs: Sequence[dict[str, Any]] = ()) -> int:
        for i in range(count):
            n = len(self.blocks)
            block_hash = "0x" + keccak(text=f"{self.fork}-{n}").hex()
            self.blocks.append((block_hash, 1_700_000_000 + 12 * n, list(logs) if i == 0 else []))
        return len(self.blocks) - 1

    def reorg(self, keep: int) -> None:
        """Blocks above ``keep`` are replaced by empty blocks of new hashes."""
        self.fork += 1
        count = len(self.blocks) - keep - 1
        del self.blocks[keep + 1 :]
        self.mine(count)

    def _answer(self, method: str, params: list[Any]) -> Any:
        if method == "eth_chainId":
            return hex(self.chain_id)
        if method == "eth_blockNumber":
            return hex(len(self.blocks) - 1)
        if method == "eth_getBlockByNumber":
            tag = params[0]
            if tag == "finalized":
                if self.finalized is None:
                    raise LookupError("unknown block tag")
                tag = hex(self.finalized)
            n = int(tag, 16)
            if n >= len(self.blocks):
                return None
            return {
                "number": hex(n),
                "hash": self.blocks[n][0],
                "timestamp": hex(self.blocks[n][1]),
            }
        if method == "eth_getLogs":
            query = params[0]
            first, last = int(query["fromBlock"], 16), int(query["toBlock"], 16)
            if self.max_range is not None and last - first + 1 > self.max_range:
                raise LookupError(f"range too wide (at most {self.max_range} blocks)")
            self.ranges.append((first, last))
            wanted = {a.lower() for a in query["address"]}
            out = []
            for n in range(first, min(last, len(self.blocks) - 1) + 1):
                block_hash, _, logs = self.blocks[n]
                for i, entry in enumerate(logs):
                    if entry["address"] in wanted:
                        out.append(
                            {
                                **entry,
                                "data": "0x" + entry["data"].hex(),
                                "blockNumber": hex(n),
                                "blockHash": block_hash,
                                "transactionHash": "0x" + keccak(text=f"tx{n}").hex(),
                                "logIndex": hex(i),
                                "removed": False,
                            }
                        )
            return out
        raise LookupError(f"unknown method {method}")

    def _one(self, request: dict[str, Any]) -> dict[str, Any]:
        try:
            result = self._answer(request["method"], request["params"])
        except LookupError as err:
            return {
                "jsonrpc": "2.0",
                "id": request["id"],
                "error": {"code": -32000, "message": str(err)},
            }
        return {"jsonrpc": "2.0", "id": request["id"], "result": result}

    def _send(self, payload: Any, timeout: float | None, logs: bool = False) -> Any:
        if isinstance(payload, list):
            return [self._one(p) for p in payload]
        return self._one(payload)


def deployment(chain_id: int = CHAIN_ID, registry: str = ALPHA) -> Deployment:
    return Deployment(
        chain_id=chain_id,
        network="ethereum:local:test",
        registry=registry,
        renderer=BETA,
        deployer=STRANGER,
        block_number=1,
        block_hash="0x" + "00" * 32,
    )


def open_index(path: Path, **kwargs: Any) -> Index:
    return Index.open(deployment(**kwargs), path, abis=ABIS)


def rows(index: Index, table: str) -> list[tuple[Any, ...]]:
    return index.connection.execute(
        f'SELECT * FROM "{table}" ORDER BY block_number, log_index'
    ).fetchall()


def everything(index: Index) -> dict[str, list[tuple[Any, ...]]]:
    return {t: rows(index, t) for t in index.tables()}


def busy_chain(blocks: int = 30) -> FakeChain:
    node = FakeChain()
    for n in range(blocks):
        node.mine(1, [issued(n + 1, to_checksum_address(keccak(text=f"h{n}")[:20]))])
        if n % 3 == 0:
            node.mine(1, [log_of(BETA, find("CredentialRenderer", "Same"), [word(ALPHA)])])
    return node


def test_tables_follow_the_abis(tmp_path: Path) -> None:
    with open_index(tmp_path / "i.duckdb") as index:
        assert index.tables() == [
            "credential_registry_clash",
            "credential_renderer_clash",
            "hidden",
            "issued",
            "note",
            "same",
            "tagged",
        ]
        c = index.connection
        described = {r[0]: r[1] for r in c.execute("DESCRIBE note").fetchall()}
        assert list(described)[:6] == [
            "block_number", "block_time", "tx_hash", "log_index", "address", "contract",
        ]  # fmt: skip
        assert list(described.values())[:6] == [
            "UBIGINT", "TIMESTAMP", "VARCHAR", "UINTEGER", "VARCHAR", "VARCHAR",
        ]  # fmt: skip
        assert {k: v for k, v in described.items() if k not in list(described)[:6]} == {
            "text": "VARCHAR",
            "delta": "HUGEINT",
            "small": "UBIGINT",
            "blob": "VARCHAR",
            "list": "VARCHAR[]",
            "pairs": "STRUCT(a UHUGEINT, b_name VARCHAR)[]",
        }
        # Names a leading column has are prefixed; trailing underscores go.
        hidden = [r[0] for r in c.execute("DESCRIBE hidden").fetchall()][6:]
        assert hidden == ["arg_block_number", "arg_address"]
        tagged = {r[0]: r[1] for r in c.execute("DESCRIBE tagged").fetchall()}
        assert (tagged["tag"], tagged["from_token_id"]) == ("VARCHAR", "VARCHAR")
        catalog = dict(c.execute('SELECT "table", contracts FROM _events').fetchall())
        assert catalog["same"] == ["CredentialRegistry", "CredentialRenderer"]
        assert catalog["credential_renderer_clash"] == ["CredentialRenderer"]
        assert c.execute("SELECT count(*) FROM final.issued").fetchone() == (0,)


def test_every_type_is_decoded(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    holder = to_checksum_address("0x" + "5a" * 20)
    big = 2**200
    note = encode(
        ["string", "int256", "uint8", "bytes", "address[]", "(uint256,string)[]"],
        ["x", -(2**100), 7, b"\x01\x02", [holder, ALPHA], [(5, "five"), (big, "big")]],
    )
    # The same with invalid UTF-8 in the string (the contract emits what it likes).
    bad_text = note.replace(b"x" + b"\x00" * 31, b"\xff" + b"\x00" * 31, 1)
    node = FakeChain()
    node.mine(
        1,
        [
            issued(1, holder),
            log_of(ALPHA, find("CredentialRegistry", "Issued"), [word(big), word(holder)],
                   encode(["uint256", "bytes32"], [2**128 - 1, b"\xee" * 32])),
            log_of(ALPHA, find("CredentialRegistry", "Note"), [], note),
            log_of(ALPHA, find("CredentialRegistry", "Note"), [], bad_text),
            log_of(BETA, find("CredentialRenderer", "Tagged"),
                   ["0x" + keccak(text="t").hex()], b"\xab" * 32),
            log_of(BETA, find("CredentialRenderer", "Clash"), [], encode(["address"], [holder])),
            log_of(ALPHA, find("CredentialRegistry", "Clash"), [], encode(["uint256"], [9])),
            log_of(STRANGER, find("CredentialRegistry", "Issued"), [word(3), word(holder)],
                   encode(["uint256", "bytes32"], [1, b"\x00" * 32])),
        ],
    )  # fmt: skip
    with caplog.at_level(logging.WARNING, "credstack.index"), open_index(tmp_path / "i") as index:
        result = index.sync(node)
        c = index.connection
        assert result.events == 7  # the stranger's log is not the deployment's
        first, second = c.execute(
            "SELECT token, holder, score, evidence, block_time, tx_hash, address, contract "
            "FROM issued ORDER BY log_index"
        ).fetchall()
        assert first[:4] == (1, holder, 8_000, "0x" + keccak(text="e1").hex())
        assert str(first[4]) == "2023-11-14 22:13:32"  # block 1's timestamp, UTC
        assert first[5] == "0x" + keccak(text="tx1").hex()
        assert first[6:] == (ALPHA, "CredentialRegistry")
        # 2**200 does not fit UHUGEINT: NULL, and a warning says where.
        assert second[:4] == (None, holder, 2**128 - 1, "0x" + "ee" * 32)
        assert "Issued in block 1: field token does not fit" in caplog.text
        leading = "block_number, block_time, tx_hash, log_index, address, contract"
        good, bad = c.execute(
            f"SELECT * EXCLUDE ({leading}) FROM note ORDER BY log_index"
        ).fetchall()
        assert good == (
            "x",
            -(2**100),
            7,
            "0x0102",
            [holder, ALPHA],
            [{"a": 5, "b_name": "five"}, {"a": None, "b_name": "big"}],
        )
        assert bad[0] == "\ufffd"
        assert "Note in block 1: field pairs does not fit" in caplog.text
        assert c.execute("SELECT tag, from_token_id FROM tagged").fetchall() == [
            ("0x" + keccak(text="t").hex(), "0x" + "ab" * 32)
        ]
        assert c.execute("SELECT x FROM credential_renderer_clash").fetchall() == [(holder,)]
        assert c.execute("SELECT x FROM credential_registry_clash").fetchall() == [(9,)]


def test_a_rerun_fetches_only_new_blocks_and_ranges_adapt(tmp_path: Path) -> None:
    node = busy_chain()
    node.max_range = 8  # wider ranges are refused: the sync narrows them
    with open_index(tmp_path / "i") as index:
        first = index.sync(node, first_span=32)
        assert first.events == 40 and first.head == len(node.blocks) - 1
        assert all(last - start < 8 for start, last in node.ranges)
        assert max(last - start for start, last in node.ranges) == 7  # grew back after halving
        node.ranges.clear()
        top = node.mine(5, [issued(99, STRANGER)])
        again = index.sync(node)
        assert (again.start, again.events) == (first.head + 1, 1)
        assert node.ranges[0][0] == first.head + 1
        assert rows(index, "issued")[-1][0] == top - 4
        assert index.sync(node).events == 0


def test_an_interrupted_sync_loses_and_repeats_nothing(tmp_path: Path) -> None:
    node = busy_chain()
    with open_index(tmp_path / "fresh") as fresh:
        fresh.sync(node)
        expected = everything(fresh)
    chunks: list[int] = []

    def stop_after_three(last: int, events: int) -> None:
        chunks.append(last)
        if len(chunks) == 3:
            raise KeyboardInterrupt

    path = tmp_path / "i"
    with open_index(path) as index, pytest.raises(KeyboardInterrupt):
        index.sync(node, first_span=4, max_span=4, on_chunk=stop_after_three)
    with open_index(path) as index:
        assert index.final_block == chunks[-1] == 12
        assert index.connection.execute("SELECT max(block_number) FROM issued").fetchone()[0] <= 12
        index.sync(node, first_span=4, max_span=4)
        assert everything(index) == expected


def test_a_node_error_is_retried_then_one_line_and_the_index_stays(tmp_path: Path) -> None:
    node = busy_chain()
    with open_index(tmp_path / "fresh") as fresh:
        fresh.sync(node)
        expected = everything(fresh)
    # Two lost requests: retried, nothing shows.
    with open_index(tmp_path / "blip") as index:
        index.sync(Flaky(node, lambda n: n in (4, 5), backoff=(0, 0, 0)), first_span=4, max_span=4)
        assert everything(index) == expected
    # A node that goes away for good after ten requests.
    path = tmp_path / "i"
    with open_index(path) as index:
        gone = Flaky(node, lambda n: n > 10, backoff=(0, 0))
        with pytest.raises(NodeError) as raised:
            index.sync(gone, first_span=4, max_span=4)
        assert "\n" not in str(raised.value)
        assert "did not answer" in str(raised.value) and "after 3 tries" in str(raised.value)
        kept = index.final_block
        assert kept > 1 and kept % 4 == 0  # the last committed chunk
    with open_index(path) as index:
        assert index.final_block == kept
        index.sync(node)
        assert everything(index) == expected


def test_a_reorg_rolls_back_to_the_fork_point(tmp_path: Path) -> None:
    node = busy_chain()
    with open_index(tmp_path / "i") as index:
        index.sync(node)
        node.reorg(keep=20)
        node.mine(2, [issued(500, STRANGER)])
        result = index.sync(node)
        # Block 20 had an event and still stands: the fork point.
        assert result.reorg == 20
        with open_index(tmp_path / "fresh") as fresh:
            fresh.sync(node)
            assert everything(index) == everything(fresh)
        assert rows(index, "issued")[-1][6:8] == (500, STRANGER)


def test_the_unconfirmed_tail_is_kept_apart_and_replaced(tmp_path: Path) -> None:
    node = busy_chain(6)
    head = len(node.blocks) - 1
    with open_index(tmp_path / "i") as index:
        c = index.connection
        result = index.sync(node, confirmations=3)
        assert (result.final_block, result.head) == (head - 3, head)
        assert result.tail_events == 3  # blocks 6 (same), 7 and 8 (issued)
        assert c.execute("SELECT count(*) FROM issued").fetchone() == (6,)
        assert c.execute("SELECT count(*) FROM final.issued").fetchone() == (4,)
        # The tail changes (a shallow reorg): the next run replaces it.
        node.reorg(keep=head - 2)
        again = index.sync(node, confirmations=3)
        assert again.reorg is None and again.start == head - 2
        assert c.execute("SELECT count(*) FROM issued").fetchone() == (4,)
        with open_index(tmp_path / "fresh") as fresh:
            fresh.sync(node)
            assert everything(index) == everything(fresh)


def test_final_blocks_come_from_the_node_or_confirmations(tmp_path: Path) -> None:
    node = busy_chain(10)
    node.chain_id = 8453
    head = len(node.blocks) - 1
    with open_index(tmp_path / "a", chain_id=8453) as index:
        assert index.sync(node).final_block == head - 12  # no `finalized`: 12 confirmations
        node.finalized = head - 2
        assert index.sync(node).final_block == head - 2


def test_a_file_of_another_chain_or_registry_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "i.duckdb"
    with open_index(path) as index:
        index.sync(busy_chain(2))
    with pytest.raises(IndexFileError) as raised:
        open_index(path, registry=STRANGER)
    assert str(raised.value) == (
        f"{path} is the index of chain {CHAIN_ID} registry {ALPHA}, not of this deployment "
        f"(chain {CHAIN_ID} registry {STRANGER}): give another index file"
    )
    with pytest.raises(IndexFileError, match=f"chain {CHAIN_ID} registry {ALPHA}, not of this "
                       f"deployment \\(chain 1 registry {ALPHA}\\)"):  # fmt: skip
        open_index(path, chain_id=1)
    with open_index(path) as index, pytest.raises(IndexFileError) as raised:
        index.sync(FakeChain(chain_id=10))
    assert str(raised.value).startswith(
        f"the node is chain 10, but {path} indexes chain {CHAIN_ID}"
    )


def test_progress_shows_blocks_and_events_per_second(tmp_path: Path) -> None:
    stream = io.StringIO()
    with open_index(tmp_path / "i") as index:
        index.sync(busy_chain(), progress=stream, first_span=4, max_span=4)
    last = stream.getvalue().split("\r")[-1]
    assert last.startswith("index [########################] 40 of 40 blocks, 40 events, ")
    assert last.endswith(" events/s\n")
