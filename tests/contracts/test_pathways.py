"""PathwayRegistry: requirement groups (k of n), cross-crediting, minimum
scores, the claim and every way it is refused, expiry inheritance, and the
progress view.

The pathway used here ("Junior Data Analyst", issued by `issuer`):
  group 0, all 3 of: Spreadsheets (min 70%), SQL (min 75%), Dashboards
  group 1, 1 of 2:   Statistics (`issuer`), Python (`other_issuer`, min 80%:
                     the cross-credit option)
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ape
import pytest
from eth_abi.abi import encode
from eth_utils import keccak

from credstack.pathways import ClaimReason, PartReason
from tests.constants import DAY, EVIDENCE

COUNTED, UNKNOWN, NOT_HOLDER = PartReason.COUNTED, PartReason.UNKNOWN, PartReason.NOT_HOLDER
SUSPENDED, USED_TWICE = PartReason.SUSPENDED, PartReason.USED_TWICE
NOT_IN_PATHWAY, BELOW_MINIMUM = PartReason.NOT_IN_PATHWAY, PartReason.BELOW_MINIMUM
ALREADY_USED, CLASS_TWICE = PartReason.ALREADY_USED, PartReason.CLASS_TWICE


@dataclass
class Setup:
    pathways: Any
    pathway_id: int
    output: int
    sheets: int
    sql: int
    dash: int
    stats: int
    python: int
    unrelated: int


@pytest.fixture
def setup(
    project: Any,
    registry: Any,
    deployer: Any,
    issuer: Any,
    other_issuer: Any,
    create_class: Callable[..., int],
) -> Setup:
    pathways = project.PathwayRegistry.deploy(registry, sender=deployer)
    registry.set_delegate(pathways, True, sender=issuer)

    def klass(name: str, validity: int = 365 * DAY, sender: Any = None) -> int:
        return create_class(name=name, validity=validity, min_score=0, sender=sender)

    s = Setup(
        pathways=pathways,
        pathway_id=0,
        output=klass("Junior Data Analyst", validity=3 * 365 * DAY),
        sheets=klass("Spreadsheets", validity=100 * DAY),
        sql=klass("SQL", validity=200 * DAY),
        dash=klass("Dashboards", validity=0),
        stats=klass("Statistics"),
        python=klass("Python", sender=other_issuer),
        unrelated=klass("Unrelated"),
    )
    tx = pathways.create_pathway(
        "Junior Data Analyst",
        s.output,
        [3, 1],
        [
            (s.sheets, 7_000, 0),
            (s.sql, 7_500, 0),
            (s.dash, 0, 0),
            (s.stats, 0, 1),
            (s.python, 8_000, 1),
        ],
        False,
        sender=issuer,
    )
    s.pathway_id = pathways.PathwayCreated.from_receipt(tx)[0].pathway_id
    return s


@pytest.fixture
def parts(
    setup: Setup, registry: Any, issuer: Any, other_issuer: Any, learner: Any
) -> dict[str, int]:
    """`learner` holds the three core parts and the cross-credit elective."""

    def give(class_id: int, score: int, sender: Any = issuer) -> int:
        tx = registry.issue(class_id, learner, score, EVIDENCE, sender=sender)
        return int(registry.CredentialIssued.from_receipt(tx)[0].token_id)

    return {
        "sheets": give(setup.sheets, 7_200),
        "sql": give(setup.sql, 9_000),
        "dash": give(setup.dash, 6_000),
        "python": give(setup.python, 8_400, other_issuer),
    }


def ids(parts: dict[str, int], *names: str) -> list[int]:
    return [parts[n] for n in names]


# Creation


def test_create__records_rules_and_event(setup: Setup, issuer: Any) -> None:
    info = setup.pathways.pathway(setup.pathway_id)
    assert info.output_class == setup.output
    assert (info.active, info.inherit_expiry) == (True, False)
    assert list(info.required) == [3, 1]
    assert [tuple(o) for o in info.options] == [
        (setup.sheets, 7_000, 0),
        (setup.sql, 7_500, 0),
        (setup.dash, 0, 0),
        (setup.stats, 0, 1),
        (setup.python, 8_000, 1),
    ]
    assert setup.pathways.pathway_count() == 1


@pytest.mark.parametrize(
    ("required", "options", "message"),
    [
        ([], [], "pathway: no groups"),
        ([1], [("sheets", 0, 1)], "pathway: bad group"),
        ([2], [("sheets", 0, 0)], "pathway: bad required count"),
        ([0], [("sheets", 0, 0)], "pathway: bad required count"),
        ([1], [("sheets", 0, 0), ("sheets", 5, 0)], "pathway: class listed twice"),
        ([1], [("output", 0, 0)], "pathway: output class as part"),
        ([1], [("sheets", 10_001, 0)], "pathway: score out of range"),
        ([1], [(999, 0, 0)], "credential: unknown class"),
    ],
)
def test_create__bad_rules__revert(
    setup: Setup, issuer: Any, required: list[int], options: list[tuple], message: str
) -> None:
    resolved = [(getattr(setup, c) if isinstance(c, str) else c, m, g) for c, m, g in options]
    with ape.reverts(message):
        setup.pathways.create_pathway("P", setup.output, required, resolved, False, sender=issuer)


def test_create__only_the_output_class_issuer_with_delegation(
    setup: Setup, registry: Any, issuer: Any, other_issuer: Any, delegate: Any
) -> None:
    rules = ([1], [(setup.sheets, 0, 0)])
    for who in (other_issuer, delegate):
        with ape.reverts("pathway: not class issuer"):
            setup.pathways.create_pathway("P", setup.output, *rules, False, sender=who)
    with ape.reverts("credential: unknown class"):
        setup.pathways.create_pathway("P", 999, *rules, False, sender=issuer)
    registry.set_delegate(setup.pathways, False, sender=issuer)
    with ape.reverts("pathway: not delegate"):
        setup.pathways.create_pathway("P", setup.output, *rules, False, sender=issuer)


# Claims


def test_claim__issues_the_pathway_credential(
    setup: Setup, parts: dict[str, int], registry: Any, learner: Any, issuer: Any
) -> None:
    tokens = ids(parts, "sheets", "sql", "dash", "python")
    tx = setup.pathways.claim(setup.pathway_id, tokens, sender=learner)
    [claimed] = setup.pathways.PathwayClaimed.from_receipt(tx)
    [issued] = registry.CredentialIssued.from_receipt(tx)
    assert (claimed.pathway_id, claimed.holder, claimed.token_id, claimed.parts) == (
        setup.pathway_id,
        learner.address,
        issued.token_id,
        tokens,
    )
    assert (issued.class_id, issued.holder) == (setup.output, learner.address)
    assert issued.score == (7_200 + 9_000 + 6_000 + 8_400) // 4
    assert issued.evidence_hash == keccak(
        encode(["uint256", "uint256[]"], [setup.pathway_id, tokens])
    )
    assert issued.expires_at == registry.credential(issued.token_id).expires_at
    assert issued.expires_at == chain_time(tx) + 3 * 365 * DAY
    assert registry.is_valid(issued.token_id)
    assert setup.pathways.claimed_token(setup.pathway_id, learner) == issued.token_id
    assert registry.class_info(setup.output).issuer == issuer.address


def chain_time(tx: Any) -> int:
    from ape import chain

    return int(chain.blocks[tx.block_number].timestamp)


def test_claim__k_of_n__elective_either_option(
    setup: Setup, registry: Any, issuer: Any, learner2: Any, parts: dict[str, int]
) -> None:
    """learner2 takes Statistics (same issuer) instead of the cross-credit
    Python; the core group needs all three."""
    tokens = []
    for class_id, score in ((setup.sheets, 8_000), (setup.sql, 8_000), (setup.stats, 5_000)):
        tx = registry.issue(class_id, learner2, score, EVIDENCE, sender=issuer)
        tokens.append(registry.CredentialIssued.from_receipt(tx)[0].token_id)
    with ape.reverts("pathway: requirements not met"):
        setup.pathways.claim(setup.pathway_id, tokens, sender=learner2)
    tx = registry.issue(setup.dash, learner2, 7_000, EVIDENCE, sender=issuer)
    tokens.append(registry.CredentialIssued.from_receipt(tx)[0].token_id)
    with ape.reverts("pathway: requirements not met"):
        setup.pathways.claim(setup.pathway_id, tokens[:2] + tokens[3:], sender=learner2)
    setup.pathways.claim(setup.pathway_id, tokens, sender=learner2)


def test_claim__cross_credit_counts_and_extra_parts_allowed(
    setup: Setup, registry: Any, issuer: Any, learner: Any, parts: dict[str, int]
) -> None:
    tx = registry.issue(setup.stats, learner, 9_000, EVIDENCE, sender=issuer)
    stats = registry.CredentialIssued.from_receipt(tx)[0].token_id
    # Both electives given: one more than required is fine.
    setup.pathways.claim(
        setup.pathway_id, [*ids(parts, "sheets", "sql", "dash", "python"), stats], sender=learner
    )


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("revoked", "pathway: part revoked"),
        ("suspended", "pathway: part suspended"),
        ("expired", "pathway: part expired"),
        ("burned", "pathway: part burned"),
    ],
)
def test_claim__part_not_valid__reverts(
    setup: Setup,
    parts: dict[str, int],
    registry: Any,
    chain: Any,
    issuer: Any,
    learner: Any,
    state: str,
    message: str,
) -> None:
    sheets = parts["sheets"]
    if state == "revoked":
        registry.revoke(sheets, "fraud", sender=issuer)
    elif state == "suspended":
        registry.suspend(sheets, sender=issuer)
    elif state == "expired":
        chain.pending_timestamp += 100 * DAY
    else:
        registry.burn(sheets, sender=learner)
    with ape.reverts(message):
        setup.pathways.claim(
            setup.pathway_id, ids(parts, "sheets", "sql", "dash", "python"), sender=learner
        )


def test_claim__score_below_option_minimum__reverts(
    setup: Setup, registry: Any, issuer: Any, other_issuer: Any, learner2: Any
) -> None:
    """Python at 79.99% is a valid credential (its class minimum is 0) but
    below the pathway option's 80%."""
    tokens = []
    for class_id, score, sender in (
        (setup.sheets, 8_000, issuer),
        (setup.sql, 8_000, issuer),
        (setup.dash, 8_000, issuer),
        (setup.python, 7_999, other_issuer),
    ):
        tx = registry.issue(class_id, learner2, score, EVIDENCE, sender=sender)
        tokens.append(registry.CredentialIssued.from_receipt(tx)[0].token_id)
    with ape.reverts("pathway: score below minimum"):
        setup.pathways.claim(setup.pathway_id, tokens, sender=learner2)


