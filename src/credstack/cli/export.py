"""`ape run export`: Open Badges 3.0 credentials for a token, a wallet, a
class or a receipts file, signed by the issuer's Ed25519 key; the issuers'
profiles and status lists; or, with ``--new-key``, an issuer's key."""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path
from typing import Any

import click
from ape.cli.choices import AccountAliasPromptChoice
from eth_utils.address import to_checksum_address

from credstack.cli.common import credstack_command, fail, pass_context
from credstack.config import out_dir
from credstack.context import Context
from credstack.errors import CredstackError
from credstack.inputs import address_problem
from credstack.openbadges import binding, keys, urls
from credstack.openbadges.chain import Reader
from credstack.openbadges.credential import ExportError, issuer_name, load_class_documents
from credstack.openbadges.export import Exporter

BASE_URL = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+(:\d+)?(/[A-Za-z0-9._~\-/]*)?$")


def passphrase(new: bool = False) -> str:
    """The key passphrase: CREDSTACK_OB_PASSPHRASE, or asked (twice for a new key)."""
    value = os.environ.get(keys.PASSPHRASE_VAR)
    if value:
        return value
    try:
        answer: str = click.prompt(
            "Open Badges key passphrase",
            hide_input=True,
            confirmation_prompt=new,
            err=True,
        )
    except click.Abort:
        raise CredstackError(
            f"no passphrase: set {keys.PASSPHRASE_VAR} for unattended runs, or run in a terminal"
        ) from None
    return answer


def _receipt_tokens(path: Path) -> list[int]:
    """Token ids in a receipts file (the .json or .csv `ape run issue` writes)."""
    try:
        text = path.read_text()
    except OSError as err:
        raise CredstackError(f"--receipts {path}: unreadable ({err.strerror})") from None
    rows: list[Any]
    if path.suffix == ".json":
        try:
            rows = json.loads(text)
        except ValueError:
            raise CredstackError(f"--receipts {path}: not JSON") from None
        if not isinstance(rows, list):
            raise CredstackError(f"--receipts {path}: expected a list of receipts")
    else:
        rows = list(csv.DictReader(text.splitlines()))
    ids = []
    for n, row in enumerate(rows, 1):
        value = row.get("token_id") if isinstance(row, dict) else None
        if isinstance(value, bool) or not str(value).isdigit() or int(str(value)) < 1:
            raise CredstackError(f"--receipts {path}: receipt {n} has no token_id")
        ids.append(int(str(value)))
    if not ids:
        raise CredstackError(f"--receipts {path}: no receipts")
    return list(dict.fromkeys(ids))


def _binding_account(account: Any, issuer: str) -> Any:
    """The account to sign ``issuer``'s binding: ``account`` (--account), else
    (on a local chain) the test account with the issuer's address, else None."""
    if account is not None:
        return account
    from ape import accounts

    return next((a for a in accounts.test_accounts if a.address.lower() == issuer.lower()), None)


def _signer(account: Any) -> Any:
    """A binding signer: the given ape account, else (on a local chain) the
    test account with the issuer's address."""

    def sign(issuer: str, chain_id: int, key: str, profile: str) -> str:
        chosen = _binding_account(account, issuer)
        if chosen is None:
            raise CredstackError(
                f"issuer {issuer} has no key binding for chain {chain_id} and {profile}: "
                "pass --account with the issuer's account to sign it (EIP-712)"
            )
        if str(chosen.address).lower() != issuer.lower():
            raise CredstackError(
                f"--account {chosen.address} is not the issuer {issuer}: the binding must be "
                "signed by the issuer's own account"
            )
        return binding.sign_with_account(chosen, chain_id, key, profile)

    return sign


