"""Stateful property test of the EmployerRegistry: governance, employers,
learners, an issuer, the guardian and a stranger drive `EmployerRegistry.vy`
over the registry whose credentials it records; a Python model
(``employer_model.py``) predicts every outcome, and the chain must agree
after every step.

Every example starts from a class of soulbound credentials, a transferable
pass class and a pathway; each learner holds a credential (the first also a
pass) and the first employer is onboarded. Learners sign consents off chain
(for their own tokens, mostly, or for someone else's; for an employer, any
outcome set, a nonce from a small pool, a deadline a day, a second or a week
ahead); employers record with them, with the consent as signed or altered
(another outcome, nonce, deadline, token or sender; a malleable twin or a
truncated signature).

Rules: the registry's side (issue, transfer of a pass to another learner,
burn by the holder, revoke and suspend by the issuer, pause and unpause) and
the employers' (add, re-add with a new name, remove; endorse and withdraw
classes and pathways for printable, empty or bad task codes, with bad kinds
and unknown targets; record; revoke consents). Time moves by seconds to
weeks and lands on a consent's deadline.

Checked:
- every call reverts exactly when the model says, with its exact message,
  and a refused call changes nothing;
- a record never exists without a valid consent: read from the chain's
  events, not the model, every `CredentialVerified` matches a consent that
  the holder it names really signed (the token, the employer that sent it,
  an outcome set containing the outcome, the nonce, a deadline not passed),
  that holder holds the token at that moment (the registry's word), the
  consent was not revoked (the chain's `ConsentRevoked` events so far), and
  no outcome of a consent is recorded twice; so a replayed, expired,
  foreign or revoked consent, and one sent by a removed employer, never
  lands;
- the employers (records, order), endorsements and their counts, consent
  states and verification counts match the model;
- the events of every add, removal, endorsement, withdrawal, record and
  revocation, field by field.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import boa
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from credstack.registry import Status
from tests.constants import EVIDENCE, ZERO_ADDRESS
from tests.properties.employer_model import (
    ACTOR_COUNT,
    ADMIN,
    DAY,
    EMPLOYERS,
    GUARDIAN,
    HIRED,
    INTERVIEWED,
    ISSUER,
    LEARNERS,
    OUTPUT,
    PASS,
    SQL,
    STRANGER,
    VERIFIED,
    ZERO,
    Consent,
    Model,
)
from tests.properties.machine import ChainMachine
from tests.properties.world import Storage

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
REGISTRY = boa.load_partial(str(CONTRACTS / "CredentialRegistry.vy"))
RENDERER = boa.load_partial(str(CONTRACTS / "CredentialRenderer.vy"))
PATHWAYS = boa.load_partial(str(CONTRACTS / "PathwayRegistry.vy"))
EMPLOYER_REGISTRY = boa.load_partial(str(CONTRACTS / "EmployerRegistry.vy"))

actors = st.integers(0, ACTOR_COUNT - 1)
# Random-looking nonces, as the tooling draws them; a small pool so that
# replays and revocations meet.
NONCES = [int.from_bytes(keccak(f"nonce {i}".encode()), "big") for i in range(3)]
TASKS = ["15-2051.00", "11-1021.00", "", "15-2051.00\n", "Ärzt", "~" * 32]
NOTE = "https://acme.example/roles/data-analyst"
# What learners sign; a record may also send a bad set (0, 8).
SIGNED_SETS = [7, 1, 3, 6, 4, 2, 5]
OUTCOME_SETS = [*SIGNED_SETS, 0, 8]
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def malleable(signature: bytes) -> bytes:
    """The other valid form of a signature: s -> n - s, v flipped."""
    s = int.from_bytes(signature[32:64], "big")
    v = 27 + 28 - signature[64]
    return signature[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([v])


class World:
    """The registry (governance as admin, a guardian, an issuer), its
    classes, a pathway, and the employer registry, deployed once; every
    example rolls the chain back to here. The actors have known keys, so
    that learners sign consents."""

    def __init__(self) -> None:
        self.keys = [keccak(f"employer actor {i}".encode()) for i in range(ACTOR_COUNT)]
        self.addresses = [Account.from_key(k).address for k in self.keys]
        a = self.addresses
        renderer = RENDERER.deploy()
        self.registry = REGISTRY.deploy(
            "credstack", "CRED", a[ADMIN], renderer.address, a[GUARDIAN]
        )
        with boa.env.prank(a[ADMIN]):
            self.registry.grantRole(self.registry.ISSUER_ROLE(), a[ISSUER])
        self.pathways = PATHWAYS.deploy(self.registry.address)
        with boa.env.prank(a[ISSUER]):
            for class_id in (SQL, PASS, OUTPUT):
                created = self.registry.create_class(
                    f"class {class_id}", "", class_id == PASS, True, 0, 0
                )
                assert created == class_id
            self.registry.set_delegate(self.pathways.address, True)
            assert self.pathways.create_pathway("P", OUTPUT, [1], [(SQL, 0, 0)], False) == 1
        self.employers = EMPLOYER_REGISTRY.deploy(self.registry.address, self.pathways.address)
        self.storage = Storage(self.employers)
        self.chain_id = boa.env.evm.patch.chain_id


WORLD = World()


class EmployerMachine(ChainMachine):
    actors = actors

    def __init__(self) -> None:
        super().__init__()
        self.addr = WORLD.addresses
        self.reg = WORLD.registry
        self.emp = WORLD.employers
        self.store = WORLD.storage
        self.m = Model()
        # Consents signed so far: (what was signed, the signer, signature).
        self.consents: list[tuple[Consent, int, bytes]] = []
        # From the chain's events: (holder address, nonce) revoked, and
        # (holder address, nonce, outcome) recorded.
        self.revoked: set[tuple[str, int]] = set()
        self.recorded: set[tuple[str, int, int]] = set()
        # Endorsement keys a step acted on (checked after it).
        self.touched: set[tuple[int, int, int, str]] = set()

    def address(self, actor: int) -> str:
        return ZERO_ADDRESS if actor == ZERO else self.addr[actor]

    def actor_of(self, address: str) -> int:
        return self.addr.index(address)

    def digest(self) -> Any:
        """What a refused call must leave alone, besides what `chain_agrees`
        compares with the model after every step."""
        return (
            self.emp.employer_count(),
            [tuple(self.emp.employer(self.addr[a])) for a in [*EMPLOYERS, STRANGER]],
            self.verification_counts(),
            self.consent_states(),
        )

    def consent_states(self) -> list[int]:
        """Every learner's state of every nonce of the pool, read from
        storage (the view is checked against it at the end)."""
        return [self.store.word("consent_state", self.addr[h], n) for h in LEARNERS for n in NONCES]

    def verification_counts(self) -> list[int]:
        return [self.store.word("verification_count", t) for t in self.m.tokens]

    def check_at_end(self) -> None:
        assert self.consent_states() == [
            self.emp.consent_state(self.addr[h], n) for h in LEARNERS for n in NONCES
        ]
        assert self.verification_counts() == [self.emp.verification_count(t) for t in self.m.tokens]
        self.touched |= set(self.m.endorsements)
        self.check_endorsements()
        for a in [*EMPLOYERS, STRANGER]:
            self.check_employer(a)

    # set-up #

    @initialize()
    def seed(self) -> None:
        """A credential for each learner, a pass for the first, the first
        two employers onboarded."""
        for learner in LEARNERS:
            self.issue_as(SQL, learner)
        self.issue_as(PASS, LEARNERS[0])
        for employer in EMPLOYERS[:2]:
            self.call(ADMIN, None, self.emp.add_employer, self.addr[employer], "Acme", "")
            self.m.record_add(employer, "Acme", "", self.now)

    def issue_as(self, class_id: int, holder: int) -> None:
        token_id = self.call(ISSUER, None, self.reg.issue, class_id, self.addr[holder], 0, EVIDENCE)
        assert token_id == self.m.issue(class_id, holder)

    # rules: the registry #

    @precondition(lambda self: not self.m.paused and len(self.m.tokens) < 10)
    @rule(class_id=st.sampled_from([SQL, PASS]), holder=st.sampled_from(LEARNERS))
    def issue(self, class_id: int, holder: int) -> None:
        self.issue_as(class_id, holder)

    @precondition(lambda self: not self.m.paused)
    @rule(
        data=st.data(), what=st.sampled_from(["transfer", "transfer", "burn", "revoke", "suspend"])
    )
    def change_credential(self, data: st.DataObject, what: str) -> None:
        """A pass changes hands (to another learner); a credential is burned
        by its holder, revoked or suspended by the issuer."""
        stored = (Status.ACTIVE,) if what != "revoke" else (Status.ACTIVE, Status.SUSPENDED)
        pool = [
            i
            for i, t in self.m.tokens.items()
            if t.stored in stored and (what != "transfer" or t.class_id == PASS)
        ]
        if not pool:
            return
        token_id = data.draw(st.sampled_from(pool), label="token")
        token = self.m.tokens[token_id]
        if what == "transfer":
            to = data.draw(st.sampled_from([x for x in LEARNERS if x != token.holder]), label="to")
            frm = self.addr[token.holder]
            self.call(token.holder, None, self.reg.transferFrom, frm, self.addr[to], token_id)
            token.holder = to
        elif what == "burn":
            self.call(token.holder, None, self.reg.burn, token_id)
            token.stored = Status.BURNED
        elif what == "revoke":
            self.call(ISSUER, None, self.reg.revoke, token_id, "why")
            token.stored = Status.REVOKED
        else:
            self.call(ISSUER, None, self.reg.suspend, token_id)
            token.stored = Status.SUSPENDED

    @rule(data=st.data())
    def pause_or_unpause(self, data: st.DataObject) -> None:
        """The guardian pauses (one time in four); governance unpauses."""
        if not self.m.paused and data.draw(st.integers(0, 3), label="pause") != 3:
            return
        if self.m.paused:
            self.call(ADMIN, None, self.reg.unpause)
        else:
            self.call(GUARDIAN, None, self.reg.pause)
        self.m.paused = not self.m.paused

    # rules: employers #

    @rule(
        data=st.data(),
        account=st.sampled_from([*EMPLOYERS, STRANGER, ZERO]),
        name=st.sampled_from(["Acme", "Beta Health", ""]),
        url=st.sampled_from(["", "https://beta.example"]),
    )
    def add_employer(self, data: st.DataObject, account: int, name: str, url: str) -> None:
        sender = self.pick_actor(data, [ADMIN])
        error = self.m.add_employer(sender, account, name)
        self.call(sender, error, self.emp.add_employer, self.address(account), name, url)
        if error is None:
            [event] = self.emp.get_logs()
            assert (event.employer, event.name, event.url) == (self.addr[account], name, url)
            self.m.record_add(account, name, url, self.now)
            self.check_employer(account)

    @rule(data=st.data(), account=st.sampled_from([*EMPLOYERS, STRANGER]))
    def remove_employer(self, data: st.DataObject, account: int) -> None:
        """Governance removes an employer (one time in four, so that most
        records are sent by active ones), or anyone tries to."""
        if data.draw(st.integers(0, 3), label="remove") != 3:
            return
        sender = self.pick_actor(data, [ADMIN])
        error = self.m.remove_employer(sender, account)
        self.call(sender, error, self.emp.remove_employer, self.addr[account])
        if error is None:
            [event] = self.emp.get_logs()
            assert event.employer == self.addr[account]
            self.m.employers[account].active = False
            self.check_employer(account)

    # rules: endorsements #

    @rule(
        data=st.data(),
        kind=st.sampled_from([0, 1, 0, 2]),
        target_id=st.sampled_from([1, 2, 3, 0, 4]),
        task=st.sampled_from(TASKS),
        note=st.sampled_from([NOTE, ""]),
    )
    def endorse(self, data: st.DataObject, kind: int, target_id: int, task: str, note: str) -> None:
        target = target_id
        sender = self.pick_actor(data, [a for a in EMPLOYERS if self.m.active(a)])
        error = self.m.endorse(sender, kind, target, task)
        self.call(sender, error, self.emp.endorse, kind, target, task, note)
        if error is None:
            [event] = self.emp.get_logs()
            assert (
                event.employer,
                event.kind,
                event.target_id,
                event.task_hash,
                event.task,
                event.note_uri,
            ) == (self.addr[sender], kind, target, keccak(task.encode()), task, note)
            self.m.record_endorse(sender, kind, target, task, note, self.now)
            self.touched.add((sender, kind, target, task))

    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        """Mostly an endorsement on record (by its employer, active or
        not); now and then any."""
        keys = sorted(self.m.endorsements)
        if keys and data.draw(st.integers(0, 3), label="known") < 3:
            employer, kind, target, task = data.draw(st.sampled_from(keys), label="endorsement")
            sender = self.pick_actor(data, [employer])
        else:
            sender = data.draw(self.actors, label="actor")
            kind = data.draw(st.sampled_from([0, 1, 2]), label="kind")
            target, task = 1, TASKS[0]
        error = self.m.withdraw(sender, kind, target, task)
        self.call(sender, error, self.emp.withdraw, kind, target, task)
        if error is None:
            [event] = self.emp.get_logs()
            assert (
                event.employer,
                event.kind,
                event.target_id,
                event.task_hash,
                event.task,
            ) == (self.addr[sender], kind, target, keccak(task.encode()), task)
            self.m.endorsements[(sender, kind, target, task)].active = False
            self.touched.add((sender, kind, target, task))

    # rules: consents and records #

    def sign(self, signer: int, consent: Consent) -> bytes:
        """`signer`'s EIP-712 signature of a Consent, signed by eth_account
        from the typed data, not from the contract's hashing."""
        typed = {
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"},
                ],
                "Consent": [
                    {"name": "token_id", "type": "uint256"},
                    {"name": "employer", "type": "address"},
                    {"name": "outcomes", "type": "uint8"},
                    {"name": "nonce", "type": "uint256"},
                    {"name": "deadline", "type": "uint256"},
                ],
            },
            "primaryType": "Consent",
            "domain": {
                "name": "credstack Employers",
                "version": "1",
                "chainId": WORLD.chain_id,
                "verifyingContract": str(self.emp.address),
            },
            "message": {
                "token_id": consent.token_id,
                "employer": self.addr[consent.employer],
                "outcomes": consent.outcomes,
                "nonce": consent.nonce,
                "deadline": consent.deadline,
            },
        }
        signed = Account.sign_message(encode_typed_data(full_message=typed), WORLD.keys[signer])
        return bytes(signed.signature)

    def sign_consent(self, data: st.DataObject) -> tuple[Consent, int, bytes]:
        """A learner signs a consent off chain: mostly for a token of their
        own and an active employer, now and then for someone else's token
        or another account."""
        token_id = data.draw(st.sampled_from(sorted(self.m.tokens)), label="token")
        holder = self.m.tokens[token_id].holder
        signer = holder
        if data.draw(st.integers(0, 4), label="foreign") == 4:
            signer = data.draw(st.sampled_from(LEARNERS), label="signer")
        active = [a for a in EMPLOYERS if self.m.active(a)]
        employer = self.mostly(data, active)
        outcomes = data.draw(st.sampled_from(SIGNED_SETS), label="outcomes")
        nonce = data.draw(st.sampled_from(NONCES), label="nonce")
        ahead = data.draw(st.sampled_from([7 * DAY, DAY, 0]), label="deadline in")
        consent = Consent(token_id, employer, outcomes, nonce, self.now + ahead)
        signed = (consent, signer, self.sign(signer, consent))
        self.consents.append(signed)
        return signed

    def mostly(self, data: st.DataObject, rightful: list[int]) -> int:
        """One of `rightful` seven times in eight, else anyone: records need
        two such picks (the consent's employer, the sender) to land."""
        if rightful and data.draw(st.integers(0, 7), label="anyone") < 7:
            return data.draw(st.sampled_from(rightful), label="actor")
        return data.draw(self.actors, label="actor")

    @rule(data=st.data(), times=st.sampled_from([2, 1, 3]))
    def record(self, data: st.DataObject, times: int) -> None:
        """Employers record one to three times in a row (records are what
        the test is about, and one rule of many runs rarely)."""
        for _ in range(times):
            change = data.draw(
                st.sampled_from(
                    ["none"] * 6
                    + ["outcome", "nonce", "deadline", "token", "outcomes", "malleable", "short"]
                ),
                label="change",
            )
            self.record_one(data, change)

    @precondition(lambda self: any(self.m.active(a) for a in EMPLOYERS))
    @rule(data=st.data(), steps=st.sampled_from([2, 1, 3]))
    def hire(self, data: st.DataObject, steps: int) -> None:
        """The success path, aimed at (a rule of many runs rarely, and only
        in some examples): a learner consents to all three outcomes for an
        active employer, which records verified, then interviewed, then
        hired, as far as `steps` goes; the model still predicts each (the
        pause, a burned token or a used nonce refuse it)."""
        holders = sorted({t.holder for t in self.m.tokens.values()})
        learner = data.draw(st.sampled_from(holders), label="learner")
        token_id = data.draw(
            st.sampled_from(sorted(i for i, t in self.m.tokens.items() if t.holder == learner)),
            label="token",
        )
        employer = data.draw(
            st.sampled_from([a for a in EMPLOYERS if self.m.active(a)]), label="employer"
        )
        nonce = data.draw(st.sampled_from(NONCES), label="nonce")
        consent = Consent(token_id, employer, 7, nonce, self.now + DAY)
        sig = self.sign(learner, consent)
        self.consents.append((consent, learner, sig))
        for outcome in (VERIFIED, INTERVIEWED, HIRED)[:steps]:
            self.send_record(
                employer, token_id, outcome, 7, nonce, consent.deadline, sig, consent, learner
            )

    def record_one(self, data: st.DataObject, change: str) -> None:
        """An employer records an outcome with a consent: mostly one just
        signed, else one signed before (a replay, perhaps revoked, expired
        or no longer its signer's token); mostly as signed (an outcome it
        allows, sent by the employer it names)."""
        if not self.consents or data.draw(st.integers(0, 3), label="earlier") < 2:
            consent, signer, sig = self.sign_consent(data)
        else:
            consent, signer, sig = data.draw(st.sampled_from(self.consents), label="consent")
        signed: Consent | None = consent
        who: int | None = signer
        sender = self.mostly(data, [consent.employer])
        allowed = [b for b in (VERIFIED, INTERVIEWED, HIRED) if consent.outcomes & b]
        outcome = data.draw(st.sampled_from(allowed or [VERIFIED]), label="outcome")
        args = [consent.token_id, outcome, consent.outcomes, consent.nonce, consent.deadline]
        if change == "outcome":
            args[1] = data.draw(st.sampled_from([VERIFIED, INTERVIEWED, HIRED, 3, 0, 8]))
        elif change == "nonce":
            args[3] = data.draw(st.sampled_from(NONCES), label="nonce")
        elif change == "deadline":
            args[4] = consent.deadline + 1
        elif change == "token":
            args[0] = data.draw(st.sampled_from([*self.m.tokens, len(self.m.tokens) + 1]))
        elif change == "outcomes":
            args[2] = data.draw(st.sampled_from(OUTCOME_SETS), label="outcomes")
        elif change == "malleable":
            sig, who = malleable(sig), None
        elif change == "short":
            sig, who = sig[:64], None
        self.send_record(sender, *args, sig, signed, who)

    def send_record(
        self,
        sender: int,
        token_id: int,
        outcome: int,
        outcomes: int,
        nonce: int,
        deadline: int,
        sig: bytes,
        signed: Consent | None,
        who: int | None,
    ) -> None:
        """`sender` records; `signed` and `who`: what `sig` signs and who
        signed it (None: malformed)."""
        now = self.now
        error = self.m.record(
            sender, token_id, outcome, outcomes, nonce, deadline, signed, who, now
        )
        self.call(sender, error, self.emp.record, token_id, outcome, outcomes, nonce, deadline, sig)
        if error is None:
            self.check_record(sender, token_id, outcome, nonce, now)
            self.m.record_record(token_id, outcome, nonce)

    def check_record(self, sender: int, token_id: int, outcome: int, nonce: int, now: int) -> None:
        """The invariant, from the chain alone: the event names a consent
        its holder signed, the holder holds the token now, the consent is
        neither revoked nor used for this outcome."""
        [event] = self.emp.get_logs()
        holder = event.holder
        assert (event.token_id, event.employer, event.outcome, event.nonce) == (
            token_id,
            self.addr[sender],
            outcome,
            nonce,
        )
        word = self.reg.credential_words([token_id])[0]
        assert word & ((1 << 160) - 1) == int(holder, 16)
        assert event.class_id == (word >> 160) & (2**32 - 1)
        assert (word >> 248) & 15 not in (Status.NONE, Status.BURNED)
        assert any(
            self.addr[s] == holder
            and c.token_id == token_id
            and self.addr[c.employer] == event.employer
            and c.outcomes & outcome
            and c.nonce == nonce
            and c.deadline >= now
            for c, s, _ in self.consents
        )
        assert (holder, nonce) not in self.revoked
        assert (holder, nonce, outcome) not in self.recorded
        self.recorded.add((holder, nonce, outcome))
        STEP_COUNT[1] += 1

    @rule(data=st.data(), nonce=st.sampled_from(NONCES))
    def revoke_consent(self, data: st.DataObject, nonce: int) -> None:
        sender = self.pick_actor(data, LEARNERS)
        error = self.m.revoke_consent(sender, nonce)
        self.call(sender, error, self.emp.revoke_consent, nonce)
        if error is None:
            [event] = self.emp.get_logs()
            assert (event.holder, event.nonce) == (self.addr[sender], nonce)
            self.revoked.add((self.addr[sender], nonce))
            self.m.record_revoke(sender, nonce)

    # rules: time #

    @rule(seconds=st.sampled_from([1, 3_600, DAY, 7 * DAY]))
    def time_travel(self, seconds: int) -> None:
        boa.env.time_travel(seconds=seconds)

    @rule(data=st.data(), offset=st.sampled_from([0, 1]))
    def travel_to_deadline(self, data: st.DataObject, offset: int) -> None:
        """Lands on a consent's deadline, or the second after."""
        ahead = sorted({c.deadline + offset for c, _, _ in self.consents} - {0})
        ahead = [t for t in ahead if t > self.now]
        if ahead:
            boa.env.timestamp = data.draw(st.sampled_from(ahead), label="when")

    # invariants #

    @invariant()
    def chain_agrees(self) -> None:
        """After every step: the employer count and order, the verification
        counts, every consent state, and the endorsements the step touched."""
        assert self.emp.employer_count() == len(self.m.order)
        assert [self.emp.employer_at(i) for i in range(len(self.m.order))] == [
            self.addr[a] for a in self.m.order
        ]
        assert self.verification_counts() == [
            self.m.verification_count.get(t, 0) for t in self.m.tokens
        ]
        assert self.consent_states() == [
            self.m.consent_state.get((h, n), 0) for h in LEARNERS for n in NONCES
        ]
        self.check_endorsements()
        STEP_COUNT[0] += 1

    def check_employer(self, account: int) -> None:
        e = self.m.employers.get(account)
        expected = ("", "", False, 0) if e is None else (e.name, e.url, e.active, e.added_at)
        assert tuple(self.emp.employer(self.addr[account])) == expected
        assert self.emp.is_employer(self.addr[account]) == self.m.active(account)

    def check_endorsements(self) -> None:
        for key in self.touched:
            employer, kind, target, task = key
            e = self.m.endorsements[key]
            got = self.emp.endorsement(self.addr[employer], kind, target, task)
            assert tuple(got) == (e.active, e.endorsed_at, e.note)
            assert self.emp.endorsement_count(kind, target, task) == self.m.endorsement_count(
                kind, target, task
            )
        self.touched.clear()


# `make test` runs 40 examples of up to 40 steps; `make test-properties`
# 500. CREDSTACK_PROPERTY_EXAMPLES and CREDSTACK_PROPERTY_STEPS set others.
# Unset settings (derandomize, database) come from Hypothesis's profile: its
# "ci" profile, active when CI is set, derandomizes.
EmployerMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("CREDSTACK_PROPERTY_EXAMPLES", "40")),
    stateful_step_count=int(os.environ.get("CREDSTACK_PROPERTY_STEPS", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# The steps run (the invariants run after every step, and once after the
# set-up), and the records that landed.
STEP_COUNT = [0, 0]


class TestEmployerState(EmployerMachine.TestCase):  # type: ignore[misc,valid-type]
    def runTest(self) -> None:
        STEP_COUNT[:] = [0, 0]
        super().runTest()
        print(f"\nemployer property test: {STEP_COUNT[0]} steps, {STEP_COUNT[1]} records")