def test_claim__refusals(
    setup: Setup,
    parts: dict[str, int],
    registry: Any,
    issuer: Any,
    learner: Any,
    learner2: Any,
) -> None:
    core = ids(parts, "sheets", "sql", "dash", "python")
    with ape.reverts("pathway: not holder"):
        setup.pathways.claim(setup.pathway_id, core, sender=learner2)
    with ape.reverts("pathway: token used twice"):
        setup.pathways.claim(setup.pathway_id, sorted([*core, parts["sql"]]), sender=learner)
    with ape.reverts("pathway: tokens not increasing"):
        setup.pathways.claim(setup.pathway_id, core[::-1], sender=learner)
    with ape.reverts("pathway: unknown token"):
        setup.pathways.claim(setup.pathway_id, [*core, 999], sender=learner)
    tx = registry.issue(setup.unrelated, learner, 9_000, EVIDENCE, sender=issuer)
    unrelated = registry.CredentialIssued.from_receipt(tx)[0].token_id
    with ape.reverts("pathway: token not in pathway"):
        setup.pathways.claim(setup.pathway_id, [*core, unrelated], sender=learner)
    with ape.reverts("pathway: requirements not met"):
        setup.pathways.claim(setup.pathway_id, [], sender=learner)
    with ape.reverts("pathway: unknown pathway"):
        setup.pathways.claim(99, core, sender=learner)
    setup.pathways.claim(setup.pathway_id, core, sender=learner)
    with ape.reverts("pathway: already claimed"):
        setup.pathways.claim(setup.pathway_id, core, sender=learner)


