"""The one way a transaction leaves credstack: sign, journal (where the
caller keeps one), broadcast, wait for the receipt, tell whoever listens.

Every engine (issuance, lifecycle, recovery, pathways, governance, catalog,
deploy) sends through a ``Sender``; none calls a contract method with
``sender=`` itself. So waiting for the chain, and counting what was sent,
live here and nowhere else: the pilot's ledger is a listener, and every
receipt of the pilot passes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from credstack.errors import CredstackError

# Called with the transaction's hash and nonce after signing, before the
# broadcast: a journal writes both down so an interrupted run can settle it.
BeforeBroadcast = Callable[[str, int], None]


@dataclass(frozen=True)
class Sent:
    """What a listener hears of each mined transaction."""

    sender: str
    what: str  # the contract function, "deploy <Name>" or "transfer"
    tx: str
    gas_used: int
    receipt: Any
    signing: float  # seconds spent signing
    node: float  # seconds from broadcast to receipt


Listener = Callable[[Sent], None]


class Sender:
    """An ape account with the send path around it. ``listeners`` hear every
    transaction this sender has mined (the pilot's ledger is one)."""

    def __init__(self, account: Any, listeners: tuple[Listener, ...] = ()) -> None:
        if isinstance(account, Sender):
            raise TypeError("already a Sender")
        self.account = account
        self.address: str = str(account.address)
        self.listeners = listeners
        self.last: Sent | None = None  # the latest transaction, for its timings

    def __repr__(self) -> str:
        return f"<Sender {self.address}>"

    def send(
        self,
        method: Any,
        *args: Any,
        gas_limit: int | None = None,
        before_broadcast: BeforeBroadcast | None = None,
    ) -> Any:
        """Call a contract's mutable ``method`` with ``args``; its receipt.
        A revert raises ape's ContractLogicError with the contract's message
        (when the node's estimate already reverts, before anything is sent)."""
        extra = {} if gas_limit is None else {"gas_limit": gas_limit}
        # What ape's own ``method(*args, sender=...)`` does, with one gas
        # estimate (ape's public ``as_transaction`` prepares twice).
        call = method._as_transaction(*args)
        txn = self.account.prepare_transaction(
            call.serialize_transaction(*args, sender=self.account, **extra)
        )
        return self._sign_and_send(txn, call.abi.name, before_broadcast)

    def deploy(self, container: Any, *args: Any) -> Any:
        """Deploy a contract from ape's ``project.<Name>``; its instance."""
        from ape import chain

        txn = container(*args)
        txn.sender = self.address
        txn = self.account.prepare_transaction(txn)
        receipt = self._sign_and_send(txn, f"deploy {container.contract_type.name}")
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
        return self._sign_and_send(txn, "transfer")

    def _sign_and_send(
        self, txn: Any, what: str, before_broadcast: BeforeBroadcast | None = None
    ) -> Any:
        from ape import chain

        started = time.perf_counter()
        signed = self.account.sign_transaction(txn)
        if signed is None:
            raise CredstackError("the account declined to sign; nothing was sent")
        tx = "0x" + bytes(signed.txn_hash).hex()
        signing = time.perf_counter() - started
        if before_broadcast is not None:
            before_broadcast(tx, int(signed.nonce))
        started = time.perf_counter()
        receipt = chain.provider.send_transaction(signed)
        node = time.perf_counter() - started
        sent = Sent(self.address, what, tx, int(receipt.gas_used), receipt, signing, node)
        self.last = sent
        for listener in self.listeners:
            listener(sent)
        return receipt


def as_sender(account: Any) -> Sender:
    """``account`` as a Sender (an ape account is wrapped, a Sender kept)."""
    return account if isinstance(account, Sender) else Sender(account)
