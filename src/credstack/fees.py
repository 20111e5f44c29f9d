"""L2 data fees: what a transaction pays, besides its execution gas, for its
data to be published on L1, so that a plan on an L2 shows its whole cost.

Two fee models; `detect` picks one for the connected chain:

- **OP stack** (Base, Optimism, and any chain with the GasPriceOracle
  predeploy at 0x420000000000000000000000000000000000000F). After the Fjord
  upgrade the oracle's ``getL1FeeUpperBound(unsignedTxSize)`` prices a
  transaction by the size of its unsigned RLP serialization: it adds 68 bytes
  for the signature, takes FastLZ's worst case ``size + size / 255 + 16``,
  and applies Fjord's cost ``max(-42_585_600 + 836_500 * flz, 100e6) *
  (baseFeeScalar * l1BaseFee * 16 + blobBaseFeeScalar * blobBaseFee) / 1e12``
  (Optimism's specs, protocol/fjord/predeploys.md and exec-engine.md;
  contracts-bedrock GasPriceOracle.sol). The fee is charged apart from gas:
  eth_estimateGas on an OP chain is execution alone. Before Fjord the upper
  bound does not exist and ``getL1Fee(unsignedTx)`` is asked instead.
- **Arbitrum** (One, Sepolia, and any chain whose node answers NodeInterface).
  NodeInterface at 0x00000000000000000000000000000000000000C8 is virtual: the
  node answers eth_call there, but there is no code at the address.
  ``gasEstimateL1Component(to, contractCreation, data)`` returns
  ``gasEstimateForL1`` (the L2 gas the transaction pays for its L1 data),
  ``baseFee`` (the L2 base fee) and ArbOS's L1 base fee estimate; the data
  cost is ``gasEstimateForL1 * baseFee`` (OffchainLabs nitro-contracts,
  src/node-interface/NodeInterface.sol; docs.arbitrum.io "How to estimate
  gas"). That gas is part of what eth_estimateGas returns on Arbitrum, so a
  plan takes it out of its execution gas instead of counting it twice.

Local chains (ape's embedded chain, plain anvil) have neither: `detect`
returns None there, and a plan shows what it always did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import rlp
from eth_abi.abi import decode, encode
from eth_abi.exceptions import DecodingError
from eth_utils.crypto import keccak

from credstack.errors import CredstackError

GAS_PRICE_ORACLE = "0x420000000000000000000000000000000000000F"
NODE_INTERFACE = "0x00000000000000000000000000000000000000C8"
# Chains whose fee model is known from their id alone.
OP_STACK_CHAINS = {10: "OP Mainnet", 11155420: "OP Sepolia", 8453: "Base", 84532: "Base Sepolia"}
ARBITRUM_CHAINS = {42161: "Arbitrum One", 421614: "Arbitrum Sepolia"}
# ape's ecosystem names (the first part of --network) for the same families.
OP_STACK_ECOSYSTEMS = frozenset({"base", "optimism"})
ARBITRUM_ECOSYSTEMS = frozenset({"arbitrum"})
ZERO_ADDRESS = "0x" + "00" * 20


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


class Node(Protocol):
    """What detecting and pricing ask of the chain: the connected provider
    (`ChainNode`), or a fake in unit tests."""

    def chain_id(self) -> int: ...

    def ecosystem(self) -> str: ...

    def code(self, address: str) -> bytes: ...

    def call(self, to: str, data: bytes, sender: str | None = None) -> bytes | None:
        """The call's return data; None when it reverts."""
        ...


class ChainNode:
    """The connected ape provider as a `Node`."""

    def chain_id(self) -> int:
        from ape import chain

        return int(chain.chain_id)

    def ecosystem(self) -> str:
        from ape import chain

        return str(chain.provider.network.ecosystem.name)

    def code(self, address: str) -> bytes:
        from ape import chain

        return bytes(chain.provider.web3.eth.get_code(address))

    def call(self, to: str, data: bytes, sender: str | None = None) -> bytes | None:
        from ape import chain
        from web3.exceptions import ContractLogicError

        params: dict[str, Any] = {"to": to, "data": "0x" + data.hex()}
        if sender is not None:
            params["from"] = sender
        try:
            return bytes(chain.provider.web3.eth.call(params))
        except ContractLogicError:
            return None


@dataclass(frozen=True)
class Transaction:
    """A transaction a plan would send, built but neither signed nor sent."""

    sender: str
    to: str
    data: bytes
    unsigned: bytes  # its unsigned serialization: what the signer signs


