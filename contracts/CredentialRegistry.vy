# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title credstack Credential Registry
@custom:contract-name CredentialRegistry
@license GNU Affero General Public License v3.0 only
@author credstack
@notice Microcredentials as ERC-721 tokens. A class is one microcredential
        definition (an Open Badges "Achievement"): its issuer, name, metadata
        URI, whether its tokens may be transferred or revoked, how long they
        stay valid and the minimum competency score (basis points). A
        credential is one token of a class: holder, score, expiry and status.

        Soulbound by default (ERC-5192): a class created with
        `transferable = False` locks every token of it, and every transfer
        path reverts with "credential: soulbound". A transferable class
        allows the standard ERC-721 transfers and approvals, but only while
        the credential is valid.

        Lifecycle: revocation is permanent, needs a revocable class, records
        a reason and takes the token out of the wallet (Transfer to the zero
        address) while the registry keeps the record for auditors.
        Suspension keeps the token and can be undone. Expiry is derived from
        time and keeps the token; the issuer renews it. A holder may burn a
        credential they no longer want shown (not while it is suspended),
        and a burned record can still be revoked. `tokenURI` is live: a base64
        JSON document with the current status, drawn by the
        `CredentialRenderer` fixed at deployment; changes emit ERC-4906
        `MetadataUpdate`.

        Roles (snekmate `access_control`): `DEFAULT_ADMIN_ROLE` is governance
        (a council behind a timelock, see `Council`): it registers and
        removes issuers (`ISSUER_ROLE`), names the guardian, alone unpauses, revokes any credential for fraud
        (`force_revoke`) and keeps the closed-pilot rules of a class (an
        allowlist of who may receive it, a last issuance date). The
        `guardian` pauses at once; it holds no role and can do nothing else. An issuer creates classes and names
        delegates (`set_delegate`) who may issue and manage that issuer's
        classes, e.g. a hot wallet for batch runs while the issuer key
        stays cold. Key recovery (`recover`) is the one way a soulbound
        credential moves: the class's issuer re-binds it to the learner's
        new wallet.

        Gas: a credential is one storage word (holder, class, expiry, score,
        status and the lock bit packed together) and the supply counters and
        the pause flag share one word, so issuing costs what a bare ERC-721
        mint costs plus the events. The concepts and the interface are
        described in the project's README.
