"""Raw JSON-RPC for the index: one request or a batch, retried with backoff
when the node does not answer, and the node's refusals kept apart so the
caller can narrow an ``eth_getLogs`` range instead of retrying it.

Two transports: HTTP (anvil, any RPC URL: a kept-alive session, batch
requests, msgspec for the JSON) and a web3 object (ape's embedded chain,
which has no URL; its answers are normalised to the node's hex JSON)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import requests
from hexbytes import HexBytes

from credstack.errors import CredstackError

log = logging.getLogger("credstack.index")

# Seconds to wait before each retry of a request the node did not answer.
BACKOFF: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)


class Log(msgspec.Struct):
    """One entry of eth_getLogs, the fields the index reads (hex text)."""

    address: str
    topics: list[str]
    data: str
    blockNumber: str
    blockHash: str
    transactionHash: str
    logIndex: str
    removed: bool = False


class _LogsReply(msgspec.Struct):
    result: list[Log] | None = None
    error: Any = None


_LOGS = msgspec.json.Decoder(_LogsReply)


class NodeError(CredstackError):
    """The node could not be reached or kept failing after every retry."""


class Refused(CredstackError):
    """The node answered with a JSON-RPC error (a range too wide, too many
    results...). Not retried here: the caller decides."""

    def __init__(self, method: str, error: Any) -> None:
        self.method = method
        self.error = error
        message = error.get("message", error) if isinstance(error, dict) else error
        super().__init__(f"{method}: the node refused: {message}")


class TimedOut(CredstackError):
    """A request the node did not answer in time, not retried (the caller
    asked to narrow a range instead)."""


class Unavailable(Exception):
    """A transport failure (no connection, timeout, HTTP 5xx): retried."""

    def __init__(self, message: str, timeout: bool = False) -> None:
        super().__init__(message)
        self.timeout = timeout


Call = tuple[str, Sequence[Any]]


class Rpc:
    """A JSON-RPC client. Subclasses implement ``_send`` (one request or a
    batch, raising Unavailable on a transport failure)."""

    def __init__(self, backoff: Sequence[float] = BACKOFF) -> None:
        self.backoff = tuple(backoff)
        self.requests = 0  # calls sent, a batch counting as one
        self._batches = True

    def _send(self, payload: Any, timeout: float | None, logs: bool = False) -> Any:
        """The decoded reply (with ``logs``, a getLogs reply may come back
        as a typed _LogsReply instead of a dict)."""
        raise NotImplementedError

    def _retrying(
        self,
        what: str,
        payload: Any,
        timeout: float | None,
        give_up_on_timeout: bool = False,
        logs: bool = False,
    ) -> Any:
        waits = iter(self.backoff)
        while True:
            try:
                self.requests += 1
                return self._send(payload, timeout, logs)
            except Unavailable as err:
                if err.timeout and give_up_on_timeout:
                    raise TimedOut(f"{what}: no answer in time") from None
                wait = next(waits, None)
                if wait is None:
                    raise NodeError(
                        f"the node did not answer {what} after {len(self.backoff) + 1} tries: {err}"
                    ) from None
                log.info("%s: %s; retrying in %g s", what, err, wait)
                time.sleep(wait)

    def call(
        self,
        method: str,
        params: Sequence[Any],
        timeout: float | None = None,
        give_up_on_timeout: bool = False,
    ) -> Any:
        """The result; Refused for a JSON-RPC error, NodeError once the
        retries are spent (TimedOut at once for a timeout, if asked)."""
        payload = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        reply = self._retrying(method, payload, timeout, give_up_on_timeout)
        if not isinstance(reply, dict):
            raise NodeError(f"{method}: the node answered {str(reply)[:120]!r}")
        if reply.get("error") is not None:
            raise Refused(method, reply["error"])
        return reply.get("result")

    def get_logs(self, query: dict[str, Any], give_up_on_timeout: bool = False) -> list[Log]:
        """eth_getLogs, each entry a Log; Refused for a JSON-RPC error."""
        payload = {"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs", "params": [query]}
        reply = self._retrying("eth_getLogs", payload, None, give_up_on_timeout, logs=True)
        if isinstance(reply, dict):
            if reply.get("error") is not None:
                raise Refused("eth_getLogs", reply["error"])
            return msgspec.convert(reply.get("result") or [], list[Log])
        if reply.error is not None:
            raise Refused("eth_getLogs", reply.error)
        return reply.result or []

    def batch(self, calls: Sequence[Call]) -> list[Any]:
        """Results in order; one batch request where the node takes them,
        else one request each. Refused if any call is refused."""
        if not calls:
            return []
        if self._batches and len(calls) > 1:
            payload = [
                {"jsonrpc": "2.0", "id": i, "method": m, "params": list(p)}
                for i, (m, p) in enumerate(calls)
            ]
            replies = self._retrying(f"a batch of {len(calls)} {calls[0][0]}", payload, None)
            if isinstance(replies, list) and len(replies) == len(calls):
                by_id = {r.get("id"): r for r in replies if isinstance(r, dict)}
                if len(by_id) == len(calls):
                    results = []
                    for i, (method, _) in enumerate(calls):
                        if by_id[i].get("error") is not None:
                            raise Refused(method, by_id[i]["error"])
                        results.append(by_id[i].get("result"))
                    return results
            self._batches = False  # the node does not do batches: one at a time from now on
        return [self.call(method, params) for method, params in calls]


class HttpRpc(Rpc):
    def __init__(self, url: str, timeout: float = 60, backoff: Sequence[float] = BACKOFF) -> None:
        super().__init__(backoff)
        self.url = url
        self.timeout = timeout
        self._session = requests.Session()
        self._session.headers["Content-Type"] = "application/json"

    def _send(self, payload: Any, timeout: float | None, logs: bool = False) -> Any:
        try:
            response = self._session.post(
                self.url, data=msgspec.json.encode(payload), timeout=timeout or self.timeout
            )
        except requests.Timeout:
            raise Unavailable("timed out", timeout=True) from None
        except requests.RequestException as err:
            raise Unavailable(type(err).__name__ + (f" ({err})" if str(err) else "")) from None
        if response.status_code >= 500 or response.status_code == 429:
            raise Unavailable(f"HTTP {response.status_code}")
        try:
            return _LOGS.decode(response.content) if logs else msgspec.json.decode(response.content)
        except (msgspec.DecodeError, msgspec.ValidationError):
            raise Unavailable(f"HTTP {response.status_code}: not JSON") from None


def _jsonish(value: Any) -> Any:
    """web3's answers (bytes, HexBytes, ints, AttributeDicts) as the
    node's JSON would give them (hex text)."""
    if isinstance(value, bytes | bytearray | HexBytes):
        return "0x" + bytes(value).hex()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, dict) or hasattr(value, "items"):
        return {k: _jsonish(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonish(v) for v in value]
    return value


class Web3Rpc(Rpc):
    """Through a web3 object's provider (ape's embedded chain)."""

    def __init__(self, web3: Any, backoff: Sequence[float] = BACKOFF) -> None:
        super().__init__(backoff)
        self.web3 = web3
        self._batches = False
        self._request: Callable[[str, Any], Any] | None = None

    def _send(self, payload: Any, timeout: float | None, logs: bool = False) -> Any:
        # Through the provider's middleware, not its bare make_request:
        # eth-tester's takes a filter's keys in snake case (from_block) and
        # answers in it, and its middleware translates both ways.
        if self._request is None:
            self._request = self.web3.provider.request_func(self.web3, self.web3.middleware_onion)
        try:
            reply = self._request(payload["method"], payload["params"])
        except (OSError, TimeoutError) as err:
            raise Unavailable(str(err)) from None
        except Exception as err:  # eth-tester raises for what a node would answer as an error
            return {"error": {"message": str(err)}}
        return _jsonish(dict(reply))


def for_provider(provider: Any, backoff: Sequence[float] = BACKOFF) -> Rpc:
    """The Rpc for an ape provider: its HTTP URL when it has one, else its
    web3 object (the embedded chain). Only ``http_uri`` counts: an ape
    provider without an endpoint (the embedded chain) still has a ``uri``,
    ape's default http://localhost:8545, where nothing listens."""
    uri = getattr(provider, "http_uri", None)
    if isinstance(uri, str) and uri.startswith(("http://", "https://")):
        return HttpRpc(uri, backoff=backoff)
    return Web3Rpc(provider.web3, backoff=backoff)


class Flaky(Rpc):
    """Wraps an Rpc and fails on purpose: ``fail(n)`` says whether the n-th
    request (from 1) is lost (as an unanswered request). For tests and
    drills of the retry path."""

    def __init__(
        self, inner: Rpc, fail: Callable[[int], bool], backoff: Sequence[float] = BACKOFF
    ) -> None:
        super().__init__(backoff)
        self.inner = inner
        self.fail = fail
        self._batches = inner._batches
        self.sent = 0

    def _send(self, payload: Any, timeout: float | None, logs: bool = False) -> Any:
        self.sent += 1
        if self.fail(self.sent):
            raise Unavailable("connection refused (on purpose)")
        return self.inner._send(payload, timeout, logs)