def test_claim__inactive_pathway(
    setup: Setup, parts: dict[str, int], issuer: Any, other_issuer: Any, learner: Any
) -> None:
    with ape.reverts("pathway: not class issuer"):
        setup.pathways.set_pathway_active(setup.pathway_id, False, sender=other_issuer)
    tx = setup.pathways.set_pathway_active(setup.pathway_id, False, sender=issuer)
    [event] = setup.pathways.PathwayActiveChanged.from_receipt(tx)
    assert (event.pathway_id, event.active) == (setup.pathway_id, False)
    core = ids(parts, "sheets", "sql", "dash", "python")
    with ape.reverts("pathway: inactive"):
        setup.pathways.claim(setup.pathway_id, core, sender=learner)
    setup.pathways.set_pathway_active(setup.pathway_id, True, sender=issuer)
    setup.pathways.claim(setup.pathway_id, core, sender=learner)


def test_claim__registry_refusals_reach_the_learner(
    setup: Setup, parts: dict[str, int], registry: Any, guardian: Any, issuer: Any, learner: Any
) -> None:
    core = ids(parts, "sheets", "sql", "dash", "python")
    registry.pause(sender=guardian)
    with ape.reverts("credential: paused"):
        setup.pathways.claim(setup.pathway_id, core, sender=learner)


