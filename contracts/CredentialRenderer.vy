# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title credstack Credential Renderer
@custom:contract-name CredentialRenderer
@license GNU Affero General Public License v3.0 only
@author credstack
@notice Draws a credential's live ERC-721 metadata: a
        `data:application/json;base64` document with name, description,
        external_url (the class's Open Badges achievement URI) and
        attributes for status, score, class, issuer and, where it expires,
        expiry (an OpenSea-style `date`). No holder data: the holder is the
        token's owner and nothing personal is on chain.

        Stateless, so the registry keeps its code size for policy. The
        registry stores a class's name and URI only after `check_text`
        here has passed them: well-formed UTF-8 (any ABI client can send
        raw bytes where a string goes), with no quote, backslash or control
        character, so they go into the JSON verbatim and any strict parser
        reads it.
"""


# @dev The interface the registry calls.
from .interfaces import ICredentialRenderer
implements: ICredentialRenderer


# @dev RFC 4648 Base64 for the `data:` URI.
from snekmate.utils import base64
initializes: base64


# @dev snekmate's encoder takes at most 1,024 bytes and returns up to 342
# four-character chunks; eight chunks fill one 32-byte word.
_JSON_BOUND: constant(uint256) = 1_024
_CHUNK_BOUND: constant(uint256) = 342
_WORD_BOUND: constant(uint256) = 43


@deploy
def __init__():
    """
    @dev Initialises the Base64 module (it holds no state).
    """
    base64.__init__()


@external
@view
def render(
    token_id: uint256,
    class_id: uint256,
    class_name: String[64],
    class_uri: String[256],
    issuer: address,
    status: uint8,
    score: uint256,
    expires_at: uint256,
) -> String[1_500]:
    """
    @notice Draws a credential's metadata as a `data:` URI.
    @param token_id The token id.
    @param class_id The class id.
    @param class_name The class name.
    @param class_uri The class metadata URI.
    @param issuer The class's issuer.
    @param status The `status_of` value (1 to 5).
    @param score The score in basis points.
    @param expires_at The expiry, 0 for never.
    @return String A `data:application/json;base64,...` URI.
    """
    status_name: String[9] = self._status_name(status)
    expiry: String[72] = ""
    if expires_at != 0:
        expiry = concat(
            '},{"trait_type":"expires_at","display_type":"date","value":',
            uint2str(convert(expires_at, uint40)),
        )
    json: String[_JSON_BOUND] = concat(
        '{"name":"',
        class_name,
        " #",
        uint2str(convert(token_id, uint64)),
        '","description":"',
        class_name,
        ", a microcredential on credstack. Status: ",
        status_name,
        '.","external_url":"',
        class_uri,
        '","attributes":[{"trait_type":"status","value":"',
        status_name,
        '"},{"trait_type":"score","value":',
        uint2str(convert(score, uint16)),
        '},{"trait_type":"class","value":',
        uint2str(convert(class_id, uint32)),
        '},{"trait_type":"issuer","value":"',
        self._hex_address(issuer),
        '"',
        expiry,
        "}]}",
    )
    return concat("data:application/json;base64,", self._base64(convert(json, Bytes[_JSON_BOUND])))


@external
@pure
def check_text(text: String[256]) -> bool:
    """
    @notice Reverts unless `text` can go into the JSON verbatim: well-formed
            UTF-8 (RFC 3629: no overlong form, no surrogate, nothing above
            U+10FFFF, no sequence cut short) with no double quote, backslash
            or control character below U+0020.
    @dev One pass over the bytes, 32 at a time from a word. The allowed
         range of each continuation byte is that of the Unicode Standard's
         table 3-7: 80..BF, but A0..BF after E0, 80..9F after ED, 90..BF
         after F0 and 80..8F after F4.
    @param text The text (a class name or URI).
    @return bool True.
    """
    raw: Bytes[256] = convert(text, Bytes[256])
    # Padded so that the last word can be read whole.
    padded: Bytes[288] = concat(raw, empty(bytes32))
    word: uint256 = 0
    pending: uint256 = 0
    low: uint256 = 128
    high: uint256 = 191
    for i: uint256 in range(len(raw), bound=256):
        if i % 32 == 0:
            word = convert(extract32(padded, i), uint256)
        c: uint256 = word >> 248
        word = word << 8
        if pending != 0:
            assert c >= low and c <= high, "credential: invalid UTF-8"
            low = 128
            high = 191
            pending -= 1
        elif c < 128:
            assert c >= 32 and c != 34 and c != 92, "credential: invalid character"
        elif c >= 194 and c <= 223:
            pending = 1
        elif c >= 224 and c <= 239:
            pending = 2
            if c == 224:
                low = 160
            elif c == 237:
                high = 159
        else:
            assert c >= 240 and c <= 244, "credential: invalid UTF-8"
            pending = 3
            if c == 240:
                low = 144
            elif c == 244:
                high = 143
    assert pending == 0, "credential: invalid UTF-8"
    return True


@internal
@pure
def _status_name(status: uint8) -> String[9]:
    """
    @dev The word for a status in metadata.
    @param status A `status_of` value.
    @return String The status name.
    """
    if status == 1:
        return "active"
    if status == 2:
        return "suspended"
    if status == 3:
        return "revoked"
    if status == 4:
        return "expired"
    if status == 5:
        return "burned"
    return "none"


@internal
@pure
def _hex_address(account: address) -> String[42]:
    """
    @dev An address as 0x and 40 lowercase hex digits.
    @param account The address.
    @return String The hex string.
    """
    value: uint256 = convert(account, uint256)
    high: uint256 = 0
    low: uint256 = 0
    for i: uint256 in range(40):
        nibble: uint256 = (value >> (156 - 4 * i)) & 15
        char: uint256 = nibble + 48
        if nibble > 9:
            char = nibble + 87
        if i < 32:
            high |= char << (248 - 8 * i)
        else:
            low |= char << (248 - 8 * (i - 32))
    return convert(
        concat(b"0x", convert(high, bytes32), slice(convert(low, bytes32), 0, 8)), String[42]
    )


@internal
@pure
def _base64(data: Bytes[_JSON_BOUND]) -> String[1_376]:
    """
    @dev Base64 of `data` as one string. snekmate's encoder returns
         4-character chunks; eight of them fill a word, and the ABI encoding
         of the word array, less its 64-byte head, is the string.
    @param data At most 1,024 bytes.
    @return String The Base64 text.
    """
    chunks: DynArray[String[4], 1_368] = base64._encode(data, False)
    count: uint256 = len(chunks)
    words: DynArray[bytes32, _WORD_BOUND] = []
    acc: uint256 = 0
    for i: uint256 in range(count, bound=_CHUNK_BOUND):
        part: uint256 = convert(convert(convert(chunks[i], Bytes[4]), bytes4), uint256)
        acc |= part << (224 - 32 * (i % 8))
        if i % 8 == 7:
            words.append(convert(acc, bytes32))
            acc = 0
    if count % 8 != 0:
        words.append(convert(acc, bytes32))
    return convert(slice(abi_encode(words), 64, 4 * count), String[1_376])
