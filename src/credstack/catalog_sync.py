"""Apply a catalog to chain, idempotently, and report what differs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from credstack.catalog import Catalog, OfferSpec, TierSpec, class_uri
from credstack.deployments import ClassRecord, Deployment
from credstack.employers import KIND_IDS, KIND_NAMES, Employers
from credstack.governance import Call, Governance, State
from credstack.membership import Memberships, TierRules
from credstack.pathways import Pathways, wanted_rules
from credstack.registry import ISSUER_ROLE, Registry, created_class_id
from credstack.send import as_sender
from credstack.units import format_percent

# What a step is: "in sync" needs nothing; "send" this signer can do now;
# "needs <who>" another key must run apply; "drift" cannot change on chain.
IN_SYNC, SEND, NEEDS, DRIFT = "in sync", "send", "needs", "drift"


@dataclass
class Step:
    subject: str  # issuer id or class slug
    action: str  # what would be done, or what differs
    state: str  # IN_SYNC, SEND, NEEDS, DRIFT
    who: str = ""  # for NEEDS: the account that must sign
    run: Callable[[Any], Any] | None = field(default=None, repr=False)


def _send(method: Any, *args: Any) -> Any:
    """``partial(_send, method, *args)(sender)`` sends ``method(*args)``."""
    *call, sender = args
    return as_sender(sender).send(method, *call)


def find_classes(registry: Registry, catalog: Catalog, deployment: Deployment) -> dict[str, int]:
    """slug -> class id for the catalog classes already on chain. The chain is
    the truth: a recorded id is used only if that class still has the same
    issuer and name; otherwise the issuer's ClassCreated events are searched."""
    found: dict[str, int] = {}
    by_issuer: dict[str, dict[str, int]] = {}
    for slug, spec in catalog.classes.items():
        issuer = catalog.issuers[spec.issuer].address
        record = deployment.classes.get(slug)
        if record is not None:
            info = registry.class_info(record.class_id)
            if info.issuer == issuer and info.name == spec.name:
                found[slug] = record.class_id
                continue
        if issuer not in by_issuer:
            by_issuer[issuer] = registry.classes_created(issuer)
        if spec.name in by_issuer[issuer]:
            found[slug] = by_issuer[issuer][spec.name]
    return found


def _employer_calls(
    catalog: Catalog, employers: Employers | None, governance: Governance | None
) -> tuple[list[Step], list[tuple[str, str, Any]]]:
    """The employers governance must (re)add: never added, removed, or with
    another name or URL on chain; (id, what, call) for each, and a step for
    each employer already as the catalog says. An active employer that the
    catalog does not list is drift: the council removes it by a proposal of
    its own."""
    steps: list[Step] = []
    wanted: list[tuple[str, str, Any]] = []
    if employers is None or not catalog.employers:
        return steps, wanted
    listed = {e.address.lower() for e in catalog.employers.values()}
    for entry in catalog.employers.values():
        record = employers.employer(entry.address)
        if (
            record is not None
            and record.active
            and (record.name, record.url)
            == (
                entry.name,
                entry.url,
            )
        ):
            steps.append(Step(f"employer {entry.id}", f"employer {entry.address}", IN_SYNC))
            continue
        if record is None:
            what = f"onboard employer {entry.address}"
        elif not record.active:
            what = f"re-add employer {entry.address} (removed by governance)"
        else:
            what = f"update employer {entry.address}'s name and URL"
        call = None
        if governance is not None:
            call = governance.encode(
                "employers", "add_employer", [entry.address, entry.name, entry.url]
            )
        wanted.append((entry.id, what, call))
    for record in employers.employers():
        if record.active and record.address.lower() not in listed:
            steps.append(
                Step(
                    f"employer {record.address}",
                    f"active on chain ({record.name}) but not in the catalog: the council removes "
                    f"it with `ape run governance propose employers remove_employer "
                    f"{record.address}`",
                    DRIFT,
                )
            )
    return steps, wanted