@dataclass(frozen=True)
class Charge:
    """One transaction's data fee."""

    wei: int
    # The part of the transaction's own gas estimate that pays the fee
    # (Arbitrum); 0 where the fee is charged apart from gas (OP stack).
    gas: int = 0


def _answer(answer: bytes | None, types: list[str], what: str) -> tuple[Any, ...]:
    """A call's answer decoded as the static ``types``. Its length is
    checked first: ape pads short uint data with zeros instead of refusing
    it, so an empty account's empty answer would read as zeros."""
    if answer is None:
        raise CredstackError(f"{what} reverted: the L1 data fee cannot be estimated")
    try:
        if len(answer) < 32 * len(types):
            raise DecodingError("too short")
        return tuple(decode(types, answer))
    except DecodingError:
        raise CredstackError(
            f"{what} answered 0x{answer.hex()[:80]}: not ({', '.join(types)}), "
            "so the L1 data fee cannot be estimated"
        ) from None


class OpStack:
    """OP-stack chains: the GasPriceOracle predeploy prices a transaction's
    L1 data by its size (Fjord's upper bound) or by its bytes (before)."""

    def __init__(self, node: Node, oracle: str = GAS_PRICE_ORACLE) -> None:
        self.node = node
        self.oracle = oracle

    @cached_property
    def fjord(self) -> bool:
        """Whether the oracle has `getL1FeeUpperBound` (an oracle older
        than Ecotone has no `isFjord` either: not Fjord)."""
        answer = self.node.call(self.oracle, selector("isFjord()"))
        return bool(answer) and bool(_answer(answer, ["bool"], "GasPriceOracle.isFjord")[0])

    @property
    def source(self) -> str:
        if self.fjord:
            return "OP-stack GasPriceOracle.getL1FeeUpperBound"
        return "OP-stack GasPriceOracle.getL1Fee, before Fjord"

    def charge(self, tx: Transaction) -> Charge:
        if self.fjord:
            what = f"GasPriceOracle.getL1FeeUpperBound({len(tx.unsigned)})"
            call = selector("getL1FeeUpperBound(uint256)") + encode(["uint256"], [len(tx.unsigned)])
        else:
            what = "GasPriceOracle.getL1Fee"
            call = selector("getL1Fee(bytes)") + encode(["bytes"], [tx.unsigned])
        (fee,) = _answer(self.node.call(self.oracle, call), ["uint256"], what)
        return Charge(int(fee))


class Arbitrum:
    """Arbitrum chains: NodeInterface (virtual, eth_call only) says how much
    L2 gas a transaction pays for its L1 data, and the L2 base fee."""

    source = "Arbitrum NodeInterface.gasEstimateL1Component"

    def __init__(self, node: Node, node_interface: str = NODE_INTERFACE) -> None:
        self.node = node
        self.node_interface = node_interface

    def components(self, to: str, data: bytes, sender: str | None = None) -> tuple[int, int, int]:
        """(gasEstimateForL1, baseFee, l1BaseFeeEstimate) for a call to `to`."""
        call = selector("gasEstimateL1Component(address,bool,bytes)") + encode(
            ["address", "bool", "bytes"], [to, False, data]
        )
        answer = self.node.call(self.node_interface, call, sender)
        gas, base_fee, l1_base_fee = _answer(
            answer, ["uint64", "uint256", "uint256"], "NodeInterface.gasEstimateL1Component"
        )
        return int(gas), int(base_fee), int(l1_base_fee)

    def charge(self, tx: Transaction) -> Charge:
        gas, base_fee, _ = self.components(tx.to, tx.data, tx.sender)
        return Charge(gas * base_fee, gas)


FeeModel = OpStack | Arbitrum


def detect(node: Node | None = None) -> FeeModel | None:
    """The connected chain's data-fee model, None where there is none. By
    chain id first (Base, Optimism, Arbitrum and their Sepolias), then by
    ape's ecosystem (``base:...``, ``optimism:...``, ``arbitrum:...``), then
    by probing: code at the GasPriceOracle predeploy means OP stack; an
    answer from NodeInterface (which has no code) means Arbitrum."""
    node = node or ChainNode()
    chain_id = node.chain_id()
    if chain_id in OP_STACK_CHAINS:
        return OpStack(node)
    if chain_id in ARBITRUM_CHAINS:
        return Arbitrum(node)
    ecosystem = node.ecosystem()
    if ecosystem in OP_STACK_ECOSYSTEMS:
        return OpStack(node)
    if ecosystem in ARBITRUM_ECOSYSTEMS:
        return Arbitrum(node)
    if node.code(GAS_PRICE_ORACLE):
        return OpStack(node)
    arbitrum = Arbitrum(node)
    try:
        arbitrum.components(ZERO_ADDRESS, b"")
    except CredstackError:
        return None  # no answer (an empty account answers b""), or not NodeInterface's
    return arbitrum