"""


# @dev ERC-165 is declared so the compiler checks `supportsInterface`.
from ethereum.ercs import IERC165
implements: IERC165


# @dev credstack's own surface (see the file for what it leaves out), so the
# compiler catches drift between this contract and what its callers use.
from .interfaces import ICredentialRegistry
implements: ICredentialRegistry


# @dev Only for the `Transfer`, `Approval` and `ApprovalForAll` events.
# We do not declare `implements: IERC721`: the built-in interface marks the
# transfer functions `payable`, and ether sent along with a credential
# transfer would be stuck here. Ours are non-payable, as OpenZeppelin's are.
from ethereum.ercs import IERC721


# @dev For `MetadataUpdate` and `BatchMetadataUpdate` (ERC-4906).
from snekmate.tokens.interfaces import IERC4906


# @dev The callback that `safeTransferFrom` makes to a contract recipient.
from snekmate.tokens.interfaces import IERC721Receiver


# @dev Roles: admin (governance), issuers, pausers. We export the whole
# module interface except `supportsInterface`, which we write ourselves to
# add the ERC-721, ERC-5192 and ERC-4906 identifiers.
from snekmate.auth import access_control
initializes: access_control


# @dev The roles' interface, so the compiler checks the exports below.
from snekmate.auth.interfaces import IAccessControl
implements: IAccessControl


# @dev Draws `tokenURI`. Metadata lives in its own contract so that this
# one keeps room under the 24,576-byte code limit for governance features.
from .interfaces import ICredentialRenderer


# @dev The layout of a credential's storage word, with its decoders and
# encoders; shared with the `PathwayRegistry`, which reads the words raw.
# Stateless, so it needs no `initializes`. Holder, class, expiry and status
# are read through its decoders; words are written, and the score and lock
# bit read, inline from its constants, because Vyper 0.4.3 does not inline
# internal calls and each would cost issuance, the lifecycle and transfers
# 40 to 110 gas. `tests/properties/test_credential_word.py` checks these
# writes against the module's encoders.
from .utils import credential_word


# @dev `grantRole`, `revokeRole` and `renounceRole` are written here, over
# the module's internals, so that every change of `ISSUER_ROLE` also counts
# in the issuer's word (see `_issuers`).
exports: (
    access_control.DEFAULT_ADMIN_ROLE,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.set_role_admin,
)


# CONSTANTS #


# @dev May create classes; may issue and manage its own classes.
ISSUER_ROLE: public(constant(bytes32)) = keccak256("ISSUER_ROLE")

# @dev Scores are basis points.
MAX_SCORE: public(constant(uint256)) = 10_000
# @dev The largest `issue_batch`. About 320 fit under the 2**24 gas cap
# per transaction (EIP-7825); the bound only caps calldata decoding.
MAX_BATCH: public(constant(uint256)) = 512
# @dev A class's validity, at most 100 years, keeps expiries in 40 bits.
MAX_VALIDITY: public(constant(uint256)) = 100 * 365 * 86_400
# @dev Largest expiry a credential can hold (40 bits: year 36812).
_MAX_EXPIRY: constant(uint256) = credential_word.EXPIRY_MASK
# @dev Class ids are stored in 32 bits of a credential's word.
_MAX_CLASS_ID: constant(uint256) = credential_word.CLASS_MASK
# @dev Latest last-issuance date a class can hold (36 bits: year 4147).
_MAX_ISSUE_UNTIL: constant(uint256) = (1 << 36) - 1
# @dev Accounts per `set_allowlist` call: what fits in one timelock call
# (1,024 bytes of calldata: selector, four head words, 27 addresses).
ALLOWLIST_CHUNK: public(constant(uint256)) = 27
# @dev Tokens a recovery target may already hold (see `recover`).
MAX_RECOVERY_TOKENS: public(constant(uint256)) = 64

# @dev `status_of` values. Expired (4) is derived from time, never stored.
STATUS_NONE: public(constant(uint8)) = credential_word.STATUS_NONE
STATUS_ACTIVE: public(constant(uint8)) = credential_word.STATUS_ACTIVE
STATUS_SUSPENDED: public(constant(uint8)) = credential_word.STATUS_SUSPENDED
STATUS_REVOKED: public(constant(uint8)) = credential_word.STATUS_REVOKED
STATUS_EXPIRED: public(constant(uint8)) = credential_word.STATUS_EXPIRED
STATUS_BURNED: public(constant(uint8)) = credential_word.STATUS_BURNED

# @dev A credential's storage word (holder, class id, expiry, score, stored
# status, lock bit) is laid out, decoded and encoded by `credential_word`.

# @dev A class's storage word:
#   bits   0..159  issuer
#   bits 160..199  validity in seconds (0 = never expires)
#   bits 200..215  min_score
#   bit  216 active, bit 217 transferable, bit 218 revocable
#   bit  219       restricted (closed pilot: only allowlisted receivers)
#   bits 220..255  last issuance date (0 = none)
# The closed-pilot rules share the word, so a class without them costs
# issuance nothing more.
_ADDRESS_MASK: constant(uint256) = (1 << 160) - 1
_VALIDITY_SHIFT: constant(uint256) = 160
_MIN_SCORE_SHIFT: constant(uint256) = 200
_ACTIVE_BIT: constant(uint256) = 1 << 216
_TRANSFERABLE_BIT: constant(uint256) = 1 << 217
_REVOCABLE_BIT: constant(uint256) = 1 << 218
_RESTRICTED_BIT: constant(uint256) = 1 << 219
_ISSUE_UNTIL_SHIFT: constant(uint256) = 220
_RULES_CLEAR: constant(uint256) = (1 << 219) - 1

# @dev The supply word: tokens issued (bits 0..63), tokens removed by
# revocation or burning (bits 64..127), paused flag (bit 128), and bit 255
# set at deployment so that the word is never zero: the first issue then
# pays for a warm-up write (5,000 gas) like every later one, not for a fresh
# slot (22,100). One word, so an issue pays for one counter write and reads
# the pause flag for free.
_U64: constant(uint256) = (1 << 64) - 1
_REMOVED_ONE: constant(uint256) = 1 << 64
_PAUSED_BIT: constant(uint256) = 1 << 128
_SUPPLY_INIT: constant(uint256) = 1 << 255

# @dev ERC-165 identifiers: ERC-165, ERC-721, ERC-721 Metadata, ERC-5192
# (minimal soulbound), ERC-4906 (metadata update).
_SUPPORTED_INTERFACES: constant(bytes4[5]) = [
    0x01FFC9A7,
    0x80AC58CD,
    0x5B5E139F,
    0xB45A3C0E,
    0x49064906,
]


# IMMUTABLES #


# @dev The metadata renderer, fixed at deployment.
renderer: public(immutable(ICredentialRenderer))


# STRUCTS #


# @dev `ClassInfo`, `ClassRules` and `Credential`, which the views return,
# are declared in `ICredentialRegistry`: `implements` accepts the interface's
# own struct types only.


# STATE #


# @dev ERC-721 collection name and symbol.
name: public(String[64])
symbol: public(String[32])

# @dev May pause at once (and nothing else); only the admin unpauses or
# names another guardian. Zero for none.
guardian: public(address)

# @dev Number of classes created; class ids run from 1 to `class_count`.
class_count: public(uint256)

# @dev issuer => delegate => the issuer's word (`_issuers`) when the
# delegate was named, 0 for none. The delegate may issue and manage the
# issuer's classes while this equals the issuer's word: one comparison
# checks the delegation, the role and that the role was not taken away and
# given back since (a removal does not leave old delegates armed).
_delegations: HashMap[address, HashMap[address, uint256]]

_classes: HashMap[uint256, uint256]
_class_names: HashMap[uint256, String[64]]
_class_uris: HashMap[uint256, String[256]]

_tokens: HashMap[uint256, uint256]
_balances: HashMap[address, uint256]
_approvals: HashMap[uint256, address]
_operators: HashMap[address, HashMap[address, bool]]

_supply: uint256

# @dev class id => account => may receive the class while it is restricted.
allowlist: public(HashMap[uint256, HashMap[address, bool]])

# @dev issuer => how many times `ISSUER_ROLE` was granted to it or taken
# from it: odd while it holds the role (kept with `hasRole` by
# `grantRole`, `revokeRole` and `renounceRole`). Each removal makes the
# word one that no delegation holds, so delegations end with the role.
_issuers: HashMap[address, uint256]


# EVENTS #


# @dev ERC-5192: the token is locked (soulbound); emitted at issue.
event Locked:
    tokenId: uint256


event ClassCreated:
    class_id: indexed(uint256)
    issuer: indexed(address)
    name: String[64]
    uri: String[256]
    transferable: bool
    revocable: bool
    validity: uint256
    min_score: uint256


event ClassActiveChanged:
    class_id: indexed(uint256)
    active: bool


event ClassURIChanged:
    class_id: indexed(uint256)
    uri: String[256]


event DelegateSet:
    issuer: indexed(address)
    delegate: indexed(address)
    allowed: bool


event CredentialIssued:
    token_id: indexed(uint256)
    class_id: indexed(uint256)
    holder: indexed(address)
    score: uint256
    expires_at: uint256
    evidence_hash: bytes32


event CredentialRevoked:
    token_id: indexed(uint256)
    class_id: indexed(uint256)
    holder: indexed(address)
    reason: String[256]


event CredentialSuspended:
    token_id: indexed(uint256)
    class_id: indexed(uint256)
    holder: indexed(address)


event CredentialReinstated:
    token_id: indexed(uint256)
    class_id: indexed(uint256)
    holder: indexed(address)


event CredentialRenewed:
    token_id: indexed(uint256)
    class_id: indexed(uint256)
    holder: indexed(address)
    expires_at: uint256


event CredentialBurned:
    token_id: indexed(uint256)
    class_id: indexed(uint256)
    holder: indexed(address)


# @dev Key recovery: the one way a soulbound credential moves.
event CredentialRecovered:
    token_id: indexed(uint256)
    old_holder: indexed(address)
    new_holder: indexed(address)
    class_id: uint256


event ClassRulesChanged:
    class_id: indexed(uint256)
    restricted: bool
    issue_until: uint256


event AllowlistChanged:
    class_id: indexed(uint256)
    account: indexed(address)
    allowed: bool


event GuardianChanged:
    previous: indexed(address)
    guardian: indexed(address)


event Paused:
    account: address


event Unpaused:
    account: address


@deploy
def __init__(
    name_: String[64], symbol_: String[32], admin: address, renderer_: address, guardian: address
):
    """
    @dev `admin` receives `DEFAULT_ADMIN_ROLE`; the deployer keeps no role
         unless it is the admin, so a deploy script hands the registry to a
         timelock in the same transaction. The guardian is not a role.
    @param name_ The ERC-721 collection name.
    @param symbol_ The ERC-721 collection symbol.
    @param admin The address that registers issuers and unpauses.
    @param renderer_ The `CredentialRenderer` that draws `tokenURI`.
    @param guardian The address that may pause at once (zero for none).
    """
    assert admin != empty(address), "credential: zero address"
    assert renderer_.is_contract, "credential: renderer not a contract"
    access_control.__init__()
    renderer = ICredentialRenderer(renderer_)
    if admin != msg.sender:
        access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, admin)
        access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self.guardian = guardian
    self.name = name_
    self.symbol = symbol_
    self._supply = _SUPPLY_INIT


# ADMIN #


@external
def pause():
    """
    @notice Stops issuance and renewal at once. Revocation, suspension and
            transfers go on, so a compromised issuer can still be cleaned up.
    @dev Callable by the guardian or the admin.
    """
    assert msg.sender == self.guardian or access_control.hasRole[
        access_control.DEFAULT_ADMIN_ROLE
    ][msg.sender], "credential: not guardian"
    supply: uint256 = self._supply
    assert supply & _PAUSED_BIT == 0, "credential: paused"
    self._supply = supply | _PAUSED_BIT
    log Paused(account=msg.sender)


@external
def unpause():
    """
    @notice Resumes issuance. Only the admin (governance) may unpause.
    """
    self._check_admin()
    supply: uint256 = self._supply
    assert supply & _PAUSED_BIT != 0, "credential: not paused"
    self._supply = supply ^ _PAUSED_BIT
    log Unpaused(account=msg.sender)


@external
def set_guardian(guardian_: address):
    """
    @notice Names the guardian who may pause at once (zero for none).
    @param guardian_ The new guardian.
    """
    self._check_admin()
    log GuardianChanged(previous=self.guardian, guardian=guardian_)
    self.guardian = guardian_


@external
def grantRole(role: bytes32, account: address):
    """
    @notice Grants `role` to `account` (the caller needs `role`'s admin
            role). Granting `ISSUER_ROLE` again after a removal starts the
            issuer with no delegates.
    @param role The role.
    @param account The account.
    """
    access_control._check_role(access_control.getRoleAdmin[role], msg.sender)
    if role == ISSUER_ROLE and not access_control.hasRole[role][account]:
        # Even to odd: holds the role.
        self._issuers[account] += 1
    access_control._grant_role(role, account)


@external
def revokeRole(role: bytes32, account: address):
    """
    @notice Revokes `role` from `account` (the caller needs `role`'s admin
            role). Revoking `ISSUER_ROLE` ends every delegation of the
            issuer.
    @param role The role.
    @param account The account.
    """
    access_control._check_role(access_control.getRoleAdmin[role], msg.sender)
    self._revoke_role(role, account)


@external
def renounceRole(role: bytes32, account: address):
    """
    @notice The caller gives up `role`; for `ISSUER_ROLE` its delegations
            end too.
    @param role The role.
    @param account The caller's own address.
    """
    assert account == msg.sender, "access_control: can only renounce roles for itself"
    self._revoke_role(role, account)


@external
def force_revoke(token_id: uint256, reason: String[256]):
    """
    @notice Governance revokes any credential, of any class, revocable or
            not, e.g. for fraud. As `revoke`: the token leaves the wallet,
            the event keeps the reason, and a burned record is revoked too.
    @param token_id The token id.
    @param reason Why (required).
    """
    self._check_admin()
    word: uint256 = self._tokens[token_id]
    self._revocable_class_of(word)
    self._revoke(token_id, word, reason)


@external
def set_class_rules(class_id: uint256, restricted: bool, issue_until: uint256):
    """
    @notice Closed-pilot rules of a class, kept by governance. A restricted
            class is received (issued, transferred, recovered) only by
            allowlisted accounts; after `issue_until` (a Unix time, 0 for
            none) issuing it reverts. Credentials already issued stay.
    @param class_id The class id.
    @param restricted True to limit receivers to the class's allowlist.
    @param issue_until The last time issuing is allowed; 0 for no end.
    """
    self._check_admin()
    word: uint256 = self._class_word(class_id)
    assert issue_until <= _MAX_ISSUE_UNTIL, "credential: date too large"
    word = (word & _RULES_CLEAR) | (issue_until << _ISSUE_UNTIL_SHIFT)
    if restricted:
        word |= _RESTRICTED_BIT
    self._classes[class_id] = word
    log ClassRulesChanged(class_id=class_id, restricted=restricted, issue_until=issue_until)


@external
def set_allowlist(class_id: uint256, accounts: DynArray[address, ALLOWLIST_CHUNK], allowed: bool):
    """
    @notice Adds accounts to a class's allowlist, or removes them. Kept by
            governance; it matters while the class is restricted.
    @param class_id The class id.
    @param accounts Up to `ALLOWLIST_CHUNK` accounts.
    @param allowed True to add, False to remove.
    """
    self._check_admin()
    self._class_word(class_id)
    for account: address in accounts:
        assert account != empty(address), "credential: zero address"
        self.allowlist[class_id][account] = allowed
        log AllowlistChanged(class_id=class_id, account=account, allowed=allowed)


# ISSUERS AND CLASSES #


@external
def set_delegate(delegate: address, allowed: bool):
    """
    @notice Lets `delegate` issue and manage the caller's classes, or stops it.
            Naming needs `ISSUER_ROLE`; an issuer that was removed may still
            remove delegates (though its removal already ended them).
    @param delegate The delegate's address.
    @param allowed True to name the delegate, False to remove it.
    """
    issuer_word: uint256 = self._issuers[msg.sender]
    if allowed:
        assert issuer_word & 1 != 0, "credential: not issuer"
    else:
        assert issuer_word != 0, "credential: not issuer"
    assert delegate != empty(address), "credential: zero address"
    if not allowed:
        issuer_word = 0
    self._delegations[msg.sender][delegate] = issuer_word
    log DelegateSet(issuer=msg.sender, delegate=delegate, allowed=allowed)


@external
def create_class(
    name: String[64],
    uri: String[256],
    transferable: bool,
    revocable: bool,
    validity: uint256,
    min_score: uint256,
) -> uint256:
    """
    @notice Creates a credential class, active at once, with the caller as
            its issuer. Transferability and revocability are fixed for life.
    @param name The class name, shown in wallets (well-formed UTF-8 with no
           double quote, backslash or control character: it goes into JSON
           verbatim).
    @param uri The class metadata URI (the Open Badges achievement JSON;
           the same rule).
    @param transferable False for soulbound credentials.
    @param revocable Whether credentials of this class may be revoked or
           suspended.
    @param validity Seconds a credential stays valid after issue; 0 = never
           expires.
    @param min_score The minimum score, in basis points, to be issued.
    @return uint256 The new class id.
    """
    assert access_control.hasRole[ISSUER_ROLE][msg.sender], "credential: not issuer"
    assert len(name) != 0, "credential: empty name"
    self._check_text(name)
    self._check_text(uri)
    assert validity <= MAX_VALIDITY, "credential: validity too long"
    assert min_score <= MAX_SCORE, "credential: min score out of range"
    class_id: uint256 = self.class_count + 1
    assert class_id <= _MAX_CLASS_ID, "credential: too many classes"
    self.class_count = class_id
    word: uint256 = (
        convert(msg.sender, uint256)
        | (validity << _VALIDITY_SHIFT)
        | (min_score << _MIN_SCORE_SHIFT)
        | _ACTIVE_BIT
    )
    if transferable:
        word |= _TRANSFERABLE_BIT
    if revocable:
        word |= _REVOCABLE_BIT
    self._classes[class_id] = word
    self._class_names[class_id] = name
    self._class_uris[class_id] = uri
    log ClassCreated(
        class_id=class_id,
        issuer=msg.sender,
        name=name,
        uri=uri,
        transferable=transferable,
        revocable=revocable,
        validity=validity,
        min_score=min_score,
    )
    return class_id


@external
def set_class_active(class_id: uint256, active: bool):
    """
    @notice Opens or closes a class for issuance and renewal. Credentials
            already issued keep their status.
    @param class_id The class id.
    @param active True to allow issuance.
    """
    word: uint256 = self._operated_class(class_id)
    if active:
        word |= _ACTIVE_BIT
    else:
        word &= ~_ACTIVE_BIT
    self._classes[class_id] = word
    log ClassActiveChanged(class_id=class_id, active=active)


@external
def set_class_uri(class_id: uint256, uri: String[256]):
    """
    @notice Points the class at new metadata. Every token's `tokenURI`
            links it, so an ERC-4906 `BatchMetadataUpdate` covers all ids.
    @param class_id The class id.
    @param uri The new metadata URI.
    """
    self._operated_class(class_id)
    self._check_text(uri)
    self._class_uris[class_id] = uri
    log ClassURIChanged(class_id=class_id, uri=uri)
    issued: uint256 = self._supply & _U64
    if issued != 0:
        log IERC4906.BatchMetadataUpdate(_fromTokenId=1, _toTokenId=issued)


# ISSUANCE #


@external
def issue(
    class_id: uint256, to: address, score: uint256, evidence_hash: bytes32, expires_at: uint256 = 0
) -> uint256:
    """
    @notice Issues one credential of `class_id` to `to`.
    @param class_id The class id.
    @param to The learner's wallet.
    @param score The assessed score in basis points, at least the class's
           `min_score`.
    @param evidence_hash The salted hash of the evidence (never the
           evidence itself: no personal data on chain).
    @param expires_at The expiry, if sooner than the class gives: in the
           future and not after the class's validity from now (any that
           fits for a class that never expires). 0 (the default): the
           class's validity. The pathway registry issues with the earliest
           expiry of the parts this way, in one step.
    @return uint256 The new token id.
    """
    supply: uint256 = self._supply
    assert supply & _PAUSED_BIT == 0, "credential: paused"
    klass: uint256 = self._issuable_class(class_id)
    token_id: uint256 = (supply & _U64) + 1
    expiry: uint256 = self._expiry_of(klass)
    if expires_at != 0:
        assert expires_at > block.timestamp, "credential: expiry not in future"
        assert expiry == 0 or expires_at <= expiry, "credential: expiry beyond validity"
        assert expires_at <= _MAX_EXPIRY, "credential: expiry too large"
        expiry = expires_at
    self._mint(klass, class_id, expiry, token_id, to, score, evidence_hash)
    self._supply = supply + 1
    return token_id


@external
def issue_batch(
    class_id: uint256,
    holders: DynArray[address, MAX_BATCH],
    scores: DynArray[uint256, MAX_BATCH],
    evidence_hashes: DynArray[bytes32, MAX_BATCH],
) -> uint256:
    """
    @notice Issues one credential of `class_id` to each holder, with
            consecutive token ids. The whole batch reverts if any entry is bad.
    @param class_id The class id.
    @param holders The learners' wallets.
    @param scores The scores, in basis points, in the order of `holders`.
    @param evidence_hashes The salted evidence hashes, in the same order.
    @return uint256 The first token id; the batch holds ids
            first .. first + len(holders) - 1.
    """
    supply: uint256 = self._supply
    assert supply & _PAUSED_BIT == 0, "credential: paused"
    klass: uint256 = self._issuable_class(class_id)
    count: uint256 = len(holders)
    assert count != 0, "credential: empty batch"
    assert len(scores) == count and len(evidence_hashes) == count, "credential: length mismatch"
    expires_at: uint256 = self._expiry_of(klass)
    first: uint256 = (supply & _U64) + 1
    for i: uint256 in range(count, bound=MAX_BATCH):
        # Cannot overflow: `first` is at most 2**64 (a 64-bit counter plus
        # one) and `i` is below `MAX_BATCH`.
        self._mint(
            klass, class_id, expires_at, unsafe_add(first, i), holders[i], scores[i], evidence_hashes[i]
        )
    self._supply = supply + count
    return first


# LIFECYCLE #


@external
def revoke(token_id: uint256, reason: String[256]):
    """
    @notice Revokes a credential for good. The token leaves the holder's
            wallet (Transfer to the zero address); `credential` and
            `status_of` keep the record, and the event keeps the reason.
            A credential its holder burned can still be revoked: the record
            then reads revoked (no second Transfer: it left the wallet).
    @param token_id The token id.
    @param reason Why, for the holder and auditors (required).
    """
    word: uint256 = self._tokens[token_id]
    klass: uint256 = self._operated_class(self._revocable_class_of(word))
    assert klass & _REVOCABLE_BIT != 0, "credential: not revocable"
    self._revoke(token_id, word, reason)


@external
def suspend(token_id: uint256):
    """
    @notice Suspends a credential: it stays in the wallet but is not valid
            until reinstated. Needs a revocable class.
    @param token_id The token id.
    """
    word: uint256 = self._tokens[token_id]
    klass: uint256 = self._operated_class(self._held_class_of(word))
    assert klass & _REVOCABLE_BIT != 0, "credential: not revocable"
    assert credential_word._stored_status(word) == STATUS_ACTIVE, "credential: already suspended"
    self._set_status(token_id, word, STATUS_SUSPENDED)
    log CredentialSuspended(
        token_id=token_id,
        class_id=credential_word._class_id(word),
        holder=credential_word._holder(word),
    )
    log IERC4906.MetadataUpdate(_tokenId=token_id)


@external
def reinstate(token_id: uint256):
    """
    @notice Lifts a suspension.
    @param token_id The token id.
    """
    word: uint256 = self._tokens[token_id]
    self._operated_class(self._held_class_of(word))
    assert credential_word._stored_status(word) == STATUS_SUSPENDED, "credential: not suspended"
    self._set_status(token_id, word, STATUS_ACTIVE)
    log CredentialReinstated(
        token_id=token_id,
        class_id=credential_word._class_id(word),
        holder=credential_word._holder(word),
    )
    log IERC4906.MetadataUpdate(_tokenId=token_id)


@external
def renew(token_id: uint256, expires_at: uint256):
    """
    @notice Sets a new expiry on a held credential (expired or not). A
            suspended credential stays suspended. Needs an active class and
            no pause, as issuing does.
    @param token_id The token id.
    @param expires_at The new expiry, a Unix time in the future.
    """
    assert self._supply & _PAUSED_BIT == 0, "credential: paused"
    word: uint256 = self._tokens[token_id]
    klass: uint256 = self._operated_class(self._held_class_of(word))
    assert klass & _ACTIVE_BIT != 0, "credential: class inactive"
    assert expires_at > block.timestamp, "credential: expiry not in future"
    assert expires_at <= _MAX_EXPIRY, "credential: expiry too large"
    # `credential_word._with_expiry`, inline (see the import).
    self._tokens[token_id] = (word & credential_word.EXPIRY_CLEAR) | (
        expires_at << credential_word.EXPIRY_SHIFT
    )
    log CredentialRenewed(
        token_id=token_id,
        class_id=credential_word._class_id(word),
        holder=credential_word._holder(word),
        expires_at=expires_at,
    )
    log IERC4906.MetadataUpdate(_tokenId=token_id)


@external
def burn(token_id: uint256):
    """
    @notice The holder removes a credential they no longer want shown. The
            record stays, with status burned. Refused while suspended: the
            issuer has a question open, and may still revoke a burned one.
    @param token_id The token id.
    """
    word: uint256 = self._tokens[token_id]
    self._check_held(word)
    holder: address = credential_word._holder(word)
    assert msg.sender == holder, "credential: not holder"
    assert credential_word._stored_status(word) != STATUS_SUSPENDED, "credential: suspended"
    # `credential_word._with_status`, inline (see the import).
    self._tokens[token_id] = (word & credential_word.STATUS_CLEAR) | (
        convert(STATUS_BURNED, uint256) << credential_word.STATUS_SHIFT
    )
    self._remove(holder, token_id)
    log CredentialBurned(token_id=token_id, class_id=credential_word._class_id(word), holder=holder)


@external
def recover(token_id: uint256, new_holder: address, new_holder_tokens: DynArray[uint256, MAX_RECOVERY_TOKENS]):
    """
    @notice Key recovery: the class's issuer (or a delegate) re-binds a
            learner's credential to the learner's new wallet. The one way a
            soulbound credential moves. Refused while paused, and when the
            new wallet already holds a credential of the class (active,
            suspended or expired). The status and expiry go along.
    @dev The registry keeps no per-class balance (it would cost every issue
         a storage write), so the caller lists every token the new wallet
         holds, in increasing order; the list must be as long as its
         `balanceOf`, which proves it complete. The tooling reads it from
         the Transfer events.
    @param token_id The token id.
    @param new_holder The learner's new wallet.
    @param new_holder_tokens Every token id `new_holder` holds, increasing.
    """
    assert self._supply & _PAUSED_BIT == 0, "credential: paused"
    word: uint256 = self._tokens[token_id]
    class_id: uint256 = self._held_class_of(word)
    klass: uint256 = self._operated_class(class_id)
    old_holder: address = credential_word._holder(word)
    assert new_holder != empty(address), "credential: zero address"
    assert new_holder != old_holder, "credential: same holder"
    self._check_receiver(klass, class_id, new_holder)
    assert len(new_holder_tokens) == self._balances[new_holder], "credential: token list incomplete"
    previous: uint256 = 0
    for held: uint256 in new_holder_tokens:
        assert held > previous, "credential: token list not increasing"
        previous = held
        other: uint256 = self._tokens[held]
        status: uint8 = credential_word._stored_status(other)
        assert credential_word._holder(other) == new_holder and (
            status == STATUS_ACTIVE or status == STATUS_SUSPENDED
        ), "credential: token not held"
        assert credential_word._class_id(other) != class_id, "credential: holder has class"
    self._move(old_holder, new_holder, token_id, word)
    log CredentialRecovered(
        token_id=token_id, old_holder=old_holder, new_holder=new_holder, class_id=class_id
    )


# ERC-721 TRANSFERS #


@external
def approve(to: address, token_id: uint256):
    """
    @notice Approves `to` to transfer a valid credential of a transferable
            class.
    @param to The approved address (zero to clear).
    @param token_id The token id.
    """
    word: uint256 = self._tokens[token_id]
    assert word & credential_word.LOCKED_BIT == 0, "credential: soulbound"
    self._check_valid(word)
    holder: address = credential_word._holder(word)
    assert msg.sender == holder or self._operators[holder][msg.sender], "credential: not approved"
    self._approvals[token_id] = to
    log IERC721.Approval(owner=holder, approved=to, token_id=token_id)


@external
def setApprovalForAll(operator: address, approved: bool):
    """
    @notice Lets `operator` transfer all of the caller's transferable
            credentials (soulbound ones stay locked whatever this says).
    @param operator The operator.
    @param approved True to approve, False to revoke.
    """
    assert operator != empty(address), "credential: zero address"
    self._operators[msg.sender][operator] = approved
    log IERC721.ApprovalForAll(owner=msg.sender, operator=operator, approved=approved)


@external
def transferFrom(_from: address, to: address, token_id: uint256):
    """
    @notice Transfers a valid credential of a transferable class.
    @param _from The current holder.
    @param to The recipient.
    @param token_id The token id.
    """
    self._transfer(_from, to, token_id)


@external
def safeTransferFrom(_from: address, to: address, token_id: uint256, data: Bytes[1_024] = b""):
    """
    @notice Transfers as `transferFrom`, then asks a contract recipient to
            accept (`onERC721Received`).
    @param _from The current holder.
    @param to The recipient.
    @param token_id The token id.
    @param data Passed to the recipient's `onERC721Received`.
    """
    self._transfer(_from, to, token_id)
    if to.is_contract:
        accepted: bytes4 = extcall IERC721Receiver(to).onERC721Received(
            msg.sender, _from, token_id, data
        )
        assert accepted == method_id(
            "onERC721Received(address,address,uint256,bytes)", output_type=bytes4
        ), "credential: receiver rejected"


# VIEWS #


@external
@view
def supportsInterface(interface_id: bytes4) -> bool:
    """
    @dev ERC-165.
    @param interface_id The 4-byte interface identifier.
    @return bool True for ERC-165, ERC-721, ERC-721 Metadata, ERC-5192 and
            ERC-4906.
    """
    return interface_id in _SUPPORTED_INTERFACES


@external
@view
def paused() -> bool:
    """
    @notice Whether issuance and renewal are paused.
    @return bool True when paused.
    """
    return self._supply & _PAUSED_BIT != 0


@external
@view
def totalSupply() -> uint256:
    """
    @notice Credentials currently held (issued minus revoked and burned).
    @return uint256 The number of tokens in wallets.
    """
    supply: uint256 = self._supply
    return (supply & _U64) - ((supply >> 64) & _U64)


@external
@view
def total_issued() -> uint256:
    """
    @notice Credentials ever issued; also the highest token id.
    @return uint256 The count.
    """
    return self._supply & _U64


@external
@view
def class_info(class_id: uint256) -> ICredentialRegistry.ClassInfo:
    """
    @notice Everything known about a class.
    @param class_id The class id.
    @return ClassInfo Issuer, name, URI, transferable, revocable, validity,
            min_score, active.
    """
    word: uint256 = self._class_word(class_id)
    return ICredentialRegistry.ClassInfo(
        issuer=self._issuer_of(word),
        name=self._class_names[class_id],
        uri=self._class_uris[class_id],
        transferable=word & _TRANSFERABLE_BIT != 0,
        revocable=word & _REVOCABLE_BIT != 0,
        validity=(word >> _VALIDITY_SHIFT) & _MAX_EXPIRY,
        min_score=(word >> _MIN_SCORE_SHIFT) & 65_535,
        active=word & _ACTIVE_BIT != 0,
    )


@external
@view
def is_delegate(issuer: address, delegate: address) -> bool:
    """
    @notice Whether `delegate` may now issue and manage `issuer`'s classes:
            named by the issuer since it last received `ISSUER_ROLE`, not
            removed, and the issuer still holds the role.
    @param issuer The issuer.
    @param delegate The delegate.
    @return bool True if the delegation is live.
    """
    delegation: uint256 = self._delegations[issuer][delegate]
    return delegation != 0 and delegation == self._issuers[issuer]


@external
@view
def class_rules(class_id: uint256) -> ICredentialRegistry.ClassRules:
    """
    @notice The closed-pilot rules of a class (see `set_class_rules`).
    @param class_id The class id.
    @return ClassRules Whether receivers must be allowlisted, and the last
            issuance time (0 for none).
    """
    word: uint256 = self._class_word(class_id)
    return ICredentialRegistry.ClassRules(
        restricted=word & _RESTRICTED_BIT != 0, issue_until=word >> _ISSUE_UNTIL_SHIFT
    )


@external
@view
def is_valid(token_id: uint256) -> bool:
    """
    @notice The one read an integrator needs: the credential exists, is
            active (not suspended, revoked or burned) and has not expired.
    @param token_id The token id.
    @return bool True if valid now.
    """
    return self._status(self._tokens[token_id]) == STATUS_ACTIVE


@external
@view
def status_of(token_id: uint256) -> uint8:
    """
    @notice 0 none, 1 active, 2 suspended, 3 revoked, 4 expired, 5 burned.
            Suspension is reported before expiry: it is the issuer's act.
    @param token_id The token id.
    @return uint8 The status now.
    """
    return self._status(self._tokens[token_id])


@external
@view
def credential(token_id: uint256) -> ICredentialRegistry.Credential:
    """
    @notice The record of a credential, kept after revocation or burning.
            All zero for an id never issued.
    @param token_id The token id.
    @return Credential Holder (the last holder for a removed token), class
            id, score, expires_at (0 = never) and status as `status_of`.
    """
    word: uint256 = self._tokens[token_id]
    return ICredentialRegistry.Credential(
        holder=credential_word._holder(word),
        class_id=credential_word._class_id(word),
        score=(word >> credential_word.SCORE_SHIFT) & credential_word.SCORE_MASK,
        expires_at=credential_word._expires_at(word),
        status=self._status(word),
    )


@external
@view
def credential_words(token_ids: DynArray[uint256, 16]) -> DynArray[uint256, 16]:
    """
    @notice The raw storage words of up to 16 credentials, for contracts that
            read many at once (a pathway claim reads its parts with it).
    @dev The layout is the one documented in `utils/credential_word.vy`,
         which also decodes it: holder (bits 0..159), class id (160..191),
         expires_at (192..231), score (232..247), stored status (248..251:
         1 active, 2 suspended, 3 revoked, 5 burned; expiry is not
         applied), lock bit (255). Zero for an id never issued.
    @param token_ids The token ids.
    @return DynArray The words, in the same order.
    """
    words: DynArray[uint256, 16] = []
    for token_id: uint256 in token_ids:
        words.append(self._tokens[token_id])
    return words


@external
@view
def balanceOf(owner: address) -> uint256:
    """
    @notice Credentials held by `owner`, expired and suspended included.
    @param owner The wallet.
    @return uint256 The count.
    """
    assert owner != empty(address), "credential: zero address"
    return self._balances[owner]


@external
@view
def ownerOf(token_id: uint256) -> address:
    """
    @notice The holder of a credential that is in a wallet.
    @param token_id The token id.
    @return address The holder.
    """
    word: uint256 = self._tokens[token_id]
    self._check_held(word)
    return credential_word._holder(word)


@external
@view
def getApproved(token_id: uint256) -> address:
    """
    @notice The address approved for one credential.
    @param token_id The token id.
    @return address The approved address, or zero.
    """
    self._check_held(self._tokens[token_id])
    return self._approvals[token_id]


@external
@view
def isApprovedForAll(owner: address, operator: address) -> bool:
    """
    @notice Whether `operator` may transfer all of `owner`'s transferable
            credentials.
    @param owner The holder.
    @param operator The operator.
    @return bool True if approved.
    """
    return self._operators[owner][operator]


@external
@view
def locked(token_id: uint256) -> bool:
    """
    @notice ERC-5192: True for a soulbound credential.
    @param token_id The token id (must be in a wallet).
    @return bool True if it can never be transferred.
    """
    word: uint256 = self._tokens[token_id]
    self._check_held(word)
    return word & credential_word.LOCKED_BIT != 0


@external
@view
def tokenURI(token_id: uint256) -> String[3_717]:
    """
    @notice A live `data:application/json;base64` document, drawn by the
            renderer: name, description, external_url (the class URI),
            image (an SVG badge showing the status) and attributes for
            status, score, class, issuer and expiry. Also
            answers for a revoked or burned credential, so that explorers
            show why it left the wallet.
    @param token_id The token id.
    @return String The data URI.
    """
    word: uint256 = self._tokens[token_id]
    status: uint8 = self._status(word)
    assert status != STATUS_NONE, "credential: nonexistent token"
    class_id: uint256 = credential_word._class_id(word)
    return staticcall renderer.render(
        token_id,
        class_id,
        self._class_names[class_id],
        self._class_uris[class_id],
        self._issuer_of(self._classes[class_id]),
        status,
        (word >> credential_word.SCORE_SHIFT) & credential_word.SCORE_MASK,
        credential_word._expires_at(word),
    )


# INTERNAL: CLASSES AND ROLES #


@internal
@view
def _class_word(class_id: uint256) -> uint256:
    """
    @dev Loads a class, reverting for an unknown id.
    @param class_id The class id.
    @return uint256 The class's storage word.
    """
    word: uint256 = self._classes[class_id]
    assert word != 0, "credential: unknown class"
    return word


@internal
@view
def _operated_class(class_id: uint256) -> uint256:
    """
    @dev Loads a class the caller may manage: the caller is its issuer or
         one of the issuer's delegates, and the issuer is still registered.
    @param class_id The class id.
    @return uint256 The class's storage word.
    """
    word: uint256 = self._class_word(class_id)
    issuer: address = self._issuer_of(word)
    # Odd while the issuer holds `ISSUER_ROLE` (see `_issuers`).
    issuer_word: uint256 = self._issuers[issuer]
    if msg.sender != issuer:
        delegation: uint256 = self._delegations[issuer][msg.sender]
        # A live delegation equals the issuer's word; one named before the
        # issuer's removal says "issuer removed" while the role is gone.
        assert delegation == issuer_word or (
            delegation != 0 and issuer_word & 1 == 0
        ), "credential: not class issuer"
    assert issuer_word & 1 != 0, "credential: issuer removed"
    return word


@internal
@view
def _issuable_class(class_id: uint256) -> uint256:
    """
    @dev `_operated_class` for issuance: the class must also be active and
         its last issuance date, if any, not passed.
    @param class_id The class id.
    @return uint256 The class's storage word.
    """
    word: uint256 = self._operated_class(class_id)
    assert word & _ACTIVE_BIT != 0, "credential: class inactive"
    issue_until: uint256 = word >> _ISSUE_UNTIL_SHIFT
    assert issue_until == 0 or block.timestamp <= issue_until, "credential: issuance closed"
    return word


@internal
@view
def _expiry_of(klass: uint256) -> uint256:
    """
    @dev Expiry for a credential issued now.
    @param klass The class's storage word.
    @return uint256 block.timestamp + validity, or 0 if the class never
            expires.
    """
    validity: uint256 = (klass >> _VALIDITY_SHIFT) & _MAX_EXPIRY
    if validity == 0:
        return 0
    return block.timestamp + validity


@internal
@pure
def _issuer_of(klass: uint256) -> address:
    """
    @dev The issuer field of a class word.
    @param klass The class's storage word.
    @return address The issuer.
    """
    return convert(klass & _ADDRESS_MASK, address)


@internal
@view
def _check_text(text: String[256]):
    """
    @dev Names and URIs go into the `tokenURI` JSON verbatim, so they must
         be well-formed UTF-8 without a quote, a backslash or a control
         character. The renderer, which writes that JSON, checks (and
         reverts with the reason); the check's code lives there, not here.
    @param text The string to check.
    """
    assert staticcall renderer.check_text(text)


@internal
@view
def _check_admin():
    """
    @dev Reverts unless the caller holds `DEFAULT_ADMIN_ROLE` (governance).
    """
    assert access_control.hasRole[access_control.DEFAULT_ADMIN_ROLE][
        msg.sender
    ], "credential: not admin"


@internal
@view
def _check_receiver(klass: uint256, class_id: uint256, receiver: address):
    """
    @dev A restricted class goes only to its allowlist.
    @param klass The class's storage word.
    @param class_id The class id.
    @param receiver Who would receive a credential of the class.
    """
    if klass & _RESTRICTED_BIT != 0:
        assert self.allowlist[class_id][receiver], "credential: receiver not allowlisted"


@internal
def _revoke_role(role: bytes32, account: address):
    """
    @dev `access_control._revoke_role`, counting a removal of `ISSUER_ROLE`
         in the issuer's word, which ends its delegations.
    @param role The role.
    @param account The account.
    """
    if role == ISSUER_ROLE and access_control.hasRole[role][account]:
        # Odd to even: no delegation holds an even word.
        self._issuers[account] += 1
    access_control._revoke_role(role, account)


# INTERNAL: CREDENTIALS #


@internal
def _mint(
    klass: uint256,
    class_id: uint256,
    expires_at: uint256,
    token_id: uint256,
    to: address,
    score: uint256,
    evidence_hash: bytes32,
):
    """
    @dev Writes one credential and its events; the caller has checked the
         class and the pause flag and bumps the supply word.
    @param klass The class's storage word.
    @param class_id The class id.
    @param expires_at The expiry (0 = never).
    @param token_id The new token id.
    @param to The holder.
    @param score The score in basis points.
    @param evidence_hash The salted evidence hash.
    """
    assert to != empty(address), "credential: zero address"
    self._check_receiver(klass, class_id, to)
    assert score <= MAX_SCORE, "credential: score out of range"
    assert score >= (klass >> _MIN_SCORE_SHIFT) & 65_535, "credential: score below minimum"
    # `credential_word._pack`, inline (see the import).
    word: uint256 = (
        convert(to, uint256)
        | (class_id << credential_word.CLASS_SHIFT)
        | (expires_at << credential_word.EXPIRY_SHIFT)
        | (score << credential_word.SCORE_SHIFT)
        | (convert(STATUS_ACTIVE, uint256) << credential_word.STATUS_SHIFT)
    )
    soulbound: bool = klass & _TRANSFERABLE_BIT == 0
    if soulbound:
        word |= credential_word.LOCKED_BIT
    self._tokens[token_id] = word
    # Cannot overflow: a wallet holds at most every token ever issued, a
    # 64-bit count.
    self._balances[to] = unsafe_add(self._balances[to], 1)
    log IERC721.Transfer(sender=empty(address), receiver=to, token_id=token_id)
    if soulbound:
        log Locked(tokenId=token_id)
    log CredentialIssued(
        token_id=token_id,
        class_id=class_id,
        holder=to,
        score=score,
        expires_at=expires_at,
        evidence_hash=evidence_hash,
    )


@internal
def _revoke(token_id: uint256, word: uint256, reason: String[256]):
    """
    @dev Revokes a held or burned credential: status revoked, out of the
         wallet (a burned one left it already: not counted out twice),
         event with the reason.
    @param token_id The token id.
    @param word The credential's storage word.
    @param reason Why (required).
    """
    assert len(reason) != 0, "credential: empty reason"
    holder: address = credential_word._holder(word)
    # `credential_word._with_status`, inline (see the import).
    self._tokens[token_id] = (word & credential_word.STATUS_CLEAR) | (
        convert(STATUS_REVOKED, uint256) << credential_word.STATUS_SHIFT
    )
    if credential_word._stored_status(word) != STATUS_BURNED:
        self._remove(holder, token_id)
    log CredentialRevoked(
        token_id=token_id, class_id=credential_word._class_id(word), holder=holder, reason=reason
    )
    log IERC4906.MetadataUpdate(_tokenId=token_id)


@internal
def _remove(holder: address, token_id: uint256):
    """
    @dev Takes a revoked or burned token out of the holder's wallet, once.
    @param holder The holder.
    @param token_id The token id.
    """
    # Cannot underflow: every caller has checked that the token is held
    # (`_check_held`), so it is counted in the holder's balance.
    self._balances[holder] = unsafe_sub(self._balances[holder], 1)
    # Cannot carry into the paused bit: a token leaves a wallet at most once
    # (revoked is final; burned only turns revoked, without `_remove`), so
    # the removed count (bits 64..127) never exceeds the issued count, which
    # fits in 64 bits.
    self._supply = unsafe_add(self._supply, _REMOVED_ONE)
    log IERC721.Transfer(sender=holder, receiver=empty(address), token_id=token_id)


@internal
def _set_status(token_id: uint256, word: uint256, status: uint8):
    """
    @dev Rewrites the stored status of a credential.
    @param token_id The token id.
    @param word The credential's current storage word.
    @param status The new stored status.
    """
    # `credential_word._with_status`, inline (see the import).
    self._tokens[token_id] = (word & credential_word.STATUS_CLEAR) | (
        convert(status, uint256) << credential_word.STATUS_SHIFT
    )


@internal
def _transfer(_from: address, to: address, token_id: uint256):
    """
    @dev Every transfer path: locked tokens never move; the credential must
         be valid; the caller must be the holder, approved or an operator.
    @param _from The current holder.
    @param to The recipient.
    @param token_id The token id.
    """
    word: uint256 = self._tokens[token_id]
    assert word & credential_word.LOCKED_BIT == 0, "credential: soulbound"
    self._check_valid(word)
    holder: address = credential_word._holder(word)
    assert _from == holder, "credential: from not holder"
    assert to != empty(address), "credential: zero address"
    assert (
        msg.sender == holder
        or self._operators[holder][msg.sender]
        or self._approvals[token_id] == msg.sender
    ), "credential: not approved"
    class_id: uint256 = credential_word._class_id(word)
    self._check_receiver(self._classes[class_id], class_id, to)
    self._move(holder, to, token_id, word)


@internal
def _move(holder: address, to: address, token_id: uint256, word: uint256):
    """
    @dev Moves a credential between wallets (transfer or recovery); any
         approval is cleared.
    @param holder The current holder.
    @param to The new holder.
    @param token_id The token id.
    @param word The credential's storage word.
    """
    self._approvals[token_id] = empty(address)
    # Cannot underflow: both callers have checked that the token is held
    # (`_check_valid`, `_held_class_of`), so `holder`'s balance counts it.
    self._balances[holder] = unsafe_sub(self._balances[holder], 1)
    # Cannot overflow: a wallet holds at most every token ever issued, a
    # 64-bit count.
    self._balances[to] = unsafe_add(self._balances[to], 1)
    # `credential_word._with_holder`, inline (see the import).
    self._tokens[token_id] = (word & credential_word.HOLDER_CLEAR) | convert(to, uint256)
    log IERC721.Transfer(sender=holder, receiver=to, token_id=token_id)


@internal
@pure
def _held_class_of(word: uint256) -> uint256:
    """
    @dev The class of a credential that must be in a wallet; reverts with
         the reason it is not (never issued, revoked, burned).
    @param word The credential's storage word.
    @return uint256 The class id.
    """
    self._check_held(word)
    return credential_word._class_id(word)


@internal
@pure
def _revocable_class_of(word: uint256) -> uint256:
    """
    @dev The class of a credential that may still be revoked: in a wallet,
         or burned by its holder (burning does not escape revocation).
    @param word The credential's storage word.
    @return uint256 The class id.
    """
    status: uint8 = credential_word._stored_status(word)
    assert status != STATUS_NONE, "credential: nonexistent token"
    assert status != STATUS_REVOKED, "credential: revoked"
    return credential_word._class_id(word)


@internal
@view
def _status(word: uint256) -> uint8:
    """
    @dev The status now: expiry turns an active credential expired.
    @param word The credential's storage word.
    @return uint8 The status as `status_of` reports it.
    """
    status: uint8 = credential_word._stored_status(word)
    if status == STATUS_ACTIVE:
        expires_at: uint256 = credential_word._expires_at(word)
        if expires_at != 0 and block.timestamp >= expires_at:
            return STATUS_EXPIRED
    return status


@internal
@pure
def _check_held(word: uint256):
    """
    @dev Reverts unless the credential is in a wallet (active, suspended or
         expired), with the reason it is not.
    @param word The credential's storage word.
    """
    status: uint8 = credential_word._stored_status(word)
    assert status != STATUS_NONE, "credential: nonexistent token"
    assert status != STATUS_REVOKED, "credential: revoked"
    assert status != STATUS_BURNED, "credential: burned"


@internal
@view
def _check_valid(word: uint256):
    """
    @dev Reverts unless the credential is valid now, with the reason.
    @param word The credential's storage word.
    """
    status: uint8 = self._status(word)
    if status == STATUS_ACTIVE:
        return
    self._check_held(word)
    assert status != STATUS_SUSPENDED, "credential: suspended"
    assert status != STATUS_EXPIRED, "credential: expired"