def _issuer_steps(
    registry: Registry,
    catalog: Catalog,
    signer: str,
    governance: Governance | None,
    employers: Employers | None = None,
) -> list[Step]:
    """Issuer roles are granted, and employers onboarded, by the admin,
    which is the timelock: a council member's apply proposes the missing
    grants and employers in one proposal, unless an open proposal already
    carries them; other members then approve and execute it with `ape run
    governance`."""
    steps: list[Step] = []
    missing = []
    for entry in catalog.issuers.values():
        if registry.is_issuer(entry.address):
            steps.append(Step(entry.id, f"issuer role held by {entry.address}", IN_SYNC))
        elif registry.is_admin(signer):
            run = partial(_send, registry.contract.grantRole, ISSUER_ROLE, entry.address)
            steps.append(Step(entry.id, f"grant issuer role to {entry.address}", SEND, run=run))
        else:
            missing.append(entry)
    employer_steps, employer_calls = _employer_calls(catalog, employers, governance)
    steps += employer_steps
    if employers is not None and registry.is_admin(signer):
        for ident, what, _ in employer_calls:
            hire = catalog.employers[ident]
            run = partial(_send, employers.contract.add_employer, hire.address, hire.name, hire.url)
            steps.append(Step(f"employer {ident}", what, SEND, run=run))
        employer_calls = []
    if not missing and not employer_calls:
        return steps
    if governance is None:
        for entry in missing:
            steps.append(Step(entry.id, "grant issuer role", NEEDS, who="the registry admin"))
        for ident, what, _ in employer_calls:
            steps.append(Step(f"employer {ident}", what, NEEDS, who="the registry admin"))
        return steps
    open_states = (State.APPROVING, State.QUEUED, State.READY)
    pending = {
        (call.target.lower(), call.payload): proposal
        for proposal in governance.proposals()
        if proposal.state in open_states
        for call in proposal.calls
    }
    # (subject, what, call, id for the description, issuer or employer)
    wanted: list[tuple[str, str, Call, str, str]] = [
        (
            entry.id,
            "grant issuer role",
            governance.encode("registry", "grantRole", ["ISSUER_ROLE", entry.address]),
            entry.id,
            "issuer",
        )
        for entry in missing
    ] + [(f"employer {i}", what, call, i, "employer") for i, what, call in employer_calls]
    to_propose = []
    for subject, what, call, ident, kind in wanted:
        proposal = pending.get((call.target.lower(), call.payload))
        if proposal is not None:
            state = proposal.state.name.lower()
            action = f"{what}: proposal {proposal.proposal_id} is {state}"
            steps.append(Step(subject, action, NEEDS, who="the council (ape run governance)"))
        else:
            to_propose.append((subject, what, call, ident, kind))
    if to_propose:
        issuers = [i for _, _, _, i, k in to_propose if k == "issuer"]
        hired = [i for _, _, _, i, k in to_propose if k == "employer"]
        if governance.council.is_member(signer):
            calls = [c for _, _, c, _, _ in to_propose]
            parts = []
            if issuers:
                parts.append(f"issuers {', '.join(issuers)}")
            if hired:
                parts.append(f"employers {', '.join(hired)}")
            description = f"catalog: onboard {'; '.join(parts)}"
            run = partial(_propose, governance, calls, description)
            subject = ", ".join(issuers + [f"employer {i}" for i in hired])
            action = "propose to the council: " + "; ".join(
                ([f"grant issuer role to {', '.join(issuers)}"] if issuers else [])
                + ([f"onboard employers {', '.join(hired)}"] if hired else [])
            )
            steps.append(Step(subject, action, SEND, run=run))
        else:
            for subject, what, _, _, _ in to_propose:
                steps.append(Step(subject, what, NEEDS, who="a council member"))
    return steps


def _propose(governance: Governance, calls: list[Call], description: str, sender: Any) -> int:
    return governance.propose(calls, description, sender)


