# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title credstack Employer Registry
@custom:contract-name EmployerRegistry
@license GNU Affero General Public License v3.0 only
@author credstack
@notice Employers on the record: governance (the registry's
        `DEFAULT_ADMIN_ROLE` holder, the timelock behind the council)
        onboards and removes them, each with a name and a URL. An active
        employer endorses a class of the `CredentialRegistry` or a pathway
        of the `PathwayRegistry` for a job-task code (an O*NET-SOC code such
        as `15-2051.00`, or a class's own alignment target), with an
        optional note URI, and may withdraw it. Endorsements are public and
        carry no learner data.

        Verification records: an active employer records that it checked a
        credential, with one outcome (verified, interviewed or hired), only
        with the holder's EIP-712 consent: a signature over the token, the
        employer, the set of outcomes allowed, a nonce and a deadline. The
        employer sends the transaction, so the learner pays no gas. Each
        outcome of a consent is recorded once; the holder may revoke a
        consent (by its nonce) at any time, which refuses every later record
        with it. The signer must hold the token now (a transferred token's
        old consents fail), so the record names an address that the token
        already makes public; nothing else about the learner is stored or
        logged. A record is an ERC-5727-style `Verified` event with the
        outcome (`CredentialVerified`), and a count per token.

        The nonce is chosen by the holder's tooling at random (256 bits),
        not counted, so consents cannot be linked by their order and any
        number may be open at once; its state is one word per holder and
        nonce (`consent_state`).

        While the registry is paused, endorsements and records are refused;
        withdrawals and consent revocations, which only take something off
        the record, are not. There is no payable function.
"""


# @dev Governance is read live from the registry's roles (snekmate
# `access_control`), as the `Membership` contract does: whoever holds
# `DEFAULT_ADMIN_ROLE` there (the timelock) governs here.
from snekmate.auth.interfaces import IAccessControl


# @dev The registry: classes (`class_count`), pause, and the credential words
# that give a token's holder and class.
from .interfaces import ICredentialRegistry


# @dev Decodes the registry's credential words.
from .utils import credential_word


# @dev The EIP-712 domain (name "credstack Employers", version "1"), cached
# at deployment, and ERC-5267's `eip712Domain` for wallets. The signature
# itself is recovered in `_signer`, not with snekmate's `ecdsa`, whose
# reverts on a malformed signature carry its own messages: every bad
# signature here is refused as "employer: bad signature", as in `Membership`.
from snekmate.utils import eip712_domain_separator
initializes: eip712_domain_separator


exports: eip712_domain_separator.eip712Domain


# @dev The pathway registry's count: pathway ids run from 1 to it.
interface IPathwayRegistry:
    def pathway_count() -> uint256: view


# CONSTANTS #


# @dev What an endorsement is for.
KIND_CLASS: public(constant(uint8)) = 0
KIND_PATHWAY: public(constant(uint8)) = 1

# @dev Outcomes, one bit each; a consent's `outcomes` is a non-empty mask of
# them, a record's `outcome` exactly one.
OUTCOME_VERIFIED: public(constant(uint8)) = 1
OUTCOME_INTERVIEWED: public(constant(uint8)) = 2
OUTCOME_HIRED: public(constant(uint8)) = 4
_OUTCOMES: constant(uint8) = 7

# @dev The bit of `consent_state` set by `revoke_consent`.
CONSENT_REVOKED: public(constant(uint8)) = 128

_ADMIN_ROLE: constant(bytes32) = empty(bytes32)

_CONSENT_TYPEHASH: constant(bytes32) = keccak256(
    "Consent(uint256 token_id,address employer,uint8 outcomes,uint256 nonce,uint256 deadline)"
)

# @dev The largest `s` of a signature (the lower half of the curve order,
# EIP-2): the other half would let a signature be given in two forms.
_MAX_S: constant(uint256) = (
    57_896_044_618_658_097_711_785_492_504_343_953_926_418_782_139_537_452_191_302_581_570_759_080_747_168
)

# @dev An employer's word: bit 0 active, bits 1..64 `added_at` (when it
# last became active). Zero for an account never added.
_ACTIVE: constant(uint256) = 1
_AT_SHIFT: constant(uint256) = 1
_U64: constant(uint256) = (1 << 64) - 1

# @dev A task code, as a left-aligned word, is checked eight bits at a time
# in one go: every byte below 0x80, at least 0x20 and at most 0x7E.
# @dev 0x01 in every byte.
_BYTES: constant(uint256) = max_value(uint256) // 255
_HIGH_BITS: constant(uint256) = _BYTES * 128
_PLUS_60: constant(uint256) = _BYTES * 96
# @dev Filler for the bytes after a code's end ("A", printable).
_FILLER: constant(uint256) = _BYTES * 65


# STRUCTS #


struct EmployerInfo:
    name: String[64]
    url: String[128]
    active: bool
    added_at: uint64


struct EndorsementInfo:
    active: bool
    endorsed_at: uint64
    note_uri: String[256]


# STATE #


registry: public(immutable(address))
pathways: public(immutable(address))

# @dev account => active | added_at << 1.
_employers: HashMap[address, uint256]
_names: HashMap[address, String[64]]
_urls: HashMap[address, String[128]]

# @dev Every account ever added, in the order first added (a re-added one
# keeps its place).
employer_count: public(uint256)
_employer_list: HashMap[uint256, address]

# @dev employer => target key (kind, target id, task hash) => active |
# endorsed_at << 1, and the note.
_endorsements: HashMap[address, HashMap[bytes32, uint256]]
_notes: HashMap[address, HashMap[bytes32, String[256]]]
# @dev target key => endorsements not withdrawn.
_endorsement_counts: HashMap[bytes32, uint256]

# @dev holder => nonce => the outcomes recorded with that consent, and
# `CONSENT_REVOKED` once revoked.
consent_state: public(HashMap[address, HashMap[uint256, uint8]])

# @dev token id => records made (every outcome counts).
verification_count: public(HashMap[uint256, uint256])


# EVENTS #


# @dev Logged by every `add_employer`: an onboarding, a return, or a new
# name or URL for an active employer.
event EmployerAdded:
    employer: indexed(address)
    name: String[64]
    url: String[128]


event EmployerRemoved:
    employer: indexed(address)


# @dev Logged by every `endorse`, a re-endorsement (a new note) too.
event Endorsed:
    employer: indexed(address)
    kind: uint8
    target_id: indexed(uint256)
    task_hash: indexed(bytes32)
    task: String[32]
    note_uri: String[256]


event EndorsementWithdrawn:
    employer: indexed(address)
    kind: uint8
    target_id: indexed(uint256)
    task_hash: indexed(bytes32)
    task: String[32]


# @dev ERC-5727's `Verified(verifier, tokenId, result)` with the holder who
# consented, the outcome, the credential's class and the consent's nonce.
event CredentialVerified:
    token_id: indexed(uint256)
    employer: indexed(address)
    holder: indexed(address)
    outcome: uint8
    class_id: uint256
    nonce: uint256


event ConsentRevoked:
    holder: indexed(address)
    nonce: uint256


@deploy
def __init__(registry_: address, pathways_: address):
    """
    @param registry_ The `CredentialRegistry`: its classes, credentials,
           pause and governance.
    @param pathways_ The `PathwayRegistry` whose pathways may be endorsed.
    """
    assert registry_.is_contract, "employer: registry not a contract"
    assert pathways_.is_contract, "employer: pathways not a contract"
    registry = registry_
    pathways = pathways_
    eip712_domain_separator.__init__("credstack Employers", "1")


# EMPLOYERS #


@external
def add_employer(employer: address, name: String[64], url: String[128]):
    """
    @notice Governance onboards an employer, or gives an active one a new
            name and URL, or re-adds a removed one (active again, with the
            new name and URL; its endorsements not withdrawn stand as they
            were).
    @param employer The employer's account (it sends endorsements and
           records).
    @param name The employer's name, for people.
    @param url Where people learn who the employer is.
    """
    self._check_governance()
    assert employer != empty(address), "employer: zero address"
    assert len(name) != 0, "employer: empty name"
    word: uint256 = self._employers[employer]
    if word & _ACTIVE == 0:
        if word == 0:
            count: uint256 = self.employer_count
            self._employer_list[count] = employer
            # Cannot overflow: one per account.
            self.employer_count = unsafe_add(count, 1)
        self._employers[employer] = _ACTIVE | (block.timestamp << _AT_SHIFT)
    self._names[employer] = name
    self._urls[employer] = url
    log EmployerAdded(employer=employer, name=name, url=url)


@external
def remove_employer(employer: address):
    """
    @notice Governance removes an employer: it can no longer endorse or
            record; its records stay, and its endorsements stay on the
            record (counted) until it withdraws them or is re-added.
    @param employer The employer's account.
    """
    self._check_governance()
    word: uint256 = self._employers[employer]
    assert word & _ACTIVE != 0, "employer: unknown employer"
    self._employers[employer] = word & ~_ACTIVE
    log EmployerRemoved(employer=employer)


# ENDORSEMENTS #


@external
def endorse(kind: uint8, target_id: uint256, task: String[32], note_uri: String[256]):
    """
    @notice The caller (an active employer) endorses a class or a pathway
            for a job-task code; again, to change the note.
    @param kind `KIND_CLASS` or `KIND_PATHWAY`.
    @param target_id The class id in the registry, or the pathway id.
    @param task The job-task code: 1 to 32 printable ASCII characters.
    @param note_uri Where the employer says more (may be empty; not
           checked).
    """
    self._check_employer(msg.sender)
    assert not staticcall ICredentialRegistry(registry).paused(), "employer: paused"
    key: bytes32 = self._target_key(kind, target_id, task)
    if kind == KIND_CLASS:
        assert target_id != 0 and target_id <= staticcall ICredentialRegistry(
            registry
        ).class_count(), "employer: unknown class"
    else:
        assert target_id != 0 and target_id <= staticcall IPathwayRegistry(
            pathways
        ).pathway_count(), "employer: unknown pathway"
    self._check_task(task)
    word: uint256 = self._endorsements[msg.sender][key]
    if word & _ACTIVE == 0:
        # Cannot overflow: at most one per employer.
        self._endorsement_counts[key] = unsafe_add(self._endorsement_counts[key], 1)
    self._endorsements[msg.sender][key] = _ACTIVE | (block.timestamp << _AT_SHIFT)
    if word != 0 or len(note_uri) != 0:
        self._notes[msg.sender][key] = note_uri
    log Endorsed(
        employer=msg.sender,
        kind=kind,
        target_id=target_id,
        task_hash=keccak256(task),
        task=task,
        note_uri=note_uri,
    )


@external
def withdraw(kind: uint8, target_id: uint256, task: String[32]):
    """
    @notice The employer that endorsed withdraws the endorsement (also after
            its removal, and while the registry is paused).
    @param kind `KIND_CLASS` or `KIND_PATHWAY`.
    @param target_id The class or pathway id.
    @param task The job-task code.
    """
    key: bytes32 = self._target_key(kind, target_id, task)
    word: uint256 = self._endorsements[msg.sender][key]
    assert word & _ACTIVE != 0, "employer: not endorsed"
    self._endorsements[msg.sender][key] = word & ~_ACTIVE
    # Cannot underflow: this endorsement was counted.
    self._endorsement_counts[key] = unsafe_sub(self._endorsement_counts[key], 1)
    log EndorsementWithdrawn(
        employer=msg.sender, kind=kind, target_id=target_id, task_hash=keccak256(task), task=task
    )


# VERIFICATIONS #


@external
def record(
    token_id: uint256,
    outcome: uint8,
    outcomes: uint8,
    nonce: uint256,
    deadline: uint256,
    signature: Bytes[65],
):
    """
    @notice The caller (an active employer) records an outcome for a
            credential, with its holder's consent: the holder's EIP-712
            signature of Consent(token_id, employer = the caller, outcomes,
            nonce, deadline).
    @param token_id The credential.
    @param outcome One of the `OUTCOME_*` bits.
    @param outcomes The outcomes the holder allowed (a mask of them).
    @param nonce The consent's nonce.
    @param deadline The last second the consent may be used.
    @param signature r, s, v (65 bytes; `s` in the lower half).
    """
    self._check_employer(msg.sender)
    assert not staticcall ICredentialRegistry(registry).paused(), "employer: paused"
    assert outcome == OUTCOME_VERIFIED or outcome == OUTCOME_INTERVIEWED or outcome == OUTCOME_HIRED, "employer: bad outcome"
    # A mask of the three bits: 1 to 7.
    assert outcomes != 0 and outcomes <= _OUTCOMES, "employer: bad outcome"
    assert outcomes & outcome != 0, "employer: outcome not allowed"
    assert block.timestamp <= deadline, "employer: consent expired"
    word: uint256 = (staticcall ICredentialRegistry(registry).credential_words([token_id]))[0]
    status: uint8 = credential_word._stored_status(word)
    assert status != credential_word.STATUS_NONE and status != credential_word.STATUS_BURNED, "employer: unknown token"
    holder: address = credential_word._holder(word)
    struct_hash: bytes32 = keccak256(
        abi_encode(_CONSENT_TYPEHASH, token_id, msg.sender, outcomes, nonce, deadline)
    )
    signer: address = self._signer(eip712_domain_separator._hash_typed_data_v4(struct_hash), signature)
    assert signer == holder and signer != empty(address), "employer: bad signature"
    state: uint8 = self.consent_state[holder][nonce]
    assert state & CONSENT_REVOKED == 0, "employer: consent revoked"
    assert state & outcome == 0, "employer: consent used"
    self.consent_state[holder][nonce] = state | outcome
    # Cannot overflow: one per transaction.
    self.verification_count[token_id] = unsafe_add(self.verification_count[token_id], 1)
    log CredentialVerified(
        token_id=token_id,
        employer=msg.sender,
        holder=holder,
        outcome=outcome,
        class_id=credential_word._class_id(word),
        nonce=nonce,
    )


@external
def revoke_consent(nonce: uint256):
    """
    @notice The caller revokes their consent with this nonce, before or
            after part of it was used: every later record with it is
            refused. Allowed while the registry is paused.
    @param nonce The consent's nonce.
    """
    state: uint8 = self.consent_state[msg.sender][nonce]
    assert state & CONSENT_REVOKED == 0, "employer: consent revoked"
    self.consent_state[msg.sender][nonce] = state | CONSENT_REVOKED
    log ConsentRevoked(holder=msg.sender, nonce=nonce)


# VIEWS #


@external
@view
def employer(account: address) -> EmployerInfo:
    """
    @notice An employer's name, URL, whether it is active, and when it last
            became active; all empty for an account never added.
    @param account The account.
    @return EmployerInfo The record.
    """
    word: uint256 = self._employers[account]
    return EmployerInfo(
        name=self._names[account],
        url=self._urls[account],
        active=word & _ACTIVE != 0,
        added_at=convert((word >> _AT_SHIFT) & _U64, uint64),
    )


@external
@view
def is_employer(account: address) -> bool:
    """
    @notice Whether an account is an active employer.
    @param account The account.
    @return bool True if it is.
    """
    return self._employers[account] & _ACTIVE != 0


@external
@view
def employer_at(index: uint256) -> address:
    """
    @notice The account added `index`-th (from 0), removed ones included.
    @param index Below `employer_count`.
    @return address The account.
    """
    assert index < self.employer_count, "employer: index out of range"
    return self._employer_list[index]


@external
@view
def endorsement(employer: address, kind: uint8, target_id: uint256, task: String[32]) -> EndorsementInfo:
    """
    @notice An employer's endorsement of a class or pathway for a task:
            whether it stands (not withdrawn; the employer may since have
            been removed, see `is_employer`), when it was last made, and
            its note (kept after a withdrawal).
    @param employer The employer's account.
    @param kind `KIND_CLASS` or `KIND_PATHWAY`.
    @param target_id The class or pathway id.
    @param task The job-task code.
    @return EndorsementInfo The record (all empty if never made).
    """
    key: bytes32 = self._target_key(kind, target_id, task)
    word: uint256 = self._endorsements[employer][key]
    return EndorsementInfo(
        active=word & _ACTIVE != 0,
        endorsed_at=convert((word >> _AT_SHIFT) & _U64, uint64),
        note_uri=self._notes[employer][key],
    )


@external
@view
def endorsement_count(kind: uint8, target_id: uint256, task: String[32]) -> uint256:
    """
    @notice How many employers endorse a class or pathway for a task and
            have not withdrawn it, removed employers included (a removal
            does not touch their endorsements; count only active ones with
            `is_employer` over the `Endorsed` events).
    @param kind `KIND_CLASS` or `KIND_PATHWAY`.
    @param target_id The class or pathway id.
    @param task The job-task code.
    @return uint256 The count.
    """
    return self._endorsement_counts[self._target_key(kind, target_id, task)]


@external
@view
def DOMAIN_SEPARATOR() -> bytes32:
    """
    @notice The EIP-712 domain separator of consents: name "credstack
            Employers", version "1", this chain, this contract.
    @return bytes32 The separator.
    """
    return eip712_domain_separator._domain_separator_v4()


# INTERNAL #


@internal
@view
def _check_governance():
    """
    @dev Reverts unless the caller holds the registry's
         `DEFAULT_ADMIN_ROLE`.
    """
    assert staticcall IAccessControl(registry).hasRole(_ADMIN_ROLE, msg.sender), "employer: not governance"


@internal
@view
def _check_employer(account: address):
    """
    @dev Reverts unless `account` is an active employer.
    @param account The account.
    """
    assert self._employers[account] & _ACTIVE != 0, "employer: not employer"


@internal
@pure
def _target_key(kind: uint8, target_id: uint256, task: String[32]) -> bytes32:
    """
    @dev The key of (kind, target, task), reverting for a kind that is
         neither a class nor a pathway.
    @param kind The kind.
    @param target_id The class or pathway id.
    @param task The job-task code.
    @return bytes32 keccak256(kind, target_id, keccak256(task)).
    """
    assert kind <= KIND_PATHWAY, "employer: bad kind"
    return keccak256(abi_encode(kind, target_id, keccak256(task)))


@internal
@pure
def _check_task(task: String[32]):
    """
    @dev Reverts unless the task code is 1 to 32 printable ASCII characters
         (0x20 to 0x7E): no control character, no byte of a multi-byte
         UTF-8 character. All 32 bytes are tested at once.
    @param task The job-task code.
    """
    length: uint256 = len(task)
    assert length != 0, "employer: empty task"
    # The code left-aligned in a word, its unused low bytes zero, then set to
    # a printable filler.
    code: uint256 = convert(convert(convert(task, Bytes[32]), bytes32), uint256)
    code |= _FILLER & ((1 << (8 * (32 - length))) - 1)
    assert code & _HIGH_BITS == 0, "employer: bad task"
    # Cannot overflow, nor carry between bytes: every byte is below 0x80, so
    # below 0xE0 with 0x60 added and at most 0x80 with 1 added. A byte is at
    # least 0x20 iff its sum with 0x60 reaches 0x80, and at most 0x7E iff
    # its sum with 1 stays below 0x80.
    assert unsafe_add(code, _PLUS_60) & _HIGH_BITS == _HIGH_BITS, "employer: bad task"
    assert unsafe_add(code, _BYTES) & _HIGH_BITS == 0, "employer: bad task"


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
