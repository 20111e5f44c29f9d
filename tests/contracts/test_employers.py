"""EmployerRegistry: employers onboarded and removed by governance,
endorsements of classes and pathways for job-task codes, and verification
records made by an employer with the holder's EIP-712 consent (replay,
expiry, revocation, foreign signers, removed employers).

The world used here: classes SQL and Statistics (`issuer`'s), the pathway
"Analyst" (output class Analyst, 1 of SQL), `employer` onboarded as "Acme
Analytics", `learner` holding a SQL credential.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ape
import pytest
from ape import chain
from eth_abi.abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from credstack.registry import created_class_id
from tests.constants import DAY, EVIDENCE, ZERO_ADDRESS

OK = "ok"
KIND_CLASS, KIND_PATHWAY = 0, 1
VERIFIED, INTERVIEWED, HIRED = 1, 2, 4
REVOKED = 128
TASK = "15-2051.00"
NOTE = "https://acme.example/roles/data-analyst"
NAME, URL = "Acme Analytics", "https://acme.example"


@dataclass
class Setup:
    employers: Any
    pathways: Any
    sql: int
    stats: int
    output: int
    pathway_id: int
    token: int


# Contracts, classes, the pathway and the learner's token are made once per
# module; ape restores the chain after each test.


@pytest.fixture(scope="module")
def setup(
    project: Any,
    registry: Any,
    deployer: Any,
    admin: Any,
    issuer: Any,
    employer: Any,
    learner: Any,
    learner2: Any,
    stranger: Any,
    guardian: Any,
) -> Setup:
    """Asks for every account the tests use, so that they exist before ape
    snapshots the module."""
    pathways = project.PathwayRegistry.deploy(registry, sender=deployer)
    employers = project.EmployerRegistry.deploy(registry, pathways, sender=deployer)

    def klass(name: str) -> int:
        tx = registry.create_class(
            name, f"ipfs://bafy/{name}", False, True, 365 * DAY, 0, sender=issuer
        )
        return created_class_id(registry, tx)

    sql, stats, output = klass("SQL"), klass("Statistics"), klass("Analyst")
    registry.set_delegate(pathways, True, sender=issuer)
    tx = pathways.create_pathway("Analyst", output, [1], [(sql, 0, 0)], False, sender=issuer)
    pathway_id = pathways.PathwayCreated.from_receipt(tx)[0].pathway_id
    tx = registry.issue(sql, learner, 9_000, EVIDENCE, sender=issuer)
    token = registry.CredentialIssued.from_receipt(tx)[0].token_id
    employers.add_employer(employer, NAME, URL, sender=admin)
    return Setup(employers, pathways, sql, stats, output, pathway_id, token)


def block_time(tx: Any) -> int:
    return int(chain.blocks[tx.block_number].timestamp)


def at(timestamp: int) -> None:
    """The next transaction is mined at `timestamp`."""
    chain.pending_timestamp = timestamp


def sign_consent(
    e: Any,
    signer: Any,
    token_id: int,
    employer: Any,
    outcomes: int,
    nonce: int,
    deadline: int,
) -> bytes:
    """The holder's EIP-712 signature of a Consent."""
    data = {
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
            "chainId": chain.chain_id,
            "verifyingContract": e.address,
        },
        "message": {
            "token_id": token_id,
            "employer": employer.address,
            "outcomes": outcomes,
            "nonce": nonce,
            "deadline": deadline,
        },
    }
    signed = Account.sign_message(encode_typed_data(full_message=data), signer.private_key)
    return bytes(signed.signature)


SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
NONCE = 0x5EED_0F_C0_75E7