def _pathway_steps(
    registry: Registry,
    catalog: Catalog,
    signer: str,
    pathways: Pathways,
    ids: dict[str, int],
    creating: set[str],
    found: dict[str, int],
) -> list[Step]:
    """Each catalog pathway's issuer (the output class's) names the pathway
    registry its delegate, then creates the pathway once every class exists;
    a pathway found on chain by issuer and name with other rules is drift
    (rules are fixed). ``ids`` is filled in as classes are created, so a
    pathway over classes this same run creates is created after them."""
    steps: list[Step] = []
    delegated: set[str] = set()
    for slug, spec in catalog.pathways.items():
        subject = f"pathway {slug}"
        issuer = catalog.issuers[catalog.classes[spec.output].issuer]
        mine = issuer.address.lower() == signer.lower()
        if issuer.address not in delegated and not registry.contract.is_delegate(
            issuer.address, pathways.address
        ):
            delegated.add(issuer.address)
            action = "name the pathway registry a delegate (it issues the pathway credential)"
            if mine:
                run = partial(_send, registry.contract.set_delegate, pathways.address, True)
                steps.append(Step(subject, action, SEND, run=run))
            else:
                steps.append(Step(subject, action, NEEDS, who=issuer.address))
        needed = [spec.output, *(o.slug for _, o in spec.options)]
        unknown = [c for c in needed if c not in ids and c not in creating]
        same_name = [p for p in pathways.created(issuer.address) if p.name == spec.name]
        if same_name and not unknown and not any(c in creating for c in needed):
            wanted = wanted_rules(catalog, spec, ids)
            match = next((p for p in reversed(same_name) if p.rules == wanted), None)
            if match is None:
                newest = same_name[-1]
                steps.append(
                    Step(
                        subject,
                        f"rules on chain (pathway {newest.pathway_id}) differ from the catalog; "
                        "a pathway's rules are fixed: give the changed pathway a new name",
                        DRIFT,
                    )
                )
                continue
            found[slug] = match.pathway_id
            if pathways.active(match.pathway_id) != spec.active:
                action = "activate" if spec.active else "deactivate"
                change = partial(
                    _send, pathways.contract.set_pathway_active, match.pathway_id, spec.active
                )
                if mine:
                    steps.append(Step(subject, action, SEND, run=change))
                else:
                    steps.append(Step(subject, action, NEEDS, who=issuer.address))
            else:
                steps.append(Step(subject, f"pathway {match.pathway_id}", IN_SYNC))
            continue
        action = f"create pathway '{spec.name}'"
        if unknown:
            owners = sorted({catalog.classes[c].issuer for c in unknown})
            steps.append(
                Step(
                    subject,
                    f"{action}: first the classes {', '.join(unknown)}",
                    NEEDS,
                    who=" and ".join(catalog.issuers[o].address for o in owners),
                )
            )
        elif mine:
            run = partial(_create_pathway, pathways, catalog, spec, ids)
            steps.append(Step(subject, action, SEND, run=run))
        else:
            steps.append(Step(subject, action, NEEDS, who=issuer.address))
    return steps


def _create_pathway(
    pathways: Pathways, catalog: Catalog, spec: Any, ids: dict[str, int], sender: Any
) -> Any:
    rules = wanted_rules(catalog, spec, ids)
    return as_sender(sender).send(
        pathways.contract.create_pathway,
        spec.name,
        rules.output_class,
        list(rules.required),
        [list(o) for o in rules.options],
        rules.inherit_expiry,
    )


def tier_rules(catalog: Catalog, spec: TierSpec, ids: dict[str, int]) -> TierRules:
    """A catalog tier's rules with class ids (all must be in ``ids``)."""
    return TierRules(
        issuer=catalog.issuers[spec.issuer].address,
        period=spec.period,
        required=tuple(g.required for g in spec.groups),
        options=tuple((ids[o.slug], o.min_score, g) for g, o in spec.options),
    )