def test_claim_for__issuer_claims_for_the_learner(
    setup: Setup, parts: dict[str, int], registry: Any, issuer: Any, delegate: Any,
    learner: Any, stranger: Any,
) -> None:  # fmt: skip
    core = ids(parts, "sheets", "sql", "dash", "python")
    with ape.reverts("pathway: not class issuer"):
        setup.pathways.claim_for(setup.pathway_id, learner, core, sender=stranger)
    with ape.reverts("pathway: not class issuer"):
        setup.pathways.claim_for(setup.pathway_id, learner, core, sender=learner)
    with ape.reverts("pathway: not holder"):
        setup.pathways.claim_for(setup.pathway_id, stranger, core, sender=issuer)
    tx = setup.pathways.claim_for(setup.pathway_id, learner, core, sender=delegate)
    [issued] = registry.CredentialIssued.from_receipt(tx)
    assert issued.holder == learner.address
    with ape.reverts("pathway: already claimed"):
        setup.pathways.claim(setup.pathway_id, core, sender=learner)


# Expiry


def test_expiry__inherits_the_earliest_part(
    setup: Setup, parts: dict[str, int], registry: Any, issuer: Any, learner: Any
) -> None:
    tx = setup.pathways.create_pathway(
        "JDA (expires with parts)",
        setup.output,
        [2],
        [(setup.sheets, 0, 0), (setup.sql, 0, 0), (setup.dash, 0, 0)],
        True,
        sender=issuer,
    )
    inherit = setup.pathways.PathwayCreated.from_receipt(tx)[0].pathway_id
    # Spreadsheets expires in 100 days, SQL in 200, Dashboards never.
    tx = setup.pathways.claim(inherit, ids(parts, "sheets", "sql"), sender=learner)
    # Issued with its final expiry in one step: the event states it, and no
    # renewal follows.
    [issued] = registry.CredentialIssued.from_receipt(tx)
    assert registry.CredentialRenewed.from_receipt(tx) == []
    sheets_expiry = registry.credential(parts["sheets"]).expires_at
    assert issued.expires_at == sheets_expiry
    assert registry.credential(issued.token_id).expires_at == sheets_expiry


def test_expiry__class_validity_sooner_than_the_parts(
    setup: Setup, parts: dict[str, int], registry: Any, issuer: Any, learner: Any,
    create_class: Callable[..., int],
) -> None:  # fmt: skip
    """The output class allows 30 days, the parts 100 and 200: the class's
    validity (kept in the pathway's first word, through closing and
    reopening) wins, in the one CredentialIssued."""
    short = create_class(name="Short-lived", validity=30 * DAY, min_score=0)
    tx = setup.pathways.create_pathway(
        "Short", short, [2], [(setup.sheets, 0, 0), (setup.sql, 0, 0)], True, sender=issuer
    )
    inherit = setup.pathways.PathwayCreated.from_receipt(tx)[0].pathway_id
    setup.pathways.set_pathway_active(inherit, False, sender=issuer)
    setup.pathways.set_pathway_active(inherit, True, sender=issuer)
    tx = setup.pathways.claim(inherit, ids(parts, "sheets", "sql"), sender=learner)
    [issued] = registry.CredentialIssued.from_receipt(tx)
    assert registry.CredentialRenewed.from_receipt(tx) == []
    assert issued.expires_at == chain_time(tx) + 30 * DAY
    assert registry.credential(issued.token_id).expires_at == issued.expires_at


def test_expiry__never_expiring_parts_keep_the_class_validity(
    setup: Setup, parts: dict[str, int], registry: Any, issuer: Any, learner: Any, chain: Any
) -> None:
    tx = setup.pathways.create_pathway(
        "JDA (dashboards only)", setup.output, [1], [(setup.dash, 0, 0)], True, sender=issuer
    )
    inherit = setup.pathways.PathwayCreated.from_receipt(tx)[0].pathway_id
    tx = setup.pathways.claim(inherit, [parts["dash"]], sender=learner)
    [issued] = registry.CredentialIssued.from_receipt(tx)
    assert registry.CredentialRenewed.from_receipt(tx) == []
    assert registry.credential(issued.token_id).expires_at == chain_time(tx) + 3 * 365 * DAY


# Progress


