# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title credstack Membership
@custom:contract-name Membership
@license GNU Affero General Public License v3.0 only
@author credstack
@notice Memberships earned with credentials, never bought. A tier belongs to
        an issuer of the `CredentialRegistry` (created by it, or by
        governance for it) and lists requirement groups as pathways do: a
        group's options (a class and a minimum score) and how many of them
        are required (k of n); a pathway's output class is an option with
        required 1. A learner holding the credentials joins (`join`), or the
        tier's issuer or its delegate joins for them (`join_for`), so they
        need no gas. The membership is a soulbound ERC-721 (ERC-5192
        `locked`) with an expiry (ERC-5643's `expiresAt`, `isRenewable` and
        `SubscriptionUpdate`), one per holder per tier, renewable from 90% of
        its term by showing valid credentials again.

        There is no payable function: a membership cannot be bought, and
        perks have no cash value. Merit and money stay apart, and the token
        is not an investment.

        The credentials a membership was earned with (its parts) are stored
        with it, and every perk checks them live against the registry: a
        membership is valid while unexpired and every part is still held by
        the member, active and unexpired. A revoked, suspended or expired
        credential stops the perks at once, with no transaction.

        Perks: per tier, an allowance per period (the tier's period). The
        periods of a membership are its own: period k runs from joined_at +
        k * period (to the second) to the second before joined_at + (k + 1)
        * period, joined_at being the first join (kept by renewals). A
        member who joins gets a full allowance at once, whatever the date
        (a calendar period would give two allowances to one who joins the
        second before a boundary). A perk is redeemed by the member, or by a
        provider registered for the tier with the member's EIP-712
        signature (deadline and nonce), so the member pays no gas.

        Offers have a capacity: members book seats (one per membership, and
        one unit of the offer's perk if it names one); and a pass (a token of
        the offer's transferable pass class) sent with the registry's
        `safeTransferFrom` and the offer id as data takes a seat and is
        burned. A pass sent with plain `transferFrom` makes no callback: it
        redeems nothing, takes no seat, and stays held by this contract.

        Governance is the registry's: its `DEFAULT_ADMIN_ROLE` holder (the
        timelock). While the registry is paused, joins, renewals,
        redemptions, bookings and passes are refused.

        The membership id is `tier_id << 160 | holder`: one per holder per
        tier by construction, with no index to store.
"""


from ethereum.ercs import IERC165
implements: IERC165


# @dev The mint's `Transfer` event, as ERC-721 declares it. We do not declare
# `implements: IERC721`: every transfer and approval reverts (soulbound).
from ethereum.ercs import IERC721


# @dev The registry: credentials, classes, pause, delegates; and `burn` for
# redeemed passes.
from .interfaces import ICredentialRegistry


# @dev The registry's roles: issuers (`ISSUER_ROLE`) and governance
# (`DEFAULT_ADMIN_ROLE`).
from snekmate.auth.interfaces import IAccessControl


# @dev Decodes the registry's credential words.
from .utils import credential_word


# @dev EIP-712 for `redeem_for` is written here, not with snekmate's
# `eip712_domain_separator` (whose name and version immutables the contract
# has no room for under the size limit) and `ecdsa` (whose malformed-
# signature reverts carry its own messages): the domain is built from
# constants and the chain id (a few hundred gas), the signature recovered in
# `_signer`.


# CONSTANTS #


MAX_GROUPS: public(constant(uint256)) = 8
MAX_OPTIONS: public(constant(uint256)) = 16
MAX_PARTS: public(constant(uint256)) = 16
MAX_REQUIRED: public(constant(uint256)) = 15
MIN_PERIOD: public(constant(uint256)) = 86_400
MAX_PERIOD: public(constant(uint256)) = 2 * 365 * 86_400
_MAX_SCORE: constant(uint256) = 10_000

_ISSUER_ROLE: constant(bytes32) = keccak256("ISSUER_ROLE")
_ADMIN_ROLE: constant(bytes32) = empty(bytes32)

_DOMAIN_TYPEHASH: constant(bytes32) = keccak256(
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
_DOMAIN_NAME_HASH: constant(bytes32) = keccak256("credstack Membership")
_DOMAIN_VERSION_HASH: constant(bytes32) = keccak256("1")
_REDEEM_TYPEHASH: constant(bytes32) = keccak256(
    "Redeem(uint256 membership_id,uint256 perk_id,uint256 quantity,bytes32 ref,address provider,uint256 nonce,uint256 deadline)"
)

_SUPPORTED_INTERFACES: constant(bytes4[4]) = [
    0x01FFC9A7,  # ERC-165
    0x80AC58CD,  # ERC-721
    0x5B5E139F,  # ERC-721 metadata
    0xB45A3C0E,  # ERC-5192
]

# @dev The largest `s` of a signature (the lower half of the curve order,
# EIP-2): the other half would let a signature be given in two forms.
_MAX_S: constant(uint256) = (
    57_896_044_618_658_097_711_785_492_504_343_953_926_418_782_139_537_452_191_302_581_570_759_080_747_168
)

_ADDRESS_MASK: constant(uint256) = (1 << 160) - 1
_U32: constant(uint256) = (1 << 32) - 1
_U40: constant(uint256) = (1 << 40) - 1
_U48: constant(uint256) = (1 << 48) - 1
_HOLDER_STATUS_MASK: constant(uint256) = credential_word.HOLDER_MASK | (
    credential_word.STATUS_MASK << credential_word.STATUS_SHIFT
)

# @dev A tier's first word:
#   bits   0..159  issuer
#   bits 160..191  period in seconds
#   bit    192     active
#   bits 193..196  number of groups
#   bits 197..201  number of options
#   bits 202..233  required count of group g in bits 202 + 4g .. 205 + 4g
# and the options five to a word in words 1..4: an option is its class id
# (32 bits), minimum score (14) and group (3), 49 bits.
_PERIOD_SHIFT: constant(uint256) = 160
_ACTIVE_BIT: constant(uint256) = 1 << 192
_GROUPS_SHIFT: constant(uint256) = 193
_OPTIONS_SHIFT: constant(uint256) = 197
_REQUIRED_SHIFT: constant(uint256) = 202
_PER_WORD: constant(uint256) = 5
_OPTION_BITS: constant(uint256) = 49
_OPTION_MASK: constant(uint256) = (1 << 49) - 1
_MIN_SCORE_SHIFT: constant(uint256) = 32
_MIN_SCORE_MASK: constant(uint256) = (1 << 14) - 1
_GROUP_SHIFT: constant(uint256) = 46

# @dev A membership's word:
#   bits   0..39   expires_at
#   bits  40..79   joined_at (the first join; the periods count from it)
#   bits  80..84   number of parts
#   bits  85..228  parts 0..2, 48 bits each (token ids)
# and parts 3.. five to a word (48 bits each) in `_more_parts`.
_JOINED_SHIFT: constant(uint256) = 40
_COUNT_SHIFT: constant(uint256) = 80
_PARTS_SHIFT: constant(uint256) = 85
_HEAD_PARTS: constant(uint256) = 3
_PART_BITS: constant(uint256) = 48

# @dev An account's word: bits 0..63 memberships held (`balanceOf`), bits
# 64.. the EIP-712 nonce (`nonces`). One slot, so the first redemption by
# signature finds it written by the join.
_NONCE_SHIFT: constant(uint256) = 64
_U64: constant(uint256) = (1 << 64) - 1

# @dev A perk's word: tier id (32 bits), allowance per period (32), the
# tier's period (32, copied so a redemption need not read the tier).
_ALLOWANCE_SHIFT: constant(uint256) = 32
_PERK_PERIOD_SHIFT: constant(uint256) = 64

# @dev Usage of a perk by a membership: bits 0..31 the period index, bits
# 32.. the quantity used in it. One slot, overwritten when a new period
# starts.
_USED_SHIFT: constant(uint256) = 32

# @dev An offer's word: tier id, perk id, pass class, capacity, seats taken,
# 32 bits each.
_OFFER_PERK_SHIFT: constant(uint256) = 32
_OFFER_PASS_SHIFT: constant(uint256) = 64
_CAPACITY_SHIFT: constant(uint256) = 96
_TAKEN_SHIFT: constant(uint256) = 128


# STRUCTS #


struct Option:
    class_id: uint256
    min_score: uint256
    group: uint256


struct TierInfo:
    issuer: address
    period: uint256
    active: bool
    required: DynArray[uint256, MAX_GROUPS]
    options: DynArray[Option, MAX_OPTIONS]


struct MembershipInfo:
    holder: address
    tier_id: uint256
    joined_at: uint256
    expires_at: uint256
    parts: DynArray[uint256, MAX_PARTS]


struct PerkInfo:
    tier_id: uint256
    allowance: uint256
    period: uint256


struct OfferInfo:
    tier_id: uint256
    perk_id: uint256
    pass_class: uint256
    capacity: uint256
    taken: uint256
    provider: address


# STATE #


registry: public(immutable(ICredentialRegistry))

tier_count: public(uint256)
# @dev tier id => word index => word (index 0: the first word).
_tiers: HashMap[uint256, HashMap[uint256, uint256]]

# @dev membership id => its word (0: none).
_memberships: HashMap[uint256, uint256]
# @dev membership id => word index (1..) => five further parts.
_more_parts: HashMap[uint256, HashMap[uint256, uint256]]

# @dev account => memberships held | nonce << 64.
_accounts: HashMap[address, uint256]

perk_count: public(uint256)
_perks: HashMap[uint256, uint256]
# @dev membership id => perk id => period index | used << 32.
_usage: HashMap[uint256, HashMap[uint256, uint256]]

# @dev tier id => account => registered provider.
is_provider: public(HashMap[uint256, HashMap[address, bool]])

offer_count: public(uint256)
_offers: HashMap[uint256, uint256]
_offer_providers: HashMap[uint256, address]
# @dev offer id => membership id => booked.
booked: public(HashMap[uint256, HashMap[uint256, bool]])


# EVENTS #


event TierCreated:
    tier_id: indexed(uint256)
    issuer: indexed(address)
    name: String[64]
    period: uint256
    required: DynArray[uint256, MAX_GROUPS]
    options: DynArray[Option, MAX_OPTIONS]


event TierActiveChanged:
    tier_id: indexed(uint256)
    active: bool


# @dev `parts` are the credentials the membership was earned with, increasing.
event Joined:
    membership_id: indexed(uint256)
    tier_id: indexed(uint256)
    holder: indexed(address)
    expires_at: uint256
    parts: DynArray[uint256, MAX_PARTS]


# @dev Also logged by a `join` that renews an expired membership.
event Renewed:
    membership_id: indexed(uint256)
    tier_id: indexed(uint256)
    holder: indexed(address)
    expires_at: uint256
    parts: DynArray[uint256, MAX_PARTS]


# @dev ERC-5643.
event SubscriptionUpdate:
    tokenId: indexed(uint256)
    expiration: uint64


# @dev ERC-5192.
event Locked:
    tokenId: uint256


event PerkAdded:
    tier_id: indexed(uint256)
    perk_id: indexed(uint256)
    name: String[64]
    allowance: uint256


event ProviderSet:
    tier_id: indexed(uint256)
    provider: indexed(address)
    allowed: bool


# @dev `provider` is the zero address for a redemption sent by the member;
# `period` is the membership's period index.
event PerkRedeemed:
    membership_id: indexed(uint256)
    perk_id: indexed(uint256)
    member: indexed(address)
    tier_id: uint256
    quantity: uint256
    provider: address
    ref: bytes32
    period: uint256


event OfferCreated:
    offer_id: indexed(uint256)
    tier_id: indexed(uint256)
    perk_id: uint256
    pass_class: uint256
    capacity: uint256
    provider: address


event OfferBooked:
    offer_id: indexed(uint256)
    membership_id: indexed(uint256)
    member: indexed(address)
    ref: bytes32
    seats_left: uint256


event PassRedeemed:
    offer_id: indexed(uint256)
    token_id: indexed(uint256)
    holder: indexed(address)
    class_id: uint256
    seats_left: uint256


@deploy
def __init__(registry_: address):
    """
    @param registry_ The `CredentialRegistry` whose credentials earn
           memberships, whose roles govern this contract, and whose passes
           it redeems.
    """
    assert registry_.is_contract, "membership: registry not a contract"
    registry = ICredentialRegistry(registry_)


# TIERS #


@external
def create_tier(
    name: String[64],
    period: uint256,
    required: DynArray[uint256, MAX_GROUPS],
    options: DynArray[Option, MAX_OPTIONS],
) -> uint256:
    """
    @notice Creates a tier, active at once, with the caller (an issuer) as
            its issuer.
    @param name The tier's name, for people (logged, not stored).
    @param period The term and the perks' period, in seconds: one day to
           two years.
    @param required For each group, how many of its options are needed.
    @param options Each option's class, minimum score and group. Soulbound
           classes only; any issuer's.
    @return uint256 The tier id.
    """
    assert self._is_issuer(msg.sender), "membership: not issuer"
    return self._create_tier(msg.sender, name, period, required, options)


@external
def create_tier_for(
    issuer: address,
    name: String[64],
    period: uint256,
    required: DynArray[uint256, MAX_GROUPS],
    options: DynArray[Option, MAX_OPTIONS],
) -> uint256:
    """
    @notice Governance creates a tier for an issuer (who must hold
            `ISSUER_ROLE`); as `create_tier` otherwise.
    @param issuer The tier's issuer.
    @param name The tier's name (logged).
    @param period The term, in seconds.
    @param required For each group, how many of its options are needed.
    @param options The options.
    @return uint256 The tier id.
    """
    assert self._is_governance(msg.sender), "membership: not governance"
    assert self._is_issuer(issuer), "membership: not issuer"
    return self._create_tier(issuer, name, period, required, options)


@external
def set_tier_active(tier_id: uint256, active: bool):
    """
    @notice Opens or closes a tier for joins and renewals (memberships run
            on to their expiry). Its issuer or governance.
    @param tier_id The tier id.
    @param active True to open.
    """
    head: uint256 = self._tier_head(tier_id)
    self._check_manager(head)
    if active:
        head |= _ACTIVE_BIT
    else:
        head &= ~_ACTIVE_BIT
    self._tiers[tier_id][0] = head
    log TierActiveChanged(tier_id=tier_id, active=active)


# JOIN AND RENEW #


@external
def join(tier_id: uint256, token_ids: DynArray[uint256, MAX_PARTS]) -> uint256:
    """
    @notice The caller joins a tier with credentials they hold. An expired
            membership of the tier is renewed instead.
    @param tier_id The tier id.
    @param token_ids The qualifying credentials, increasing.
    @return uint256 The membership id.
    """
    return self._join(tier_id, msg.sender, token_ids)


@external
def join_for(tier_id: uint256, holder: address, token_ids: DynArray[uint256, MAX_PARTS]) -> uint256:
    """
    @notice The tier's issuer or its delegate joins for a learner, who needs
            no gas.
    @param tier_id The tier id.
    @param holder The learner.
    @param token_ids The learner's qualifying credentials, increasing.
    @return uint256 The membership id.
    """
    head: uint256 = self._tier_head(tier_id)
    self._check_issuer_or_delegate(head)
    return self._join(tier_id, holder, token_ids)


@external
def renew(membership_id: uint256, token_ids: DynArray[uint256, MAX_PARTS]):
    """
    @notice Renews a membership from 90% of its term (`expires_at - period
            // 10`) on, or after it expired, with credentials valid now. The
            new expiry is max(now, expires_at) + period. The holder, or the
            tier's issuer or its delegate.
    @param membership_id The membership id.
    @param token_ids The qualifying credentials, increasing.
    """
    word: uint256 = self._membership_word(membership_id)
    holder: address = convert(membership_id & _ADDRESS_MASK, address)
    tier_id: uint256 = membership_id >> 160
    head: uint256 = self._tiers[tier_id][0]
    if msg.sender != holder:
        self._check_issuer_or_delegate(head)
    period: uint256 = (head >> _PERIOD_SHIFT) & _U32
    expires_at: uint256 = word & _U40
    assert block.timestamp + period // 10 >= expires_at, "membership: too early to renew"
    self._check_join(tier_id, head, holder, token_ids)
    expires_at = max(block.timestamp, expires_at) + period
    self._store(membership_id, (word >> _JOINED_SHIFT) & _U40, expires_at, token_ids)
    log Renewed(
        membership_id=membership_id, tier_id=tier_id, holder=holder, expires_at=expires_at, parts=token_ids
    )
    log SubscriptionUpdate(tokenId=membership_id, expiration=convert(expires_at, uint64))


# PERKS #


@external
def add_perk(tier_id: uint256, name: String[64], allowance: uint256) -> uint256:
    """
    @notice Adds a perk to a tier: `allowance` units per period (the tier's
            period), reset each period, no cash value. The tier's issuer or
            governance.
    @param tier_id The tier id.
    @param name The perk's name, for people (logged, not stored).
    @param allowance Units per period, 1 to 2**32 - 1.
    @return uint256 The perk id.
    """
    head: uint256 = self._tier_head(tier_id)
    self._check_manager(head)
    assert allowance != 0 and allowance <= _U32, "membership: bad allowance"
    perk_id: uint256 = self.perk_count + 1
    self.perk_count = perk_id
    self._perks[perk_id] = (
        tier_id | (allowance << _ALLOWANCE_SHIFT) | (((head >> _PERIOD_SHIFT) & _U32) << _PERK_PERIOD_SHIFT)
    )
    log PerkAdded(tier_id=tier_id, perk_id=perk_id, name=name, allowance=allowance)
    return perk_id


@external
def set_provider(tier_id: uint256, provider: address, allowed: bool):
    """
    @notice Registers a provider (a mentor, a workshop host) for a tier, who
            may then send redemptions signed by members; or removes one. The
            tier's issuer or governance.
    @param tier_id The tier id.
    @param provider The provider's address.
    @param allowed True to register, False to remove.
    """
    self._check_manager(self._tier_head(tier_id))
    assert provider != empty(address), "membership: zero address"
    self.is_provider[tier_id][provider] = allowed
    log ProviderSet(tier_id=tier_id, provider=provider, allowed=allowed)


@external
def redeem(membership_id: uint256, perk_id: uint256, quantity: uint256, ref: bytes32):
    """
    @notice The member redeems `quantity` units of a perk in the current
            period. The membership must be valid now (see `is_valid`).
    @param membership_id The membership id.
    @param perk_id The perk id (of the membership's tier).
    @param quantity Units, at most what is left of the period's allowance.
    @param ref A reference hash (a booking, a session; no personal data).
    """
    assert msg.sender == convert(membership_id & _ADDRESS_MASK, address), "membership: not member"
    self._use(membership_id, perk_id, quantity, ref, empty(address))


@external
def redeem_for(
    membership_id: uint256,
    perk_id: uint256,
    quantity: uint256,
    ref: bytes32,
    deadline: uint256,
    signature: Bytes[65],
):
    """
    @notice A provider registered for the tier redeems for a member, with
            the member's EIP-712 signature of Redeem(membership_id, perk_id,
            quantity, ref, provider = the caller, nonce = `nonces(member)`,
            deadline); the member pays no gas. A signature is used once (the
            nonce moves on), until `deadline` (inclusive).
    @param membership_id The membership id.
    @param perk_id The perk id.
    @param quantity Units.
    @param ref A reference hash.
    @param deadline The last second the signature is accepted.
    @param signature The member's signature: r, s, v (65 bytes; s in the
           lower half of the curve order, v 27 or 28).
    """
    assert self.is_provider[membership_id >> 160][msg.sender], "membership: not provider"
    assert block.timestamp <= deadline, "membership: signature expired"
    member: address = convert(membership_id & _ADDRESS_MASK, address)
    account: uint256 = self._accounts[member]
    self._check_signature(
        member,
        account,
        keccak256(
            abi_encode(
                _REDEEM_TYPEHASH,
                membership_id,
                perk_id,
                quantity,
                ref,
                msg.sender,
                account >> _NONCE_SHIFT,
                deadline,
            )
        ),
        signature,
    )
    self._use(membership_id, perk_id, quantity, ref, msg.sender)


@external
@view
def nonces(member: address) -> uint256:
    """
    @notice The nonce the member's next `redeem_for` signature must carry.
    @param member The member.
    @return uint256 The nonce.
    """
    return self._accounts[member] >> _NONCE_SHIFT


@external
@view
def DOMAIN_SEPARATOR() -> bytes32:
    """
    @notice The EIP-712 domain separator ("credstack Membership", "1", the
            chain id, this contract).
    @return bytes32 The separator.
    """
    return self._domain_separator()


@external
@view
def perk(perk_id: uint256) -> PerkInfo:
    """
    @notice A perk; reverts for an unknown id.
    @param perk_id The perk id.
    @return PerkInfo Its tier, allowance per period and the period.
    """
    word: uint256 = self._perks[perk_id]
    assert word != 0, "membership: unknown perk"
    return PerkInfo(
        tier_id=word & _U32,
        allowance=(word >> _ALLOWANCE_SHIFT) & _U32,
        period=(word >> _PERK_PERIOD_SHIFT) & _U32,
    )


@external
@view
def period_of(membership_id: uint256) -> uint256:
    """
    @notice The membership's current period index: (now - joined_at) //
            period.
    @param membership_id The membership id.
    @return uint256 The index.
    """
    word: uint256 = self._membership_word(membership_id)
    head: uint256 = self._tiers[membership_id >> 160][0]
    return (block.timestamp - ((word >> _JOINED_SHIFT) & _U40)) // ((head >> _PERIOD_SHIFT) & _U32)


@external
@view
def used(membership_id: uint256, perk_id: uint256) -> uint256:
    """
    @notice Units of a perk the membership used in the current period
            (earlier periods: the `PerkRedeemed` events); what is left is
            the perk's allowance less this.
    @param membership_id The membership id.
    @param perk_id The perk id.
    @return uint256 The units used.
    """
    return self._used_now(membership_id, perk_id)


# OFFERS AND PASSES #


@external
def create_offer(
    tier_id: uint256, perk_id: uint256, pass_class: uint256, capacity: uint256, provider: address
) -> uint256:
    """
    @notice An offer of the tier (a workshop with 20 seats, a mentor's
            hours) with a capacity. Members book seats (`book`); if it names
            a perk, each booking uses one unit of it. If it names a pass
            class, a pass of it sent with the registry's `safeTransferFrom`
            takes a seat and is burned. The tier's issuer or governance.
    @param tier_id The tier id.
    @param perk_id A perk of the tier, or 0 for none.
    @param pass_class A transferable class whose tokens are passes, or 0.
    @param capacity Seats, 1 to 2**32 - 1.
    @param provider Who delivers it: a provider registered for the tier.
    @return uint256 The offer id.
    """
    self._check_manager(self._tier_head(tier_id))
    assert capacity != 0 and capacity <= _U32, "membership: bad capacity"
    if perk_id != 0:
        perk: uint256 = self._perks[perk_id]
        assert perk != 0, "membership: unknown perk"
        assert perk & _U32 == tier_id, "membership: perk not in tier"
    if pass_class != 0:
        # Class ids fit 32 bits (an unknown one reverts in `_transferable`).
        assert self._transferable(pass_class), "membership: pass not transferable"
    assert self.is_provider[tier_id][provider], "membership: not provider"
    offer_id: uint256 = self.offer_count + 1
    self.offer_count = offer_id
    # A perk id is at most `perk_count`, far below 2**32.
    self._offers[offer_id] = (
        tier_id
        | (perk_id << _OFFER_PERK_SHIFT)
        | (pass_class << _OFFER_PASS_SHIFT)
        | (capacity << _CAPACITY_SHIFT)
    )
    self._offer_providers[offer_id] = provider
    log OfferCreated(
        offer_id=offer_id,
        tier_id=tier_id,
        perk_id=perk_id,
        pass_class=pass_class,
        capacity=capacity,
        provider=provider,
    )
    return offer_id


@external
def book(offer_id: uint256, membership_id: uint256, ref: bytes32):
    """
    @notice The member books a seat: one per membership per offer, while
            seats are left, the membership valid now, and one unit of the
            offer's perk (if any) left in the period.
    @param offer_id The offer id.
    @param membership_id The member's membership of the offer's tier.
    @param ref A reference hash.
    """
    assert msg.sender == convert(membership_id & _ADDRESS_MASK, address), "membership: not member"
    self._book(offer_id, membership_id, ref)


@external
def onERC721Received(operator: address, sender: address, token_id: uint256, data: Bytes[1_024]) -> bytes4:
    """
    @notice Redeems a pass: the registry calls this from `safeTransferFrom`
            to this contract with `data` = abi-encoded offer id. The pass
            must be of the offer's pass class, a seat must be left; the
            redemption is recorded and the pass burned (this contract now
            holds it). Anything else reverts, and the transfer with it.
    @param operator Who called `safeTransferFrom` (the holder or an
           approved account).
    @param sender The pass's holder, who redeems it.
    @param token_id The pass.
    @param data The offer id, abi-encoded (32 bytes).
    @return bytes4 The ERC-721 receiver selector.
    """
    assert msg.sender == registry.address, "membership: not registry"
    assert len(data) == 32, "membership: bad offer data"
    offer_id: uint256 = extract32(data, 0, output_type=uint256)
    offer: uint256 = self._offers[offer_id]
    assert offer != 0, "membership: unknown offer"
    assert not staticcall registry.paused(), "membership: paused"
    class_id: uint256 = (staticcall registry.credential(token_id)).class_id
    pass_class: uint256 = (offer >> _OFFER_PASS_SHIFT) & _U32
    assert pass_class != 0 and class_id == pass_class, "membership: not a pass for offer"
    taken: uint256 = (offer >> _TAKEN_SHIFT) & _U32
    capacity: uint256 = (offer >> _CAPACITY_SHIFT) & _U32
    assert taken < capacity, "membership: offer full"
    self._offers[offer_id] = offer + (1 << _TAKEN_SHIFT)
    extcall registry.burn(token_id)
    log PassRedeemed(
        offer_id=offer_id,
        token_id=token_id,
        holder=sender,
        class_id=class_id,
        seats_left=unsafe_sub(unsafe_sub(capacity, taken), 1),
    )
    return method_id("onERC721Received(address,address,uint256,bytes)", output_type=bytes4)


@external
def return_token(token_id: uint256, to: address):
    """
    @notice Governance sends back a registry token this contract holds
            without having redeemed it (a pass sent with plain
            `transferFrom`, which makes no callback).
    @param token_id The token id.
    @param to The recipient (its holder before).
    """
    assert self._is_governance(msg.sender), "membership: not governance"
    extcall IERC721(registry.address).transferFrom(self, to, token_id)


@external
@view
def offer(offer_id: uint256) -> OfferInfo:
    """
    @notice An offer; reverts for an unknown id.
    @param offer_id The offer id.
    @return OfferInfo Tier, perk, pass class, capacity, seats taken, provider.
    """
    word: uint256 = self._offers[offer_id]
    assert word != 0, "membership: unknown offer"
    return OfferInfo(
        tier_id=word & _U32,
        perk_id=(word >> _OFFER_PERK_SHIFT) & _U32,
        pass_class=(word >> _OFFER_PASS_SHIFT) & _U32,
        capacity=(word >> _CAPACITY_SHIFT) & _U32,
        taken=(word >> _TAKEN_SHIFT) & _U32,
        provider=self._offer_providers[offer_id],
    )


# VALIDITY #


@external
@view
def is_valid(membership_id: uint256) -> bool:
    """
    @notice Whether the membership grants perks now: unexpired, and every
            credential it was earned with still held by the member, active
            and unexpired (read live from the registry).
    @param membership_id The membership id.
    @return bool True if valid now.
    """
    word: uint256 = self._memberships[membership_id]
    if word == 0 or block.timestamp >= word & _U40:
        return False
    return self._parts_valid(membership_id, word)


@external
@view
def membership(membership_id: uint256) -> MembershipInfo:
    """
    @notice A membership's record; reverts for an unknown id.
    @param membership_id The membership id.
    @return MembershipInfo Holder, tier, joined_at, expires_at and parts.
    """
    word: uint256 = self._membership_word(membership_id)
    return MembershipInfo(
        holder=convert(membership_id & _ADDRESS_MASK, address),
        tier_id=membership_id >> 160,
        joined_at=(word >> _JOINED_SHIFT) & _U40,
        expires_at=word & _U40,
        parts=self._parts(membership_id, word),
    )


@external
@pure
def membership_id(tier_id: uint256, holder: address) -> uint256:
    """
    @notice The id a holder's membership of a tier has (or would have).
    @param tier_id The tier id.
    @param holder The holder.
    @return uint256 tier_id << 160 | holder.
    """
    return (tier_id << 160) | convert(holder, uint256)


@external
@view
def tier(tier_id: uint256) -> TierInfo:
    """
    @notice A tier's rules; reverts for an unknown id.
    @param tier_id The tier id.
    @return TierInfo Issuer, period, active, required counts and options.
    """
    head: uint256 = self._tier_head(tier_id)
    required: DynArray[uint256, MAX_GROUPS] = []
    for g: uint256 in range((head >> _GROUPS_SHIFT) & 15, bound=MAX_GROUPS):
        required.append((head >> (_REQUIRED_SHIFT + 4 * g)) & 15)
    options: DynArray[Option, MAX_OPTIONS] = []
    packed: uint256 = 0
    for i: uint256 in range((head >> _OPTIONS_SHIFT) & 31, bound=MAX_OPTIONS):
        if i % _PER_WORD == 0:
            packed = self._tiers[tier_id][1 + i // _PER_WORD]
        option: uint256 = packed & _OPTION_MASK
        packed >>= _OPTION_BITS
        options.append(
            Option(
                class_id=option & _U32,
                min_score=(option >> _MIN_SCORE_SHIFT) & _MIN_SCORE_MASK,
                group=option >> _GROUP_SHIFT,
            )
        )
    return TierInfo(
        issuer=convert(head & _ADDRESS_MASK, address),
        period=(head >> _PERIOD_SHIFT) & _U32,
        active=head & _ACTIVE_BIT != 0,
        required=required,
        options=options,
    )


# ERC-721 (SOULBOUND), ERC-5192, ERC-5643 #


@external
@view
def name() -> String[25]:
    """
    @notice The collection's name.
    @return String The name.
    """
    return "credstack Membership"


@external
@view
def symbol() -> String[5]:
    """
    @notice The collection's symbol.
    @return String The symbol.
    """
    return "CSMEM"


@external
@view
def supportsInterface(interface_id: bytes4) -> bool:
    """
    @notice ERC-165: ERC-165, ERC-721, its metadata extension and ERC-5192.
            Not ERC-5643: its `renewSubscription` is payable and
            `cancelSubscription` has no meaning here, so we implement its
            `expiresAt`, `isRenewable` and `SubscriptionUpdate` without
            claiming the interface.
    @param interface_id The 4-byte interface identifier.
    @return bool True if supported.
    """
    return interface_id in _SUPPORTED_INTERFACES


@external
@view
def balanceOf(owner: address) -> uint256:
    """
    @notice Memberships held (expired ones included: the token stays).
    @param owner The account.
    @return uint256 The count.
    """
    assert owner != empty(address), "membership: zero address"
    return self._accounts[owner] & _U64


@external
@view
def ownerOf(token_id: uint256) -> address:
    """
    @notice The holder of a membership.
    @param token_id The membership id.
    @return address The holder.
    """
    self._membership_word(token_id)
    return convert(token_id & _ADDRESS_MASK, address)


@external
@view
def getApproved(token_id: uint256) -> address:
    """
    @notice Always the zero address: memberships cannot be approved.
    @param token_id The membership id.
    @return address The zero address.
    """
    self._membership_word(token_id)
    return empty(address)


@external
@view
def isApprovedForAll(owner: address, operator: address) -> bool:
    """
    @notice Always False: memberships cannot be approved.
    @param owner The holder.
    @param operator The operator.
    @return bool False.
    """
    return False


@external
def approve(to: address, token_id: uint256):
    """
    @notice Refused: memberships are soulbound.
    @param to Unused.
    @param token_id Unused.
    """
    self._soulbound()


@external
def setApprovalForAll(operator: address, approved: bool):
    """
    @notice Refused: memberships are soulbound.
    @param operator Unused.
    @param approved Unused.
    """
    self._soulbound()


@external
def transferFrom(_from: address, to: address, token_id: uint256):
    """
    @notice Refused: memberships are soulbound.
    @param _from Unused.
    @param to Unused.
    @param token_id Unused.
    """
    self._soulbound()


@external
def safeTransferFrom(_from: address, to: address, token_id: uint256, data: Bytes[1_024] = b""):
    """
    @notice Refused: memberships are soulbound.
    @param _from Unused.
    @param to Unused.
    @param token_id Unused.
    @param data Unused.
    """
    self._soulbound()


@external
@view
def locked(token_id: uint256) -> bool:
    """
    @notice ERC-5192: always True for a membership.
    @param token_id The membership id.
    @return bool True.
    """
    self._membership_word(token_id)
    return True


@external
@view
def expiresAt(token_id: uint256) -> uint64:
    """
    @notice ERC-5643: the membership's expiry (it is valid up to the second
            before).
    @param token_id The membership id.
    @return uint64 The expiry, a Unix time.
    """
    return convert(self._membership_word(token_id) & _U40, uint64)


@external
@view
def isRenewable(token_id: uint256) -> bool:
    """
    @notice ERC-5643: whether `renew` would accept the timing now (from 90%
            of the term on, or expired) and the tier is open; credentials are
            checked by `renew` itself.
    @param token_id The membership id.
    @return bool True if renewable now.
    """
    word: uint256 = self._membership_word(token_id)
    head: uint256 = self._tiers[token_id >> 160][0]
    period: uint256 = (head >> _PERIOD_SHIFT) & _U32
    return head & _ACTIVE_BIT != 0 and block.timestamp + period // 10 >= word & _U40


@external
@view
def tokenURI(token_id: uint256) -> String[400]:
    """
    @notice A data URI with the membership as JSON: tier, expiry, and
            whether it is valid now.
    @param token_id The membership id.
    @return String The URI.
    """
    word: uint256 = self._membership_word(token_id)
    expires_at: uint256 = word & _U40
    valid: String[5] = "false"
    if block.timestamp < expires_at and self._parts_valid(token_id, word):
        valid = "true"
    return concat(
        'data:application/json;utf8,{"name":"credstack membership","tier_id":',
        uint2str(token_id >> 160),
        ',"expires_at":',
        uint2str(expires_at),
        ',"valid":',
        valid,
        "}",
    )


# INTERNAL #


@internal
def _book(offer_id: uint256, membership_id: uint256, ref: bytes32):
    """
    @dev A booking: the offer of the membership's tier, not booked by it
         before, a seat left; the membership valid now (and a unit of the
         offer's perk, through `_use`, which logs `PerkRedeemed` with the
         offer's provider).
    @param offer_id The offer id.
    @param membership_id The membership id.
    @param ref The reference hash.
    """
    offer: uint256 = self._offers[offer_id]
    assert offer != 0, "membership: unknown offer"
    assert offer & _U32 == membership_id >> 160, "membership: offer not in tier"
    assert not self.booked[offer_id][membership_id], "membership: already booked"
    taken: uint256 = (offer >> _TAKEN_SHIFT) & _U32
    capacity: uint256 = (offer >> _CAPACITY_SHIFT) & _U32
    assert taken < capacity, "membership: offer full"
    perk_id: uint256 = (offer >> _OFFER_PERK_SHIFT) & _U32
    if perk_id != 0:
        self._use(membership_id, perk_id, 1, ref, self._offer_providers[offer_id])
    else:
        assert not staticcall registry.paused(), "membership: paused"
        self._valid_word(membership_id)
    self.booked[offer_id][membership_id] = True
    self._offers[offer_id] = offer + (1 << _TAKEN_SHIFT)
    log OfferBooked(
        offer_id=offer_id,
        membership_id=membership_id,
        member=convert(membership_id & _ADDRESS_MASK, address),
        ref=ref,
        seats_left=unsafe_sub(unsafe_sub(capacity, taken), 1),
    )


@internal
@view
def _used_now(membership_id: uint256, perk_id: uint256) -> uint256:
    """
    @dev Units of a perk used in the membership's current period.
    @param membership_id The membership id.
    @param perk_id The perk id.
    @return uint256 The units.
    """
    word: uint256 = self._membership_word(membership_id)
    perk: uint256 = self._perks[perk_id]
    assert perk != 0, "membership: unknown perk"
    index: uint256 = (block.timestamp - ((word >> _JOINED_SHIFT) & _U40)) // (
        (perk >> _PERK_PERIOD_SHIFT) & _U32
    )
    usage: uint256 = self._usage[membership_id][perk_id]
    if usage & _U32 != index:
        return 0
    return usage >> _USED_SHIFT


@internal
def _use(membership_id: uint256, perk_id: uint256, quantity: uint256, ref: bytes32, provider: address):
    """
    @dev A redemption: the membership valid now (unexpired, every part
         valid, live), the perk of its tier, and the quantity within what is
         left of the period's allowance. The usage word is overwritten when
         a new period starts.
    @param membership_id The membership id.
    @param perk_id The perk id.
    @param quantity Units.
    @param ref The reference hash.
    @param provider Who sent it (zero: the member).
    """
    assert not staticcall registry.paused(), "membership: paused"
    perk: uint256 = self._perks[perk_id]
    assert perk != 0, "membership: unknown perk"
    tier_id: uint256 = membership_id >> 160
    assert perk & _U32 == tier_id, "membership: perk not in tier"
    assert quantity != 0, "membership: zero quantity"
    word: uint256 = self._valid_word(membership_id)
    index: uint256 = (block.timestamp - ((word >> _JOINED_SHIFT) & _U40)) // (
        (perk >> _PERK_PERIOD_SHIFT) & _U32
    )
    usage: uint256 = self._usage[membership_id][perk_id]
    used: uint256 = 0
    if usage & _U32 == index:
        used = usage >> _USED_SHIFT
    # `used` never exceeds the allowance, so the subtraction cannot underflow.
    assert quantity <= ((perk >> _ALLOWANCE_SHIFT) & _U32) - used, "membership: allowance used up"
    self._usage[membership_id][perk_id] = index | ((used + quantity) << _USED_SHIFT)
    log PerkRedeemed(
        membership_id=membership_id,
        perk_id=perk_id,
        member=convert(membership_id & _ADDRESS_MASK, address),
        tier_id=tier_id,
        quantity=quantity,
        provider=provider,
        ref=ref,
        period=index,
    )


@internal
def _check_signature(member: address, account: uint256, struct_hash: bytes32, signature: Bytes[65]):
    """
    @dev Reverts unless `member` signed the typed data (EIP-712, this
         contract's domain); then moves the member's nonce on.
    @param member The member.
    @param account The member's account word (balance | nonce << 64).
    @param struct_hash The hash of the typed struct, with the nonce in it.
    @param signature r, s, v.
    """
    digest: bytes32 = keccak256(concat(b"\x19\x01", self._domain_separator(), struct_hash))
    signer: address = self._signer(digest, signature)
    assert signer == member and signer != empty(address), "membership: bad signature"
    # Cannot overflow: a nonce moves by one per signature.
    self._accounts[member] = unsafe_add(account, 1 << _NONCE_SHIFT)


@internal
@view
def _domain_separator() -> bytes32:
    """
    @dev The EIP-712 domain separator: name "credstack Membership", version
         "1", this chain, this contract.
    @return bytes32 The separator.
    """
    return keccak256(abi_encode(_DOMAIN_TYPEHASH, _DOMAIN_NAME_HASH, _DOMAIN_VERSION_HASH, chain.id, self))


@internal
@view
def _transferable(class_id: uint256) -> bool:
    """
    @dev Whether a class is transferable; the registry reverts with
         "credential: unknown class" for an unknown id.
    @param class_id The class id.
    @return bool The class's transferable flag.
    """
    return (staticcall registry.class_info(class_id)).transferable


@internal
@pure
def _signer(digest: bytes32, signature: Bytes[65]) -> address:
    """
    @dev The signer of `digest`, or the zero address for a malformed
         signature (not 65 bytes, `s` in the upper half, `v` not 27 or 28)
         or one `ecrecover` cannot recover.
    @param digest The EIP-712 digest.
    @param signature r, s, v.
    @return address The signer, or zero.
    """
    if len(signature) != 65:
        return empty(address)
    r: uint256 = extract32(signature, 0, output_type=uint256)
    s: uint256 = extract32(signature, 32, output_type=uint256)
    v: uint256 = convert(slice(signature, 64, 1), uint256)
    if s > _MAX_S or (v != 27 and v != 28):
        return empty(address)
    return ecrecover(digest, v, r, s)


@internal
@view
def _valid_word(membership_id: uint256) -> uint256:
    """
    @dev A membership's word, reverting unless it is valid now.
    @param membership_id The membership id.
    @return uint256 The word.
    """
    word: uint256 = self._membership_word(membership_id)
    assert block.timestamp < word & _U40, "membership: expired"
    assert self._parts_valid(membership_id, word), "membership: credential invalid"
    return word


@internal
@pure
def _soulbound():
    """
    @dev Every transfer and approval: refused.
    """
    raise "membership: soulbound"


@internal
@view
def _is_issuer(account: address) -> bool:
    """
    @dev Whether `account` holds the registry's `ISSUER_ROLE`.
    @param account The account.
    @return bool True if it does.
    """
    return staticcall IAccessControl(registry.address).hasRole(_ISSUER_ROLE, account)


@internal
@view
def _is_governance(account: address) -> bool:
    """
    @dev Whether `account` holds the registry's `DEFAULT_ADMIN_ROLE`.
    @param account The account.
    @return bool True if it does.
    """
    return staticcall IAccessControl(registry.address).hasRole(_ADMIN_ROLE, account)


@internal
@view
def _check_manager(head: uint256):
    """
    @dev Reverts unless the caller manages the tier: its issuer (still
         holding `ISSUER_ROLE`) or governance.
    @param head The tier's first word.
    """
    issuer: address = convert(head & _ADDRESS_MASK, address)
    if msg.sender == issuer:
        assert self._is_issuer(issuer), "membership: issuer removed"
    else:
        assert self._is_governance(msg.sender), "membership: not tier issuer"


@internal
@view
def _check_issuer_or_delegate(head: uint256):
    """
    @dev Reverts unless the caller is the tier's issuer or its delegate (a
         delegation ends with the issuer's role; the issuer's own role is
         checked by every join and renewal).
    @param head The tier's first word.
    """
    issuer: address = convert(head & _ADDRESS_MASK, address)
    assert msg.sender == issuer or staticcall registry.is_delegate(
        issuer, msg.sender
    ), "membership: not tier issuer"


@internal
@view
def _tier_head(tier_id: uint256) -> uint256:
    """
    @dev A tier's first word, reverting for an unknown id.
    @param tier_id The tier id.
    @return uint256 The word.
    """
    head: uint256 = self._tiers[tier_id][0]
    assert head != 0, "membership: unknown tier"
    return head


@internal
@view
def _membership_word(membership_id: uint256) -> uint256:
    """
    @dev A membership's word, reverting for an unknown id.
    @param membership_id The membership id.
    @return uint256 The word.
    """
    word: uint256 = self._memberships[membership_id]
    assert word != 0, "membership: unknown membership"
    return word


@internal
def _create_tier(
    issuer: address,
    name: String[64],
    period: uint256,
    required: DynArray[uint256, MAX_GROUPS],
    options: DynArray[Option, MAX_OPTIONS],
) -> uint256:
    """
    @dev Checks and stores a tier's rules.
    @param issuer The tier's issuer.
    @param name The name (logged).
    @param period The term, in seconds.
    @param required The required count of each group.
    @param options The options.
    @return uint256 The tier id.
    """
    assert period >= MIN_PERIOD and period <= MAX_PERIOD, "membership: bad period"
    groups: uint256 = len(required)
    assert groups != 0, "membership: no groups"
    count: uint256 = len(options)
    words: uint256[5] = empty(uint256[5])
    words[0] = (
        convert(issuer, uint256)
        | (period << _PERIOD_SHIFT)
        | _ACTIVE_BIT
        | (groups << _GROUPS_SHIFT)
        | (count << _OPTIONS_SHIFT)
    )
    per_group: uint256[MAX_GROUPS] = empty(uint256[MAX_GROUPS])
    for i: uint256 in range(count, bound=MAX_OPTIONS):
        option: Option = options[i]
        assert option.group < groups, "membership: bad group"
        assert option.min_score <= _MAX_SCORE, "membership: score out of range"
        assert not self._transferable(option.class_id), "membership: transferable part"
        for j: uint256 in range(i, bound=MAX_OPTIONS):
            assert options[j].class_id != option.class_id, "membership: class listed twice"
        per_group[option.group] += 1
        words[1 + i // _PER_WORD] |= (
            option.class_id
            | (option.min_score << _MIN_SCORE_SHIFT)
            | (option.group << _GROUP_SHIFT)
        ) << (_OPTION_BITS * (i % _PER_WORD))
    for g: uint256 in range(groups, bound=MAX_GROUPS):
        k: uint256 = required[g]
        assert k != 0 and k <= per_group[g] and k <= MAX_REQUIRED, "membership: bad required count"
        words[0] |= k << (_REQUIRED_SHIFT + 4 * g)
    tier_id: uint256 = self.tier_count + 1
    assert tier_id <= _U32, "membership: too many tiers"
    self.tier_count = tier_id
    self._tiers[tier_id][0] = words[0]
    for w: uint256 in range(1, 1 + (count + _PER_WORD - 1) // _PER_WORD, bound=5):
        self._tiers[tier_id][w] = words[w]
    log TierCreated(
        tier_id=tier_id, issuer=issuer, name=name, period=period, required=required, options=options
    )
    return tier_id


@internal
def _join(tier_id: uint256, holder: address, token_ids: DynArray[uint256, MAX_PARTS]) -> uint256:
    """
    @dev Joins (mints) or, for an expired membership, renews.
    @param tier_id The tier id.
    @param holder The learner.
    @param token_ids The qualifying credentials.
    @return uint256 The membership id.
    """
    head: uint256 = self._tier_head(tier_id)
    assert holder != empty(address), "membership: zero address"
    self._check_join(tier_id, head, holder, token_ids)
    membership_id: uint256 = (tier_id << 160) | convert(holder, uint256)
    word: uint256 = self._memberships[membership_id]
    expires_at: uint256 = block.timestamp + ((head >> _PERIOD_SHIFT) & _U32)
    if word == 0:
        self._store(membership_id, block.timestamp, expires_at, token_ids)
        # Cannot overflow: a holder holds at most one membership per tier.
        self._accounts[holder] = unsafe_add(self._accounts[holder], 1)
        log IERC721.Transfer(sender=empty(address), receiver=holder, token_id=membership_id)
        log Locked(tokenId=membership_id)
        log Joined(
            membership_id=membership_id, tier_id=tier_id, holder=holder, expires_at=expires_at, parts=token_ids
        )
    else:
        assert block.timestamp >= word & _U40, "membership: already member"
        self._store(membership_id, (word >> _JOINED_SHIFT) & _U40, expires_at, token_ids)
        log Renewed(
            membership_id=membership_id, tier_id=tier_id, holder=holder, expires_at=expires_at, parts=token_ids
        )
    log SubscriptionUpdate(tokenId=membership_id, expiration=convert(expires_at, uint64))
    return membership_id


@internal
@view
def _check_join(tier_id: uint256, head: uint256, holder: address, token_ids: DynArray[uint256, MAX_PARTS]):
    """
    @dev The checks of a join or renewal: not paused, tier open, its issuer
         still an issuer, and the credentials: each held by `holder`,
         active, unexpired, an option at or above its minimum score, given
         once in increasing order, one per class; every group met.
    @param tier_id The tier id.
    @param head The tier's first word.
    @param holder The learner.
    @param token_ids The credentials.
    """
    assert not staticcall registry.paused(), "membership: paused"
    assert head & _ACTIVE_BIT != 0, "membership: tier inactive"
    assert self._is_issuer(convert(head & _ADDRESS_MASK, address)), "membership: issuer removed"
    count: uint256 = (head >> _OPTIONS_SHIFT) & 31
    # The options, unpacked once (one load per five).
    options: uint256[MAX_OPTIONS] = empty(uint256[MAX_OPTIONS])
    packed: uint256 = 0
    for j: uint256 in range(count, bound=MAX_OPTIONS):
        if j % _PER_WORD == 0:
            packed = self._tiers[tier_id][1 + j // _PER_WORD]
        options[j] = packed & _OPTION_MASK
        packed >>= _OPTION_BITS
    records: DynArray[uint256, MAX_PARTS] = staticcall registry.credential_words(token_ids)
    counted: uint256 = 0
    # The options already counted, one bit each: a class counts once.
    classes: uint256 = 0
    previous: uint256 = 0
    i: uint256 = 0
    for token_id: uint256 in token_ids:
        if token_id <= previous:
            assert token_id != previous, "membership: token used twice"
            raise "membership: tokens not increasing"
        previous = token_id
        word: uint256 = records[i]
        i = unsafe_add(i, 1)
        if word & _HOLDER_STATUS_MASK != convert(holder, uint256) | credential_word.STATUS_ACTIVE_BITS:
            self._refuse_credential(word, holder)
        assert not credential_word._is_expired(word), "membership: credential expired"
        class_id: uint256 = credential_word._class_id(word)
        entry: uint256 = max_value(uint256)
        bit: uint256 = 0
        for j: uint256 in range(count, bound=MAX_OPTIONS):
            if options[j] & _U32 == class_id:
                entry = options[j]
                bit = 1 << j
                break
        assert entry != max_value(uint256), "membership: token not in tier"
        assert credential_word._score(word) >= (entry >> _MIN_SCORE_SHIFT) & _MIN_SCORE_MASK, "membership: score below minimum"
        assert classes & bit == 0, "membership: class used twice"
        classes |= bit
        # Cannot overflow, nor carry between groups' bytes: at most 16 parts.
        counted = unsafe_add(counted, 1 << (8 * (entry >> _GROUP_SHIFT)))
    for g: uint256 in range((head >> _GROUPS_SHIFT) & 15, bound=MAX_GROUPS):
        assert (counted >> (8 * g)) & 255 >= (head >> (_REQUIRED_SHIFT + 4 * g)) & 15, "membership: requirements not met"


@internal
@pure
def _refuse_credential(word: uint256, holder: address):
    """
    @dev Reverts with why a credential cannot qualify `holder` (it is not
         held by `holder`, or not stored active).
    @param word The registry's credential word.
    @param holder The learner.
    """
    stored: uint8 = credential_word._stored_status(word)
    assert stored != credential_word.STATUS_NONE, "membership: unknown token"
    assert credential_word._holder(word) == holder, "membership: not holder"
    assert stored != credential_word.STATUS_SUSPENDED, "membership: credential suspended"
    assert stored != credential_word.STATUS_REVOKED, "membership: credential revoked"
    raise "membership: credential burned"


@internal
def _store(membership_id: uint256, joined_at: uint256, expires_at: uint256, token_ids: DynArray[uint256, MAX_PARTS]):
    """
    @dev Writes a membership's word and its further parts.
    @param membership_id The membership id.
    @param joined_at The first join.
    @param expires_at The expiry.
    @param token_ids The parts (checked: each an existing token id, so below
           2**48).
    """
    count: uint256 = len(token_ids)
    word: uint256 = expires_at | (joined_at << _JOINED_SHIFT) | (count << _COUNT_SHIFT)
    more: uint256 = 0
    for i: uint256 in range(count, bound=MAX_PARTS):
        if i < _HEAD_PARTS:
            word |= token_ids[i] << (_PARTS_SHIFT + _PART_BITS * i)
        else:
            rest: uint256 = i - _HEAD_PARTS
            more |= token_ids[i] << (_PART_BITS * (rest % _PER_WORD))
            if rest % _PER_WORD == _PER_WORD - 1 or i == count - 1:
                self._more_parts[membership_id][1 + rest // _PER_WORD] = more
                more = 0
    self._memberships[membership_id] = word


@internal
@view
def _parts(membership_id: uint256, word: uint256) -> DynArray[uint256, MAX_PARTS]:
    """
    @dev A membership's parts.
    @param membership_id The membership id.
    @param word The membership's word.
    @return DynArray The token ids.
    """
    parts: DynArray[uint256, MAX_PARTS] = []
    more: uint256 = 0
    for i: uint256 in range((word >> _COUNT_SHIFT) & 31, bound=MAX_PARTS):
        if i < _HEAD_PARTS:
            parts.append((word >> (_PARTS_SHIFT + _PART_BITS * i)) & _U48)
        else:
            rest: uint256 = i - _HEAD_PARTS
            if rest % _PER_WORD == 0:
                more = self._more_parts[membership_id][1 + rest // _PER_WORD]
            parts.append(more & _U48)
            more >>= _PART_BITS
    return parts


@internal
@view
def _parts_valid(membership_id: uint256, word: uint256) -> bool:
    """
    @dev Whether every part is still held by the member, stored active and
         unexpired, read live from the registry.
    @param membership_id The membership id.
    @param word The membership's word.
    @return bool True if all are.
    """
    records: DynArray[uint256, MAX_PARTS] = staticcall registry.credential_words(
        self._parts(membership_id, word)
    )
    expected: uint256 = (membership_id & _ADDRESS_MASK) | credential_word.STATUS_ACTIVE_BITS
    for record: uint256 in records:
        if record & _HOLDER_STATUS_MASK != expected or credential_word._is_expired(record):
            return False
    return True