def _membership_steps(
    catalog: Catalog,
    signer: str,
    memberships: Memberships,
    ids: dict[str, int],
    creating: set[str],
    tier_ids: dict[str, int],
    offer_ids: dict[str, int],
) -> list[Step]:
    """Each catalog tier's issuer creates the tier (once its classes exist),
    adds its perks, registers its providers (and unregisters providers the
    catalog no longer lists) and creates its offers. A tier is found on
    chain by issuer and name, a perk by tier and name, an offer by tier,
    perk, pass class, capacity and provider; rules, allowances and
    capacities are fixed, so a difference there is drift. ``tier_ids`` and
    ``offer_ids`` are filled as things are found, and by `execute` as they
    are created, so a tier's perks and offers follow its creation in the
    same run."""
    steps: list[Step] = []
    for slug, spec in catalog.tiers.items():
        subject = f"tier {slug}"
        issuer = catalog.issuers[spec.issuer].address
        mine = issuer.lower() == signer.lower()

        def step(
            action: str,
            run: Callable[[Any], Any],
            subject: str = subject,
            mine: bool = mine,
            issuer: str = issuer,
        ) -> None:
            if mine:
                steps.append(Step(subject, action, SEND, run=run))
            else:
                steps.append(Step(subject, action, NEEDS, who=issuer))

        needed = [o.slug for _, o in spec.options]
        unknown = [c for c in needed if c not in ids and c not in creating]
        same_name = [t for t in memberships.tiers(issuer) if t.name == spec.name]
        tier_id: int | None = None
        if same_name and not unknown and not any(c in creating for c in needed):
            wanted = tier_rules(catalog, spec, ids)
            match = next((t for t in reversed(same_name) if t.rules == wanted), None)
            if match is None:
                steps.append(
                    Step(
                        subject,
                        f"rules on chain (tier {same_name[-1].tier_id}) differ from the catalog; "
                        "a tier's rules are fixed: give the changed tier a new name",
                        DRIFT,
                    )
                )
                continue
            tier_id = tier_ids[slug] = match.tier_id
            if memberships.active(tier_id) != spec.active:
                step(
                    "activate" if spec.active else "deactivate",
                    partial(_send, memberships.contract.set_tier_active, tier_id, spec.active),
                )
            else:
                steps.append(Step(subject, f"tier {tier_id}", IN_SYNC))
        elif unknown:
            owners = sorted({catalog.classes[c].issuer for c in unknown})
            steps.append(
                Step(
                    subject,
                    f"create tier '{spec.name}': first the classes {', '.join(unknown)}",
                    NEEDS,
                    who=" and ".join(catalog.issuers[o].address for o in owners),
                )
            )
            continue
        else:
            step(
                f"create tier '{spec.name}'",
                partial(_create_tier, memberships, catalog, spec, ids),
            )
        perks = {p.name: p for p in memberships.perks(tier_id)} if tier_id else {}
        for perk in spec.perks:
            on_chain = perks.get(perk.name)
            if on_chain is None:
                step(
                    f"add perk '{perk.name}' ({perk.allowance} a period)",
                    partial(_add_perk, memberships, tier_ids, slug, perk.name, perk.allowance),
                )
            elif on_chain.allowance != perk.allowance:
                steps.append(
                    Step(
                        subject,
                        f"perk '{perk.name}' allows {on_chain.allowance} a period on chain, "
                        f"{perk.allowance} in the catalog; fixed: give the changed perk a new name",
                        DRIFT,
                    )
                )
        wanted_providers = [catalog.providers[p].address for p in spec.providers]
        registered = memberships.providers(tier_id) if tier_id else []
        for address in wanted_providers:
            if address not in registered:
                step(
                    f"register provider {address}",
                    partial(_set_provider, memberships, tier_ids, slug, address, True),
                )
        for address in registered:
            if address not in wanted_providers:
                step(
                    f"unregister provider {address} (not in the catalog)",
                    partial(_set_provider, memberships, tier_ids, slug, address, False),
                )
        offers = memberships.offers(tier_id) if tier_id else []
        for offer in spec.offers:
            at = f"offer {offer.slug}"
            create = partial(_create_offer, memberships, catalog, offer, tier_ids, ids)
            what = f"create offer '{offer.slug}' ({offer.capacity} seats)"
            if offer.pass_class and offer.pass_class not in ids:
                if offer.pass_class in creating:  # by an earlier step of this run
                    step(what, create, at)
                else:  # its issuer's first
                    owner = catalog.issuers[catalog.classes[offer.pass_class].issuer].address
                    steps.append(
                        Step(at, f"{what}: first the class {offer.pass_class}", NEEDS, who=owner)
                    )
                continue
            perk_id = perks[offer.perk].perk_id if offer.perk in perks else None
            want = (
                perk_id if offer.perk else 0,
                ids[offer.pass_class] if offer.pass_class else 0,
                offer.capacity,
                catalog.providers[offer.provider].address,
            )
            found_offer = next(
                (
                    o
                    for o in offers
                    if (o.perk_id, o.pass_class, o.capacity, o.provider) == want
                    and (perk_id is not None or not offer.perk)
                ),
                None,
            )
            if found_offer is not None:
                offer_ids[offer.slug] = found_offer.offer_id
                steps.append(Step(at, f"offer {found_offer.offer_id}", IN_SYNC))
            else:
                step(what, create, at)
    return steps