def test_progress__groups_and_reasons(
    setup: Setup, parts: dict[str, int], registry: Any, issuer: Any, learner: Any
) -> None:
    registry.suspend(parts["sql"], sender=issuer)
    given = [*ids(parts, "sheets", "sql", "dash"), parts["dash"], 999]
    progress = setup.pathways.progress(setup.pathway_id, learner, given)
    assert [tuple(g) for g in progress.groups] == [(3, 2, False), (1, 0, False)]
    assert list(progress.parts) == [COUNTED, SUSPENDED, COUNTED, USED_TWICE, UNKNOWN]
    assert progress.complete is False
    assert progress.claimed_token == 0
    registry.reinstate(parts["sql"], sender=issuer)
    core = ids(parts, "sheets", "sql", "dash", "python")
    progress = setup.pathways.progress(setup.pathway_id, learner, core)
    assert [tuple(g) for g in progress.groups] == [(3, 3, True), (1, 1, True)]
    assert progress.complete is True
    tx = setup.pathways.claim(setup.pathway_id, core, sender=learner)
    token = setup.pathways.PathwayClaimed.from_receipt(tx)[0].token_id
    progress = setup.pathways.progress(setup.pathway_id, learner, core)
    assert (progress.complete, progress.claimed_token) == (False, token)


def test_progress__not_holder_not_in_pathway_below_minimum(
    setup: Setup, parts: dict[str, int], registry: Any, issuer: Any, other_issuer: Any,
    learner: Any, learner2: Any,
) -> None:  # fmt: skip
    tx = registry.issue(setup.unrelated, learner, 9_000, EVIDENCE, sender=issuer)
    unrelated = registry.CredentialIssued.from_receipt(tx)[0].token_id
    tx = registry.issue(setup.python, learner2, 7_000, EVIDENCE, sender=other_issuer)
    low = registry.CredentialIssued.from_receipt(tx)[0].token_id
    progress = setup.pathways.progress(
        setup.pathway_id, learner2, [parts["sheets"], unrelated, low]
    )
    assert list(progress.parts) == [NOT_HOLDER, NOT_HOLDER, BELOW_MINIMUM]
    progress = setup.pathways.progress(setup.pathway_id, learner, [unrelated])
    assert list(progress.parts) == [NOT_IN_PATHWAY]


def test_progress__claimable_when_complete(
    setup: Setup, parts: dict[str, int], learner: Any
) -> None:
    core = ids(parts, "sheets", "sql", "dash", "python")
    progress = setup.pathways.progress(setup.pathway_id, learner, core)
    assert (progress.complete, progress.claimable, progress.reason) == (True, True, ClaimReason.OK)
    progress = setup.pathways.progress(setup.pathway_id, learner, core[:3])
    assert (progress.complete, progress.claimable, progress.reason) == (
        False,
        False,
        ClaimReason.REQUIREMENTS_NOT_MET,
    )


# Parts count once per pathway


def recover_all(registry: Any, tokens: list[tuple[int, Any]], new_holder: Any) -> None:
    """Key recovery of `tokens` (increasing, each with its issuer) to a wallet
    that held nothing."""
    moved: list[int] = []
    for token_id, sender in tokens:
        registry.recover(token_id, new_holder, moved, sender=sender)
        moved.append(token_id)


def test_claim__recovered_wallet_cannot_claim_again_with_the_same_parts(
    setup: Setup, parts: dict[str, int], registry: Any, issuer: Any, other_issuer: Any,
    learner: Any, stranger: Any,
) -> None:  # fmt: skip
    """Key recovery moves the parts and the pathway credential to a new
    wallet; the new wallet has no claim of its own, but its parts are used."""
    core = ids(parts, "sheets", "sql", "dash", "python")
    tx = setup.pathways.claim(setup.pathway_id, core, sender=learner)
    token = setup.pathways.PathwayClaimed.from_receipt(tx)[0].token_id
    owners = [issuer, issuer, issuer, other_issuer, issuer]
    recover_all(registry, list(zip([*core, token], owners, strict=True)), stranger)
    progress = setup.pathways.progress(setup.pathway_id, stranger, core)
    assert list(progress.parts) == [ALREADY_USED] * 4
    assert [tuple(g) for g in progress.groups] == [(3, 0, False), (1, 0, False)]
    assert (progress.complete, progress.claimable, progress.reason) == (
        False,
        False,
        ClaimReason.REQUIREMENTS_NOT_MET,
    )
    with ape.reverts("pathway: part already used"):
        setup.pathways.claim(setup.pathway_id, core, sender=stranger)
    with ape.reverts("pathway: part already used"):
        setup.pathways.claim_for(setup.pathway_id, stranger, core, sender=issuer)


