"""Stateful property test: random actors drive the registry; a Python model
predicts every outcome, and the chain must agree after every step.

Runs on titanoboa (py-evm in process, about 20x faster than ape's chain).
Checked after every step, on the whole state:
- every credential's storage word (holder, class, score, expiry, stored
  status, lock bit) and every wallet's balance, read straight from storage
  (a view call costs 200 times more), against the model; the next id's word
  is empty (ids are dense and never reused);
- totalSupply == tokens the model says are in wallets == sum of balances,
  total_issued == tokens ever issued, paused as the model has it;
- a soulbound token changes holder only through key recovery, and a revoked
  credential is never valid again (in the model, which the chain matches);
- a call the model says must revert reverts with its exact message and
  changes nothing (the supply and class counters here; everything else is
  compared after the step);
- a pathway claim (k of n groups, a cross-credit option, minimum scores,
  expiry from the parts) succeeds exactly when the model says, with the
  model's message otherwise.
Checked after every step through the public views, for what the step acted
on: `credential`, `status_of` and `is_valid` of each token it touched or
whose expiry it passed (or landed a second around), `class_info` and
`class_rules` of each class it touched, and after a claim every wallet's
claimed pathway credential. When an example ends, every view is compared
for everything (every token, class, balance and claim).

The model and its predictions are in ``model.py``; the deployment, boa's
set-up and the storage reader in ``world.py``. This file keeps the state
machine: the rules, which drive the chain and the model together, and the
invariants.

`make test` runs 175 examples of up to 100 steps: about 11,000 steps in
all, since an example ends early (about 64 steps on average) when
Hypothesis's buffer of choices fills; more rules that draw more make
examples shorter, so count again after adding some. Under CI (CI set)
Hypothesis's own CI profile derandomizes: the same steps each run.
CREDSTACK_PROPERTY_EXAMPLES and CREDSTACK_PROPERTY_STEPS set others.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

import boa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    initialize,
    invariant,
    precondition,
    rule,
)

from credstack import Status
from tests.constants import MAX_SCORE, ROLE_MISSING, ZERO_ADDRESS
from tests.properties import world
from tests.properties.machine import ChainMachine
from tests.properties.model import (
    ACTOR_COUNT,
    ADMIN,
    CLAIM_MESSAGES,
    DELEGATE,
    GUARDIAN,
    ISSUER_A,
    ISSUER_B,
    LEARNERS,
    MAX_EXPIRY,
    PATHWAYS,
    STRANGER,
    ClassModel,
    Model,
    PathwayModel,
)

actors = st.integers(0, ACTOR_COUNT - 1)
learners = st.sampled_from(LEARNERS)
scores = st.one_of(st.integers(0, MAX_SCORE), st.just(MAX_SCORE + 1), st.sampled_from([0, 5_000]))
validities = st.sampled_from([0, 100, 1_000, 10_000])
min_scores = st.sampled_from([0, 5_000, 9_000])
seconds = st.integers(1, 3_000)
# An issue's own expiry: none (the class's), or around now, or far out.
own_expiries = st.sampled_from([None] * 6 + [-1, 0, 1, 50, 5_000, 2**40, 2**41])
RENOUNCE_OTHER = "access_control: can only renounce roles for itself"


# Every example starts from this deployment (see `RegistryMachine.__init__`).
WORLD = world.deploy()


class RegistryMachine(ChainMachine):
    actors = actors

    def __init__(self) -> None:
        super().__init__()
        self.addr = WORLD.addresses
        self.reg = WORLD.registry
        self.paths = WORLD.pathways
        self.storage = WORLD.storage
        self.issuer_role = WORLD.issuer_role
        self.m = Model()
        # The invariants also run once after the set-up: not a step.
        STEP_COUNT[0] -= 1
        # What the step acted on, for the view checks after it.
        self.touched_tokens: set[int] = set()
        self.touched_classes: set[int] = set()
        self.claimed = False
        # When the views were last checked (expiries passed since then are
        # checked again), and the supply word and model figures they showed.
        self.checked_at = self.now
        self.supply_checked: tuple[int, ...] = ()

    def check_at_end(self) -> None:
        self.check_all_views()

    # helpers #

    def digest(self) -> tuple[int, ...]:
        """Counters a failed call must leave alone (the supply word holds
        the issued and removed counts and the pause flag), read from
        storage. Balances, credentials and classes are compared with the
        model after every step, so a revert that changed them fails there."""
        return (self.storage.word("_supply"), self.storage.word("class_count"))

    @staticmethod
    def pick_id(data: st.DataObject, known: list[int], label: str) -> int:
        """A known id, or now and then one never created."""
        if known and data.draw(st.integers(0, 9), label=f"unknown {label}") < 9:
            return data.draw(st.sampled_from(known), label=label)
        return len(known) + 1

    def pick_class(self, data: st.DataObject) -> int:
        class_id = self.pick_id(data, list(self.m.classes), "class")
        self.touched_classes.add(class_id)
        return class_id

    def pick_token(self, data: st.DataObject, prefer: Any = None) -> int:
        """A token id; mostly one that `prefer(token)` likes, if any does."""
        token_id = None
        if prefer is not None and data.draw(st.booleans(), label="any token"):
            liked = [i for i, t in self.m.tokens.items() if prefer(t)]
            if liked:
                token_id = data.draw(st.sampled_from(liked), label="token")
        if token_id is None:
            token_id = self.pick_id(data, list(self.m.tokens), "token")
        self.touched_tokens.add(token_id)
        return token_id

    def record_issue(self, class_id: int, holder: int, score: int, expires_at: int = 0) -> int:
        token_id = self.m.record_issue(class_id, holder, score, self.now, expires_at)
        self.touched_tokens.add(token_id)
        return token_id

    # set-up: every example starts with classes of each kind and tokens in
    # wallets, so that the random steps act on live credentials.

    @initialize(
        validity=st.tuples(validities, validities, validities, validities),
        extra=st.lists(st.tuples(st.booleans(), st.booleans(), validities, min_scores), max_size=1),
        data=st.data(),
    )
    def seed(
        self,
        validity: tuple[int, int, int, int],
        extra: list[tuple[bool, bool, int, int]],
        data: st.DataObject,
    ) -> None:
        # (transferable, revocable, validity, min_score): soulbound and
        # revocable (ISSUER_A's and ISSUER_B's), soulbound for good,
        # transferable and revocable; then more.
        kinds = [
            (False, True, validity[0], 5_000),
            (False, True, validity[1], 0),
            (False, False, validity[2], 9_000),
            (True, True, validity[3], 0),
            *extra,
        ]
        for i, (transferable, revocable, validity_s, min_score) in enumerate(kinds):
            issuer = (ISSUER_A, ISSUER_B)[i % 2]
            class_id = self.call(
                issuer,
                None,
                self.reg.create_class,
                f"Seed {i}",
                "ipfs://seed",
                transferable,
                revocable,
                validity_s,
                min_score,
            )
            self.m.classes[class_id] = ClassModel(
                issuer, transferable, revocable, validity_s, min_score
            )
            holders = data.draw(st.lists(learners, min_size=1, max_size=3), label="holders")
            first = self.call(
                issuer,
                None,
                self.reg.issue_batch,
                class_id,
                [self.addr[h] for h in holders],
                [MAX_SCORE] * len(holders),
                [b"\x03" * 32] * len(holders),
            )
            ids = [self.record_issue(class_id, h, MAX_SCORE) for h in holders]
            assert first == ids[0]
        # The pathway: ISSUER_A's output class; group 0 one of seed 0 (at
        # 60%) or seed 1 (ISSUER_B's: cross-credit); group 1 seed 2 at 95%.
        inherit = data.draw(st.booleans(), label="expiry from parts")
        output_validity = data.draw(validities, label="output validity")
        # Now and then a minimum the parts' average may miss.
        output_min = data.draw(st.sampled_from([0, 0, 9_000]), label="output minimum")
        output = self.call(
            ISSUER_A, None, self.reg.create_class, "Pathway", "ipfs://p", False, True,
            output_validity, output_min,
        )  # fmt: skip
        self.m.classes[output] = ClassModel(ISSUER_A, False, True, output_validity, output_min)
        options = {1: (6_000, 0), 2: (0, 0), 3: (9_500, 1)}
        pathway_id = self.call(
            ISSUER_A, None, self.paths.create_pathway, "Path", output, [1, 1],
            [(c, m, g) for c, (m, g) in options.items()], inherit,
        )  # fmt: skip
        assert pathway_id == 1
        self.m.pathway = PathwayModel(output, options, [1, 1], inherit)
        self.m.pathway_count = 1

    # rules: classes and roles #

    @rule(
        data=st.data(),
        transferable=st.booleans(),
        revocable=st.booleans(),
        validity=validities,
        min_score=min_scores,
    )
    def create_class(
        self,
        data: st.DataObject,
        transferable: bool,
        revocable: bool,
        validity: int,
        min_score: int,
    ) -> None:
        actor = self.pick_actor(data, sorted(self.m.issuers))
        error = None if actor in self.m.issuers else "credential: not issuer"
        class_id = self.call(
            actor,
            error,
            self.reg.create_class,
            "Class",
            "ipfs://c",
            transferable,
            revocable,
            validity,
            min_score,
        )
        if error is None:
            assert class_id == len(self.m.classes) + 1
            self.m.classes[class_id] = ClassModel(
                actor, transferable, revocable, validity, min_score
            )
            self.touched_classes.add(class_id)

    @rule(data=st.data(), active=st.booleans())
    def set_class_active(self, data: st.DataObject, active: bool) -> None:
        class_id = self.pick_class(data)
        actor = self.pick_actor(data, self.m.class_operators(class_id))
        if class_id not in self.m.classes:
            error: str | None = "credential: unknown class"
        else:
            error = self.m.operator_error(actor, class_id)
        self.call(actor, error, self.reg.set_class_active, class_id, active)
        if error is None:
            self.m.classes[class_id].active = active

    @rule(
        data=st.data(),
        target_issuer=st.sampled_from([ISSUER_A, ISSUER_B, DELEGATE]),
        change=st.sampled_from(["grant", "revoke", "renounce"]),
    )
    def set_issuer(self, data: st.DataObject, target_issuer: int, change: str) -> None:
        """Governance grants or revokes ISSUER_ROLE, or an account renounces
        its own: either ends the issuer's delegations (its word moves)."""
        if change == "renounce":
            actor = self.pick_actor(data, [target_issuer])
            error = None if actor == target_issuer else RENOUNCE_OTHER
            fn = self.reg.renounceRole
        else:
            actor = self.pick_actor(data, [ADMIN])
            error = None if actor == ADMIN else ROLE_MISSING
            fn = self.reg.grantRole if change == "grant" else self.reg.revokeRole
        self.call(actor, error, fn, self.issuer_role, self.addr[target_issuer])
        if error is None:
            self.m.set_issuer(target_issuer, change == "grant")
        assert self.reg.hasRole(self.issuer_role, self.addr[target_issuer]) == (
            target_issuer in self.m.issuers
        )

    @rule(data=st.data(), allowed=st.booleans(), pathways=st.sampled_from([False] * 3 + [True]))
    def set_delegate(self, data: st.DataObject, allowed: bool, pathways: bool) -> None:
        """Names or removes DELEGATE (or the pathway registry): naming needs
        ISSUER_ROLE, removing only having held it once; every delegation of
        every issuer is then compared with the model."""
        actor = self.pick_actor(data, [a for a in self.m.words if a != ADMIN])
        error = self.m.set_delegate_error(actor, allowed)
        delegate = PATHWAYS if pathways else DELEGATE
        address = self.paths.address if pathways else self.addr[DELEGATE]
        self.call(actor, error, self.reg.set_delegate, address, allowed)
        if error is None:
            if allowed:
                self.m.delegations[(actor, delegate)] = self.m.word(actor)
            else:
                self.m.delegations.pop((actor, delegate), None)
        for issuer in (ISSUER_A, ISSUER_B, DELEGATE, STRANGER):
            for d, addr in ((DELEGATE, self.addr[DELEGATE]), (PATHWAYS, self.paths.address)):
                assert self.reg.is_delegate(self.addr[issuer], addr) == self.m.is_delegate(
                    issuer, d
                ), (issuer, d)

    @rule(data=st.data())
    def toggle_pause(self, data: st.DataObject) -> None:
        """Pause when running (governance or the guardian), unpause when
        paused (only governance may); anyone else, or the guardian trying to
        unpause, is refused."""
        actor = self.pick_actor(data, [ADMIN] if self.m.paused else [ADMIN, GUARDIAN])
        # Governance unpauses when paused; anyone else tries either.
        unpause = self.m.paused if actor == ADMIN else data.draw(st.booleans(), label="unpause")
        if unpause:
            if actor != ADMIN:
                error: str | None = "credential: not admin"
            else:
                error = None if self.m.paused else "credential: not paused"
            self.call(actor, error, self.reg.unpause)
        else:
            if actor not in (ADMIN, GUARDIAN):
                error = "credential: not guardian"
            else:
                error = "credential: paused" if self.m.paused else None
            self.call(actor, error, self.reg.pause)
        if error is None:
            self.m.paused = not unpause

    # rules: issuance #

    @rule(data=st.data(), holder=learners, score=scores, own_expiry=own_expiries)
    def issue(self, data: st.DataObject, holder: int, score: int, own_expiry: int | None) -> None:
        """One credential; now and then with its own expiry (the fifth
        argument: relative to now, or past 2^40 when large)."""
        class_id = self.pick_class(data)
        actor = self.pick_actor(data, self.m.class_operators(class_id))
        error = self.m.issue_error(actor, class_id, self.now)
        args: list[Any] = [class_id, self.addr[holder], score, b"\x01" * 32]
        expires_at = 0
        if own_expiry is not None:
            expires_at = own_expiry if own_expiry >= MAX_EXPIRY else self.now + own_expiry
            args.append(expires_at)
            error = error or self.m.expiry_error(class_id, expires_at, self.now)
        error = error or self.m.entry_error(class_id, holder, score)
        token_id = self.call(actor, error, self.reg.issue, *args)
        if error is None:
            assert token_id == self.record_issue(class_id, holder, score, expires_at)

    @rule(data=st.data(), entries=st.lists(st.tuples(learners, scores), min_size=1, max_size=4))
    def issue_batch(self, data: st.DataObject, entries: list[tuple[int, int]]) -> None:
        class_id = self.pick_class(data)
        actor = self.pick_actor(data, self.m.class_operators(class_id))
        error = self.m.issue_error(actor, class_id, self.now)
        if error is None:
            error = next((e for h, s in entries if (e := self.m.entry_error(class_id, h, s))), None)
        first = self.call(
            actor,
            error,
            self.reg.issue_batch,
            class_id,
            [self.addr[h] for h, _ in entries],
            [s for _, s in entries],
            [b"\x02" * 32] * len(entries),
        )
        if error is None:
            ids = [self.record_issue(class_id, h, s) for h, s in entries]
            assert first == ids[0]

    # rules: lifecycle #

    @rule(data=st.data(), empty_reason=st.sampled_from([False] * 9 + [True]))
    def revoke(self, data: st.DataObject, empty_reason: bool) -> None:
        """The class's issuer or a delegate revokes a held credential, or
        records a revocation over a burned one (the token stays out of the
        wallet)."""
        token_id = self.pick_token(data, lambda t: t.stored != Status.REVOKED)
        actor = self.pick_actor(data, self.m.token_operators(token_id))
        error = self.m.revoke_error(token_id)
        if error is None:
            class_id = self.m.tokens[token_id].class_id
            error = self.m.operator_error(actor, class_id)
            if error is None and not self.m.classes[class_id].revocable:
                error = "credential: not revocable"
            if error is None and empty_reason:
                error = "credential: empty reason"
        reason = "" if empty_reason else "fraud"
        self.call(actor, error, self.reg.revoke, token_id, reason)
        if error is None:
            self.m.tokens[token_id].stored = Status.REVOKED
            self.m.ever_revoked.add(token_id)

    @rule(data=st.data())
    def suspend(self, data: st.DataObject) -> None:
        token_id = self.pick_token(data)
        actor = self.pick_actor(data, self.m.token_operators(token_id))
        error = self.m.held_error(token_id)
        if error is None:
            token = self.m.tokens[token_id]
            error = self.m.operator_error(actor, token.class_id)
            if error is None and not self.m.classes[token.class_id].revocable:
                error = "credential: not revocable"
            if error is None and token.stored != Status.ACTIVE:
                error = "credential: already suspended"
        self.call(actor, error, self.reg.suspend, token_id)
        if error is None:
            self.m.tokens[token_id].stored = Status.SUSPENDED

    @rule(data=st.data())
    def reinstate(self, data: st.DataObject) -> None:
        token_id = self.pick_token(data, lambda t: t.stored == Status.SUSPENDED)
        actor = self.pick_actor(data, self.m.token_operators(token_id))
        error = self.m.held_error(token_id)
        if error is None:
            token = self.m.tokens[token_id]
            error = self.m.operator_error(actor, token.class_id)
            if error is None and token.stored != Status.SUSPENDED:
                error = "credential: not suspended"
        self.call(actor, error, self.reg.reinstate, token_id)
        if error is None:
            self.m.tokens[token_id].stored = Status.ACTIVE

    @rule(data=st.data(), offset=st.integers(-100, 5_000))
    def renew(self, data: st.DataObject, offset: int) -> None:
        token_id = self.pick_token(data)
        actor = self.pick_actor(data, self.m.token_operators(token_id))
        expires_at = max(0, self.now + offset)
        error = "credential: paused" if self.m.paused else self.m.held_error(token_id)
        if error is None:
            class_id = self.m.tokens[token_id].class_id
            error = self.m.operator_error(actor, class_id)
            if error is None and not self.m.classes[class_id].active:
                error = "credential: class inactive"
            if error is None and expires_at <= self.now:
                error = "credential: expiry not in future"
        self.call(actor, error, self.reg.renew, token_id, expires_at)
        if error is None:
            self.m.tokens[token_id].expires_at = expires_at

    @rule(data=st.data(), suspended=st.booleans())
    def burn(self, data: st.DataObject, suspended: bool) -> None:
        """The holder burns; half the time a suspended credential (refused)."""
        stored = (Status.SUSPENDED,) if suspended else (Status.ACTIVE, Status.SUSPENDED)
        token_id = self.pick_token(data, lambda t: t.stored in stored)
        actor = self.pick_actor(data, self.m.token_holder(token_id)[:1])
        error = self.m.held_error(token_id)
        if error is None and self.m.tokens[token_id].holder != actor:
            error = "credential: not holder"
        if error is None and self.m.tokens[token_id].stored == Status.SUSPENDED:
            error = "credential: suspended"
        self.call(actor, error, self.reg.burn, token_id)
        if error is None:
            self.m.tokens[token_id].stored = Status.BURNED

    # rules: transfers #

    @rule(data=st.data(), to=actors)
    def transfer(self, data: st.DataObject, to: int) -> None:
        token_id = self.pick_token(data, lambda t: self.m.tradable(t, self.now))
        actor = self.pick_actor(data, self.m.token_holder(token_id))
        error = self.m.transfer_error(token_id, self.now)
        token = self.m.tokens.get(token_id)
        holder = token.holder if token else STRANGER
        if error is None:
            assert token is not None
            allowed = (
                actor == holder or (holder, actor) in self.m.operators or token.approved == actor
            )
            error = None if allowed else "credential: not approved"
            error = error or self.m.receiver_error(token.class_id, to)
        self.call(actor, error, self.reg.transferFrom, self.addr[holder], self.addr[to], token_id)
        if error is None:
            assert token is not None
            token.holder = to
            if token.approved is not None:
                token.former_spenders.add(token.approved)
            token.approved = None

    @rule(data=st.data(), spender=actors)
    def approve(self, data: st.DataObject, spender: int) -> None:
        token_id = self.pick_token(data, lambda t: self.m.tradable(t, self.now))
        actor = self.pick_actor(data, self.m.token_holder(token_id)[:1])
        error = self.m.transfer_error(token_id, self.now)
        token = self.m.tokens.get(token_id)
        if error is None:
            assert token is not None
            if actor != token.holder and (token.holder, actor) not in self.m.operators:
                error = "credential: not approved"
        self.call(actor, error, self.reg.approve, self.addr[spender], token_id)
        if error is None:
            assert token is not None
            if token.approved is not None:
                token.former_spenders.add(token.approved)
            token.approved = spender

    @rule(actor=actors, operator=actors, approved=st.booleans())
    def set_operator(self, actor: int, operator: int, approved: bool) -> None:
        self.call(actor, None, self.reg.setApprovalForAll, self.addr[operator], approved)
        pair = (actor, operator)
        (self.m.operators.add if approved else self.m.operators.discard)(pair)

    # rules: governance and key recovery #

    @rule(data=st.data(), empty_reason=st.sampled_from([False] * 9 + [True]))
    def force_revoke(self, data: st.DataObject, empty_reason: bool) -> None:
        """Governance revokes any held or burned credential, revocable class
        or not."""
        token_id = self.pick_token(data, lambda t: t.stored != Status.REVOKED)
        actor = self.pick_actor(data, [ADMIN])
        error = "credential: not admin" if actor != ADMIN else self.m.revoke_error(token_id)
        if error is None and empty_reason:
            error = "credential: empty reason"
        self.call(actor, error, self.reg.force_revoke, token_id, "" if empty_reason else "fraud")
        if error is None:
            self.m.tokens[token_id].stored = Status.REVOKED
            self.m.ever_revoked.add(token_id)

    @rule(data=st.data(), restricted=st.booleans(), until=st.sampled_from([None, -10, 0, 500]))
    def set_class_rules(self, data: st.DataObject, restricted: bool, until: int | None) -> None:
        class_id = self.pick_class(data)
        actor = self.pick_actor(data, [ADMIN])
        issue_until = 0 if until is None else self.now + until
        error = "credential: not admin" if actor != ADMIN else None
        if error is None and class_id not in self.m.classes:
            error = "credential: unknown class"
        self.call(actor, error, self.reg.set_class_rules, class_id, restricted, issue_until)
        if error is None:
            klass = self.m.classes[class_id]
            klass.restricted, klass.issue_until = restricted, issue_until

    @rule(data=st.data(), accounts=st.lists(actors, min_size=1, max_size=3), allowed=st.booleans())
    def set_allowlist(self, data: st.DataObject, accounts: list[int], allowed: bool) -> None:
        class_id = self.pick_class(data)
        actor = self.pick_actor(data, [ADMIN])
        error = "credential: not admin" if actor != ADMIN else None
        if error is None and class_id not in self.m.classes:
            error = "credential: unknown class"
        self.call(
            actor,
            error,
            self.reg.set_allowlist,
            class_id,
            [self.addr[a] for a in accounts],
            allowed,
        )
        if error is None:
            for account in accounts:
                pair = (class_id, account)
                (self.m.allowlist.add if allowed else self.m.allowlist.discard)(pair)

    @rule(data=st.data(), listing=st.sampled_from(["true"] * 6 + ["short", "reversed"]))
    def recover(self, data: st.DataObject, listing: str) -> None:
        """Key recovery by the class's issuer, to anyone or to a wallet that
        holds the class already, with the new wallet's token list given
        truly, short of one, or out of order."""
        token_id = self.pick_token(data, lambda t: t.stored in (Status.ACTIVE, Status.SUSPENDED))
        actor = self.pick_actor(data, self.m.token_operators(token_id))
        token = self.m.tokens.get(token_id)
        same_class = sorted(
            {
                t.holder
                for t in self.m.tokens.values()
                if token and t.class_id == token.class_id and t.holder != token.holder
            }
        )
        if same_class and data.draw(st.booleans(), label="to a holder of the class"):
            to = data.draw(st.sampled_from(same_class), label="to")
        else:
            to = data.draw(actors, label="to")
        listed = self.m.held_by(to)
        if listing == "short":
            listed = listed[:-1]
        elif listing == "reversed":
            listed = listed[::-1]
        self.do_recover(actor, token_id, to, listed)

    def do_recover(self, actor: int, token_id: int, to: int, listed: list[int]) -> None:
        token = self.m.tokens.get(token_id)
        error = "credential: paused" if self.m.paused else self.m.held_error(token_id)
        if error is None:
            assert token is not None
            error = self.m.operator_error(actor, token.class_id)
        if error is None:
            assert token is not None
            if to == token.holder:
                error = "credential: same holder"
            else:
                error = self.m.receiver_error(token.class_id, to)
        if error is None:
            assert token is not None
            error = self.m.listing_error(listed, to, token.class_id)
        self.call(actor, error, self.reg.recover, token_id, self.addr[to], listed)
        if error is None:
            assert token is not None
            token.holder = to
            token.bound_holder = to
            if token.approved is not None:
                token.former_spenders.add(token.approved)
            token.approved = None

    @precondition(lambda self: self.m.pathway is not None and bool(self.m.pathway.claimed))
    @rule(data=st.data())
    def recover_claimed_parts(self, data: st.DataObject) -> None:
        """Key recovery of a learner who claimed the pathway: each part it
        holds moves to another learner's wallet, where it may not complete
        the pathway again."""
        p = self.m.pathway
        assert p is not None
        claimer = data.draw(st.sampled_from(sorted(p.claimed)), label="claimer")
        # Mostly the stranger, who holds none of the parts' classes, so the
        # recovery goes through.
        others = [STRANGER, STRANGER, STRANGER, *(a for a in LEARNERS if a != claimer)]
        to = data.draw(st.sampled_from(others), label="to")
        for token_id in self.m.parts_of(claimer, self.now):
            if self.m.tokens[token_id].stored in (Status.ACTIVE, Status.SUSPENDED):
                self.touched_tokens.add(token_id)
                actor = self.m.token_operators(token_id)[0]
                self.do_recover(actor, token_id, to, self.m.held_by(to))

    # rules: pathway claims #

    @precondition(lambda self: bool(self.m.ready_claimers(self.now)))
    @rule(data=st.data())
    def claim_ready(self, data: st.DataObject) -> None:
        """A learner who can complete claims with a usable part of each
        class it holds, as the tooling picks them (mostly succeeds; the
        registry or pathway state may still refuse). Claims with all parts,
        a class perhaps twice, are `claim_any`'s."""
        actor = data.draw(st.sampled_from(self.m.ready_claimers(self.now)), label="claimer")
        self.do_claim(actor, self.m.one_per_class(sorted(self.m.parts_of(actor, self.now, True))))

    @precondition(
        lambda self: any(
            self.m.pathway and a not in self.m.pathway.claimed
            and set(self.m.parts_of(a, self.now)) & self.m.pathway.used
            for a in (STRANGER, *LEARNERS)
        )
    )  # fmt: skip
    @rule(data=st.data())
    def claim_with_used_parts(self, data: st.DataObject) -> None:
        """A learner holding parts another's claim used claims with all its
        parts (refused: a part counts towards the pathway once)."""
        p = self.m.pathway
        assert p is not None
        holders = [
            a for a in (STRANGER, *LEARNERS)
            if a not in p.claimed and set(self.m.parts_of(a, self.now)) & p.used
        ]  # fmt: skip
        actor = data.draw(st.sampled_from(holders), label="claimer")
        self.do_claim(actor, sorted(self.m.parts_of(actor, self.now)))

    @rule(data=st.data(), order=st.sampled_from(["sorted"] * 8 + ["reversed", "duplicate"]))
    def claim_any(self, data: st.DataObject, order: str) -> None:
        """Anyone, with their own parts or any tokens (or an unknown id), in
        order, reversed, or with the last one twice."""
        actor = self.pick_actor(data, LEARNERS)
        own = self.m.parts_of(actor, self.now)
        pool = (
            own
            if own and data.draw(st.booleans(), label="own")
            else [
                *self.m.tokens,
                len(self.m.tokens) + 1,
            ]
        )
        ids = sorted(
            data.draw(st.lists(st.sampled_from(pool), max_size=4, unique=True), label="ids")
        )
        if order == "reversed" and len(ids) > 1:
            ids.reverse()
        elif order == "duplicate" and ids:
            ids.append(ids[-1])
        self.do_claim(actor, ids)

    def do_claim(self, actor: int, ids: list[int]) -> None:
        p = self.m.pathway
        assert p is not None
        self.touched_tokens.update(i for i in ids if i in self.m.tokens)
        now = self.now
        error = self.m.claim_error(actor, ids, now)
        self.check_progress(actor, ids, error)
        token_id = self.call(actor, error, self.paths.claim, 1, ids)
        self.claimed = True
        if error is None:
            # One issue with the final expiry (no renewal after it).
            expires_at = self.m.claim_expiry(ids, now)
            score = self.m.claim_score(ids)
            assert token_id == self.record_issue(p.output, actor, score, expires_at)
            p.claimed[actor] = token_id
            p.used.update(ids)

    def check_progress(self, actor: int, ids: list[int], error: str | None) -> None:
        """`progress` answers as the claim does: for parts that all count
        (increasing, held, valid, in the pathway, unused), `claimable` is
        whether the claim succeeds and `reason` names its refusal."""
        p = self.m.pathway
        assert p is not None
        if not ids or any(b <= a for a, b in itertools.pairwise(ids)):
            return
        if any(self.m.part_error(i, actor, self.now) for i in ids):
            return
        if any(
            self.m.tokens[i].class_id not in p.options
            or self.m.tokens[i].score < p.options[self.m.tokens[i].class_id][0]
            for i in ids
        ):
            return
        progress = self.paths.progress(1, self.addr[actor], ids)
        # A part a claim used counts no more (PART_ALREADY_USED); of the
        # others, the first of each class counts, a later one is
        # PART_CLASS_TWICE.
        expected = []
        seen: set[int] = set()
        for i in ids:
            class_id = self.m.tokens[i].class_id
            expected.append(10 if i in p.used else 11 if class_id in seen else 0)
            if i not in p.used:
                seen.add(class_id)
        assert list(progress.parts) == expected
        if any(expected):
            return
        assert progress.claimable == (error is None)
        reason = 0 if error is None else CLAIM_MESSAGES[error]
        if error == "credential: not class issuer" and ISSUER_A not in self.m.issuers:
            # A removed issuer that also dropped the pathway registry: the
            # registry names the delegation, `progress` the removal.
            reason = CLAIM_MESSAGES["credential: issuer removed"]
        assert progress.reason == reason, error
        assert progress.claimed_token == p.claimed.get(actor, 0)

    @rule(data=st.data(), active=st.sampled_from([True, True, True, False]))
    def set_pathway_active(self, data: st.DataObject, active: bool) -> None:
        assert self.m.pathway is not None
        actor = self.pick_actor(data, [ISSUER_A])
        error = None if actor == ISSUER_A else "pathway: not class issuer"
        if error is None and ISSUER_A not in self.m.issuers:
            error = "pathway: issuer removed"
        self.call(actor, error, self.paths.set_pathway_active, 1, active)
        if error is None:
            self.m.pathway.active = active

    @rule(data=st.data())
    def create_pathway(self, data: st.DataObject) -> None:
        """Another pathway (not claimed here): of any class, with options
        of any classes (transferable ones and repeats refused), by its
        issuer while it holds the role and has named the pathway registry."""
        output = self.pick_class(data)
        actor = self.pick_actor(
            data, [self.m.classes[output].issuer] if output in self.m.classes else []
        )
        known = [*self.m.classes, len(self.m.classes) + 1]
        options = data.draw(st.lists(st.sampled_from(known), max_size=3), label="options")
        error = self.m.create_pathway_error(actor, output, options)
        pathway_id = self.call(
            actor, error, self.paths.create_pathway, "Another", output, [1],
            [(c, 0, 0) for c in options], False,
        )  # fmt: skip
        if error is None:
            self.m.pathway_count += 1
            assert pathway_id == self.m.pathway_count
        assert self.paths.pathway_count() == self.m.pathway_count

    @rule(delta=seconds)
    def time_travel(self, delta: int) -> None:
        boa.env.time_travel(seconds=delta)

    @rule(data=st.data(), before=st.integers(-1, 1))
    def travel_to_expiry(self, data: st.DataObject, before: int) -> None:
        """Lands exactly on (or one second around) a credential's expiry."""
        ahead = sorted(
            t.expires_at + before
            for t in self.m.tokens.values()
            if t.expires_at + before > self.now
        )
        if ahead:
            boa.env.timestamp = data.draw(st.sampled_from(ahead), label="when")

    # invariants #

    @invariant()
    def stored_state_agrees(self) -> None:
        """The whole stored state, from storage: every credential's word and
        every wallet's balance as the model has them, the next id unused;
        the supply views (re-read when their word or the model's figures
        changed: they read nothing else)."""
        STEP_COUNT[0] += 1
        m, word = self.m, self.storage.word
        count = len(m.tokens)
        held = [0] * len(self.addr)
        for token_id, token in m.tokens.items():
            klass = m.classes[token.class_id]
            expected = world.credential_word(
                self.addr[token.holder], token.class_id, token.expires_at, token.score,
                token.stored, not klass.transferable,
            )  # fmt: skip
            assert word("_tokens", token_id) == expected, f"token {token_id}"
            if token.stored in (Status.ACTIVE, Status.SUSPENDED):
                held[token.holder] += 1
            if not klass.transferable:
                assert token.holder == token.bound_holder
            if token_id in m.ever_revoked:
                assert token.stored == Status.REVOKED
        assert list(m.tokens) == list(range(1, count + 1))
        assert word("_tokens", count + 1) == 0
        balances = [word("_balances", address) for address in self.addr]
        assert balances == held
        supply = (word("_supply"), sum(held), count, m.paused)
        if supply != self.supply_checked:
            reg = self.reg
            assert (reg.totalSupply(), reg.total_issued(), reg.paused()) == supply[1:]
            self.supply_checked = supply

    @invariant()
    def touched_views_agree(self) -> None:
        """The views of what the step acted on: each token it touched or
        whose expiry it passed or came within a second of, each class it
        touched, and after a claim every wallet's claimed credential."""
        now = self.now
        self.touched_tokens.update(
            i for i, t in self.m.tokens.items() if self.checked_at < t.expires_at <= now + 1
        )
        self.check_tokens(sorted(self.touched_tokens))
        self.check_classes(sorted(self.touched_classes))
        if self.claimed:
            self.check_claims()
        self.touched_tokens.clear()
        self.touched_classes.clear()
        self.claimed = False
        self.checked_at = now

    def check_all_views(self) -> None:
        """Every view of everything, through the contracts' interfaces."""
        reg, m = self.reg, self.m
        count = len(m.tokens)
        self.check_tokens([*m.tokens, count + 1])
        self.check_classes(list(m.classes))
        self.check_claims()
        held = [t for t in m.tokens.values() if t.stored in (Status.ACTIVE, Status.SUSPENDED)]
        balances = [reg.balanceOf(a) for a in self.addr]
        assert balances == [sum(1 for t in held if t.holder == a) for a in range(len(self.addr))]
        assert sum(balances) == reg.totalSupply() == len(held)
        assert reg.total_issued() == count
        assert reg.paused() == m.paused

    def check_claims(self) -> None:
        """Each wallet's claimed pathway credential, as the model has it."""
        p = self.m.pathway
        if p is None:
            return
        for actor, address in enumerate(self.addr):
            assert self.paths.claimed_token(1, address) == p.claimed.get(actor, 0)

    def check_tokens(self, token_ids: list[int]) -> None:
        """`credential`, `status_of` and `is_valid` of each token."""
        now = self.now
        for token_id in token_ids:
            token = self.m.tokens.get(token_id)
            status = self.m.status(token_id, now)
            expected = (
                (ZERO_ADDRESS, 0, 0, 0, Status.NONE)
                if token is None
                else (
                    self.addr[token.holder],
                    token.class_id,
                    token.score,
                    token.expires_at,
                    status,
                )
            )
            assert tuple(self.reg.credential(token_id)) == expected, f"token {token_id}"
            assert self.reg.status_of(token_id) == status, f"token {token_id}"
            assert self.reg.is_valid(token_id) == (status == Status.ACTIVE), f"token {token_id}"

    def check_classes(self, class_ids: list[int]) -> None:
        """`class_info` and `class_rules` of each class."""
        for class_id in class_ids:
            klass = self.m.classes.get(class_id)
            if klass is None:
                continue
            info = self.reg.class_info(class_id)
            assert (info.issuer, info.transferable, info.revocable, info.active) == (
                self.addr[klass.issuer],
                klass.transferable,
                klass.revocable,
                klass.active,
            )
            assert (info.validity, info.min_score) == (klass.validity, klass.min_score)
            assert tuple(self.reg.class_rules(class_id)) == (klass.restricted, klass.issue_until)


