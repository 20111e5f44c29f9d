# pragma version ~=0.4.3
"""
@title credstack Credential Word
@custom:contract-name credential_word
@license GNU Affero General Public License v3.0 only
@author credstack
@notice The layout of a credential's storage word in the
        `CredentialRegistry`, and its decoders and encoders. The registry
        writes the word; `CredentialRegistry.credential_words` hands it
        out raw to contracts that read many credentials at once (the
        `PathwayRegistry`), which decode it with this module instead of
        repeating the shifts.

        A stateless module in the manner of snekmate's `utils` (no storage,
        no `__init__`), so a contract imports it without `initializes`.
        Vyper 0.4.3 does not inline internal functions, and a call costs 40
        to 110 gas, so code on a hot path (the registry's writes, the
        pathway claim's loop) writes the same expression inline from these
        constants; `tests/properties/test_credential_word.py` checks that
        the registry stores exactly what the encoders here describe.

        The word:
          bits   0..159  holder
          bits 160..191  class id
          bits 192..231  expires_at (0 = never)
          bits 232..247  score (basis points)
          bits 248..251  stored status (1 active, 2 suspended, 3 revoked,
                         5 burned; 0 for a word never written). Expired
                         (4) is derived from time and never stored.
          bits 252..254  unused (zero)
          bit  255       locked (soulbound); fixed at issue, as the class is
"""


# @dev The holder field: the low 160 bits.
HOLDER_MASK: constant(uint256) = (1 << 160) - 1

# @dev The class id field (32 bits), so class ids run to 2**32 - 1.
CLASS_SHIFT: constant(uint256) = 160
CLASS_MASK: constant(uint256) = (1 << 32) - 1

# @dev The expiry field (40 bits: the largest expiry is in year 36812).
EXPIRY_SHIFT: constant(uint256) = 192
EXPIRY_MASK: constant(uint256) = (1 << 40) - 1

# @dev The score field (16 bits; scores are basis points, at most 10,000).
SCORE_SHIFT: constant(uint256) = 232
SCORE_MASK: constant(uint256) = (1 << 16) - 1

# @dev The stored status field (4 bits).
STATUS_SHIFT: constant(uint256) = 248
STATUS_MASK: constant(uint256) = (1 << 4) - 1

# @dev The lock bit: set at issue for a soulbound class.
LOCKED_BIT: constant(uint256) = 1 << 255

# @dev A word with one field cleared, for rewriting that field.
HOLDER_CLEAR: constant(uint256) = ~HOLDER_MASK
EXPIRY_CLEAR: constant(uint256) = ~(EXPIRY_MASK << EXPIRY_SHIFT)
STATUS_CLEAR: constant(uint256) = ~(STATUS_MASK << STATUS_SHIFT)

# @dev Status values, as `CredentialRegistry.status_of` reports them. All
# but `STATUS_EXPIRED` (derived from time) and `STATUS_NONE` (no word) are
# stored in the status field.
STATUS_NONE: constant(uint8) = 0
STATUS_ACTIVE: constant(uint8) = 1
STATUS_SUSPENDED: constant(uint8) = 2
STATUS_REVOKED: constant(uint8) = 3
STATUS_EXPIRED: constant(uint8) = 4
STATUS_BURNED: constant(uint8) = 5
# @dev `STATUS_ACTIVE` in place in a word (Vyper folds no `convert` in a
# constant), for testing holder and status in one comparison.
STATUS_ACTIVE_BITS: constant(uint256) = 1 << STATUS_SHIFT


# DECODERS #


@internal
@pure
def _holder(word: uint256) -> address:
    """
    @dev The holder field: the holder, or the last holder of a revoked or
         burned credential.
    @param word The credential's storage word.
    @return address The (last) holder.
    """
    return convert(word & HOLDER_MASK, address)


@internal
@pure
def _class_id(word: uint256) -> uint256:
    """
    @dev The class id field.
    @param word The credential's storage word.
    @return uint256 The class id.
    """
    return (word >> CLASS_SHIFT) & CLASS_MASK


@internal
@pure
def _expires_at(word: uint256) -> uint256:
    """
    @dev The expiry field.
    @param word The credential's storage word.
    @return uint256 The expiry, a Unix time (0 = never).
    """
    return (word >> EXPIRY_SHIFT) & EXPIRY_MASK


@internal
@pure
def _score(word: uint256) -> uint256:
    """
    @dev The score field.
    @param word The credential's storage word.
    @return uint256 The score in basis points.
    """
    return (word >> SCORE_SHIFT) & SCORE_MASK


@internal
@pure
def _stored_status(word: uint256) -> uint8:
    """
    @dev The stored status field: never `STATUS_EXPIRED`, which is derived
         (see `_is_expired`).
    @param word The credential's storage word.
    @return uint8 The stored status (`STATUS_NONE` for a word never
            written).
    """
    return convert((word >> STATUS_SHIFT) & STATUS_MASK, uint8)


@internal
@pure
def _is_locked(word: uint256) -> bool:
    """
    @dev The lock bit: True for a soulbound credential.
    @param word The credential's storage word.
    @return bool True if the credential can never be transferred.
    """
    return word & LOCKED_BIT != 0


@internal
@view
def _is_expired(word: uint256) -> bool:
    """
    @dev Whether the credential's expiry, if it has one, has come: a
         credential is valid up to the second before `expires_at`.
    @param word The credential's storage word.
    @return bool True from `expires_at` on; always False for no expiry.
    """
    expires_at: uint256 = (word >> EXPIRY_SHIFT) & EXPIRY_MASK
    return expires_at != 0 and block.timestamp >= expires_at


# ENCODERS #


@internal
@pure
def _pack(
    holder: address,
    class_id: uint256,
    expires_at: uint256,
    score: uint256,
    status: uint8,
    locked: bool,
) -> uint256:
    """
    @dev A whole word. The caller has bounded every field (class id to 32
         bits, expiry to 40, score to 16); nothing is masked here.
    @param holder The holder.
    @param class_id The class id.
    @param expires_at The expiry (0 = never).
    @param score The score in basis points.
    @param status The stored status.
    @param locked True for a soulbound credential.
    @return uint256 The credential's storage word.
    """
    word: uint256 = (
        convert(holder, uint256)
        | (class_id << CLASS_SHIFT)
        | (expires_at << EXPIRY_SHIFT)
        | (score << SCORE_SHIFT)
        | (convert(status, uint256) << STATUS_SHIFT)
    )
    if locked:
        word |= LOCKED_BIT
    return word


@internal
@pure
def _with_holder(word: uint256, holder: address) -> uint256:
    """
    @dev The word with a new holder; every other field kept.
    @param word The credential's storage word.
    @param holder The new holder.
    @return uint256 The new word.
    """
    return (word & HOLDER_CLEAR) | convert(holder, uint256)


@internal
@pure
def _with_expiry(word: uint256, expires_at: uint256) -> uint256:
    """
    @dev The word with a new expiry; every other field kept. The caller
         has checked that `expires_at` fits in 40 bits.
    @param word The credential's storage word.
    @param expires_at The new expiry (0 = never).
    @return uint256 The new word.
    """
    return (word & EXPIRY_CLEAR) | (expires_at << EXPIRY_SHIFT)


@internal
@pure
def _with_status(word: uint256, status: uint8) -> uint256:
    """
    @dev The word with a new stored status; every other field kept.
    @param word The credential's storage word.
    @param status The new stored status (not `STATUS_EXPIRED`).
    @return uint256 The new word.
    """
    return (word & STATUS_CLEAR) | (convert(status, uint256) << STATUS_SHIFT)