def test_claim__one_used_part_refuses_the_claim(
    setup: Setup, parts: dict[str, int], registry: Any, issuer: Any, learner: Any,
    stranger: Any,
) -> None:  # fmt: skip
    """Recovered parts plus fresh ones: the used one alone refuses it, and
    progress counts only the fresh ones."""
    core = ids(parts, "sheets", "sql", "dash", "python")
    setup.pathways.claim(setup.pathway_id, core, sender=learner)
    recover_all(registry, [(parts["sheets"], issuer)], stranger)
    fresh = []
    for class_id in (setup.sql, setup.dash, setup.stats):
        tx = registry.issue(class_id, stranger, 9_000, EVIDENCE, sender=issuer)
        fresh.append(registry.CredentialIssued.from_receipt(tx)[0].token_id)
    tokens = [parts["sheets"], *fresh]
    progress = setup.pathways.progress(setup.pathway_id, stranger, tokens)
    assert list(progress.parts) == [ALREADY_USED, COUNTED, COUNTED, COUNTED]
    assert [tuple(g) for g in progress.groups] == [(3, 2, False), (1, 1, True)]
    with ape.reverts("pathway: part already used"):
        setup.pathways.claim(setup.pathway_id, tokens, sender=stranger)


def test_claim__a_used_part_still_counts_for_another_pathway(
    setup: Setup, parts: dict[str, int], issuer: Any, learner: Any
) -> None:
    core = ids(parts, "sheets", "sql", "dash", "python")
    setup.pathways.claim(setup.pathway_id, core, sender=learner)
    tx = setup.pathways.create_pathway(
        "Other", setup.output, [1], [(setup.sheets, 0, 0)], False, sender=issuer
    )
    other = setup.pathways.PathwayCreated.from_receipt(tx)[0].pathway_id
    progress = setup.pathways.progress(other, learner, [parts["sheets"]])
    assert list(progress.parts) == [COUNTED]
    setup.pathways.claim(other, [parts["sheets"]], sender=learner)
    assert list(setup.pathways.progress(other, learner, [parts["sheets"]]).parts) == [ALREADY_USED]


def test_claim__parts_across_bitmap_words(
    setup: Setup, registry: Any, issuer: Any, learner: Any, learner2: Any, stranger: Any
) -> None:
    """The used parts are a bitmap per pathway, 256 token ids to a word:
    parts on both sides of a word boundary are marked, and only they."""
    first = registry.total_issued() + 1
    filler = (256 - first % 256) % 256 - 2  # the next ids: ..., 254, 255 | 256, 257
    if filler > 0:
        registry.issue_batch(
            setup.unrelated, [stranger] * filler, [0] * filler, [EVIDENCE] * filler, sender=issuer
        )
    tokens = []
    for class_id in (setup.sheets, setup.sql, setup.dash, setup.stats):
        tx = registry.issue(class_id, learner2, 9_000, EVIDENCE, sender=issuer)
        tokens.append(registry.CredentialIssued.from_receipt(tx)[0].token_id)
    assert [t % 256 for t in tokens] == [254, 255, 0, 1]
    neighbours = []
    for class_id in (setup.sheets, setup.sql, setup.dash, setup.stats):
        tx = registry.issue(class_id, learner, 9_000, EVIDENCE, sender=issuer)
        neighbours.append(registry.CredentialIssued.from_receipt(tx)[0].token_id)
    setup.pathways.claim(setup.pathway_id, tokens, sender=learner2)
    used = setup.pathways.progress(setup.pathway_id, learner2, tokens)
    assert list(used.parts) == [ALREADY_USED] * 4
    fresh = setup.pathways.progress(setup.pathway_id, learner, neighbours)
    assert list(fresh.parts) == [COUNTED] * 4
    setup.pathways.claim(setup.pathway_id, neighbours, sender=learner)


def test_create__transferable_option__reverts(
    setup: Setup, issuer: Any, transferable_class: int
) -> None:
    """A transferable credential says nothing about who earned it, so it
    cannot be a part."""
    with ape.reverts("pathway: transferable part"):
        setup.pathways.create_pathway(
            "P", setup.output, [1], [(transferable_class, 0, 0)], False, sender=issuer
        )


# Claimable: everything the claim checks, in progress


@pytest.fixture
def senior(setup: Setup, issuer: Any, create_class: Callable[..., int]) -> int:
    """A pathway whose output class asks a 90% minimum of the parts' average."""
    output = create_class(name="Senior Data Analyst", validity=365 * DAY, min_score=9_000)
    tx = setup.pathways.create_pathway(
        "Senior", output, [2], [(setup.sheets, 0, 0), (setup.sql, 0, 0)], False, sender=issuer
    )
    return int(setup.pathways.PathwayCreated.from_receipt(tx)[0].pathway_id)