def malleable(sig: bytes) -> bytes:
    """The other valid form of a signature: s -> n - s, v flipped."""
    s = int.from_bytes(sig[32:64], "big")
    v = 27 + 28 - sig[64]
    return sig[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([v])


@pytest.fixture
def consent(setup: Setup, learner: Any, employer: Any) -> Callable[..., tuple[int, bytes]]:
    """Factory: `learner`'s consent for `employer` on the SQL token;
    returns (deadline, signature)."""

    def make(
        outcomes: int = VERIFIED | INTERVIEWED | HIRED,
        nonce: int = NONCE,
        signer: Any = None,
        token_id: int | None = None,
        to: Any = None,
        deadline: int | None = None,
    ) -> tuple[int, bytes]:
        deadline = chain.pending_timestamp + 7 * DAY if deadline is None else deadline
        sig = sign_consent(
            setup.employers,
            signer or learner,
            setup.token if token_id is None else token_id,
            to or employer,
            outcomes,
            nonce,
            deadline,
        )
        return deadline, sig

    return make


# Deployment


def test_deploy__not_contracts__revert(
    project: Any, registry: Any, deployer: Any, stranger: Any
) -> None:
    with ape.reverts("employer: registry not a contract"):
        project.EmployerRegistry.deploy(stranger, registry, sender=deployer)
    with ape.reverts("employer: pathways not a contract"):
        project.EmployerRegistry.deploy(registry, stranger, sender=deployer)


def test_deploy__immutables_constants_and_no_payable_function(setup: Setup, registry: Any) -> None:
    e = setup.employers
    assert (e.registry(), e.pathways()) == (registry.address, setup.pathways.address)
    assert (e.KIND_CLASS(), e.KIND_PATHWAY()) == (KIND_CLASS, KIND_PATHWAY)
    assert (e.OUTCOME_VERIFIED(), e.OUTCOME_INTERVIEWED(), e.OUTCOME_HIRED()) == (1, 2, 4)
    assert e.CONSENT_REVOKED() == REVOKED
    functions = [item for item in e.contract_type.abi if item.type == "function"]
    assert [f.name for f in functions if f.stateMutability == "payable"] == []
    assert e.contract_type.constructor.stateMutability == "nonpayable"


def test_domain__separator_and_erc5267(setup: Setup) -> None:
    def h(text: str) -> bytes:
        return keccak(text=text)

    e = setup.employers
    expected = keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                h(
                    "EIP712Domain(string name,string version,uint256 chainId,"
                    "address verifyingContract)"
                ),
                h("credstack Employers"),
                h("1"),
                chain.chain_id,
                e.address,
            ],
        )
    )
    assert e.DOMAIN_SEPARATOR() == expected
    domain = e.eip712Domain()
    assert (domain[0], domain[1], domain[2], domain[3], domain[4]) == (
        b"\x0f",
        "credstack Employers",
        "1",
        chain.chain_id,
        e.address,
    )


# Employers


def test_add_employer__record_enumeration_and_event(
    setup: Setup, admin: Any, employer: Any, stranger: Any
) -> None:
    e = setup.employers
    info = e.employer(employer)
    assert (info.name, info.url, info.active) == (NAME, URL, True)
    assert info.added_at > 0
    assert e.is_employer(employer) is True
    assert (e.employer_count(), e.employer_at(0)) == (1, employer.address)
    tx = e.add_employer(stranger, "Beta Health", "", sender=admin)
    [event] = e.EmployerAdded.from_receipt(tx)
    assert (event.employer, event.name, event.url) == (stranger.address, "Beta Health", "")
    assert (e.employer_count(), e.employer_at(1)) == (2, stranger.address)
    assert tuple(e.employer(stranger)) == ("Beta Health", "", True, block_time(tx))
    with ape.reverts("employer: index out of range"):
        e.employer_at(2)


def test_employer__never_added__empty(setup: Setup, stranger: Any) -> None:
    assert tuple(setup.employers.employer(stranger)) == ("", "", False, 0)
    assert setup.employers.is_employer(stranger) is False


def test_add_employer__again_while_active__new_name_and_url_same_date(
    setup: Setup, admin: Any, employer: Any
) -> None:
    e = setup.employers
    added_at = e.employer(employer).added_at
    chain.mine(timestamp=chain.pending_timestamp + DAY)
    tx = e.add_employer(employer, "Acme", "https://acme.example/about", sender=admin)
    [event] = e.EmployerAdded.from_receipt(tx)
    assert (event.name, event.url) == ("Acme", "https://acme.example/about")
    assert tuple(e.employer(employer)) == ("Acme", "https://acme.example/about", True, added_at)
    assert e.employer_count() == 1


