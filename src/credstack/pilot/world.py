"""The pilot's world: a local chain with credstack deployed under the
catalog's council, the issuers onboarded by a council proposal, the catalog
applied by each issuer, and the cohort's wallets under closed-pilot rules.

Every account acts through a Sender whose listener is the ledger, so the
world is also where the ledger hears of every transaction."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_utils.crypto import keccak
from rich.console import Console

from credstack import catalog as catalog_mod
from credstack.catalog import Catalog
from credstack.catalog_sync import execute
from credstack.deploy import deploy_system
from credstack.employers import Employers
from credstack.governance import Call, Governance, time_travel
from credstack.membership import Memberships
from credstack.pathways import Pathways
from credstack.pilot.learning import PERKS_DROPOUT_FACTOR, new_learner
from credstack.pilot.ledger import Learner, Ledger
from credstack.registry import ClassInfo, Registry
from credstack.send import Sender
from credstack.units import DAY

WEEK = 7 * DAY
# The pathway the cohort works towards, and the mentor-session pass.
PATHWAY = "junior-data-analyst"
PASS = "mentor-session-pass"
# The pass is issued until this week (closed-pilot rules).
PASS_ISSUE_WEEKS = 24
# A sponsor's gas money for a learner who sends a transaction themselves.
SPONSOR_WEI = 10**17


@dataclass
class PilotConfig:
    learners: int = 200
    weeks: int = 26
    seed: int = 2026
    out: Path = Path("out/pilot")
    catalog: Path = Path("examples/catalog.yaml")
    # The perks experiment's one assumption (credstack.pilot.learning): a
    # member's dropout chance is the others' times this.
    perks_effect: float = PERKS_DROPOUT_FACTOR


class World:
    def __init__(self, config: PilotConfig, ledger: Ledger, console: Console) -> None:
        self.config = config
        self.ledger = ledger
        self.console = console
        self.catalog: Catalog = catalog_mod.load(config.catalog)
        self.nonces: dict[str, int] = {}  # every acting account -> its nonce when first seen

    def sender(self, account: Any) -> Sender:
        """``account`` acting in the pilot: the ledger hears every transaction.
        Its nonce now is noted, so the report can ask the chain how many
        transactions the pilot's accounts sent."""
        from ape import chain

        address = str(account.address)
        if address not in self.nonces:
            self.nonces[address] = int(chain.provider.get_nonce(address))
        return Sender(account, listeners=(self.ledger.record,))

    # Building it

    def build(self, rng: random.Random) -> None:
        """Deploy, onboard, apply the catalog, make the cohort, put the pass
        under closed-pilot rules; week 0 starts once they are in force."""
        from ape import accounts

        test_accounts = {a.address: a for a in accounts.test_accounts}

        def local(address: str, what: str) -> Sender:
            if address not in test_accounts:
                raise SystemExit(
                    f"the pilot runs on a local chain: {what} ({address}) must be one of "
                    "ape's test accounts"
                )
            return self.sender(test_accounts[address])

        self.admin = self.sender(accounts.test_accounts[0])  # deploys; sponsors learners' gas
        self.issuers: dict[str, Sender] = {
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
        self.pathways = Pathways.for_deployment(self.deployment, self.registry)
        self.memberships = Memberships.for_deployment(self.deployment, self.registry)
        self.providers: dict[str, Sender] = {
            p.id: local(p.address, f"provider {p.id}") for p in self.catalog.providers.values()
        }
        self.employers = Employers.for_deployment(self.deployment, self.registry)
        self.employer_senders: dict[str, Sender] = {
            e.id: local(e.address, f"employer {e.id}") for e in self.catalog.employers.values()
        }
        self._apply_catalog()
        self.pathway_id = self.deployment.pathway_ids[PATHWAY]
        self.classes: dict[str, ClassInfo] = {
            slug: self.registry.class_info(record.class_id)
            for slug, record in self.deployment.classes.items()
        }
        for i in range(self.config.learners):
            key = self.key(i, 0)
            self.ledger.learners.append(new_learner(i, Account.from_key(key).address, key, rng))
        self._close_pass()
        self.start = self.head_time()

    def _apply_catalog(self) -> None:
        """A council member's catalog run proposes the issuers' and the
        employers' onboarding; the council passes it; then each issuer
        applies its classes, the issuers of pathways last (a pathway is
        created once the other issuers' cross-credit classes exist), and
        each employer sends its endorsements."""
        execute(
            self.registry,
            self.catalog,
            self.deployment,
            self.members[0],
            governance=self.governance,
            employers=self.employers,
        )
        self.carry([p.proposal_id for p in self.governance.proposals()])
        owners = {self.catalog.classes[p.output].issuer for p in self.catalog.pathways.values()}
        for issuer_id in sorted(self.issuers, key=lambda i: i in owners):
            execute(
                self.registry,
                self.catalog,
                self.deployment,
                self.issuers[issuer_id],
                pathways=self.pathways,
                memberships=self.memberships,
            )
        for ident in self.employer_senders:
            execute(
                self.registry,
                self.catalog,
                self.deployment,
                self.employer_senders[ident],
                pathways=self.pathways,
                employers=self.employers,
            )

    def _close_pass(self) -> None:
        """Closed pilot: passes go only to the cohort's wallets, and are
        issued until week 24 (counted from when the rules are in force)."""
        pass_id = self.classes[PASS].class_id
        self.pass_until = self.now() + self.delay() + PASS_ISSUE_WEEKS * WEEK
        # The membership contract too: a pass is redeemed by sending it there.
        wallets = [learner.address for learner in self.ledger.learners]
        assert self.deployment.membership is not None  # deploy_system deploys it
        wallets.append(self.deployment.membership)
        calls = self.governance.allowlist_calls(pass_id, wallets, True)
        calls.append(
            self.governance.encode("registry", "set_class_rules", [pass_id, True, self.pass_until])
        )
        self.enact(calls, f"closed pilot: {PASS} for the cohort only, issued until week 24")

    @staticmethod
    def key(index: int, wallet: int) -> str:
        suffix = "" if wallet == 0 else f"-wallet{wallet}"
        return "0x" + keccak(text=f"credstack-pilot-learner-{index}{suffix}").hex()

    # Acting

    def issuer_of(self, slug: str) -> Sender:
        return self.issuers[self.catalog.classes[slug].issuer]

    def delay(self) -> int:
        return int(self.governance.timelock.get_minimum_delay())

    def carry(self, proposal_ids: Sequence[int]) -> None:
        """Members approve up to the threshold, the delay passes, they run."""
        for proposal in self.governance.carry(proposal_ids, self.members, time_travel):
            self.ledger.tally.proposals.append(
                {
                    "id": proposal.proposal_id,
                    "description": proposal.description,
                    "calls": len(proposal.calls),
                }
            )

    def enact(self, calls: list[Call], description: str) -> None:
        """Propose (in as many proposals as the calls need) and carry."""
        self.carry(self.governance.propose_all(calls, description, self.members[0]))

    def fund(self, learner: Learner) -> None:
        """A sponsor pays a learner's gas: a learner never buys crypto."""
        if learner.address not in self.ledger.funded:
            self.admin.transfer(learner.address, SPONSOR_WEI)
            self.ledger.funded.add(learner.address)

    def wallet(self, learner: Learner) -> Sender:
        """The learner's wallet (the pilot holds the keys)."""
        from ape import accounts

        account = accounts.test_accounts.init_test_account(
            1000 + learner.index + 10_000 * learner.wallets, learner.address, learner.key
        )
        return self.sender(account)

    # Time

    def now(self) -> int:
        """The timestamp the next block will carry (at least)."""
        from ape import chain

        return int(chain.pending_timestamp)

    def head_time(self) -> int:
        from ape import chain

        return int(chain.blocks.head.timestamp)

    def advance_to(self, timestamp: int) -> None:
        """Mine a block at ``timestamp`` unless the chain is already there."""
        from ape import chain

        if timestamp > chain.blocks.head.timestamp:
            chain.pending_timestamp = timestamp
            chain.mine()