# Transactions


def _int(value: Any) -> int:
    if isinstance(value, str):
        return int(value, 16) if value.startswith("0x") else int(value)
    return int(value or 0)


def _bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, str):
        return bytes.fromhex(value.removeprefix("0x"))
    return bytes(value)


def unsigned_serialization(fields: Mapping[str, Any]) -> bytes:
    """A transaction's unsigned serialization from its JSON-RPC fields
    (``chainId``, ``nonce``, ``gas``, ``to``, ``value``, ``data``,
    ``gasPrice`` or ``maxFeePerGas`` and ``maxPriorityFeePerGas``,
    ``accessList``, ``type``): what its signature signs, so its hash is the
    signing hash. Typed transactions are EIP-2718 (type byte, then the RLP
    list without the signature); legacy ones EIP-155's list
    ``[nonce, gasPrice, gas, to, value, data, chainId, 0, 0]``."""
    kind = _int(fields.get("type", 0))
    to = _bytes(fields.get("to"))
    tail = [to, _int(fields.get("value")), _bytes(fields.get("data"))]
    if kind == 0:
        head = [_int(fields["nonce"]), _int(fields["gasPrice"]), _int(fields["gas"])]
        return bytes(rlp.encode([*head, *tail, _int(fields["chainId"]), 0, 0]))
    access = [
        [_bytes(item["address"]), [_bytes(k) for k in item.get("storageKeys", [])]]
        for item in fields.get("accessList") or []
    ]
    if kind == 1:
        head = [_int(fields["chainId"]), _int(fields["nonce"]), _int(fields["gasPrice"])]
        return b"\x01" + bytes(rlp.encode([*head, _int(fields["gas"]), *tail, access]))
    if kind == 2:
        head = [
            _int(fields["chainId"]),
            _int(fields["nonce"]),
            _int(fields["maxPriorityFeePerGas"]),
            _int(fields["maxFeePerGas"]),
        ]
        return b"\x02" + bytes(rlp.encode([*head, _int(fields["gas"]), *tail, access]))
    raise CredstackError(f"transaction type {kind}: its size is not measured here")


def prepare(sender: str, to: str, data: bytes, gas_limit: int) -> Transaction:
    """The transaction the send path would build for this call (ape's
    transaction type for the network, the chain id, the sender's next
    nonce, the provider's fee suggestions, this gas limit), unsigned. Nothing
    is signed or sent, and the sender's balance is not checked: a plan is
    shown to an account that cannot pay yet, too."""
    from ape import chain

    provider = chain.provider
    txn = provider.network.ecosystem.create_transaction(
        sender=sender,
        receiver=to,
        data=data,
        gas_limit=gas_limit,
        nonce=provider.get_nonce(sender),
    )
    txn = provider.prepare_transaction(txn)
    fields = txn.model_dump(by_alias=True, exclude={"sender"})
    return Transaction(sender, to, data, unsigned_serialization(fields))


# What a plan shows


@dataclass(frozen=True)
class BatchData:
    """The data fee of the plan's transactions of one length."""

    copies: int  # how many of the plan's transactions are like this one
    size: int  # bytes of its unsigned serialization
    charge: Charge  # each


@dataclass(frozen=True)
class DataCost:
    source: str  # the fee model and the call that priced it
    batches: tuple[BatchData, ...]

    @property
    def wei(self) -> int:
        return sum(b.copies * b.charge.wei for b in self.batches)

    @property
    def gas(self) -> int:
        """Gas of the plan's estimate that pays for data (Arbitrum), else 0."""
        return sum(b.copies * b.charge.gas for b in self.batches)

    @property
    def transactions(self) -> int:
        return sum(b.copies for b in self.batches)


def data_cost(model: FeeModel, transactions: Sequence[tuple[Transaction, int]]) -> DataCost:
    """Price each distinct transaction (with how many of the plan's
    transactions it stands for) under the chain's model."""
    batches = tuple(
        BatchData(copies, len(tx.unsigned), model.charge(tx)) for tx, copies in transactions
    )
    return DataCost(model.source, batches)
