# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title credstack Pathway Registry
@custom:contract-name PathwayRegistry
@license GNU Affero General Public License v3.0 only
@author credstack
@notice Stackable pathways evaluated on chain. A pathway is an output class
        of the `CredentialRegistry` plus requirement groups; a group lists
        options (a class and a minimum score) and how many of them are
        required (k of n). An option may be another issuer's class: that is
        cross-crediting. A learner holding the parts calls `claim` with the
        token ids; every token must be the caller's, valid now, match an
        option at or above its minimum score, be given once, be the only one
        of its class (a class counts once) and never have counted towards
        this pathway before; every group must be met. This
        contract then issues the pathway credential through the registry:
        the output class's issuer names it a delegate
        (`CredentialRegistry.set_delegate`) before creating pathways.

        A part token counts towards a given pathway once, ever: neither a
        key recovery (which moves the parts and the pathway credential to a
        new wallet) nor any other move lets the same parts complete the same
        pathway again. Transferable classes cannot be options at all: a
        credential that may be given or traded says nothing about who earned
        it. A removed issuer (without `ISSUER_ROLE`) can neither create
        pathways nor open or close them.

        One pathway credential per wallet per pathway. A pathway's rules never
        change (only its active flag): a changed pathway is a new pathway id.
        The credential's score is the average of the parts used; its evidence
        hash is keccak256(abi_encode(pathway_id, token_ids)), so it names its
        parts without personal data. Its expiry is the output class's
        validity or, where the pathway says so, the earliest expiry among the
        parts used (whichever comes first), set in the issue itself.

        Gas: a pathway is one storage word plus one word per four options, so
        a claim reads the rules in a few loads and each part with one call to
        the registry. The used parts are a bitmap per pathway, one word per
        256 token ids: token ids are sequential, so a cohort's parts share
        words that earlier claims made non-zero, and a claim writes each word
        its parts touch once (5,000 gas), plus its own record, before the
        registry mints. The first claim to touch a word pays for a fresh slot
        (22,100).