@pytest.mark.parametrize(
    ("condition", "reason", "message"),
    [
        ("paused", ClaimReason.PAUSED, "credential: paused"),
        ("not_delegate", ClaimReason.NOT_DELEGATE, "credential: not class issuer"),
        ("issuer_removed", ClaimReason.ISSUER_REMOVED, "credential: issuer removed"),
        ("class_inactive", ClaimReason.CLASS_INACTIVE, "credential: class inactive"),
        ("issuance_closed", ClaimReason.ISSUANCE_CLOSED, "credential: issuance closed"),
        ("not_allowlisted", ClaimReason.NOT_ALLOWLISTED, "credential: receiver not allowlisted"),
        ("pathway_inactive", ClaimReason.PATHWAY_INACTIVE, "pathway: inactive"),
        ("claimed", ClaimReason.ALREADY_CLAIMED, "pathway: already claimed"),
    ],
)
def test_progress__not_claimable_says_why_as_the_claim_does(
    setup: Setup, parts: dict[str, int], registry: Any, chain: Any, admin: Any,
    guardian: Any, issuer: Any, learner: Any, condition: str, reason: int, message: str,
) -> None:  # fmt: skip
    """Every parts-complete learner whom the claim would refuse: progress
    says complete (the groups are met) but not claimable, with the reason,
    and the claim reverts with the matching message."""
    core = ids(parts, "sheets", "sql", "dash", "python")
    if condition == "paused":
        registry.pause(sender=guardian)
    elif condition == "not_delegate":
        registry.set_delegate(setup.pathways, False, sender=issuer)
    elif condition == "issuer_removed":
        registry.revokeRole(registry.ISSUER_ROLE(), issuer, sender=admin)
    elif condition == "class_inactive":
        registry.set_class_active(setup.output, False, sender=issuer)
    elif condition == "issuance_closed":
        registry.set_class_rules(setup.output, False, chain.pending_timestamp + 10, sender=admin)
        chain.pending_timestamp += DAY
    elif condition == "not_allowlisted":
        registry.set_class_rules(setup.output, True, 0, sender=admin)
    elif condition == "pathway_inactive":
        setup.pathways.set_pathway_active(setup.pathway_id, False, sender=issuer)
    else:
        setup.pathways.claim(setup.pathway_id, core, sender=learner)
    progress = setup.pathways.progress(setup.pathway_id, learner, core)
    # Once claimed, the parts are used: they no longer meet the groups.
    assert progress.complete is (condition != "claimed")
    assert (progress.claimable, progress.reason) == (False, reason)
    with ape.reverts(message):
        setup.pathways.claim(setup.pathway_id, core, sender=learner)


def test_progress__allowlisted_holder_is_claimable(
    setup: Setup, parts: dict[str, int], registry: Any, admin: Any, learner: Any
) -> None:
    core = ids(parts, "sheets", "sql", "dash", "python")
    registry.set_class_rules(setup.output, True, 0, sender=admin)
    registry.set_allowlist(setup.output, [learner], True, sender=admin)
    progress = setup.pathways.progress(setup.pathway_id, learner, core)
    assert (progress.claimable, progress.reason) == (True, ClaimReason.OK)
    setup.pathways.claim(setup.pathway_id, core, sender=learner)


def test_progress__average_below_the_output_class_minimum(
    setup: Setup, parts: dict[str, int], registry: Any, issuer: Any, learner: Any,
    learner2: Any, senior: int,
) -> None:  # fmt: skip
    """The claim's score is the average of the parts given: 72% and 90%
    average 81%, below the output class's 90%."""
    tokens = ids(parts, "sheets", "sql")
    progress = setup.pathways.progress(senior, learner, tokens)
    assert progress.complete is True
    assert (progress.claimable, progress.reason) == (False, ClaimReason.BELOW_CLASS_MINIMUM)
    with ape.reverts("credential: score below minimum"):
        setup.pathways.claim(senior, tokens, sender=learner)
    high = []
    for class_id in (setup.sheets, setup.sql):
        tx = registry.issue(class_id, learner2, 9_000, EVIDENCE, sender=issuer)
        high.append(registry.CredentialIssued.from_receipt(tx)[0].token_id)
    progress = setup.pathways.progress(senior, learner2, high)
    assert (progress.claimable, progress.reason) == (True, ClaimReason.OK)
    setup.pathways.claim(senior, high, sender=learner2)