@credstack_command()
@click.option("--token", "token_id", type=click.IntRange(min=1), help="one token id")
@click.option("--holder", help="every credential of this wallet (checksummed address)")
@click.option("--class", "slug", help="every credential of this catalog class (slug)")
@click.option(
    "--receipts",
    type=click.Path(dir_okay=False, path_type=Path),
    help="the tokens of a receipts file (.json or .csv, as `ape run issue` writes)",
)
@click.option(
    "--status-lists",
    is_flag=True,
    help="(re)write every issuer's revocation and suspension lists, printing what changed",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="directory to write (default out/openbadges/<chain id>)",
)
@click.option(
    "--base-url",
    default=urls.DEFAULT_BASE_URL,
    show_default=True,
    help="where `ape run serve` serves the directory: every URL in the documents starts with it",
)
@click.option(
    "--metadata",
    type=click.Path(file_okay=False, path_type=Path),
    help="class documents (default out/metadata, as `ape run catalog apply` writes them)",
)
@click.option("--new-key", is_flag=True, help="make the Ed25519 key of --issuer")
@click.option("--issuer", help="with --new-key: the issuer's address (checksummed)")
@click.option(
    "--account",
    type=AccountAliasPromptChoice(prompt_message=None),
    help="the issuer's ape account, to sign its key binding (EIP-712) when none is kept; "
    "on local chains the test account with the issuer's address is used",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=64),
    default=1,
    show_default=True,
    help="processes signing credentials (signing is CPU-bound: one per core)",
)
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@pass_context
def cli(
    ctx: Context,
    token_id: int | None,
    holder: str | None,
    slug: str | None,
    receipts: Path | None,
    status_lists: bool,
    out: Path | None,
    base_url: str,
    metadata: Path | None,
    new_key: bool,
    issuer: str | None,
    account: Any,
    workers: int,
    as_json: bool,
) -> None:
    """Open Badges 3.0: signed credentials, issuer profiles and status lists from the chain."""
    chosen = [x for x in (token_id, holder, slug, receipts) if x is not None]
    if new_key:
        if chosen or status_lists:
            fail("--new-key goes with --issuer only")
        if issuer is None:
            fail("--new-key needs --issuer ADDRESS")
    elif issuer is not None:
        fail("--issuer goes with --new-key")
    elif len(chosen) > 1:
        fail("give one of --token, --holder, --class or --receipts")
    elif not chosen and not status_lists:
        fail("give one of --token, --holder, --class, --receipts or --status-lists")
    if not BASE_URL.match(base_url):
        fail(f"--base-url {base_url!r}: expected http(s)://host[:port][/path]")
    if holder is not None and (problem := address_problem(holder)):
        fail(f"--holder {holder!r}: {problem}")
    if issuer is not None and (problem := address_problem(issuer)):
        fail(f"--issuer {issuer!r}: {problem}")
    receipt_ids = _receipt_tokens(receipts) if receipts is not None else None

    if new_key:
        assert issuer is not None
        _new_key(ctx, issuer, base_url, out, account, as_json)
        return

    chain_id = ctx.deployment.chain_id
    registry = ctx.registry
    directory = out or out_dir() / "openbadges" / str(chain_id)
    where = metadata or out_dir() / "metadata"
    reader = Reader(registry, chain_id, load_class_documents(where), where)
    try:
        if slug is not None:
            ids = reader.class_tokens(ctx.klass(slug).class_id)
        elif holder is not None:
            ids = reader.holder_tokens(holder)
        elif receipt_ids is not None:
            ids = receipt_ids
        elif token_id is not None:
            ids = [token_id]
        else:
            ids = []
        tokens = reader.tokens(ids, skip_burned=token_id is None)
    except ExportError as err:
        raise CredstackError(str(err)) from None
    # Every issuer involved has a key and a binding before anything is signed.
    issuers = {t.issuer.lower(): t for t in tokens}
    statuses = reader.statuses() if (status_lists or tokens) else {}
    listed: set[str] = set(issuers)
    skipped: list[str] = []
    if status_lists:
        # Every issuer with a key: one without has no credential exported.
        known = {r.issuer.lower() for r in ctx.deployment.classes.values()} | set(statuses)
        listed |= {name for name in known if keys.read_did(name) is not None}
        skipped = sorted(known - listed)
    for name in issuers:
        if keys.read_did(name) is None:
            fail(
                f"issuer {name} has no Open Badges key in {keys.keys_dir()}: make one with "
                f"`ape run export --new-key --issuer {to_checksum_address(name)}`"
            )
    secret = passphrase() if listed else ""

    exporter = Exporter(
        out=directory,
        chain_id=chain_id,
        registry=registry.address,
        base_url=base_url,
        keys=lambda who: keys.open_key(who, secret),
    )
    try:
        for name in sorted(listed):
            exporter.key(name)  # a wrong passphrase stops the run before anything is written
        for name in issuers:
            if exporter.has_binding(name):
                continue
            chosen = _binding_account(account, name)
            if chosen is None:
                raise CredstackError(
                    f"issuer {name} has no key binding for chain {chain_id} and "
                    f"{urls.issuer_url(base_url, name)}: pass --account with the issuer's "
                    "account to sign it (EIP-712)"
                )
            if str(chosen.address).lower() != name:
                raise CredstackError(
                    f"--account {chosen.address} is not the issuer {name}: the binding must be "
                    "signed by the issuer's own account"
                )
        signer = _signer(account)
        for name, token in sorted(issuers.items()):
            exporter.profile(name, issuer_name(token.klass, token.issuer), signer)
        exporter.credentials(tokens, workers=workers)
        for name in sorted(listed):
            revoked, suspended = statuses.get(name, ([], []))
            exporter.status_lists(name, revoked, suspended)
        index = exporter.index()
    except (ExportError, keys.KeyError_) as err:
        raise CredstackError(str(err)) from None

    report = exporter.report
    if as_json:
        click.echo(
            json.dumps(
                {
                    "out": str(directory),
                    "index": str(index),
                    "tokens": ids,
                    **report.to_json(),
                    "skipped_issuers": skipped,
                    "burned_not_exported": reader.burned,
                },
                indent=2,
            )
        )
        return
    # Plain lines (paths are long: a table or rich's wrapping would split them).
    credentials = [p for p in report.written if "/credentials/" in p]
    same = [p for p in report.unchanged if "/credentials/" in p]
    click.echo(
        f"{len(credentials)} credential(s) signed and written, {len(same)} already up to date, "
        f"under {directory}"
    )
    for path in report.written:
        if "/status/" in path:
            click.echo(f"status list changed: {path}")
    if status_lists and not any("/status/" in p for p in report.written):
        click.echo("status lists: no change")
    if reader.burned:
        click.echo(f"not exported, burned by their holders: tokens {reader.burned}")
    for name in skipped:
        click.echo(f"issuer {name}: no Open Badges key, so no status lists (nothing exported)")
    click.echo(f"index: {index}")


