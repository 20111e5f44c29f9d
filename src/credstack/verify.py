"""What an auditor or employer asks: is this credential valid, and why not;
who issued it, for what score; does this evidence file match."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from credstack.evidence import file_digest, salted_hash
from credstack.registry import Registry, Status
from credstack.units import format_percent, format_time


def verify_token(
    registry: Registry,
    token_id: int,
    evidence: Path | None = None,
    salt: bytes | None = None,
) -> dict[str, Any]:
    """One credential as a flat record (JSON-ready)."""
    from ape import chain

    credential = registry.credential(token_id)
    if not credential.exists:
        return {"token_id": token_id, "exists": False, "valid": False, "status": "none"}
    klass = registry.class_info(credential.class_id)
    event = registry.issued_event(token_id)
    status = credential.status
    reason = ""
    if status == Status.REVOKED:
        reason = f"revoked: {registry.revocation_reason(token_id) or '(no reason found)'}"
    elif status == Status.SUSPENDED:
        reason = "suspended by the issuer"
    elif status == Status.EXPIRED:
        reason = f"expired on {format_time(credential.expires_at)}"
    elif status == Status.BURNED:
        reason = "burned by its holder"
    record: dict[str, Any] = {
        "token_id": token_id,
        "exists": True,
        "valid": bool(registry.contract.is_valid(token_id)),
        "status": status.name.lower(),
        "reason": reason,
        "holder": credential.holder,
        "class_id": credential.class_id,
        "class_name": klass.name,
        "class_uri": klass.uri,
        "issuer": klass.issuer,
        "soulbound": not klass.transferable,
        "score": format_percent(credential.score),
        "min_score": format_percent(klass.min_score),
        "expires_at": credential.expires_at,
        "expires": format_time(credential.expires_at),
        "issued_at": None,
        "issued": "",
        "evidence_hash": None,
        "issue_transaction": None,
    }
    if event is not None:
        issued_at = int(chain.blocks[event.block_number].timestamp)
        record.update(
            issued_at=issued_at,
            issued=format_time(issued_at),
            evidence_hash="0x" + event.evidence_hash.hex(),
            issue_transaction=event.tx_hash,
        )
    if evidence is not None and salt is not None:
        computed = salted_hash(salt, file_digest(evidence))
        record["evidence_file"] = str(evidence)
        record["evidence_matches"] = event is not None and computed == event.evidence_hash
    return record


def verify_holder(registry: Registry, holder: str) -> list[dict[str, Any]]:
    """Every credential the holder has now, in any status (revoked ones too:
    the record keeps its last holder), in token order."""
    records = []
    for token_id in sorted(registry.tokens_received(holder)):
        if registry.credential(token_id).holder.lower() == holder.lower():
            records.append(verify_token(registry, token_id))
    return records


def verify_memberships(memberships: Any, holder: str) -> list[dict[str, Any]]:
    """Every membership the holder has (``memberships``: a
    credstack.membership.Memberships), valid or not and why, with each
    perk's allowance, use and what is left this period (nothing while the
    membership is not valid)."""
    from credstack.membership import RENEW_TENTH, chain_now

    now = chain_now()
    records = []
    for record in memberships.memberships_of(holder):
        rules = memberships.rules(record.tier_id)
        reason = ""
        if now >= record.expires_at:
            reason = f"expired on {format_time(record.expires_at)}"
        elif not record.valid:
            bad = [
                f"token {c.token_id} {c.status.name.lower()}"
                if c.holder == record.holder
                else f"token {c.token_id} no longer held"
                for c in memberships.registry.credentials(list(record.parts))
                if c.status != Status.ACTIVE or c.holder != record.holder
            ]
            reason = "credentials no longer valid: " + ", ".join(bad)
        valid = record.valid and now < record.expires_at
        perks = []
        for perk in memberships.perks(record.tier_id):
            used = memberships.used(record, perk, now)
            perks.append(
                {
                    "perk_id": perk.perk_id,
                    "name": perk.name,
                    "allowance": perk.allowance,
                    "used": used,
                    "remaining": max(0, perk.allowance - used) if valid else 0,
                }
            )
        start, end = record.period_bounds(rules.period, now)
        records.append(
            {
                "kind": "membership",
                "membership_id": str(record.membership_id),
                "tier_id": record.tier_id,
                "tier": memberships.tier_name(record.tier_id),
                "issuer": rules.issuer,
                "holder": record.holder,
                "valid": valid,
                "reason": reason,
                "parts": list(record.parts),
                "joined": format_time(record.joined_at),
                "expires_at": record.expires_at,
                "expires": format_time(record.expires_at),
                "renewable_from": format_time(record.expires_at - rules.period // RENEW_TENTH),
                "period": f"{format_time(start)} to {format_time(end)}",
                "perks": perks,
            }
        )
    return records


def endorsements_of(
    employers: Any, class_id: int, pathways: Any | None = None
) -> list[dict[str, Any]]:
    """Who accepts a class for which job tasks: for each task code, the
    active employers that endorse the class, or a pathway whose credential
    is this class (``employers``: a credstack.employers.Employers;
    ``pathways``: a credstack.pathways.Pathways, or None)."""
    from credstack.employers import KIND_CLASS, KIND_PATHWAY

    targets = [(KIND_CLASS, class_id, f"class {class_id}")]
    if pathways is not None:
        targets += [
            (KIND_PATHWAY, p.pathway_id, f"pathway {p.pathway_id} ({p.name})")
            for p in pathways.created()
            if p.rules.output_class == class_id
        ]
    found = []
    for kind, target_id, label in targets:
        for task, who in employers.accepted_by(kind, target_id).items():
            found.append(
                {
                    "target": label,
                    "task": task,
                    "count": len(who),
                    "employers": [e.name for e in who],
                }
            )
    return found


def verifications_of(employers: Any, token_id: int) -> list[dict[str, Any]]:
    """The records employers made of a credential with its holder's
    consent, oldest first: employer, its name, the outcome, when."""
    from ape import chain

    from credstack.employers import OUTCOME_NAMES

    names = {e.address: e.name for e in employers.employers()}
    return [
        {
            "employer": v.employer,
            "employer_name": names.get(v.employer, ""),
            "holder": v.holder,
            "outcome": OUTCOME_NAMES.get(v.outcome, str(v.outcome)),
            "recorded": format_time(int(chain.blocks[v.block_number].timestamp)),
        }
        for v in employers.verifications(token_id=token_id)
    ]


def accepted_lines(endorsements: list[dict[str, Any]]) -> list[str]:
    """``accepted by 3 employers for 15-2051.00 (pathway 1 (...)): A, B, C``."""
    return [
        f"accepted by {e['count']} employer{'s' if e['count'] != 1 else ''} for {e['task']} "
        f"({e['target']}): {', '.join(e['employers'])}"
        for e in endorsements
    ]


def verification_lines(verifications: list[dict[str, Any]]) -> list[str]:
    """``interviewed by Acme on 2026-12-01 12:00 UTC (with the holder's consent)``."""
    return [
        f"{v['outcome']} by {v['employer_name'] or v['employer']} on {v['recorded']} "
        "(with the holder's consent)"
        for v in verifications
    ]