# `make test` runs 175 examples of up to 100 steps (about 11,000 steps; see
# the module's docstring); `make test-properties` 500.
# Unset settings (derandomize, database) come from Hypothesis's profile:
# its "ci" profile, active when CI is set, derandomizes.
EXAMPLES = os.environ.get("CREDSTACK_PROPERTY_EXAMPLES")
STEPS = os.environ.get("CREDSTACK_PROPERTY_STEPS")
RegistryMachine.TestCase.settings = settings(
    max_examples=int(EXAMPLES or "175"),
    stateful_step_count=int(STEPS or "100"),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# The steps run: the invariants run after every step (and once after the
# set-up, which `__init__` takes off).
STEP_COUNT = [0]


class TestRegistryState(RegistryMachine.TestCase):  # type: ignore[misc,valid-type]
    def runTest(self) -> None:
        STEP_COUNT[0] = 0
        super().runTest()
        # With the default settings the suite promises at least 10,000
        # steps: examples end early when Hypothesis's choice buffer fills,
        # so rules that draw more shorten them; raise the examples then.
        print(f"\nregistry property test: {STEP_COUNT[0]} steps")
        if EXAMPLES is None and STEPS is None:
            assert STEP_COUNT[0] >= 10_000, f"only {STEP_COUNT[0]} steps"
