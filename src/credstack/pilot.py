"""The pilot (`ape run pilot`, `make demo`): a cohort over months, in one process.

On ape's embedded chain (or a local anvil): deploy under the catalog's council
and timelock, onboard the issuers through a council proposal, apply the
example catalog as each issuer, put the mentor-session pass under closed-pilot
rules (an allowlist of the cohort, a last issuance date), then walk a cohort
through the programme week by week with time travel. Every assessment window
writes a CSV per class and runs it through the same issuance engine as `ape run issue` (validation,
journal, batches, receipts): attempts below a class's minimum are rejected by
validation, not by the chain. Along the way issuers revoke a few credentials
with reasons, suspend and reinstate others, mentor-session passes change hands
and expire, and some are renewed. Governance acts too: the guardian pauses on
a suspected key leak and the council unpauses after its delay, the council
revokes a pass obtained by fraud, and issuers recover the credentials of
learners who lost their keys to new wallets. At the end the chain is read back
and compared with the simulation, and a summary is printed and written as JSON.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_utils.crypto import keccak
from rich.console import Console
from rich.table import Table

from credstack import catalog as catalog_mod
from credstack import recovery
from credstack.catalog import Catalog
from credstack.catalog_sync import apply
from credstack.deploy import deploy_system
from credstack.evidence import salted_hash
from credstack.governance import Call, Governance, time_travel
from credstack.issuance import Issuance, validate, write_receipts
from credstack.journal import Journal
from credstack.pathways import Pathways
from credstack.registry import Registry, Status
from credstack.units import DAY

WEEK = 7 * DAY
# The programme: one module every four weeks, in this order.
CURRICULUM = (
    "spreadsheet-analysis",
    "sql-querying",
    "python-data-wrangling",
    "data-visualization",
    "applied-statistics",
    "analytics-communication",
)
PASS = "mentor-session-pass"
WORKSHOP_WEEKS = (6, 14, 22)
REVOCATION_REASONS = (
    "plagiarism found in the submitted project",
    "exam taken by someone else (identity check failed)",
    "issued in error: learner was not in this cohort",
)
WINDOW = 2  # weeks between assessment windows
# Governance events: learners who lose their keys, the guardian's pause, a
# forced revocation; the pass's last issuance date.
RECOVERY_WEEKS = (8, 18)
PAUSE_WEEK = 12
FRAUD_WEEK = 10
PASS_ISSUE_WEEKS = 24
# The catalog's pathway the cohort works towards, and the share of completers
# who claim it themselves (a sponsor pays their gas); the issuer claims for
# the others, who then need no gas at all.
PATHWAY = "junior-data-analyst"
SELF_CLAIM = 0.25


@dataclass
class PilotConfig:
    learners: int = 200
    weeks: int = 26
    seed: int = 2026
    out: Path = Path("out/pilot")
    catalog: Path = Path("examples/catalog.yaml")


@dataclass
class Learner:
    index: int
    address: str
    key: str
    ability: float
    start_week: int
    dropped_week: int | None = None
    next_module: int = 0
    retake: bool = False
    tokens: dict[str, int] = field(default_factory=dict)  # slug -> token id (modules)
    wallets: int = 1  # 2 after a key recovery
    pathway_token: int = 0  # the pathway credential, once claimed
    claimant: str = ""  # the wallet that claimed it

    def active(self, week: int) -> bool:
        return self.dropped_week is None and week >= self.start_week


@dataclass
class Tally:
    attempts: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    already: Counter[str] = field(default_factory=Counter)
    issued: Counter[str] = field(default_factory=Counter)
    revoked: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    suspended: Counter[str] = field(default_factory=Counter)
    reinstated: Counter[str] = field(default_factory=Counter)
    renewed: Counter[str] = field(default_factory=Counter)
    transfers: int = 0
    recovered: int = 0
    forced: int = 0
    claims_by_learner: int = 0
    claims_for_learner: int = 0
    proposals: list[dict[str, Any]] = field(default_factory=list)
    paused_seconds: int = 0
    transactions: int = 0
    gas: int = 0
    issuance_seconds: float = 0.0


class Pilot:
    def __init__(self, config: PilotConfig, console: Console) -> None:
        self.config = config
        self.console = console
        self.rng = random.Random(config.seed)
        self.catalog: Catalog = catalog_mod.load(config.catalog)
        self.tally = Tally()
        self.learners: list[Learner] = []
        # token id -> (slug, learner index); learner index changes on transfer
        self.tokens: dict[int, tuple[str, int]] = {}
        self.revoked: set[int] = set()
        self.suspended: dict[int, int] = {}  # token -> week to decide
        self.expires: dict[int, int] = {}  # token -> expires_at (0 = never)
        self.funded: set[str] = set()  # wallets whose gas a sponsor paid
        self.receipts: list[dict[str, Any]] = []
        self.scores: dict[int, int] = {}  # token -> score (basis points)

    # Set-up

    def setup(self) -> None:
        from ape import accounts, chain

        test_accounts = {a.address: a for a in accounts.test_accounts}

        def local(address: str, what: str) -> Any:
            if address not in test_accounts:
                raise SystemExit(
                    f"the pilot runs on a local chain: {what} ({address}) must be one of "
                    "ape's test accounts"
                )
            return test_accounts[address]

        self.admin = accounts.test_accounts[0]  # deploys; sponsors learners' gas
        self.issuers: dict[str, Any] = {
            issuer.id: local(issuer.address, f"issuer {issuer.id}")
            for issuer in self.catalog.issuers.values()
        }
        config = self.catalog.governance
        if config is None:
            raise SystemExit(f"{self.config.catalog} needs a governance section for the pilot")
        self.members = [local(m, "council member") for m in config.members]
        self.guardian = local(config.guardian, "guardian") if config.guardian else None
        # The pilot's chain dies with the process: no deployments file.
        self.deployment = deploy_system(self.admin, config)
        self.registry = Registry.at(self.deployment.registry, self.deployment.block_number)
        self.governance = Governance.for_deployment(self.deployment)
        # A council member's catalog run proposes the issuers' onboarding;
        # the council passes it; then each issuer applies its classes.
        apply(
            self.registry,
            self.catalog,
            self.deployment,
            self.members[0],
            governance=self.governance,
        )
        for proposal in self.governance.proposals():
            self.carry(proposal.proposal_id)
        self.pathways = Pathways.for_deployment(self.deployment, self.registry)
        # Issuers of pathways last: a pathway is created once the other
        # issuers' cross-credit classes exist.
        owners = {self.catalog.classes[p.output].issuer for p in self.catalog.pathways.values()}
        for issuer_id in sorted(self.issuers, key=lambda i: i in owners):
            signer = self.issuers[issuer_id]
            apply(self.registry, self.catalog, self.deployment, signer, pathways=self.pathways)
        self.pathway_id = self.deployment.pathway_ids[PATHWAY]
        self.classes = {
            slug: self.registry.class_info(record.class_id)
            for slug, record in self.deployment.classes.items()
        }
        for i in range(self.config.learners):
            key = self.key(i, 0)
            self.learners.append(
                Learner(
                    index=i,
                    address=Account.from_key(key).address,
                    key=key,
                    ability=self.rng.gauss(80, 9),
                    start_week=self.rng.choice((0, 0, 2, 4, 6)),
                )
            )
        # Closed pilot: passes go only to the cohort's wallets, and are
        # issued until week 24. Week 0 starts once the rules are in force.
        pass_id = self.classes[PASS].class_id
        self.pass_until = (
            int(chain.pending_timestamp) + self.governance_delay() + (PASS_ISSUE_WEEKS * WEEK)
        )
        calls = self.governance.allowlist_calls(
            pass_id, [learner.address for learner in self.learners], True
        )
        calls.append(
            self.governance.encode("registry", "set_class_rules", [pass_id, True, self.pass_until])
        )
        self.enact(calls, f"closed pilot: {PASS} for the cohort only, issued until week 24")
        self.start = int(chain.blocks.head.timestamp)

    @staticmethod
    def key(index: int, wallet: int) -> str:
        suffix = "" if wallet == 0 else f"-wallet{wallet}"
        return "0x" + keccak(text=f"credstack-pilot-learner-{index}{suffix}").hex()

    # Governance

    def governance_delay(self) -> int:
        return int(self.governance.timelock.get_minimum_delay())

    def carry(self, proposal_id: int) -> None:
        """Members approve up to the threshold, the delay passes, it runs."""
        proposal = self.governance.proposal(proposal_id)
        receipt = self.governance.carry(proposal_id, self.members, time_travel)
        threshold = int(self.governance.council.threshold())
        self.tally.transactions += 1 + threshold - proposal.approvals
        self.tally.gas += int(receipt.gas_used)
        self.tally.proposals.append(
            {
                "id": proposal_id,
                "description": proposal.description,
                "calls": len(proposal.calls),
            }
        )

    def enact(self, calls: list[Call], description: str) -> None:
        proposal_id = self.governance.propose(calls, description, self.members[0])
        self.tally.transactions += 1
        self.carry(proposal_id)

    # The weeks

    def run(self) -> dict[str, Any]:
        from ape import chain

        started = time.perf_counter()
        shutil.rmtree(self.config.out, ignore_errors=True)
        self.config.out.mkdir(parents=True)
        self.setup()
        self.console.print(
            f"registry {self.registry.address}; catalog applied: {len(self.classes)} classes, "
            f"{len(self.issuers)} issuers; {len(self.learners)} learners"
        )
        for week in range(0, self.config.weeks + 1, WINDOW):
            target = self.start + week * WEEK
            if target > chain.blocks.head.timestamp:
                chain.pending_timestamp = target
                chain.mine()
            before = self.counters()
            self.assess(week)
            if week in WORKSHOP_WEEKS:
                self.workshop(week)
            self.trade_passes()
            self.investigate(week)
            self.govern(week)
            claimed = self.claim_pathways()
            if week >= 16:
                self.renew_passes(week)
            issued, rejected, revoked, traded, renewed = (
                a - b for a, b in zip(self.counters(), before, strict=True)
            )
            self.console.print(
                f"week {week:2d}: issued {issued:3d}, rejected {rejected:2d}, revoked {revoked}, "
                f"passes traded {traded}, renewed {renewed}, pathway claims {claimed}"
            )
        write_receipts(self.receipts, self.config.out / "receipts")
        summary = self.summarise(time.perf_counter() - started)
        (self.config.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        return summary

    def counters(self) -> tuple[int, ...]:
        t = self.tally
        return (
            sum(t.issued.values()),
            sum(t.rejected.values()),
            len(self.revoked),
            t.transfers,
            sum(t.renewed.values()),
        )

    def assess(self, week: int) -> None:
        """Learners due for a module sit its assessment; one CSV per class."""
        rows: dict[str, list[tuple[Learner, float]]] = {}
        for learner in self.learners:
            if not learner.active(week) or learner.next_module >= len(CURRICULUM):
                continue
            due = learner.start_week + 4 * learner.next_module
            if week < due and not learner.retake:
                continue
            if not learner.retake and self.rng.random() < 0.06:
                learner.dropped_week = week
                continue
            slug = CURRICULUM[learner.next_module]
            score = max(0.0, min(100.0, self.rng.gauss(learner.ability, 8)))
            rows.setdefault(slug, []).append((learner, round(score, 2)))
        for slug, attempts in rows.items():
            issued = self.issue(week, slug, attempts)
            for learner, _ in attempts:
                if learner.address in issued:
                    learner.tokens[slug] = issued[learner.address]
                    learner.next_module += 1
                    learner.retake = False
                elif learner.retake:  # second failure: move on without it
                    learner.next_module += 1
                    learner.retake = False
                else:
                    learner.retake = True

    def issue(self, week: int, slug: str, attempts: list[tuple[Learner, float]]) -> dict[str, int]:
        """Write the window's CSV and run it through the issuance engine."""
        from ape import chain

        path = self.config.out / "csv" / f"week{week:02d}-{slug}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["wallet", "score", "evidence", "external_id"])
            for learner, score in attempts:
                document = f"{slug} assessment, learner L{learner.index:04d}, week {week}: {score}"
                digest = hashlib.sha256(document.encode()).hexdigest()
                writer.writerow(
                    [learner.address, f"{score:g}", f"0x{digest}", f"L{learner.index:04d}-w{week}"]
                )
        klass = self.classes[slug]
        started = time.perf_counter()
        rows, rejected = validate(path, klass, skip_invalid=True)
        signer = self.issuers[self.catalog.classes[slug].issuer]
        journal = Journal(self.config.out / "journal" / f"class{klass.class_id}.jsonl")
        issuance = Issuance(self.registry, klass, slug, signer, journal)
        plan = issuance.plan(rows)
        outcome = issuance.execute(plan)
        self.tally.issuance_seconds += time.perf_counter() - started
        self.tally.attempts[slug] += len(attempts)
        self.tally.rejected[slug] += len(rejected)
        self.tally.already[slug] += len(plan.done)
        self.tally.issued[slug] += len(outcome.issued)
        self.tally.transactions += len(outcome.transactions)
        self.tally.gas += outcome.gas_used
        self.receipts += issuance.receipts([row for row, _ in outcome.issued])
        index = {learner.address: learner.index for learner, _ in attempts}
        expiry = klass.validity and int(chain.blocks.head.timestamp) + klass.validity
        for row, token_id in outcome.issued:
            self.tokens[token_id] = (slug, index[row.wallet])
            self.expires[token_id] = expiry
            self.scores[token_id] = row.score
        return {row.wallet: token_id for row, token_id in outcome.issued}

    def workshop(self, week: int) -> None:
        """Active learners with a credential may attend; attendance earns a pass."""
        attendees = [
            (learner, 100.0)
            for learner in self.learners
            if learner.active(week) and learner.tokens and self.rng.random() < 0.5
        ]
        # One pass per wallet per class: the engine skips wallets that had one.
        if attendees:
            self.issue(week, PASS, attendees)

    def trade_passes(self) -> None:
        """Some pass holders give or trade their pass to another learner."""
        contract = self.registry.contract
        for token_id, (slug, owner) in list(self.tokens.items()):
            if slug != PASS or self.rng.random() >= 0.05 or not self.valid(token_id):
                continue
            holder = self.learners[owner]
            buyer = self.rng.choice(self.learners)
            if buyer.index == owner:
                continue
            self.fund(holder)
            receipt = contract.transferFrom(
                holder.address, buyer.address, token_id, sender=self.wallet(holder)
            )
            self.tally.transfers += 1
            self.tally.transactions += 1
            self.tally.gas += int(receipt.gas_used)
            self.tokens[token_id] = (slug, buyer.index)

    def investigate(self, week: int) -> None:
        """Issuers suspend a few credentials while they check a complaint,
        then reinstate or revoke; a few others are revoked outright."""
        contract = self.registry.contract
        for token_id, decide_week in list(self.suspended.items()):
            if week < decide_week:
                continue
            slug, _ = self.tokens[token_id]
            signer = self.issuers[self.catalog.classes[slug].issuer]
            del self.suspended[token_id]
            if self.rng.random() < 0.3:
                self.revoke(token_id, slug, signer, contract)
            else:
                contract.reinstate(token_id, sender=signer)
                self.tally.reinstated[slug] += 1
                self.tally.transactions += 1
        for token_id, (slug, _) in self.tokens.items():
            spec = self.catalog.classes[slug]
            if not spec.revocable or token_id in self.revoked or token_id in self.suspended:
                continue
            signer = self.issuers[spec.issuer]
            roll = self.rng.random()
            if roll < 0.003:
                self.revoke(token_id, slug, signer, contract)
            elif roll < 0.006:
                contract.suspend(token_id, sender=signer)
                self.suspended[token_id] = week + 2 * WINDOW
                self.tally.suspended[slug] += 1
                self.tally.transactions += 1

    def govern(self, week: int) -> None:
        """This week's governance: key recoveries, the guardian's pause and
        the council's unpause, a forced revocation."""
        from ape import chain

        if week in RECOVERY_WEEKS:
            self.recover_keys(week)
        if week == PAUSE_WEEK and self.guardian is not None:
            # A suspected leaked issuer key: the guardian stops issuance at
            # once; after review the council unpauses (the delay applies).
            self.registry.contract.pause(sender=self.guardian)
            self.tally.transactions += 1
            paused_at = int(chain.blocks.head.timestamp)
            self.enact(
                [self.governance.encode("registry", "unpause", [])],
                "unpause after review: the issuer key was not leaked",
            )
            self.tally.paused_seconds += int(chain.blocks.head.timestamp) - paused_at
        if week == FRAUD_WEEK:
            # A pass obtained through a fake cohort account: passes are not
            # revocable by their issuer, so the council revokes it.
            passes = sorted(
                t for t, (slug, _) in self.tokens.items() if slug == PASS and self.valid(t)
            )
            if passes:
                token_id = self.rng.choice(passes)
                reason = "fraud: pass obtained through a fake cohort account"
                call = self.governance.encode("registry", "force_revoke", [token_id, reason])
                self.enact([call], f"force-revoke pass {token_id} (fraud)")
                self.revoked.add(token_id)
                self.tally.revoked[PASS] += 1
                self.tally.reasons[reason] += 1
                self.tally.forced += 1

    def recover_keys(self, week: int) -> None:
        """A few learners lose their keys. The council first allowlists their
        new wallets for the pass (closed pilot); then each issuer re-binds
        that learner's credentials of its classes to the new wallet."""
        losers = [
            learner
            for learner in self.learners
            if learner.wallets == 1 and any(owner == learner.index for _, owner in self.held())
        ]
        losers = self.rng.sample(losers, min(2, len(losers)))
        if not losers:
            return
        new_wallets = {}
        for learner in losers:
            key = self.key(learner.index, learner.wallets)
            new_wallets[learner.index] = (Account.from_key(key).address, key)
        pass_id = self.classes[PASS].class_id
        self.enact(
            self.governance.allowlist_calls(pass_id, [a for a, _ in new_wallets.values()], True),
            f"closed pilot: allowlist the new wallets of {len(losers)} learners (key recovery)",
        )
        for learner in losers:
            address, key = new_wallets[learner.index]
            for signer in self.issuers.values():
                # The same checks and calls as `ape run recover`.
                moves = recovery.plan(self.registry, learner.address, address, signer.address)
                sent = recovery.run(self.registry, moves, address, signer)
                self.tally.recovered += sent
                self.tally.transactions += sent
            learner.address, learner.key = address, key
            learner.wallets += 1

    def held(self) -> list[tuple[int, int]]:
        """(token id, learner index) of the credentials in wallets now."""
        return [
            (token_id, owner)
            for token_id, (_, owner) in sorted(self.tokens.items())
            if token_id not in self.revoked
        ]

    def revoke(self, token_id: int, slug: str, signer: Any, contract: Any) -> None:
        reason = self.rng.choice(REVOCATION_REASONS)
        contract.revoke(token_id, reason, sender=signer)
        self.revoked.add(token_id)
        self.tally.revoked[slug] += 1
        self.tally.reasons[reason] += 1
        self.tally.transactions += 1

    def renew_passes(self, week: int) -> None:
        """Lumen extends about a third of the expired passes by 90 days."""
        from ape import chain

        contract = self.registry.contract
        now = int(chain.blocks.head.timestamp)
        lumen = self.issuers[self.catalog.classes[PASS].issuer]
        for token_id, (slug, _) in self.tokens.items():
            if slug != PASS or self.status(token_id, now) != Status.EXPIRED:
                continue
            if self.rng.random() < 0.34:
                contract.renew(token_id, now + 90 * DAY, sender=lumen)
                self.expires[token_id] = now + 90 * DAY
                self.tally.renewed[slug] += 1
                self.tally.transactions += 1

    # Pathway

    def pathway_parts(self, learner: Learner) -> tuple[int, list[int]]:
        """(required parts the learner holds now, the tokens that make them)
        by the catalog's pathway rules and the simulation's own records."""
        spec = self.catalog.pathways[PATHWAY]
        held = 0
        parts: list[int] = []
        for group in spec.groups:
            usable = [
                learner.tokens[o.slug]
                for o in group.options
                if o.slug in learner.tokens
                and self.valid(learner.tokens[o.slug])
                and self.scores[learner.tokens[o.slug]] >= o.min_score
            ]
            held += min(len(usable), group.required)
            parts += usable[: group.required]
        return held, sorted(parts)

    def claim_pathways(self) -> int:
        """Learners who complete the pathway get its credential: a quarter
        claim it themselves (sponsored gas), for the rest the issuer claims.
        The contract checks every part; the simulation only predicts."""
        spec = self.catalog.pathways[PATHWAY]
        needed = sum(g.required for g in spec.groups)
        issuer = self.issuers[self.catalog.classes[spec.output].issuer]
        claimed = 0
        for learner in self.learners:
            if learner.pathway_token:
                continue
            held, parts = self.pathway_parts(learner)
            if held < needed:
                continue
            if self.rng.random() < SELF_CLAIM:
                self.fund(learner)
                receipt = self.pathways.contract.claim(
                    self.pathway_id, parts, sender=self.wallet(learner)
                )
                self.tally.claims_by_learner += 1
            else:
                receipt = self.pathways.contract.claim_for(
                    self.pathway_id, learner.address, parts, sender=issuer
                )
                self.tally.claims_for_learner += 1
            [event] = self.pathways.contract.PathwayClaimed.from_receipt(receipt)
            learner.pathway_token = int(event.token_id)
            learner.claimant = learner.address
            self.tally.attempts[spec.output] += 1
            self.tally.issued[spec.output] += 1
            self.tokens[learner.pathway_token] = (spec.output, learner.index)
            self.expires[learner.pathway_token] = self.pathway_expiry(spec, parts)
            self.scores[learner.pathway_token] = sum(self.scores[t] for t in parts) // len(parts)
            self.tally.transactions += 1
            self.tally.gas += int(receipt.gas_used)
            claimed += 1
        return claimed

    def pathway_expiry(self, spec: Any, parts: list[int]) -> int:
        """The class's validity from now or, for a pathway that says so, the
        earliest expiry of the parts if sooner (0: never)."""
        from ape import chain

        validity = self.classes[spec.output].validity
        expiry = int(chain.blocks.head.timestamp) + validity if validity else 0
        if spec.inherit_expiry:
            for part in parts:
                if self.expires[part] and (expiry == 0 or self.expires[part] < expiry):
                    expiry = self.expires[part]
        return expiry

    def fund(self, learner: Learner) -> None:
        """A sponsor pays a learner's gas: a learner never buys crypto."""
        if learner.address not in self.funded:
            self.admin.transfer(learner.address, 10**17)
            self.funded.add(learner.address)
            self.tally.transactions += 1

    def wallet(self, learner: Learner) -> Any:
        """The learner's wallet as an ape account (the pilot holds the keys)."""
        from ape import accounts

        return accounts.test_accounts.init_test_account(
            1000 + learner.index + 10_000 * learner.wallets, learner.address, learner.key
        )

    # The simulation's own view; the chain is checked against it at the end

    def status(self, token_id: int, now: int | None = None) -> Status:
        from ape import chain

        if token_id in self.revoked:
            return Status.REVOKED
        if token_id in self.suspended:
            return Status.SUSPENDED
        now = int(chain.pending_timestamp) if now is None else now
        expires = self.expires[token_id]
        return Status.EXPIRED if expires and now >= expires else Status.ACTIVE

    def valid(self, token_id: int) -> bool:
        return self.status(token_id) == Status.ACTIVE

    # Results

    def summarise(self, seconds: float) -> dict[str, Any]:
        status: dict[str, Counter[str]] = {slug: Counter() for slug in self.catalog.classes}
        for token_id, (slug, _) in self.tokens.items():
            status[slug][self.status(token_id).name.lower()] += 1
        classes: dict[str, dict[str, Any]] = {}
        for slug in self.catalog.classes:
            classes[slug] = {
                "class_id": self.classes[slug].class_id,
                "attempts": self.tally.attempts[slug],
                "rejected_below_minimum": self.tally.rejected[slug],
                "already_held": self.tally.already[slug],
                "issued": self.tally.issued[slug],
                "revoked": self.tally.revoked[slug],
                "suspensions": self.tally.suspended[slug],
                "reinstated": self.tally.reinstated[slug],
                "renewed": self.tally.renewed[slug],
                "now": dict(status[slug]),
            }
        total_valid = sum(c["now"].get("active", 0) for c in classes.values())
        held = Counter(
            sum(
                1
                for slug in CURRICULUM
                if slug in learner.tokens and self.valid(learner.tokens[slug])
            )
            for learner in self.learners
        )
        retention = {
            f"week {w}": sum(
                1
                for learner in self.learners
                if learner.start_week <= w and (learner.dropped_week or 10**9) > w
            )
            for w in (4, 13, self.config.weeks)
        }
        checks = self.cross_check(status)
        spec = self.catalog.pathways[PATHWAY]
        parts_held = Counter(self.pathway_parts(learner)[0] for learner in self.learners)
        needed = sum(g.required for g in spec.groups)
        pathway = {
            "slug": PATHWAY,
            "pathway_id": self.pathway_id,
            "parts_required": needed,
            "funnel": {str(k): parts_held.get(k, 0) for k in range(needed + 1)},
            "claimed": sum(1 for learner in self.learners if learner.pathway_token),
            "claimed_by_learner": self.tally.claims_by_learner,
            "claimed_by_issuer_for_learner": self.tally.claims_for_learner,
        }
        return {
            "learners": self.config.learners,
            "weeks": self.config.weeks,
            "seed": self.config.seed,
            "registry": self.registry.address,
            "chain_id": self.deployment.chain_id,
            "classes": classes,
            "credentials_valid_now": total_valid,
            "modules_held_funnel": {str(k): held.get(k, 0) for k in range(len(CURRICULUM) + 1)},
            "active_learners": retention,
            "dropped_out": sum(1 for learner in self.learners if learner.dropped_week is not None),
            "pass_transfers": self.tally.transfers,
            "pathway": pathway,
            "governance": {
                "proposals": self.tally.proposals,
                "forced_revocations": self.tally.forced,
                "credentials_recovered": self.tally.recovered,
                "learners_recovered": sum(1 for learner in self.learners if learner.wallets > 1),
                "paused_hours": round(self.tally.paused_seconds / 3_600, 1),
                "threshold": int(self.governance.council.threshold()),
                "delay_hours": self.governance_delay() // 3_600,
                "pass_issued_until": self.pass_until,
            },
            "revocation_reasons": dict(self.tally.reasons),
            "transactions": self.tally.transactions,
            "gas_used": self.tally.gas,
            "issuance_seconds": round(self.tally.issuance_seconds, 1),
            "seconds": round(seconds, 1),
            "checks": checks,
        }

    def cross_check(self, status: dict[str, Counter[str]]) -> dict[str, bool]:
        """Read the chain back: it must agree with what the simulation did."""
        contract = self.registry.contract
        issued = sum(self.tally.issued.values())
        revoked = sum(c.get("revoked", 0) for c in status.values())
        in_wallets = issued - revoked
        sample = self.rng.sample(self.receipts, min(20, len(self.receipts)))
        evidence_ok = all(
            salted_hash(bytes.fromhex(r["salt"][2:]), bytes.fromhex(r["document_sha256"][2:]))
            == bytes.fromhex(r["evidence_hash"][2:])
            for r in sample
        )
        # Every token's status and owner, read one by one, would cost a minute
        # on the embedded chain: a random sample of 60 is read instead.
        tokens = self.rng.sample(sorted(self.tokens), min(60, len(self.tokens)))
        statuses_ok = all(int(contract.status_of(t)) == self.status(t) for t in tokens)
        owners_ok = all(
            str(contract.ownerOf(t)) == self.learners[self.tokens[t][1]].address
            for t in tokens
            if t not in self.revoked
        )
        # The pathway: every claim on chain is one the simulation made, and
        # the contract's progress view agrees for a sample of learners.
        claims = self.pathways.claimed(self.pathway_id)
        expected = {
            (self.pathway_id, learner.claimant): learner.pathway_token
            for learner in self.learners
            if learner.pathway_token
        }
        # The contract keys a claim by wallet: after a key recovery the new
        # wallet shows none (the pilot does not claim again).
        sampled = self.rng.sample(self.learners, min(10, len(self.learners)))
        progress_ok = True
        for learner in sampled:
            _, parts = self.pathway_parts(learner)
            view = self.pathways.progress(self.pathway_id, learner.address, parts)
            claimed_here = learner.pathway_token if learner.claimant == learner.address else 0
            progress_ok &= view.claimed_token == claimed_here
            held, _ = self.pathway_parts(learner)
            progress_ok &= view.parts_held == held
        return {
            "pathway_claims_match": claims == expected,
            "sampled_pathway_progress_matches": progress_ok,
            "total_issued_matches": int(contract.total_issued()) == issued,
            "total_supply_matches": int(contract.totalSupply()) == in_wallets,
            "revocations_match": set(self.registry.revoked_token_ids()) == self.revoked,
            "sampled_statuses_match": statuses_ok,
            "sampled_owners_match": owners_ok,
            "evidence_receipts_verify": evidence_ok,
        }


