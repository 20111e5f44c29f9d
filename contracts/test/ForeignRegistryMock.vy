# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title Foreign Registry Mock (tests only)
@custom:contract-name ForeignRegistryMock
@license GNU Affero General Public License v3.0 only
@author credstack
@notice A registry from elsewhere (foreign, or an old credstack deployed
        before class text had to be UTF-8) that answers the reads and emits
        the events `verify` uses, with whatever bytes a test gives it for
        the class name and URI and the revocation reason: raw bytes go
        out where the ABI says `string`, as any contract can send them.
"""


struct ClassInfo:
    issuer: address
    name: String[64]
    uri: String[256]
    transferable: bool
    revocable: bool
    validity: uint256
    min_score: uint256
    active: bool


struct Credential:
    holder: address
    class_id: uint256
    score: uint256
    expires_at: uint256
    status: uint8


event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    token_id: indexed(uint256)


event ClassCreated:
    class_id: indexed(uint256)
    issuer: indexed(address)
    name: String[64]
    uri: String[256]
    transferable: bool
    revocable: bool
    validity: uint256
    min_score: uint256


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


_names: HashMap[uint256, Bytes[64]]
_uris: HashMap[uint256, Bytes[256]]
_issuers: HashMap[uint256, address]
_holders: HashMap[uint256, address]
_classes: HashMap[uint256, uint256]
_statuses: HashMap[uint256, uint8]


@external
def add_class(class_id: uint256, name: Bytes[64], uri: Bytes[256]):
    """
    @notice A class with the caller as issuer, its text as given.
    @param class_id The class id.
    @param name The name's bytes (UTF-8 or not).
    @param uri The URI's bytes (UTF-8 or not).
    """
    self._names[class_id] = name
    self._uris[class_id] = uri
    self._issuers[class_id] = msg.sender
    log ClassCreated(
        class_id=class_id,
        issuer=msg.sender,
        name=convert(name, String[64]),
        uri=convert(uri, String[256]),
        transferable=False,
        revocable=True,
        validity=0,
        min_score=0,
    )


@external
def issue(token_id: uint256, class_id: uint256, holder: address):
    """
    @notice A credential of the class, active, never expiring.
    @param token_id The token id.
    @param class_id The class id.
    @param holder The holder.
    """
    self._holders[token_id] = holder
    self._classes[token_id] = class_id
    self._statuses[token_id] = 1
    log Transfer(sender=empty(address), receiver=holder, token_id=token_id)
    log CredentialIssued(
        token_id=token_id,
        class_id=class_id,
        holder=holder,
        score=9_000,
        expires_at=0,
        evidence_hash=keccak256(b"evidence"),
    )


@external
def revoke(token_id: uint256, reason: Bytes[256]):
    """
    @notice Revokes with a reason's bytes (UTF-8 or not).
    @param token_id The token id.
    @param reason The reason's bytes.
    """
    self._statuses[token_id] = 3
    holder: address = self._holders[token_id]
    log Transfer(sender=holder, receiver=empty(address), token_id=token_id)
    log CredentialRevoked(
        token_id=token_id,
        class_id=self._classes[token_id],
        holder=holder,
        reason=convert(reason, String[256]),
    )


@external
@view
def class_info(class_id: uint256) -> ClassInfo:
    """
    @notice The class, its strings as stored.
    @param class_id The class id.
    @return ClassInfo The class.
    """
    return ClassInfo(
        issuer=self._issuers[class_id],
        name=convert(self._names[class_id], String[64]),
        uri=convert(self._uris[class_id], String[256]),
        transferable=False,
        revocable=True,
        validity=0,
        min_score=0,
        active=True,
    )


@external
@view
def credential(token_id: uint256) -> Credential:
    """
    @notice The credential record.
    @param token_id The token id.
    @return Credential The record.
    """
    return Credential(
        holder=self._holders[token_id],
        class_id=self._classes[token_id],
        score=9_000,
        expires_at=0,
        status=self._statuses[token_id],
    )


@external
@view
def status_of(token_id: uint256) -> uint8:
    """
    @notice The stored status.
    @param token_id The token id.
    @return uint8 The status.
    """
    return self._statuses[token_id]


@external
@view
def is_valid(token_id: uint256) -> bool:
    """
    @notice Whether the status is active.
    @param token_id The token id.
    @return bool True if active.
    """
    return self._statuses[token_id] == 1