def _create_tier(
    memberships: Memberships, catalog: Catalog, spec: TierSpec, ids: dict[str, int], sender: Any
) -> Any:
    rules = tier_rules(catalog, spec, ids)
    return as_sender(sender).send(
        memberships.contract.create_tier,
        spec.name,
        rules.period,
        list(rules.required),
        [list(o) for o in rules.options],
    )


def _add_perk(
    memberships: Memberships,
    tier_ids: dict[str, int],
    slug: str,
    name: str,
    allowance: int,
    sender: Any,
) -> Any:
    return as_sender(sender).send(memberships.contract.add_perk, tier_ids[slug], name, allowance)


def _set_provider(
    memberships: Memberships,
    tier_ids: dict[str, int],
    slug: str,
    provider: str,
    allowed: bool,
    sender: Any,
) -> Any:
    return as_sender(sender).send(
        memberships.contract.set_provider, tier_ids[slug], provider, allowed
    )


def _create_offer(
    memberships: Memberships,
    catalog: Catalog,
    offer: OfferSpec,
    tier_ids: dict[str, int],
    ids: dict[str, int],
    sender: Any,
) -> Any:
    """Create an offer; the perk's id is read now (it may have been added by
    an earlier step of this run)."""
    tier_id = tier_ids[offer.tier]
    perk_id = 0
    if offer.perk:
        perk_id = next(p.perk_id for p in memberships.perks(tier_id) if p.name == offer.perk)
    return as_sender(sender).send(
        memberships.contract.create_offer,
        tier_id,
        perk_id,
        ids[offer.pass_class] if offer.pass_class else 0,
        offer.capacity,
        catalog.providers[offer.provider].address,
    )