"""


# @dev The registry: its classes, the parts' words, and issuance of the
# pathway credential (this contract is the output class's delegate).
from .interfaces import ICredentialRegistry


# @dev The registry's roles (snekmate `access_control`): a pathway's issuer
# must still hold `ISSUER_ROLE` to create or open and close pathways, and
# `progress` reports a removed issuer.
from snekmate.auth.interfaces import IAccessControl


# @dev Decodes the registry's credential words (see `credential_words`).
# Stateless, so it needs no `initializes`. The claim's loop over the parts
# decodes in place from the module's constants (an internal call there would
# cost every part about 40 gas per field); the refusal path and `progress`
# call its decoders.
from .utils import credential_word


# CONSTANTS #


MAX_GROUPS: public(constant(uint256)) = 8
MAX_OPTIONS: public(constant(uint256)) = 16
MAX_PARTS: public(constant(uint256)) = 16
# @dev A group requires at most 15 of its options (4 bits).
MAX_REQUIRED: public(constant(uint256)) = 15
_MAX_SCORE: constant(uint256) = 10_000

# @dev `progress` reasons for each token given.
PART_COUNTED: public(constant(uint8)) = 0
PART_UNKNOWN: public(constant(uint8)) = 1
PART_NOT_HOLDER: public(constant(uint8)) = 2
PART_SUSPENDED: public(constant(uint8)) = 3
PART_REVOKED: public(constant(uint8)) = 4
PART_EXPIRED: public(constant(uint8)) = 5
PART_BURNED: public(constant(uint8)) = 6
PART_NOT_IN_PATHWAY: public(constant(uint8)) = 7
PART_BELOW_MINIMUM: public(constant(uint8)) = 8
PART_USED_TWICE: public(constant(uint8)) = 9
# @dev Counted towards this pathway by an earlier claim (of any wallet).
PART_ALREADY_USED: public(constant(uint8)) = 10
# @dev Another token of its class counts already (a class counts once).
PART_CLASS_TWICE: public(constant(uint8)) = 11

# @dev `progress` reasons why a claim with the counted parts would fail now,
# the first the claim meets, in its order: this contract's checks, then the
# registry's issue. `CLAIM_OK` when it would succeed.
CLAIM_OK: public(constant(uint8)) = 0
CLAIM_PATHWAY_INACTIVE: public(constant(uint8)) = 1
CLAIM_ALREADY_CLAIMED: public(constant(uint8)) = 2
CLAIM_REQUIREMENTS_NOT_MET: public(constant(uint8)) = 3
CLAIM_PAUSED: public(constant(uint8)) = 4
# @dev The output class's issuer no longer names this contract its delegate.
CLAIM_NOT_DELEGATE: public(constant(uint8)) = 5
# @dev The output class's issuer lost `ISSUER_ROLE`.
CLAIM_ISSUER_REMOVED: public(constant(uint8)) = 6
CLAIM_CLASS_INACTIVE: public(constant(uint8)) = 7
# @dev The output class's last issuance date has passed.
CLAIM_ISSUANCE_CLOSED: public(constant(uint8)) = 8
# @dev The output class is restricted and the holder is not on its allowlist.
CLAIM_NOT_ALLOWLISTED: public(constant(uint8)) = 9
# @dev The counted parts' average score is below the output class's minimum.
CLAIM_BELOW_CLASS_MINIMUM: public(constant(uint8)) = 10

# @dev The registry's issuer role (`CredentialRegistry.ISSUER_ROLE`).
_ISSUER_ROLE: constant(bytes32) = keccak256("ISSUER_ROLE")

# @dev A class id in a pathway's words (32 bits, as in the registry's).
_U32: constant(uint256) = credential_word.CLASS_MASK
# @dev The holder and status fields of a credential word together: a part
# counts only if they hold its claimant and `STATUS_ACTIVE` (one test).
_HOLDER_STATUS_MASK: constant(uint256) = credential_word.HOLDER_MASK | (
    credential_word.STATUS_MASK << credential_word.STATUS_SHIFT
)

# @dev A pathway's first word:
#   bits   0..31   output class id
#   bit    32      active
#   bit    33      expiry from the parts
#   bits  34..37   number of groups
#   bits  38..42   number of options
#   bits  43..74   required count of group g in bits 43 + 4g .. 46 + 4g
#   bits  75..221  options 0..2, 49 bits each
#   bits 222..253  the output class's validity in seconds (0: never
#                  expires), for the expiry from the parts (a class's
#                  validity never changes, and `MAX_VALIDITY` fits 32 bits):
#                  the claim sets the expiry in the issue without reading
#                  the class
# and options 3.. four to a further word. An option is its class id (32
# bits), minimum score (14: at most 10,000) and group (3: below
# `MAX_GROUPS`). A pathway of up to three options is one storage word; of up
# to seven, two.
_ACTIVE_BIT: constant(uint256) = 1 << 32
_INHERIT_BIT: constant(uint256) = 1 << 33
_GROUPS_SHIFT: constant(uint256) = 34
_OPTIONS_SHIFT: constant(uint256) = 38
_REQUIRED_SHIFT: constant(uint256) = 43
_HEAD_OPTIONS_SHIFT: constant(uint256) = 75
_HEAD_OPTIONS: constant(uint256) = 3
_PER_WORD: constant(uint256) = 4
_OPTION_BITS: constant(uint256) = 49
_OPTION_MASK: constant(uint256) = (1 << 49) - 1
_MIN_SCORE_SHIFT: constant(uint256) = 32
_MIN_SCORE_MASK: constant(uint256) = (1 << 14) - 1
_GROUP_SHIFT: constant(uint256) = 46
_VALIDITY_SHIFT: constant(uint256) = 222
_VALIDITY_MASK: constant(uint256) = (1 << 32) - 1
_WORDS: constant(uint256) = 5  # the first word and four more


# STRUCTS #


struct Option:
    class_id: uint256
    min_score: uint256
    group: uint256


struct PathwayInfo:
    output_class: uint256
    active: bool
    inherit_expiry: bool
    required: DynArray[uint256, MAX_GROUPS]
    options: DynArray[Option, MAX_OPTIONS]


struct GroupProgress:
    required: uint256
    counted: uint256
    met: bool


struct Progress:
    groups: DynArray[GroupProgress, MAX_GROUPS]
    parts: DynArray[uint8, MAX_PARTS]
    complete: bool
    claimed_token: uint256
    claimable: bool
    reason: uint8


# STATE #


registry: public(immutable(ICredentialRegistry))

pathway_count: public(uint256)
# @dev pathway id => word index => word (index 0: the first word).
_pathways: HashMap[uint256, HashMap[uint256, uint256]]

# @dev pathway id => wallet => the pathway credential it claimed (0: none).
claimed_token: public(HashMap[uint256, HashMap[address, uint256]])

# @dev pathway id => token id >> 8 => bit (token id & 255) set for each part
# that counted towards the pathway in a claim.
_used: HashMap[uint256, HashMap[uint256, uint256]]


# EVENTS #


event PathwayCreated:
    pathway_id: indexed(uint256)
    output_class: indexed(uint256)
    issuer: indexed(address)
    name: String[64]
    inherit_expiry: bool
    required: DynArray[uint256, MAX_GROUPS]
    options: DynArray[Option, MAX_OPTIONS]


event PathwayActiveChanged:
    pathway_id: indexed(uint256)
    active: bool


# @dev `parts` are the part tokens the claim used, increasing (each is then
# used for this pathway for good); the credential's evidence hash commits to
# them too. Analytics read them from here: which parts, of which issuers'
# classes, earned the pathway.
event PathwayClaimed:
    pathway_id: indexed(uint256)
    holder: indexed(address)
    token_id: uint256
    parts: DynArray[uint256, MAX_PARTS]


@deploy
def __init__(registry_: address):
    """
    @param registry_ The `CredentialRegistry` whose credentials are the parts
           and through which pathway credentials are issued.
    """
    assert registry_.is_contract, "pathway: registry not a contract"
    registry = ICredentialRegistry(registry_)


# PATHWAYS #


@external
def create_pathway(
    name: String[64],
    output_class: uint256,
    required: DynArray[uint256, MAX_GROUPS],
    options: DynArray[Option, MAX_OPTIONS],
    inherit_expiry: bool,
) -> uint256:
    """
    @notice Creates a pathway, active at once. Only the output class's
            issuer, who must still hold `ISSUER_ROLE` and have named this
            contract its delegate. Options may not be transferable classes.
    @param name The pathway's name, for people (logged, not stored).
    @param output_class The class issued to those who complete it.
    @param required For each group, how many of its options are needed
           (1 to 15, at most the options it lists).
    @param options Each option's class, minimum score (basis points) and
           group (an index into `required`). A class appears at most once.
    @param inherit_expiry True: the credential expires with the earliest of
           the parts used (or the class's validity, if sooner).
    @return uint256 The pathway id.
    """
    # The registry reverts with "credential: unknown class" for an unknown id.
    output: ICredentialRegistry.ClassInfo = staticcall registry.class_info(output_class)
    issuer: address = output.issuer
    assert msg.sender == issuer, "pathway: not class issuer"
    self._check_issuer(issuer)
    assert staticcall registry.is_delegate(issuer, self), "pathway: not delegate"
    groups: uint256 = len(required)
    assert groups != 0, "pathway: no groups"
    count: uint256 = len(options)
    words: uint256[_WORDS] = empty(uint256[_WORDS])
    words[0] = (
        output_class | _ACTIVE_BIT | (groups << _GROUPS_SHIFT) | (count << _OPTIONS_SHIFT)
    )
    if inherit_expiry:
        words[0] |= _INHERIT_BIT | (output.validity << _VALIDITY_SHIFT)
    per_group: uint256[MAX_GROUPS] = empty(uint256[MAX_GROUPS])
    for i: uint256 in range(count, bound=MAX_OPTIONS):
        option: Option = options[i]
        assert option.group < groups, "pathway: bad group"
        assert option.class_id != output_class, "pathway: output class as part"
        assert option.min_score <= _MAX_SCORE, "pathway: score out of range"
        # Reverts with "credential: unknown class" for an unknown id.
        part: ICredentialRegistry.ClassInfo = staticcall registry.class_info(option.class_id)
        assert not part.transferable, "pathway: transferable part"
        for j: uint256 in range(i, bound=MAX_OPTIONS):
            assert options[j].class_id != option.class_id, "pathway: class listed twice"
        per_group[option.group] += 1
        packed: uint256 = (
            option.class_id
            | (option.min_score << _MIN_SCORE_SHIFT)
            | (option.group << _GROUP_SHIFT)
        )
        if i < _HEAD_OPTIONS:
            words[0] |= packed << (_HEAD_OPTIONS_SHIFT + _OPTION_BITS * i)
        else:
            rest: uint256 = i - _HEAD_OPTIONS
            words[1 + rest // _PER_WORD] |= packed << (_OPTION_BITS * (rest % _PER_WORD))
    for g: uint256 in range(groups, bound=MAX_GROUPS):
        k: uint256 = required[g]
        assert k != 0 and k <= per_group[g] and k <= MAX_REQUIRED, "pathway: bad required count"
        words[0] |= k << (_REQUIRED_SHIFT + 4 * g)
    pathway_id: uint256 = self.pathway_count + 1
    self.pathway_count = pathway_id
    for w: uint256 in range(self._word_count(count), bound=_WORDS):
        self._pathways[pathway_id][w] = words[w]
    log PathwayCreated(
        pathway_id=pathway_id,
        output_class=output_class,
        issuer=issuer,
        name=name,
        inherit_expiry=inherit_expiry,
        required=required,
        options=options,
    )
    return pathway_id


@external
def set_pathway_active(pathway_id: uint256, active: bool):
    """
    @notice Opens or closes a pathway for claims. Only the output class's
            issuer, while it holds `ISSUER_ROLE` (the registry refuses a
            removed issuer's class management alike).
    @param pathway_id The pathway id.
    @param active True to allow claims.
    """
    word: uint256 = self._head(pathway_id)
    issuer: address = (staticcall registry.class_info(word & _U32)).issuer
    assert msg.sender == issuer, "pathway: not class issuer"
    self._check_issuer(issuer)
    if active:
        word |= _ACTIVE_BIT
    else:
        word &= ~_ACTIVE_BIT
    self._pathways[pathway_id][0] = word
    log PathwayActiveChanged(pathway_id=pathway_id, active=active)


# CLAIMS #


@external
def claim(pathway_id: uint256, token_ids: DynArray[uint256, MAX_PARTS]) -> uint256:
    """
    @notice The learner claims the pathway credential with the parts they hold.
    @param pathway_id The pathway id.
    @param token_ids The parts, in increasing order: the caller's valid
           credentials, each matching an option at or above its minimum
           score, none twice, none used by an earlier claim of this pathway.
    @return uint256 The pathway credential's token id.
    """
    return self._claim(pathway_id, msg.sender, token_ids)


@external
def claim_for(
    pathway_id: uint256, holder: address, token_ids: DynArray[uint256, MAX_PARTS]
) -> uint256:
    """
    @notice The output class's issuer (or a delegate of it) claims for a
            learner, who then needs no gas of their own. Every rule of
            `claim` applies, with `holder` in the caller's place. A removed
            issuer's claims are refused by the registry's issue
            ("credential: issuer removed").
    @param pathway_id The pathway id.
    @param holder The learner.
    @param token_ids The learner's parts, in increasing order.
    @return uint256 The pathway credential's token id.
    """
    issuer: address = (staticcall registry.class_info(self._head(pathway_id) & _U32)).issuer
    assert msg.sender == issuer or staticcall registry.is_delegate(
        issuer, msg.sender
    ), "pathway: not class issuer"
    return self._claim(pathway_id, holder, token_ids)


# VIEWS #


@external
@view
def pathway(pathway_id: uint256) -> PathwayInfo:
    """
    @notice A pathway's rules.
    @param pathway_id The pathway id.
    @return PathwayInfo Output class, active, expiry from the parts, the
            required count of each group, and the options.
    """
    words: uint256[_WORDS] = self._load(pathway_id)
    head: uint256 = words[0]
    required: DynArray[uint256, MAX_GROUPS] = []
    for g: uint256 in range((head >> _GROUPS_SHIFT) & 15, bound=MAX_GROUPS):
        required.append((head >> (_REQUIRED_SHIFT + 4 * g)) & 15)
    count: uint256 = (head >> _OPTIONS_SHIFT) & 31
    unpacked: uint256[MAX_OPTIONS] = self._unpack(words, count)
    options: DynArray[Option, MAX_OPTIONS] = []
    for i: uint256 in range(count, bound=MAX_OPTIONS):
        entry: uint256 = unpacked[i]
        options.append(
            Option(
                class_id=entry & _U32,
                min_score=(entry >> _MIN_SCORE_SHIFT) & _MIN_SCORE_MASK,
                group=entry >> _GROUP_SHIFT,
            )
        )
    return PathwayInfo(
        output_class=head & _U32,
        active=head & _ACTIVE_BIT != 0,
        inherit_expiry=head & _INHERIT_BIT != 0,
        required=required,
        options=options,
    )


@external
@view
def progress(
    pathway_id: uint256, holder: address, token_ids: DynArray[uint256, MAX_PARTS]
) -> Progress:
    """
    @notice What `holder` has of a pathway: per group the required and
            counted parts, per token given (in any order) why it counts or
            not (see the PART_ constants), whether the counted parts meet
            every group (`complete`), the credential already claimed (0 for
            none), and whether a claim with the counted parts, in increasing
            order, would succeed now (`claimable`) or the first reason it
            would fail (`reason`, see the CLAIM_ constants): everything the
            claim checks, the registry's issue included (pause, delegation,
            removed issuer, inactive or closed output class, allowlist, the
            output class's minimum against the counted parts' average).
    @param pathway_id The pathway id.
    @param holder The learner.
    @param token_ids Tokens to consider (the tooling passes the learner's).
    @return Progress The groups, the parts, complete, claimed token,
            claimable, reason.
    """
    words: uint256[_WORDS] = self._load(pathway_id)
    head: uint256 = words[0]
    count: uint256 = (head >> _OPTIONS_SHIFT) & 31
    options: uint256[MAX_OPTIONS] = self._unpack(words, count)
    records: DynArray[uint256, MAX_PARTS] = staticcall registry.credential_words(token_ids)
    counts: uint256[MAX_GROUPS] = empty(uint256[MAX_GROUPS])
    parts: DynArray[uint8, MAX_PARTS] = []
    score_sum: uint256 = 0
    counted: uint256 = 0
    # The classes counted so far: a class counts once.
    classes: DynArray[uint256, MAX_PARTS] = []
    for i: uint256 in range(len(token_ids), bound=MAX_PARTS):
        reason: uint8 = self._part_reason(records[i], holder)
        for j: uint256 in range(i, bound=MAX_PARTS):
            if token_ids[j] == token_ids[i]:
                reason = PART_USED_TWICE
        entry: uint256 = 0
        class_id: uint256 = credential_word._class_id(records[i])
        if reason == PART_COUNTED:
            entry = self._find(options, count, class_id)
            if entry == max_value(uint256):
                reason = PART_NOT_IN_PATHWAY
            elif credential_word._score(records[i]) < (entry >> _MIN_SCORE_SHIFT) & _MIN_SCORE_MASK:
                reason = PART_BELOW_MINIMUM
            elif self._is_used(pathway_id, token_ids[i]):
                reason = PART_ALREADY_USED
            elif class_id in classes:
                reason = PART_CLASS_TWICE
        if reason == PART_COUNTED:
            classes.append(class_id)
            counts[entry >> _GROUP_SHIFT] += 1
            score_sum += credential_word._score(records[i])
            counted += 1
        parts.append(reason)
    groups: DynArray[GroupProgress, MAX_GROUPS] = []
    complete: bool = True
    for g: uint256 in range((head >> _GROUPS_SHIFT) & 15, bound=MAX_GROUPS):
        k: uint256 = (head >> (_REQUIRED_SHIFT + 4 * g)) & 15
        met: bool = counts[g] >= k
        complete = complete and met
        groups.append(GroupProgress(required=k, counted=counts[g], met=met))
    claimed: uint256 = self.claimed_token[pathway_id][holder]
    # The claim's own checks, in its order, then the registry's issue.
    reason: uint8 = CLAIM_OK
    if head & _ACTIVE_BIT == 0:
        reason = CLAIM_PATHWAY_INACTIVE
    elif claimed != 0:
        reason = CLAIM_ALREADY_CLAIMED
    elif not complete:
        reason = CLAIM_REQUIREMENTS_NOT_MET
    else:
        # `complete` needs a counted part (every group requires one or more).
        reason = self._issue_blocker(head & _U32, holder, score_sum // counted)
    return Progress(
        groups=groups,
        parts=parts,
        complete=complete,
        claimed_token=claimed,
        claimable=reason == CLAIM_OK,
        reason=reason,
    )


# INTERNAL #


@internal
@pure
def _word_count(options: uint256) -> uint256:
    """
    @dev Storage words of a pathway with `options` options.
    @param options The number of options.
    @return uint256 1 to 5.
    """
    if options <= _HEAD_OPTIONS:
        return 1
    return 1 + (options - _HEAD_OPTIONS + _PER_WORD - 1) // _PER_WORD


@internal
@view
def _head(pathway_id: uint256) -> uint256:
    """
    @dev A pathway's first word, reverting for an unknown id.
    @param pathway_id The pathway id.
    @return uint256 The word.
    """
    word: uint256 = self._pathways[pathway_id][0]
    assert word != 0, "pathway: unknown pathway"
    return word


@internal
@view
def _load(pathway_id: uint256) -> uint256[_WORDS]:
    """
    @dev All of a pathway's words.
    @param pathway_id The pathway id.
    @return uint256[5] The words (unused ones zero).
    """
    words: uint256[_WORDS] = empty(uint256[_WORDS])
    words[0] = self._head(pathway_id)
    for w: uint256 in range(1, self._word_count((words[0] >> _OPTIONS_SHIFT) & 31), bound=_WORDS):
        words[w] = self._pathways[pathway_id][w]
    return words


@internal
@pure
def _unpack(words: uint256[_WORDS], count: uint256) -> uint256[MAX_OPTIONS]:
    """
    @dev The options, each as its 49 bits: class id, minimum score << 32,
         group << 46.
    @param words The pathway's words.
    @param count The number of options.
    @return uint256[16] The options (unused entries zero).
    """
    options: uint256[MAX_OPTIONS] = empty(uint256[MAX_OPTIONS])
    for i: uint256 in range(count, bound=MAX_OPTIONS):
        if i < _HEAD_OPTIONS:
            options[i] = (words[0] >> (_HEAD_OPTIONS_SHIFT + _OPTION_BITS * i)) & _OPTION_MASK
        else:
            rest: uint256 = i - _HEAD_OPTIONS
            options[i] = (
                words[1 + rest // _PER_WORD] >> (_OPTION_BITS * (rest % _PER_WORD))
            ) & _OPTION_MASK
    return options


@internal
@pure
def _find(options: uint256[MAX_OPTIONS], count: uint256, class_id: uint256) -> uint256:
    """
    @dev The option for a class, or max_value(uint256) when there is none.
    @param options The unpacked options.
    @param count The number of options.
    @param class_id The class of a part.
    @return uint256 The option's 49 bits.
    """
    for i: uint256 in range(count, bound=MAX_OPTIONS):
        if options[i] & _U32 == class_id:
            return options[i]
    return max_value(uint256)


@internal
@view
def _check_issuer(issuer: address):
    """
    @dev Reverts unless `issuer` still holds the registry's `ISSUER_ROLE`:
         a removed issuer's pathways would go live again were it
         re-onboarded.
    @param issuer The output class's issuer.
    """
    assert self._is_issuer(issuer), "pathway: issuer removed"


@internal
@view
def _is_issuer(issuer: address) -> bool:
    """
    @dev Whether `issuer` holds the registry's `ISSUER_ROLE`.
    @param issuer The output class's issuer.
    @return bool True while it does.
    """
    return staticcall IAccessControl(registry.address).hasRole(_ISSUER_ROLE, issuer)


@internal
@view
def _is_used(pathway_id: uint256, token_id: uint256) -> bool:
    """
    @dev Whether a token counted towards the pathway in an earlier claim.
    @param pathway_id The pathway id.
    @param token_id The token id.
    @return bool True if used.
    """
    return (self._used[pathway_id][token_id >> 8] >> (token_id & 255)) & 1 != 0


@internal
@view
def _issue_blocker(output_class: uint256, holder: address, score: uint256) -> uint8:
    """
    @dev Why the registry would refuse the claim's issue now, in the order
         it checks (`issue`, `_operated_class`, `_issuable_class`, `_mint`),
         or CLAIM_OK.
    @param output_class The pathway's output class.
    @param holder The learner, who would receive it.
    @param score The score the claim would issue with.
    @return uint8 A CLAIM_ reason.
    """
    if staticcall registry.paused():
        return CLAIM_PAUSED
    info: ICredentialRegistry.ClassInfo = staticcall registry.class_info(output_class)
    # A removal ends the issuer's delegations (`is_delegate` reads false
    # then), so the role comes first: the registry says "issuer removed" to
    # a delegate named before the removal. (Had the removed issuer also
    # dropped this contract as a delegate, the registry would say "not class
    # issuer" instead: either way the claim cannot succeed.)
    if not self._is_issuer(info.issuer):
        return CLAIM_ISSUER_REMOVED
    if not staticcall registry.is_delegate(info.issuer, self):
        return CLAIM_NOT_DELEGATE
    if not info.active:
        return CLAIM_CLASS_INACTIVE
    rules: ICredentialRegistry.ClassRules = staticcall registry.class_rules(output_class)
    if rules.issue_until != 0 and block.timestamp > rules.issue_until:
        return CLAIM_ISSUANCE_CLOSED
    if rules.restricted and not staticcall registry.allowlist(output_class, holder):
        return CLAIM_NOT_ALLOWLISTED
    if score < info.min_score:
        return CLAIM_BELOW_CLASS_MINIMUM
    return CLAIM_OK


@internal
@view
def _part_reason(word: uint256, holder: address) -> uint8:
    """
    @dev Why a credential (the registry's word) cannot be a part of
         `holder`'s claim, or PART_COUNTED when it can. Suspension is
         reported before expiry, as `status_of` does.
    @param word The registry's credential word.
    @param holder The claimant.
    @return uint8 A PART_ reason.
    """
    stored: uint8 = credential_word._stored_status(word)
    if stored == credential_word.STATUS_NONE:
        return PART_UNKNOWN
    if credential_word._holder(word) != holder:
        return PART_NOT_HOLDER
    if stored == credential_word.STATUS_ACTIVE:
        if credential_word._is_expired(word):
            return PART_EXPIRED
        return PART_COUNTED
    if stored == credential_word.STATUS_SUSPENDED:
        return PART_SUSPENDED
    if stored == credential_word.STATUS_REVOKED:
        return PART_REVOKED
    return PART_BURNED


@internal
@pure
def _refuse(reason: uint8):
    """
    @dev Reverts with the message for a part that cannot count.
    @param reason A PART_ reason other than PART_COUNTED.
    """
    assert reason != PART_UNKNOWN, "pathway: unknown token"
    assert reason != PART_NOT_HOLDER, "pathway: not holder"
    assert reason != PART_SUSPENDED, "pathway: part suspended"
    assert reason != PART_REVOKED, "pathway: part revoked"
    assert reason != PART_EXPIRED, "pathway: part expired"
    assert reason != PART_NOT_IN_PATHWAY, "pathway: token not in pathway"
    assert reason != PART_BELOW_MINIMUM, "pathway: score below minimum"
    assert reason != PART_ALREADY_USED, "pathway: part already used"
    raise "pathway: part burned"


@internal
def _claim(pathway_id: uint256, holder: address, token_ids: DynArray[uint256, MAX_PARTS]) -> uint256:
    """
    @dev Checks every part and group, marks the parts used, then issues
         through the registry. Written for gas: the success path makes one
         test per rule, and the messages are built only on failure. The
         used-part bitmap is read and written a word at a time: the parts
         are increasing, so the parts in one word of 256 ids are adjacent
         and their word is loaded and stored once. No reentrancy guard: the
         only calls are to the registry, which is fixed at deployment and
         calls nothing back (issuing makes no receiver callback); the parts
         are marked before the issue and the claim recorded right after.
    @param pathway_id The pathway id.
    @param holder The learner.
    @param token_ids The parts, increasing.
    @return uint256 The pathway credential's token id.
    """
    head: uint256 = self._head(pathway_id)
    assert head & _ACTIVE_BIT != 0, "pathway: inactive"
    assert self.claimed_token[pathway_id][holder] == 0, "pathway: already claimed"
    count: uint256 = (head >> _OPTIONS_SHIFT) & 31
    # The options, unpacked in place (cheaper than through `_load` and
    # `_unpack`, which copy their arrays).
    options: uint256[MAX_OPTIONS] = empty(uint256[MAX_OPTIONS])
    packed: uint256 = head >> _HEAD_OPTIONS_SHIFT
    for j: uint256 in range(count, bound=MAX_OPTIONS):
        if j >= _HEAD_OPTIONS and (j - _HEAD_OPTIONS) % _PER_WORD == 0:
            packed = self._pathways[pathway_id][1 + (j - _HEAD_OPTIONS) // _PER_WORD]
        options[j] = packed & _OPTION_MASK
        packed >>= _OPTION_BITS
    records: DynArray[uint256, MAX_PARTS] = staticcall registry.credential_words(token_ids)
    # Parts counted per group, eight bits each; the sum of scores; the
    # earliest expiry.
    counted: uint256 = 0
    score_sum: uint256 = 0
    earliest: uint256 = max_value(uint256)
    previous: uint256 = 0
    # The used-part word in hand (index token id >> 8; none yet: a
    # sentinel no token id reaches) and its bits.
    used_index: uint256 = max_value(uint256)
    used: uint256 = 0
    # The options already counted, one bit each: a class counts once.
    classes: uint256 = 0
    i: uint256 = 0
    for token_id: uint256 in token_ids:
        if token_id <= previous:
            assert token_id != previous, "pathway: token used twice"
            raise "pathway: tokens not increasing"
        previous = token_id
        word: uint256 = records[i]
        # Cannot overflow: one step per token id, at most `MAX_PARTS`.
        i = unsafe_add(i, 1)
        class_id: uint256 = (word >> credential_word.CLASS_SHIFT) & credential_word.CLASS_MASK
        entry: uint256 = max_value(uint256)
        option_bit: uint256 = 0
        for j: uint256 in range(count, bound=MAX_OPTIONS):
            if options[j] & _U32 == class_id:
                entry = options[j]
                option_bit = 1 << j
                break
        score: uint256 = (word >> credential_word.SCORE_SHIFT) & credential_word.SCORE_MASK
        expires_at: uint256 = (word >> credential_word.EXPIRY_SHIFT) & credential_word.EXPIRY_MASK
        # Held by the claimant, stored active, not expired, an option, at
        # or above its minimum; otherwise find out why.
        if (
            word & _HOLDER_STATUS_MASK
            != convert(holder, uint256) | credential_word.STATUS_ACTIVE_BITS
            or (expires_at != 0 and block.timestamp >= expires_at)
            or entry == max_value(uint256)
            or score < (entry >> _MIN_SCORE_SHIFT) & _MIN_SCORE_MASK
        ):
            reason: uint8 = self._part_reason(word, holder)
            if reason == PART_COUNTED and entry == max_value(uint256):
                reason = PART_NOT_IN_PATHWAY
            elif reason == PART_COUNTED:
                reason = PART_BELOW_MINIMUM
            self._refuse(reason)
        assert classes & option_bit == 0, "pathway: class used twice"
        classes |= option_bit
        if token_id >> 8 != used_index:
            if used_index != max_value(uint256):
                self._used[pathway_id][used_index] = used
            used_index = token_id >> 8
            used = self._used[pathway_id][used_index]
        bit: uint256 = 1 << (token_id & 255)
        assert used & bit == 0, "pathway: part already used"
        used |= bit
        # Cannot overflow, nor carry from one group's byte into the next: a
        # counted part's group (`entry >> _GROUP_SHIFT`) is below
        # `MAX_GROUPS` (checked at creation), so the shift is at most 56, and
        # at most `MAX_PARTS` (16) parts add one each to a byte.
        counted = unsafe_add(counted, 1 << (8 * (entry >> _GROUP_SHIFT)))
        # Cannot overflow: at most 16 scores of 16 bits each.
        score_sum = unsafe_add(score_sum, score)
        if expires_at != 0 and expires_at < earliest:
            earliest = expires_at
    for g: uint256 in range((head >> _GROUPS_SHIFT) & 15, bound=MAX_GROUPS):
        assert (counted >> (8 * g)) & 255 >= (head >> (_REQUIRED_SHIFT + 4 * g)) & 15, "pathway: requirements not met"
    # Groups are met, so a part was counted and a used word is in hand.
    self._used[pathway_id][used_index] = used
    # The expiry, given to the issue when the parts' earliest comes before
    # the class's validity (0: the class's validity). The earliest is in the
    # future: every part was checked not expired.
    expires_at: uint256 = 0
    if head & _INHERIT_BIT != 0 and earliest != max_value(uint256):
        validity: uint256 = (head >> _VALIDITY_SHIFT) & _VALIDITY_MASK
        if validity == 0 or earliest < block.timestamp + validity:
            expires_at = earliest
    token: uint256 = extcall registry.issue(
        head & _U32,
        holder,
        score_sum // len(token_ids),
        keccak256(abi_encode(pathway_id, token_ids)),
        expires_at,
    )
    self.claimed_token[pathway_id][holder] = token
    log PathwayClaimed(pathway_id=pathway_id, holder=holder, token_id=token, parts=token_ids)
    return token
