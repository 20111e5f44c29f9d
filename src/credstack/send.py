"""The one way a transaction leaves credstack: sign, journal (where the
caller keeps one), broadcast, wait for the receipt, tell whoever listens.

Every engine (issuance, lifecycle, recovery, pathways, governance, catalog,
deploy) sends through a ``Sender``; none calls a contract method with
``sender=`` itself. So waiting for the chain, and counting what was sent,
live here and nowhere else: the pilot's ledger is a listener, and every
receipt of the pilot passes it.

Waiting. On ape's embedded chain a transaction is mined as it is sent. On
any other chain (anvil, a testnet, an L2) the transaction is broadcast raw
and its receipt polled for until ``timeout`` seconds pass, then until
``confirmations`` more blocks are on top of it: a chain that mines on its
own schedule is waited for, never read too early. (ape's own send does not
wait on a node that is not automining: it hands back a receipt "not in a
block" at once.) A receipt that says the transaction reverted is replayed
with ``eth_call`` for the contract's message, as ape does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from credstack.errors import CredstackError
from credstack.events import on_embedded_chain

# Called with the transaction's hash and nonce after signing, before the
# broadcast: a journal writes both down so an interrupted run can settle it.
BeforeBroadcast = Callable[[str, int], None]


class TimeoutError_(CredstackError):
    """A transaction was broadcast but no receipt came within the timeout.
    It may still be mined: the journal (where there is one) settles it on
    the next run; elsewhere the command's own re-run check finds it."""

    def __init__(self, tx: str, timeout: float) -> None:
        self.tx = tx
        super().__init__(
            f"transaction {tx} was sent but not mined within {timeout:g} s (--timeout); it may "
            "still be mined: look it up, or run the same command again, which finds what is done"
        )


@dataclass(frozen=True)
class Waiting:
    """How long to wait for a receipt, and for how many blocks on top."""

    confirmations: int | None = None  # None: the network's (ape's required_confirmations)
    timeout: float | None = None  # None: the network's acceptance timeout, at least 120 s
    poll: float | None = None  # None: a quarter of the block time, 0.05 to 1 s


DEFAULT_TIMEOUT = 120.0
# The command line's --confirmations and --timeout (credstack.cli.common).
_default = Waiting()


def configure(waiting: Waiting) -> None:
    """Set what every Sender made without its own Waiting uses."""
    global _default
    _default = waiting


@dataclass(frozen=True)
class Sent:
    """What a listener hears of each mined transaction."""

    sender: str
    what: str  # the contract function, "deploy <Name>" or "transfer"
    tx: str
    gas_used: int
    receipt: Any


Listener = Callable[[Sent], None]


@dataclass
class Pending:
    """A transaction signed and broadcast, its receipt not yet read."""

    tx: str
    nonce: int
    what: str
    txn: Any  # ape's signed TransactionAPI
    signing: float  # seconds spent signing
    sent_at: float
    receipt: Any = None  # already known on the embedded chain, which mines on send