def test_remove_employer__then_re_added_keeps_its_place(
    setup: Setup, admin: Any, employer: Any
) -> None:
    e = setup.employers
    tx = e.remove_employer(employer, sender=admin)
    [event] = e.EmployerRemoved.from_receipt(tx)
    assert event.employer == employer.address
    info = e.employer(employer)
    assert (info.name, info.active) == (NAME, False)
    assert e.is_employer(employer) is False
    with ape.reverts("employer: unknown employer"):
        e.remove_employer(employer, sender=admin)
    at(chain.pending_timestamp + DAY)
    tx = e.add_employer(employer, "Acme II", URL, sender=admin)
    assert tuple(e.employer(employer)) == ("Acme II", URL, True, block_time(tx))
    assert (e.employer_count(), e.employer_at(0)) == (1, employer.address)


def test_add_remove_employer__refusals(setup: Setup, admin: Any, stranger: Any) -> None:
    e = setup.employers
    with ape.reverts("employer: zero address"):
        e.add_employer(ZERO_ADDRESS, NAME, URL, sender=admin)
    with ape.reverts("employer: empty name"):
        e.add_employer(stranger, "", URL, sender=admin)
    with ape.reverts("employer: unknown employer"):
        e.remove_employer(stranger, sender=admin)


def test_governance__is_the_registry_admin_read_live(
    setup: Setup, registry: Any, admin: Any, stranger: Any
) -> None:
    e = setup.employers
    with ape.reverts("employer: not governance"):
        e.add_employer(stranger, NAME, URL, sender=stranger)
    registry.grantRole(b"\x00" * 32, stranger, sender=admin)
    e.add_employer(stranger, NAME, URL, sender=stranger)
    registry.revokeRole(b"\x00" * 32, stranger, sender=admin)
    with ape.reverts("employer: not governance"):
        e.remove_employer(stranger, sender=stranger)


# Endorsements


def test_endorse__class__record_count_and_event(setup: Setup, employer: Any) -> None:
    e = setup.employers
    tx = e.endorse(KIND_CLASS, setup.sql, TASK, NOTE, sender=employer)
    [event] = e.Endorsed.from_receipt(tx)
    assert (
        event.employer,
        event.kind,
        event.target_id,
        event.task_hash,
        event.task,
        event.note_uri,
    ) == (employer.address, KIND_CLASS, setup.sql, keccak(text=TASK), TASK, NOTE)
    assert tuple(e.endorsement(employer, KIND_CLASS, setup.sql, TASK)) == (
        True,
        block_time(tx),
        NOTE,
    )
    assert e.endorsement_count(KIND_CLASS, setup.sql, TASK) == 1
    # Another task, another target, another kind: not counted.
    assert e.endorsement_count(KIND_CLASS, setup.sql, "15-2051.01") == 0
    assert e.endorsement_count(KIND_CLASS, setup.stats, TASK) == 0
    assert e.endorsement_count(KIND_PATHWAY, setup.sql, TASK) == 0


def test_endorse__pathway__and_a_second_employer_counts(
    setup: Setup, admin: Any, employer: Any, stranger: Any
) -> None:
    e = setup.employers
    e.add_employer(stranger, "Beta Health", "", sender=admin)
    e.endorse(KIND_PATHWAY, setup.pathway_id, TASK, "", sender=employer)
    tx = e.endorse(KIND_PATHWAY, setup.pathway_id, TASK, NOTE, sender=stranger)
    [event] = e.Endorsed.from_receipt(tx)
    assert (event.employer, event.kind, event.target_id) == (
        stranger.address,
        KIND_PATHWAY,
        setup.pathway_id,
    )
    assert e.endorsement_count(KIND_PATHWAY, setup.pathway_id, TASK) == 2
    assert e.endorsement(employer, KIND_PATHWAY, setup.pathway_id, TASK).note_uri == ""