def _new_key(
    ctx: Context, issuer: str, base_url: str, out: Path | None, account: Any, as_json: bool
) -> None:
    """Make the issuer's key, and sign its binding for this chain and base URL."""
    registry = ctx.registry
    if not registry.is_issuer(issuer):
        raise CredstackError(
            f"{issuer} does not hold the issuer role on registry {registry.address}"
        )
    if keys.read_did(issuer) is not None or keys.key_path(issuer).exists():
        raise CredstackError(
            f"{keys.key_path(issuer)} exists: the issuer already has a key "
            "(remove it to replace it)"
        )
    # The binding's signer is found before the key is made, so a missing
    # account leaves nothing behind.
    signer = _signer(account)
    try:
        key = keys.create_key(issuer, passphrase(new=True))
    except keys.KeyError_ as err:
        raise CredstackError(str(err)) from None
    chain_id = ctx.deployment.chain_id
    url = urls.issuer_url(base_url, issuer)
    exporter = Exporter(
        out=out or out_dir() / "openbadges" / str(chain_id),
        chain_id=chain_id,
        registry=registry.address,
        base_url=base_url,
        keys=lambda who: key,
    )
    try:
        exporter.profile(issuer, issuer, signer)
    except ExportError as err:
        raise CredstackError(f"key made ({key.did}), but {err}") from None
    if as_json:
        click.echo(json.dumps({"issuer": issuer, "did": key.did, "profile": url}, indent=2))
        return
    click.echo(f"key for {issuer}: {key.did}, in {keys.key_path(issuer)} (encrypted)")
    click.echo(f"binding signed by {issuer} (EIP-712) for chain {chain_id}, profile {url}")