class Sender:
    """An ape account with the send path around it. ``listeners`` hear every
    transaction this sender has mined (the pilot's ledger is one)."""

    def __init__(
        self,
        account: Any,
        listeners: tuple[Listener, ...] = (),
        waiting: Waiting | None = None,
    ) -> None:
        if isinstance(account, Sender):
            raise TypeError("already a Sender")
        self.account = account
        self.address: str = str(account.address)
        self.listeners = listeners
        self._waiting = waiting
        self.last: Sent | None = None  # the latest transaction mined

    def __repr__(self) -> str:
        return f"<Sender {self.address}>"

    # The whole path

    def send(
        self,
        method: Any,
        *args: Any,
        gas_limit: int | None = None,
        before_broadcast: BeforeBroadcast | None = None,
    ) -> Any:
        """Call a contract's mutable ``method`` with ``args`` and wait for it;
        its receipt. A revert raises ape's ContractLogicError with the
        contract's message (when the node's estimate already reverts, before
        anything is sent)."""
        txn, what = self.prepare(method, *args, gas_limit=gas_limit)
        return self.wait(self.submit(txn, what, before_broadcast))

    def deploy(self, container: Any, *args: Any) -> Any:
        """Deploy a contract from ape's ``project.<Name>``; its instance."""
        from ape import chain

        txn = container(*args)
        txn.sender = self.address
        txn = self.account.prepare_transaction(txn)
        receipt = self.wait(self.submit(txn, f"deploy {container.contract_type.name}"))
        if not receipt.contract_address:
            raise CredstackError(f"{receipt.txn_hash} did not create a contract")
        return chain.contracts.instance_from_receipt(receipt, container.contract_type)

    def transfer(self, to: str, value: int) -> Any:
        """Send ``value`` wei (a sponsor paying a learner's gas)."""
        from ape import chain

        txn = chain.provider.network.ecosystem.create_transaction(
            sender=self.address, receiver=to, value=value, data=b""
        )
        txn = self.account.prepare_transaction(txn)
        return self.wait(self.submit(txn, "transfer"))

    # The steps, for callers that keep several transactions in flight

    @property
    def mines_on_send(self) -> bool:
        """Whether the chain mines each transaction as it arrives (ape's
        embedded chain), so keeping several in flight gains nothing."""
        return on_embedded_chain()

    def prepare(
        self, method: Any, *args: Any, gas_limit: int | None = None, nonce: int | None = None
    ) -> tuple[Any, str]:
        """The unsigned transaction calling ``method(*args)``, and its name.
        Without ``gas_limit`` the node estimates it (a revert shows here,
        before anything is sent); without ``nonce`` the account's next."""
        extra: dict[str, Any] = {}
        if gas_limit is not None:
            extra["gas_limit"] = gas_limit
        if nonce is not None:
            extra["nonce"] = nonce
        # What ape's own ``method(*args, sender=...)`` does, with one gas
        # estimate (ape's public ``as_transaction`` prepares twice).
        call = method._as_transaction(*args)
        txn = self.account.prepare_transaction(
            call.serialize_transaction(*args, sender=self.account, **extra)
        )
        return txn, str(call.abi.name)

    def submit(
        self, txn: Any, what: str, before_broadcast: BeforeBroadcast | None = None
    ) -> Pending:
        """Sign, tell ``before_broadcast``, broadcast; nothing is waited for
        (on the embedded chain it is mined here)."""
        from ape import chain

        started = time.perf_counter()
        signed = self.account.sign_transaction(txn)
        if signed is None:
            raise CredstackError("the account declined to sign; nothing was sent")
        tx = "0x" + bytes(signed.txn_hash).hex()
        signing = time.perf_counter() - started
        if before_broadcast is not None:
            before_broadcast(tx, int(signed.nonce))
        pending = Pending(tx, int(signed.nonce), what, signed, signing, time.perf_counter())
        if on_embedded_chain():
            pending.receipt = chain.provider.send_transaction(signed)
        else:
            chain.provider.web3.eth.send_raw_transaction(bytes(signed.serialize_transaction()))
        return pending

    def wait(self, pending: Pending) -> Any:
        """The receipt of ``pending`` once mined (and confirmed); listeners
        hear of it. ContractLogicError if it reverted; TimeoutError_ if no
        receipt came in time."""
        receipt = pending.receipt if pending.receipt is not None else self._receipt(pending)
        sent = Sent(self.address, pending.what, pending.tx, int(receipt.gas_used), receipt)
        self.last = sent
        for listener in self.listeners:
            listener(sent)
        return receipt

    def _receipt(self, pending: Pending) -> Any:
        from ape import chain

        waiting = self._waiting or _default
        network = chain.provider.network
        timeout = waiting.timeout
        if timeout is None:  # ape's local default (20 s) is too short for 12 s blocks
            timeout = max(float(network.transaction_acceptance_timeout), DEFAULT_TIMEOUT)
        confirmations = waiting.confirmations
        if confirmations is None:
            confirmations = int(network.required_confirmations)
        poll = waiting.poll if waiting.poll is not None else _poll_interval(network)
        web3 = chain.provider.web3
        deadline = pending.sent_at + timeout
        # Raw JSON-RPC: web3's formatting of a receipt with 300 logs takes
        # 0.8 s, the request itself 0.02 s; ape decodes the raw form.
        while (raw := _raw_receipt(web3, pending.tx)) is None:
            if time.perf_counter() > deadline:
                raise TimeoutError_(pending.tx, timeout)
            time.sleep(poll)
        mined_in = int(raw["blockNumber"], 16)
        while confirmations and int(web3.eth.block_number) < mined_in + confirmations:
            if time.perf_counter() > deadline:
                raise TimeoutError_(pending.tx, timeout)
            time.sleep(poll)
        # ape's receipt from the one already fetched (ape's get_receipt would
        # fetch it again, through web3's formatting).
        data = pending.txn.model_dump(by_alias=True, mode="json")
        data["signature"] = pending.txn.signature
        receipt = network.ecosystem.decode_receipt(
            {
                "provider": chain.provider,
                "required_confirmations": 0,
                **data,
                **raw,
                "logs": _web3_logs(raw["logs"]),
            }
        )
        if int(raw["status"], 16) != 1:
            _raise_revert(pending, receipt)
        return receipt