def test_endorse__again__updates_note_and_date_counts_once(setup: Setup, employer: Any) -> None:
    e = setup.employers
    e.endorse(KIND_CLASS, setup.sql, TASK, NOTE, sender=employer)
    at(chain.pending_timestamp + DAY)
    tx = e.endorse(KIND_CLASS, setup.sql, TASK, "ipfs://bafy/new-note", sender=employer)
    assert e.Endorsed.from_receipt(tx)[0].note_uri == "ipfs://bafy/new-note"
    assert tuple(e.endorsement(employer, KIND_CLASS, setup.sql, TASK)) == (
        True,
        block_time(tx),
        "ipfs://bafy/new-note",
    )
    # Cleared by an endorsement with no note.
    e.endorse(KIND_CLASS, setup.sql, TASK, "", sender=employer)
    assert e.endorsement(employer, KIND_CLASS, setup.sql, TASK).note_uri == ""
    assert e.endorsement_count(KIND_CLASS, setup.sql, TASK) == 1


def test_withdraw__event_count_and_endorse_again(setup: Setup, employer: Any) -> None:
    e = setup.employers
    e.endorse(KIND_CLASS, setup.sql, TASK, NOTE, sender=employer)
    tx = e.withdraw(KIND_CLASS, setup.sql, TASK, sender=employer)
    [event] = e.EndorsementWithdrawn.from_receipt(tx)
    assert (event.employer, event.kind, event.target_id, event.task_hash, event.task) == (
        employer.address,
        KIND_CLASS,
        setup.sql,
        keccak(text=TASK),
        TASK,
    )
    info = e.endorsement(employer, KIND_CLASS, setup.sql, TASK)
    assert (info.active, info.note_uri) == (False, NOTE)
    assert e.endorsement_count(KIND_CLASS, setup.sql, TASK) == 0
    with ape.reverts("employer: not endorsed"):
        e.withdraw(KIND_CLASS, setup.sql, TASK, sender=employer)
    e.endorse(KIND_CLASS, setup.sql, TASK, "", sender=employer)
    assert e.endorsement_count(KIND_CLASS, setup.sql, TASK) == 1


def test_withdraw__by_a_removed_employer_and_while_paused(
    setup: Setup, registry: Any, admin: Any, guardian: Any, employer: Any
) -> None:
    e = setup.employers
    e.endorse(KIND_CLASS, setup.sql, TASK, NOTE, sender=employer)
    e.remove_employer(employer, sender=admin)
    # A removal leaves the endorsement standing (counted) ...
    assert e.endorsement(employer, KIND_CLASS, setup.sql, TASK).active is True
    assert e.endorsement_count(KIND_CLASS, setup.sql, TASK) == 1
    # ... and its employer may still take it back, even while paused.
    registry.pause(sender=guardian)
    e.withdraw(KIND_CLASS, setup.sql, TASK, sender=employer)
    assert e.endorsement_count(KIND_CLASS, setup.sql, TASK) == 0


@pytest.mark.parametrize(
    ("kind", "target", "task", "message"),
    [
        (2, "sql", TASK, "employer: bad kind"),
        (255, "sql", TASK, "employer: bad kind"),
        (KIND_CLASS, 0, TASK, "employer: unknown class"),
        (KIND_CLASS, 99, TASK, "employer: unknown class"),
        (KIND_PATHWAY, 0, TASK, "employer: unknown pathway"),
        (KIND_PATHWAY, 2, TASK, "employer: unknown pathway"),
        (KIND_CLASS, "sql", "", "employer: empty task"),
        (KIND_CLASS, "sql", "15-2051.00\n", "employer: bad task"),
        (KIND_CLASS, "sql", "\x1f", "employer: bad task"),
        (KIND_CLASS, "sql", "15\x7f", "employer: bad task"),
        (KIND_CLASS, "sql", "Ärzt", "employer: bad task"),
        (KIND_CLASS, "sql", "x" * 31 + "\t", "employer: bad task"),
        (KIND_CLASS, "sql", "\x00", "employer: bad task"),
    ],
)
def test_endorse__bad_input__reverts(
    setup: Setup, employer: Any, kind: int, target: Any, task: str, message: str
) -> None:
    target_id = setup.sql if target == "sql" else target
    with ape.reverts(message):
        setup.employers.endorse(kind, target_id, task, NOTE, sender=employer)