def print_summary(summary: dict[str, Any], console: Console, out: Path) -> None:
    table = Table(title=f"Pilot: {summary['learners']} learners over {summary['weeks']} weeks")
    for column in (
        "class", "attempts", "rejected", "held", "issued", "revoked", "suspended*", "renewed",
        "valid now", "expired now",
    ):  # fmt: skip
        table.add_column(column, justify="left" if column == "class" else "right")
    for slug, c in summary["classes"].items():
        table.add_row(
            slug,
            str(c["attempts"]),
            str(c["rejected_below_minimum"]),
            str(c["already_held"]),
            str(c["issued"]),
            str(c["revoked"]),
            str(c["suspensions"]),
            str(c["renewed"]),
            str(c["now"].get("active", 0)),
            str(c["now"].get("expired", 0)),
        )
    console.print(table)
    console.print(
        "rejected: score below the class minimum (refused by validation, never sent); "
        "held: the wallet already had one (skipped)\n"
        "* suspensions during the pilot; most were reinstated after review"
    )
    funnel = ", ".join(f"{k}: {v}" for k, v in summary["modules_held_funnel"].items())
    console.print(f"learners by valid modules held (of {len(CURRICULUM)}): {funnel}")
    active = ", ".join(f"{k}: {v}" for k, v in summary["active_learners"].items())
    console.print(f"active learners: {active}; dropped out: {summary['dropped_out']}")
    console.print(f"mentor-pass transfers: {summary['pass_transfers']}")
    pathway = summary["pathway"]
    funnel = ", ".join(f"{k}: {v}" for k, v in pathway["funnel"].items())
    console.print(
        f"pathway {pathway['slug']} (id {pathway['pathway_id']}): learners by required parts "
        f"held now (of {pathway['parts_required']}): {funnel}; claimed: {pathway['claimed']} "
        f"({pathway['claimed_by_learner']} by the learner, "
        f"{pathway['claimed_by_issuer_for_learner']} by the issuer for the learner)"
    )
    gov = summary["governance"]
    console.print(
        f"governance: {len(gov['proposals'])} council proposals passed "
        f"({gov['threshold']} approvals, then {gov['delay_hours']} h in the timelock); "
        f"forced revocations: {gov['forced_revocations']}; "
        f"{gov['credentials_recovered']} credentials of {gov['learners_recovered']} learners "
        "recovered to new wallets; "
        f"paused by the guardian for {gov['paused_hours']} h until the council unpaused"
    )
    for proposal in gov["proposals"]:
        console.print(
            f"  proposal {proposal['id']} ({proposal['calls']} calls): {proposal['description']}"
        )
    for reason, n in summary["revocation_reasons"].items():
        console.print(f"revoked ({n}): {reason}")
    console.print(
        f"{summary['transactions']} transactions, {summary['gas_used']:,} gas; "
        f"{summary['seconds']} s ({summary['issuance_seconds']} s in issuance)"
    )
    checks = summary["checks"]
    verdict = "agrees" if all(checks.values()) else "DISAGREES"
    console.print(f"chain read back {verdict} with the simulation: {checks}")
    console.print(f"summary: {out / 'summary.json'}; CSVs, journals and receipts under {out}/")


def run_pilot(config: PilotConfig, console: Console) -> dict[str, Any]:
    summary = Pilot(config, console).run()
    print_summary(summary, console, config.out)
    return summary