def _web3_logs(logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Raw JSON logs in the shape web3 gives them (bytes, ints, checksummed
    addresses), which ape's event decoding expects; done here because
    web3's generic formatters take 0.8 s for a 300-log receipt."""
    from eth_utils.address import to_checksum_address
    from hexbytes import HexBytes

    addresses: dict[str, str] = {}
    shaped = []
    for log in logs:
        address = log["address"]
        if address not in addresses:
            addresses[address] = to_checksum_address(address)
        shaped.append(
            {
                **log,
                "address": addresses[address],
                "topics": [HexBytes(t) for t in log["topics"]],
                "data": HexBytes(log["data"]),
                "blockHash": HexBytes(log["blockHash"]),
                "transactionHash": HexBytes(log["transactionHash"]),
                "blockNumber": int(log["blockNumber"], 16),
                "transactionIndex": int(log["transactionIndex"], 16),
                "logIndex": int(log["logIndex"], 16),
            }
        )
    return shaped


def _raw_receipt(web3: Any, tx: str) -> dict[str, Any] | None:
    """The node's receipt as JSON (hex strings), or None while not mined."""
    reply = web3.provider.make_request("eth_getTransactionReceipt", [tx])
    if reply.get("error"):
        raise CredstackError(f"the node refused eth_getTransactionReceipt: {reply['error']}")
    result: dict[str, Any] | None = reply.get("result")
    return result


def _poll_interval(network: Any) -> float:
    block_time = float(getattr(network, "block_time", 0) or 0)
    return min(max(block_time / 4, 0.05), 1.0)


def _raise_revert(pending: Pending, receipt: Any) -> None:
    """Replay a reverted transaction as a call for the contract's message
    (as ape does for its own sends) and raise it."""
    from ape import chain
    from ape.exceptions import ContractLogicError

    provider = chain.provider
    data = pending.txn.model_dump(by_alias=True, mode="json")
    for key in ("nonce", "signature", "type", "chainId"):
        data.pop(key, None)
    try:
        provider.web3.eth.call(data, block_identifier=int(receipt.block_number) - 1)
    except Exception as err:
        raise provider.get_virtual_machine_error(err, set_ape_traceback=False) from None
    raise ContractLogicError(f"transaction {pending.tx} reverted (no message)")


def as_sender(account: Any) -> Sender:
    """``account`` as a Sender (an ape account is wrapped, a Sender kept)."""
    return account if isinstance(account, Sender) else Sender(account)