@pytest.mark.parametrize("task", [" ", "~", "!", "15-2051.00", "A" * 32, " ~" * 16, "SOC 2018"])
def test_endorse__printable_tasks__accepted(setup: Setup, employer: Any, task: str) -> None:
    setup.employers.endorse(KIND_CLASS, setup.sql, task, "", sender=employer)
    assert setup.employers.endorsement_count(KIND_CLASS, setup.sql, task) == 1


def test_endorse__refused_while_paused_or_not_employer(
    setup: Setup, registry: Any, admin: Any, guardian: Any, employer: Any
) -> None:
    e = setup.employers
    registry.pause(sender=guardian)
    with ape.reverts("employer: paused"):
        e.endorse(KIND_CLASS, setup.sql, TASK, NOTE, sender=employer)
    registry.unpause(sender=admin)
    e.remove_employer(employer, sender=admin)
    with ape.reverts("employer: not employer"):
        e.endorse(KIND_CLASS, setup.sql, TASK, NOTE, sender=employer)


def test_withdraw__refusals(setup: Setup, employer: Any, stranger: Any) -> None:
    e = setup.employers
    e.endorse(KIND_CLASS, setup.sql, TASK, NOTE, sender=employer)
    with ape.reverts("employer: bad kind"):
        e.withdraw(2, setup.sql, TASK, sender=employer)
    for kind, target, task, who in [
        (KIND_PATHWAY, setup.sql, TASK, employer),
        (KIND_CLASS, setup.stats, TASK, employer),
        (KIND_CLASS, setup.sql, "15-2051.01", employer),
        (KIND_CLASS, setup.sql, TASK, stranger),
    ]:
        with ape.reverts("employer: not endorsed"):
            e.withdraw(kind, target, task, sender=who)


# Verification records with consent


def test_record__with_consent__event_state_and_count(
    setup: Setup, employer: Any, learner: Any, consent: Callable[..., tuple[int, bytes]]
) -> None:
    e = setup.employers
    deadline, sig = consent(outcomes=VERIFIED | INTERVIEWED)
    tx = e.record(
        setup.token, VERIFIED, VERIFIED | INTERVIEWED, NONCE, deadline, sig, sender=employer
    )
    [event] = e.CredentialVerified.from_receipt(tx)
    assert (
        event.token_id,
        event.employer,
        event.holder,
        event.outcome,
        event.class_id,
        event.nonce,
    ) == (setup.token, employer.address, learner.address, VERIFIED, setup.sql, NONCE)
    assert e.consent_state(learner, NONCE) == VERIFIED
    assert e.verification_count(setup.token) == 1
    # The second outcome of the same consent, then a replay of either.
    e.record(
        setup.token, INTERVIEWED, VERIFIED | INTERVIEWED, NONCE, deadline, sig, sender=employer
    )
    assert e.consent_state(learner, NONCE) == VERIFIED | INTERVIEWED
    assert e.verification_count(setup.token) == 2
    for outcome in (VERIFIED, INTERVIEWED):
        with ape.reverts("employer: consent used"):
            e.record(
                setup.token, outcome, VERIFIED | INTERVIEWED, NONCE, deadline, sig, sender=employer
            )
    # Outside the mask.
    with ape.reverts("employer: outcome not allowed"):
        e.record(setup.token, HIRED, VERIFIED | INTERVIEWED, NONCE, deadline, sig, sender=employer)
    assert e.verification_count(setup.token) == 2