# A removed issuer


def test_removed_issuer__cannot_create_or_reopen_pathways(
    setup: Setup, parts: dict[str, int], registry: Any, admin: Any, issuer: Any,
    learner: Any,
) -> None:  # fmt: skip
    """Its delegation to the pathway registry stays, but what it would
    create could go live on a re-onboarding: refused, as the registry refuses
    a removed issuer's class management."""
    registry.revokeRole(registry.ISSUER_ROLE(), issuer, sender=admin)
    with ape.reverts("pathway: issuer removed"):
        setup.pathways.create_pathway(
            "P", setup.output, [1], [(setup.sheets, 0, 0)], False, sender=issuer
        )
    for active in (True, False):
        with ape.reverts("pathway: issuer removed"):
            setup.pathways.set_pathway_active(setup.pathway_id, active, sender=issuer)
    with ape.reverts("credential: issuer removed"):
        setup.pathways.claim_for(
            setup.pathway_id, learner, ids(parts, "sheets", "sql", "dash", "python"), sender=issuer
        )
    # Re-onboarded: nothing was created meanwhile, and the pathway is as it was.
    registry.grantRole(registry.ISSUER_ROLE(), issuer, sender=admin)
    assert setup.pathways.pathway_count() == 1
    assert setup.pathways.pathway(setup.pathway_id).active is True
    setup.pathways.set_pathway_active(setup.pathway_id, False, sender=issuer)


def test_create__largest_fields_round_trip(
    setup: Setup, issuer: Any, create_class: Callable[..., int]
) -> None:
    """Minimum scores of 10,000 and group 7 (the option's 14 and 3 bits)
    beside the output class's longest validity in the first word, kept
    through closing and reopening."""
    longest = create_class(name="Long", validity=100 * 365 * DAY, min_score=0)
    options = [(setup.sheets, 0, 0), (setup.sql, 10_000, 1), (setup.dash, 9_999, 7)]
    options += [(c, 0, g) for g, c in enumerate([setup.stats, setup.unrelated], start=2)]
    required = [1, 1, 1, 1, 1, 1, 1, 1]
    others = [create_class(name=f"Extra {g}", min_score=0) for g in range(4, 7)]
    options += [(c, 0, g) for g, c in enumerate(others, start=4)]
    options.append((setup.python, 10_000, 3))
    tx = setup.pathways.create_pathway("Wide", longest, required, options, True, sender=issuer)
    wide = setup.pathways.PathwayCreated.from_receipt(tx)[0].pathway_id
    info = setup.pathways.pathway(wide)
    assert [tuple(o) for o in info.options] == options
    assert (list(info.required), info.inherit_expiry, info.active) == (required, True, True)
    setup.pathways.set_pathway_active(wide, False, sender=issuer)
    setup.pathways.set_pathway_active(wide, True, sender=issuer)
    assert [tuple(o) for o in setup.pathways.pathway(wide).options] == options


def test_claim__two_tokens_of_one_class_count_once(
    setup: Setup, parts: dict[str, int], registry: Any, issuer: Any, learner: Any
) -> None:
    """A group of k classes needs k different classes: a second SQL token
    does not stand in for the missing Dashboards part."""
    tx = registry.issue(setup.sql, learner, 8_000, EVIDENCE, sender=issuer)
    sql2 = registry.CredentialIssued.from_receipt(tx)[0].token_id
    given = sorted([*ids(parts, "sheets", "sql", "python"), sql2])
    with ape.reverts("pathway: class used twice"):
        setup.pathways.claim(setup.pathway_id, given, sender=learner)
    progress = setup.pathways.progress(setup.pathway_id, learner, given)
    assert [tuple(g) for g in progress.groups] == [(3, 2, False), (1, 1, True)]
    assert list(progress.parts) == [COUNTED, COUNTED, COUNTED, CLASS_TWICE]
    assert progress.reason == ClaimReason.REQUIREMENTS_NOT_MET
    # With Dashboards as well the claim succeeds; the extra SQL token still
    # counts once (progress says so), and the claim takes the four it needs.
    full = sorted([*ids(parts, "sheets", "sql", "dash", "python"), sql2])
    progress = setup.pathways.progress(setup.pathway_id, learner, full)
    assert progress.parts[-1] == CLASS_TWICE and progress.complete
    with ape.reverts("pathway: class used twice"):
        setup.pathways.claim(setup.pathway_id, full, sender=learner)
    setup.pathways.claim(
        setup.pathway_id, ids(parts, "sheets", "sql", "dash", "python"), sender=learner
    )