def _endorsement_steps(
    catalog: Catalog,
    signer: str,
    employers: Employers,
    ids: dict[str, int],
    creating: set[str],
    pathway_ids: dict[str, int],
) -> list[Step]:
    """Each catalog employer's endorsements, sent from its own account once
    governance has onboarded it and the class or pathway exists: made where
    missing, made again where the note differs (the contract updates it),
    and withdrawn where the employer stands by one the catalog no longer
    lists."""
    steps: list[Step] = []
    for entry in catalog.employers.values():
        subject = f"employer {entry.id}"
        mine = entry.address.lower() == signer.lower()
        record = employers.employer(entry.address)
        active = record is not None and record.active
        wanted: set[tuple[int, int, str]] = set()
        for e in entry.endorsements:
            kind = KIND_IDS[e.kind]
            what = f"endorse {e.kind} {e.target} for {e.task}"
            target_id = ids.get(e.target) if e.kind == "class" else pathway_ids.get(e.target)
            if target_id is None:
                waiting = e.target in creating if e.kind == "class" else False
                owner = (
                    catalog.classes[e.target].issuer
                    if e.kind == "class"
                    else catalog.classes[catalog.pathways[e.target].output].issuer
                )
                steps.append(
                    Step(
                        subject,
                        f"{what}: first the {e.kind} {e.target}"
                        + (" (created by this run: apply again)" if waiting else ""),
                        NEEDS,
                        who=catalog.issuers[owner].address,
                    )
                )
                continue
            wanted.add((kind, target_id, e.task))
            on_chain = employers.endorsement(entry.address, kind, target_id, e.task)
            if on_chain.active and str(on_chain.note_uri) == e.note:
                steps.append(Step(subject, f"endorses {e.kind} {target_id} for {e.task}", IN_SYNC))
                continue
            if on_chain.active:
                what = f"update the note of its endorsement of {e.kind} {e.target} for {e.task}"
            if not active:
                steps.append(
                    Step(subject, f"{what}: first governance onboards it", NEEDS, who="the council")
                )
            elif mine:
                run = partial(_send, employers.contract.endorse, kind, target_id, e.task, e.note)
                steps.append(Step(subject, what, SEND, run=run))
            else:
                steps.append(Step(subject, what, NEEDS, who=entry.address))
        for standing in employers.endorsements(employer=entry.address):
            key = (standing.kind, standing.target_id, standing.task)
            if not standing.active or key in wanted:
                continue
            what = (
                f"withdraw its endorsement of {KIND_NAMES[standing.kind]} {standing.target_id} "
                f"for {standing.task} (not in the catalog)"
            )
            if mine:
                run = partial(_send, employers.contract.withdraw, *key)
                steps.append(Step(subject, what, SEND, run=run))
            else:
                steps.append(Step(subject, what, NEEDS, who=entry.address))
    return steps