@pytest.mark.parametrize(
    ("outcome", "outcomes", "message"),
    [
        (0, 7, "employer: bad outcome"),
        (3, 7, "employer: bad outcome"),
        (8, 15, "employer: bad outcome"),
        (128, 7, "employer: bad outcome"),
        (1, 0, "employer: bad outcome"),
        (1, 9, "employer: bad outcome"),
        (1, 129, "employer: bad outcome"),
        (1, 6, "employer: outcome not allowed"),
        (4, 3, "employer: outcome not allowed"),
    ],
)
def test_record__bad_outcome__reverts(
    setup: Setup,
    employer: Any,
    consent: Callable[..., tuple[int, bytes]],
    outcome: int,
    outcomes: int,
    message: str,
) -> None:
    deadline, sig = consent(outcomes=outcomes)
    with ape.reverts(message):
        setup.employers.record(
            setup.token, outcome, outcomes, NONCE, deadline, sig, sender=employer
        )


def test_record__deadline_to_the_second(
    setup: Setup, employer: Any, consent: Callable[..., tuple[int, bytes]]
) -> None:
    e = setup.employers
    deadline, sig = consent(deadline=chain.pending_timestamp + 100)
    at(deadline + 1)
    with ape.reverts("employer: consent expired"):
        e.record(setup.token, VERIFIED, 7, NONCE, deadline, sig, sender=employer)
    deadline, sig = consent(deadline=deadline + 100)
    at(deadline)
    e.record(setup.token, VERIFIED, 7, NONCE, deadline, sig, sender=employer)


def test_record__foreign_or_altered_signatures__refused(
    setup: Setup,
    admin: Any,
    employer: Any,
    learner: Any,
    learner2: Any,
    stranger: Any,
    consent: Callable[..., tuple[int, bytes]],
) -> None:
    e = setup.employers
    e.add_employer(stranger, "Beta Health", "", sender=admin)
    deadline, signed = consent()
    cases = [
        # Signed by someone other than the holder (another learner, the
        # employer itself).
        (consent(signer=learner2, deadline=deadline)[1], {}),
        (consent(signer=employer, deadline=deadline)[1], {}),
        # The holder's signature used for more outcomes, another nonce,
        # deadline or token, or by another employer.
        (consent(outcomes=VERIFIED, deadline=deadline)[1], {}),
        (signed, {"nonce": NONCE + 1}),
        (signed, {"deadline": deadline + 1}),
        (signed, {"sender": stranger}),
        (consent(to=stranger, deadline=deadline)[1], {}),
        # Garbage, and the malleable twin.
        (b"\x00" * 65, {}),
        (b"", {}),
        (signed[:64], {}),
        (signed[:64] + b"\x1d", {}),
        (signed[:64] + b"\x00", {}),
        (malleable(signed), {}),
    ]
    for sig, change in cases:
        args = {"nonce": NONCE, "deadline": deadline, "sender": employer} | change
        with ape.reverts("employer: bad signature"):
            e.record(
                setup.token,
                VERIFIED,
                7,
                args["nonce"],
                args["deadline"],
                sig,
                sender=args["sender"],
            )
    assert e.consent_state(learner, NONCE) == 0
    e.record(setup.token, VERIFIED, 7, NONCE, deadline, signed, sender=employer)


def test_record__consent_for_another_token_of_the_holder__refused(
    setup: Setup,
    registry: Any,
    issuer: Any,
    employer: Any,
    learner: Any,
    consent: Callable[..., tuple[int, bytes]],
) -> None:
    tx = registry.issue(setup.stats, learner, 8_000, EVIDENCE, sender=issuer)
    other = registry.CredentialIssued.from_receipt(tx)[0].token_id
    deadline, sig = consent(token_id=other)
    with ape.reverts("employer: bad signature"):
        setup.employers.record(setup.token, VERIFIED, 7, NONCE, deadline, sig, sender=employer)
    tx = setup.employers.record(other, VERIFIED, 7, NONCE, deadline, sig, sender=employer)
    assert setup.employers.CredentialVerified.from_receipt(tx)[0].class_id == setup.stats


