"""What the property tests' state machines share: every example starts from
the same deployment (an anchor rolls the chain back when it ends), each call
runs as an actor and, when the model predicts a refusal, must revert with
exactly that message and leave the machine's digest unchanged, and actors are
picked mostly from those allowed to act.

A machine sets ``addr`` (the actors' addresses) and ``actors`` (a strategy
over their indexes), and overrides ``digest`` and ``check_at_end``.
"""

from __future__ import annotations

from typing import Any

import boa
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine


class ChainMachine(RuleBasedStateMachine):
    addr: list[Any]
    actors: st.SearchStrategy[int]

    def __init__(self) -> None:
        super().__init__()
        self._anchor = boa.env.anchor()
        self._anchor.__enter__()

    def teardown(self) -> None:
        try:
            self.check_at_end()
        finally:
            self._anchor.__exit__(None, None, None)

    def check_at_end(self) -> None:
        """Everything compared once more when an example ends."""

    @property
    def now(self) -> int:
        return int(boa.env.timestamp)

    def digest(self) -> Any:
        """What a refused call must leave alone."""
        raise NotImplementedError

    def call(self, actor: int, error: str | None, fn: Any, *args: Any) -> Any:
        """Run `fn` as `actor`; if the model predicts `error`, it must revert
        with exactly that message and leave the digest unchanged."""
        with boa.env.prank(self.addr[actor]):
            if error is None:
                return fn(*args)
            before = self.digest()
            with boa.reverts(error):
                fn(*args)
        assert self.digest() == before
        return None

    def pick_actor(self, data: st.DataObject, rightful: list[int]) -> int:
        """Mostly someone allowed to act, so that success paths run often;
        otherwise anyone, so that every refusal is tried too."""
        # Hypothesis leans to small integers, so the common branch is 0..2.
        if rightful and data.draw(st.integers(0, 3), label="anyone") < 3:
            return data.draw(st.sampled_from(rightful), label="actor")
        return data.draw(self.actors, label="actor")