def plan(
    registry: Registry,
    catalog: Catalog,
    deployment: Deployment,
    signer: str,
    governance: Governance | None = None,
    pathways: Pathways | None = None,
    memberships: Memberships | None = None,
    employers: Employers | None = None,
) -> tuple[list[Step], dict[str, int]]:
    """The steps that would bring the chain to the catalog, for ``signer``
    (the memberships section only with ``memberships``: tiers, perks,
    providers, offers; the employers section only with ``employers``:
    onboarding by governance, endorsements by each employer; the ids found
    are recorded in ``deployment``)."""
    contract = registry.contract
    steps = _issuer_steps(registry, catalog, signer, governance, employers)

    ids = find_classes(registry, catalog, deployment)
    for slug, spec in catalog.classes.items():
        issuer = catalog.issuers[spec.issuer].address
        mine = issuer.lower() == signer.lower()
        uri = class_uri(catalog, spec)
        if slug not in ids:
            if mine:
                run = partial(
                    _send, contract.create_class, spec.name, uri, spec.transferable,
                    spec.revocable, spec.validity, spec.min_score,
                )  # fmt: skip
                steps.append(Step(slug, f"create class '{spec.name}'", SEND, run=run))
            else:
                steps.append(Step(slug, f"create class '{spec.name}'", NEEDS, who=issuer))
            continue
        info = registry.class_info(ids[slug])
        fixed = [
            ("transferable", info.transferable, spec.transferable),
            ("revocable", info.revocable, spec.revocable),
            ("validity_days", info.validity // 86_400, spec.validity_days),
            ("min_score", format_percent(info.min_score), format_percent(spec.min_score)),
        ]
        drifted = [(n, a, b) for n, a, b in fixed if a != b]
        for name, chain_value, wanted in drifted:
            steps.append(
                Step(
                    slug,
                    f"{name} is {chain_value} on chain, {wanted} in the catalog; fixed at "
                    "creation: give the changed class a new slug",
                    DRIFT,
                )
            )
        changes: list[tuple[str, Callable[[Any], Any]]] = []
        if drifted:
            # Its metadata would describe rules the chain does not enforce:
            # leave the class alone until the catalog gives it a new slug.
            continue
        if info.uri != uri:
            changes.append(
                ("update metadata URI", partial(_send, contract.set_class_uri, ids[slug], uri))
            )
        if info.active != spec.active:
            action = "activate" if spec.active else "deactivate"
            changes.append(
                (action, partial(_send, contract.set_class_active, ids[slug], spec.active))
            )
        for action, change in changes:
            if mine:
                steps.append(Step(slug, action, SEND, run=change))
            else:
                steps.append(Step(slug, action, NEEDS, who=issuer))
        if not changes:
            steps.append(Step(slug, f"class {ids[slug]}", IN_SYNC))
    if pathways is not None and catalog.pathways:
        creating = {
            s.subject for s in steps if s.state == SEND and s.action.startswith("create class")
        }
        found: dict[str, int] = {}
        steps += _pathway_steps(registry, catalog, signer, pathways, ids, creating, found)
        deployment.pathway_ids.update(found)
    if memberships is not None and catalog.tiers:
        creating = {
            s.subject for s in steps if s.state == SEND and s.action.startswith("create class")
        }
        steps += _membership_steps(
            catalog, signer, memberships, ids, creating, deployment.tier_ids, deployment.offer_ids
        )
    if employers is not None and catalog.employers:
        creating = {
            s.subject for s in steps if s.state == SEND and s.action.startswith("create class")
        }
        steps += _endorsement_steps(
            catalog, signer, employers, ids, creating, deployment.pathway_ids
        )
    return steps, ids


def execute(
    registry: Registry,
    catalog: Catalog,
    deployment: Deployment,
    sender: Any,
    on_step: Callable[[Step], None] | None = None,
    planned: tuple[list[Step], dict[str, int]] | None = None,
    governance: Governance | None = None,
    pathways: Pathways | None = None,
    memberships: Memberships | None = None,
    employers: Employers | None = None,
) -> list[Step]:
    """Run every step ``sender`` may run (of ``planned``, the result of
    `plan` for ``sender``, or a fresh plan); record slug -> id in the
    deployment (the caller writes the file). Returns the steps, run ones as
    "done"."""
    sender = as_sender(sender)
    steps, ids = planned or plan(
        registry, catalog, deployment, sender.address, governance, pathways, memberships, employers
    )
    for step in steps:
        if step.state == SEND and step.run is not None:
            receipt = step.run(sender)
            if step.action.startswith("create class"):
                ids[step.subject] = created_class_id(registry.contract, receipt)
            elif step.action.startswith("create pathway") and pathways is not None:
                [event] = pathways.contract.PathwayCreated.from_receipt(receipt)
                deployment.pathway_ids[step.subject.removeprefix("pathway ")] = int(
                    event.pathway_id
                )
            elif step.action.startswith("create tier") and memberships is not None:
                [created] = memberships.contract.TierCreated.from_receipt(receipt)
                deployment.tier_ids[step.subject.removeprefix("tier ")] = int(created.tier_id)
            elif step.action.startswith("create offer") and memberships is not None:
                [offer] = memberships.contract.OfferCreated.from_receipt(receipt)
                deployment.offer_ids[step.subject.removeprefix("offer ")] = int(offer.offer_id)
            step.state = "done"
        if on_step is not None:
            on_step(step)
    for slug, class_id in ids.items():
        spec = catalog.classes[slug]
        deployment.classes[slug] = ClassRecord(
            class_id=class_id, issuer=catalog.issuers[spec.issuer].address, name=spec.name
        )
    return steps