def test_revoke_consent__before_use_and_after_partial_use(
    setup: Setup, employer: Any, learner: Any, consent: Callable[..., tuple[int, bytes]]
) -> None:
    e = setup.employers
    deadline, sig = consent()
    e.record(setup.token, VERIFIED, 7, NONCE, deadline, sig, sender=employer)
    tx = e.revoke_consent(NONCE, sender=learner)
    [event] = e.ConsentRevoked.from_receipt(tx)
    assert (event.holder, event.nonce) == (learner.address, NONCE)
    assert e.consent_state(learner, NONCE) == VERIFIED | REVOKED
    for outcome in (VERIFIED, HIRED):
        with ape.reverts("employer: consent revoked"):
            e.record(setup.token, outcome, 7, NONCE, deadline, sig, sender=employer)
    with ape.reverts("employer: consent revoked"):
        e.revoke_consent(NONCE, sender=learner)
    # Before any use: another nonce.
    deadline, sig = consent(nonce=7)
    e.revoke_consent(7, sender=learner)
    assert e.consent_state(learner, 7) == REVOKED
    with ape.reverts("employer: consent revoked"):
        e.record(setup.token, HIRED, 7, 7, deadline, sig, sender=employer)
    assert e.verification_count(setup.token) == 1


def test_revoke_consent__is_the_callers_own(
    setup: Setup,
    employer: Any,
    learner: Any,
    learner2: Any,
    consent: Callable[..., tuple[int, bytes]],
) -> None:
    """Someone else revoking "the same nonce" revokes their own consent."""
    e = setup.employers
    deadline, sig = consent()
    e.revoke_consent(NONCE, sender=learner2)
    assert (e.consent_state(learner2, NONCE), e.consent_state(learner, NONCE)) == (REVOKED, 0)
    e.record(setup.token, HIRED, 7, NONCE, deadline, sig, sender=employer)


def test_record__removed_employer_refused_then_re_added_allowed(
    setup: Setup, admin: Any, employer: Any, consent: Callable[..., tuple[int, bytes]]
) -> None:
    e = setup.employers
    deadline, sig = consent()
    e.remove_employer(employer, sender=admin)
    with ape.reverts("employer: not employer"):
        e.record(setup.token, VERIFIED, 7, NONCE, deadline, sig, sender=employer)
    e.add_employer(employer, NAME, URL, sender=admin)
    e.record(setup.token, VERIFIED, 7, NONCE, deadline, sig, sender=employer)


def test_record__holder_now__a_transferred_tokens_old_consent_fails(
    setup: Setup,
    registry: Any,
    project: Any,
    issuer: Any,
    employer: Any,
    learner: Any,
    learner2: Any,
    consent: Callable[..., tuple[int, bytes]],
) -> None:
    tx = registry.create_class("Pass", "ipfs://bafy/pass", True, True, 0, 0, sender=issuer)
    pass_class = created_class_id(registry, tx)
    tx = registry.issue(pass_class, learner, 0, EVIDENCE, sender=issuer)
    token = registry.CredentialIssued.from_receipt(tx)[0].token_id
    deadline, old = consent(token_id=token)
    registry.transferFrom(learner, learner2, token, sender=learner)
    with ape.reverts("employer: bad signature"):
        setup.employers.record(token, VERIFIED, 7, NONCE, deadline, old, sender=employer)
    _, new = consent(token_id=token, signer=learner2, deadline=deadline)
    tx = setup.employers.record(token, VERIFIED, 7, NONCE, deadline, new, sender=employer)
    assert setup.employers.CredentialVerified.from_receipt(tx)[0].holder == learner2.address


@pytest.mark.parametrize("change", ["unknown", "burn", "revoke", "suspend"])
def test_record__token_states(
    setup: Setup,
    registry: Any,
    issuer: Any,
    employer: Any,
    learner: Any,
    consent: Callable[..., tuple[int, bytes]],
    change: str,
) -> None:
    """Unknown and burned tokens are refused; a revoked or suspended one
    keeps its holder of record, who may consent (the record says the
    employer checked it; the registry says its status)."""
    token = setup.token
    if change == "unknown":
        token = 999
    elif change == "burn":
        registry.burn(token, sender=learner)
    elif change == "revoke":
        registry.revoke(token, "annulled", sender=issuer)
    else:
        registry.suspend(token, sender=issuer)
    deadline, sig = consent(token_id=token)
    if change in ("unknown", "burn"):
        with ape.reverts("employer: unknown token"):
            setup.employers.record(token, VERIFIED, 7, NONCE, deadline, sig, sender=employer)
    else:
        setup.employers.record(token, VERIFIED, 7, NONCE, deadline, sig, sender=employer)


def test_record__refused_while_paused_revoke_allowed(
    setup: Setup,
    registry: Any,
    guardian: Any,
    employer: Any,
    learner: Any,
    consent: Callable[..., tuple[int, bytes]],
) -> None:
    deadline, sig = consent()
    registry.pause(sender=guardian)
    with ape.reverts("employer: paused"):
        setup.employers.record(setup.token, VERIFIED, 7, NONCE, deadline, sig, sender=employer)
    setup.employers.revoke_consent(NONCE, sender=learner)


# Access matrix: every state-changing function against every kind of caller


ACTORS = ["admin", "issuer", "employer", "holder", "stranger"]


def only(allowed: tuple[str, ...], message: str) -> dict[str, str]:
    return {actor: OK if actor in allowed else message for actor in ACTORS}


@dataclass
class World:
    setup: Setup
    who: dict[str, Any]

    @property
    def e(self) -> Any:
        return self.setup.employers


Action = Callable[[World, Any], Any]


def record_signed(w: World, s: Any) -> Any:
    deadline = chain.pending_timestamp + DAY
    sig = sign_consent(w.e, w.who["holder"], w.setup.token, s, 7, NONCE, deadline)
    return w.e.record(w.setup.token, VERIFIED, 7, NONCE, deadline, sig, sender=s)


def withdraw_endorsed(w: World, s: Any) -> Any:
    w.e.endorse(KIND_CLASS, w.setup.sql, TASK, "", sender=w.who["employer"])
    return w.e.withdraw(KIND_CLASS, w.setup.sql, TASK, sender=s)


MATRIX: dict[str, tuple[Action, dict[str, str]]] = {
    "add_employer": (
        lambda w, s: w.e.add_employer(w.who["stranger"], NAME, URL, sender=s),
        only(("admin",), "employer: not governance"),
    ),
    "remove_employer": (
        lambda w, s: w.e.remove_employer(w.who["employer"], sender=s),
        only(("admin",), "employer: not governance"),
    ),
    "endorse": (
        lambda w, s: w.e.endorse(KIND_CLASS, w.setup.sql, TASK, NOTE, sender=s),
        only(("employer",), "employer: not employer"),
    ),
    "withdraw": (withdraw_endorsed, only(("employer",), "employer: not endorsed")),
    "record": (record_signed, only(("employer",), "employer: not employer")),
    # Anyone may revoke their own consents.
    "revoke_consent": (lambda w, s: w.e.revoke_consent(NONCE, sender=s), only(tuple(ACTORS), "")),
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("function", sorted(MATRIX))
def test_access_matrix(
    request: pytest.FixtureRequest, setup: Setup, function: str, actor: str
) -> None:
    names = {"holder": "learner"}
    who = {a: request.getfixturevalue(names.get(a, a)) for a in ACTORS}
    action, expected = MATRIX[function]
    if expected[actor] == OK:
        action(World(setup, who), who[actor])
    else:
        with ape.reverts(expected[actor]):
            action(World(setup, who), who[actor])


def test_access_matrix__covers_every_state_changing_function(setup: Setup) -> None:
    mutating = {
        item.name
        for item in setup.employers.contract_type.abi
        if item.type == "function" and item.stateMutability not in ("view", "pure")
    }
    assert mutating == set(MATRIX)
