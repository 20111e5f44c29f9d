# pragma version ~=0.4.3
# pragma evm-version cancun
"""
@title credstack Credential Renderer
@custom:contract-name CredentialRenderer
@license GNU Affero General Public License v3.0 only
@author credstack
@notice Draws a credential's live ERC-721 metadata: a
        `data:application/json;base64` document with name, description,
        external_url (the class's Open Badges achievement URI), image (a
        badge drawn here as SVG) and attributes for status, score, class,
        issuer and, where it expires, expiry (an OpenSea-style `date`). No
        holder data: the holder is the token's owner and nothing personal
        is on chain.

        The badge is a `data:image/svg+xml;base64` picture, 400 by 400: the
        status in words on a band of its colour (and the frame in that
        colour), the class name on up to three lines, the score, the expiry
        (or "No expiry"), the issuer's address and the token id. Wallets and
        NFT views draw a token from its `image`; without one, a credential
        shows as a blank tile. The name is the one text an issuer controls:
        every `<`, `>`, `&`, `"` and `'` in it becomes an XML entity, and it
        breaks into lines only between characters, never inside a UTF-8
        sequence or an entity.

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


# @dev RFC 4648 Base64 for the `data:` URIs, 24 bytes a step (snekmate's
# `base64` spent most of the call's gas and takes at most 1,024 bytes).
from .utils import base64_words


# @dev The longest badge and its Base64 text, the longest document, and the
# longest URI (the compiler checks each concatenation against them).
_SVG_BOUND: constant(uint256) = 1_452
_IMAGE_BOUND: constant(uint256) = 1_936
_JSON_BOUND: constant(uint256) = base64_words.DATA_BOUND
_URI_BOUND: constant(uint256) = 3_717

# @dev Masks of the low half of each lane as 128 bits spread into 32 bytes
# of one hex digit each (`_hex_digits`), and 0x01 in every byte.
_HEX_LOW_64: constant(uint256) = (1 << 64) - 1
_HEX_LOW_32: constant(uint256) = ((1 << 32) - 1) * (1 + (1 << 128))
_HEX_LOW_16: constant(uint256) = ((1 << 16) - 1) * (max_value(uint256) // ((1 << 64) - 1))
_HEX_LOW_8: constant(uint256) = 255 * (max_value(uint256) // ((1 << 32) - 1))
_HEX_LOW_4: constant(uint256) = 15 * (max_value(uint256) // ((1 << 16) - 1))
_BYTE_ONES: constant(uint256) = max_value(uint256) // 255

# @dev The bytes of a name a badge line holds: 24 characters of Latin text,
# capitals included, fit the tile at the name's size (12 of accented text, 8
# of CJK).
_LINE: constant(uint256) = 24


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
) -> String[_URI_BOUND]:
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
    # Written once for the badge and the attributes (40 digits cost some 16,000 gas).
    issuer_hex: String[42] = self._hex_address(issuer)
    svg: String[_SVG_BOUND] = self._badge(
        token_id, class_name, issuer_hex, status, score, expires_at
    )
    image: String[_IMAGE_BOUND] = convert(
        convert(base64_words._encode(convert(svg, Bytes[_SVG_BOUND])), Bytes[_IMAGE_BOUND]),
        String[_IMAGE_BOUND],
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
        '","image":"data:image/svg+xml;base64,',
        image,
        '","attributes":[{"trait_type":"status","value":"',
        status_name,
        '"},{"trait_type":"score","value":',
        uint2str(convert(score, uint16)),
        '},{"trait_type":"class","value":',
        uint2str(convert(class_id, uint32)),
        '},{"trait_type":"issuer","value":"',
        issuer_hex,
        '"',
        expiry,
        "}]}",
    )
    text: String[base64_words.TEXT_BOUND] = base64_words._encode(convert(json, Bytes[_JSON_BOUND]))
    return concat(
        "data:application/json;base64,",
        convert(convert(text, Bytes[_URI_BOUND - 29]), String[_URI_BOUND - 29]),
    )


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
    @dev An address as 0x and 40 lowercase hex digits: the first 32 digits
         and the last 8 each spread into a word a byte per digit at once
         (`_hex_digits`), not a digit per loop step.
    @param account The address.
    @return String The hex string.
    """
    value: uint256 = convert(account, uint256)
    # The last 8 digits are the low 8 bytes of their word: moved to its top.
    low: uint256 = self._hex_digits(value & ((1 << 32) - 1)) << 192
    return convert(
        concat(
            b"0x",
            convert(self._hex_digits(value >> 32), bytes32),
            slice(convert(low, bytes32), 0, 8),
        ),
        String[42],
    )


@internal
@pure
def _hex_digits(bits: uint256) -> uint256:
    """
    @dev The 32 lowercase hex digits of a number below 2**128 as the 32
         bytes of a word, the first digit in the highest byte: each step
         moves the high half of every lane up into a lane of half the width
         (64-bit halves into 128-bit lanes, down to 4 bits into bytes), and
         then every byte n becomes '0' + n, plus 39 (to 'a') where n >= 10:
         the high bit of n + 118, which stays within the byte.
    @param bits The number (below 2**128).
    @return uint256 The digits, as ASCII bytes.
    """
    x: uint256 = bits
    low: uint256 = x & _HEX_LOW_64
    x = ((x ^ low) << 64) | low
    low = x & _HEX_LOW_32
    x = ((x ^ low) << 32) | low
    low = x & _HEX_LOW_16
    x = ((x ^ low) << 16) | low
    low = x & _HEX_LOW_8
    x = ((x ^ low) << 8) | low
    low = x & _HEX_LOW_4
    x = ((x ^ low) << 4) | low
    # Each byte is below 16: n + 118 and n + 48 + 39 stay below 256, so no
    # byte carries into the next.
    letters: uint256 = (unsafe_add(x, 118 * _BYTE_ONES) & (128 * _BYTE_ONES)) >> 7
    return unsafe_add(unsafe_add(x, 48 * _BYTE_ONES), unsafe_mul(letters, 39))


@internal
@pure
def _badge(
    token_id: uint256,
    class_name: String[64],
    issuer_hex: String[42],
    status: uint8,
    score: uint256,
    expires_at: uint256,
) -> String[_SVG_BOUND]:
    """
    @dev The badge as SVG text: a white tile framed in the status colour,
         the status on a band of that colour, the class name's lines, the
         score, the expiry, the issuer and the token id, in the generic
         sans-serif and monospace fonts. Colours keep a contrast of at least
         4.5:1 (WCAG AA) between each text and its ground.
    @param token_id The token id.
    @param class_name The class name.
    @param issuer_hex The class's issuer as 0x and 40 lowercase hex digits.
    @param status The `status_of` value.
    @param score The score in basis points.
    @param expires_at The expiry, 0 for never.
    @return String The SVG document.
    """
    label: String[9] = ""
    ground: String[7] = ""
    ink: String[7] = ""
    label, ground, ink = self._status_style(status)
    expiry: String[32] = "No expiry"
    if expires_at != 0:
        verb: String[8] = "Expires "
        if status == 4:
            verb = "Expired "
        expiry = concat(verb, self._utc_time(expires_at))
    return concat(
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400"'
        ' font-family="sans-serif" text-anchor="middle" fill="#111827">'
        '<rect x="8" y="8" width="384" height="384" rx="24" fill="#fff" stroke="',
        ground,
        '" stroke-width="16"/><path d="M8 32a24 24 0 0 1 24-24h336a24 24 0 0 1 24 24v56H8z" fill="',
        ground,
        '"/><text x="200" y="60" font-size="28" font-weight="bold" letter-spacing="2" fill="',
        ink,
        '">',
        label,
        '</text><text font-size="20" font-weight="bold">',
        self._name_lines(class_name),
        '</text><text x="200" y="250" font-size="20">Score ',
        self._percent(score),
        '%</text><text x="200" y="282" font-size="16" fill="#374151">',
        expiry,
        '</text><text x="200" y="322" font-size="14" fill="#4b5563">Issuer</text>'
        '<text x="200" y="342" font-size="13" font-family="monospace">',
        issuer_hex,
        '</text><text x="200" y="370" font-size="13" fill="#4b5563">credstack #',
        uint2str(convert(token_id, uint64)),
        "</text></svg>",
    )


@internal
@pure
def _status_style(status: uint8) -> (String[9], String[7], String[7]):
    """
    @dev The badge's word for a status, its colour and the colour of the
         word on it: green, amber (dark text), red, grey and near-black.
    @param status A `status_of` value.
    @return String The word in capitals.
    @return String The status colour.
    @return String The word's colour.
    """
    if status == 1:
        return "VALID", "#15803d", "#fff"
    if status == 2:
        return "SUSPENDED", "#fbbf24", "#111827"
    if status == 3:
        return "REVOKED", "#b91c1c", "#fff"
    if status == 4:
        return "EXPIRED", "#4b5563", "#fff"
    if status == 5:
        return "BURNED", "#111827", "#fff"
    return "NONE", "#9ca3af", "#111827"


@internal
@pure
def _name_lines(class_name: String[64]) -> String[552]:
    """
    @dev The class name as up to three centred `tspan` lines of at most
         `_LINE` bytes, escaped for XML. A line that must break ends at the
         last space in its last two thirds (the space is not drawn), else before
         the character that would not fit: a line starts and ends between
         characters, never inside a UTF-8 sequence, and each line is escaped
         on its own, so no entity is split. Text left after the third line
         is cut at a character and marked with an ellipsis.
    @param class_name The class name (at most 64 bytes).
    @return String The `tspan` elements.
    """
    raw: Bytes[64] = convert(class_name, Bytes[64])
    size: uint256 = len(raw)
    # Padded so that both words can be read whole.
    padded: Bytes[128] = concat(raw, empty(bytes32), empty(bytes32))
    high: uint256 = convert(extract32(padded, 0), uint256)
    low: uint256 = convert(extract32(padded, 32), uint256)
    starts: uint256[3] = empty(uint256[3])
    stops: uint256[3] = empty(uint256[3])
    count: uint256 = 0
    start: uint256 = 0
    for k: uint256 in range(3):
        if start >= size:
            break
        stop: uint256 = size
        if size - start > _LINE:
            # The third line keeps room for the ellipsis.
            stop = start + _LINE - k // 2
            # Back to the first byte of a character (at most 3 steps); a
            # continuation byte is 10xxxxxx.
            for _: uint256 in range(3):
                if self._byte_at(high, low, stop) & 192 != 128:
                    break
                stop -= 1
            # A break at a space: the last one in the line's last two
            # thirds (at most 15 bytes back, after at least 6 bytes of text).
            if k < 2:
                for j: uint256 in range(_LINE * 2 // 3):
                    if self._byte_at(high, low, stop - j) == 32:
                        stop -= j
                        break
        starts[k] = start
        stops[k] = stop
        count = k + 1
        start = stop
        if start < size and self._byte_at(high, low, start) == 32:
            start += 1
    lines: DynArray[String[184], 3] = []
    # Centred on y = 160, 26 apart.
    y: uint256 = 173 - 13 * count
    for k: uint256 in range(3):
        if k >= count:
            lines.append("")
            continue
        more: String[7] = ""
        if k == 2 and start < size:
            more = "&#8230;"
        lines.append(
            concat(
                '<tspan x="200" y="',
                uint2str(convert(y, uint16)),
                '">',
                self._escape_xml(slice(raw, starts[k], stops[k] - starts[k])),
                more,
                "</tspan>",
            )
        )
        y += 26
    return concat(lines[0], lines[1], lines[2])


@internal
@pure
def _byte_at(high: uint256, low: uint256, index: uint256) -> uint256:
    """
    @dev Byte `index` (0 to 63) of the 64 bytes `high` then `low`.
    @param high The first 32 bytes.
    @param low The next 32 bytes.
    @param index The byte's position.
    @return uint256 The byte.
    """
    if index < 32:
        return (high >> (248 - 8 * index)) & 255
    return (low >> (248 - 8 * (index - 32))) & 255


@internal
@pure
def _escape_xml(text: Bytes[64]) -> String[6 * _LINE]:
    """
    @dev `text` with `<`, `>`, `&`, `"` and `'` as `&lt;`, `&gt;`, `&amp;`,
         `&quot;` and `&apos;`, so that it is character data in any XML
         context. A line with none of them is returned as it is (checked a
         word at a time); otherwise the output is packed into words as it
         grows (one copy at the end, not one per byte).
    @param text A line of the class name (at most `_LINE` bytes: one word).
    @return String The escaped text.
    """
    padded: Bytes[96] = concat(text, empty(bytes32))
    word: uint256 = convert(extract32(padded, 0), uint256)
    # Most names have nothing to escape: a byte of `word` equals c where
    # `word ^ c...c` has a zero byte, which (t - 0x01...01) & ~t marks with
    # its high bit (exactly, for the question "is there one"). The zero
    # padding after the text matches none of the five.
    marks: uint256 = 0
    for c: uint256 in [60, 62, 38, 34, 39]:
        t: uint256 = word ^ unsafe_mul(c, _BYTE_ONES)
        marks |= unsafe_sub(t, _BYTE_ONES) & ~t
    if marks & (128 * _BYTE_ONES) == 0:
        return convert(text, String[6 * _LINE])
    words: DynArray[bytes32, 5] = []
    acc: uint256 = 0
    used: uint256 = 0
    size: uint256 = 0
    for i: uint256 in range(len(text), bound=_LINE):
        piece: uint256 = (word >> (248 - 8 * i)) & 255
        width: uint256 = 1
        # The entities' bytes as numbers (hex literals are bytes in Vyper).
        if piece == 60:
            piece = 644641851  # &lt;
            width = 4
        elif piece == 62:
            piece = 644314171  # &gt;
            width = 4
        elif piece == 38:
            piece = 164843319355  # &amp;
            width = 5
        elif piece == 34:
            piece = 42268743398459  # &quot;
            width = 6
        elif piece == 39:
            piece = 42199940035387  # &apos;
            width = 6
        free: uint256 = 32 - used
        if width <= free:
            acc |= piece << (8 * (free - width))
            used += width
        else:
            # Split across two words: the high bytes end this word, the rest
            # (shifted out of the word's top, which `<<` drops) start the next.
            acc |= piece >> (8 * (width - free))
            words.append(convert(acc, bytes32))
            acc = piece << (8 * (32 - width + free))
            used = width - free
        if used == 32:
            words.append(convert(acc, bytes32))
            acc = 0
            used = 0
        size += width
    if used != 0:
        words.append(convert(acc, bytes32))
    return convert(slice(abi_encode(words), 64, size), String[6 * _LINE])


@internal
@pure
def _percent(score: uint256) -> String[9]:
    """
    @dev A score in basis points as a percentage, as the tooling prints it
         (`credstack.units.format_percent`): 85, 87.5, 87.05.
    @param score The score in basis points (at most 65,535).
    @return String The percentage without the sign.
    """
    whole: String[5] = uint2str(convert(score // 100, uint16))
    cents: uint256 = score % 100
    if cents == 0:
        return whole
    if cents % 10 == 0:
        return concat(whole, ".", uint2str(convert(cents // 10, uint8)))
    return concat(whole, ".", self._two_digits(cents))


@internal
@pure
def _utc_time(timestamp: uint256) -> String[24]:
    """
    @dev A time as the tooling prints it (`credstack.units.format_time`):
         `YYYY-MM-DD HH:MM UTC`. The date is Howard Hinnant's
         `civil_from_days` (proleptic Gregorian, days since 1970-01-01).
    @param timestamp Seconds since the epoch (at most 2**40 - 1).
    @return String The time.
    """
    days: uint256 = timestamp // 86_400
    minutes: uint256 = timestamp % 86_400 // 60
    z: uint256 = days + 719_468
    era: uint256 = z // 146_097
    doe: uint256 = z - era * 146_097
    yoe: uint256 = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
    doy: uint256 = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp: uint256 = (5 * doy + 2) // 153
    day: uint256 = doy - (153 * mp + 2) // 5 + 1
    month: uint256 = mp + 3
    if mp >= 10:
        month = mp - 9
    year: uint256 = yoe + era * 400
    if month <= 2:
        year += 1
    return concat(
        uint2str(convert(year, uint24)),
        "-",
        self._two_digits(month),
        "-",
        self._two_digits(day),
        " ",
        self._two_digits(minutes // 60),
        ":",
        self._two_digits(minutes % 60),
        " UTC",
    )


@internal
@pure
def _two_digits(number: uint256) -> String[2]:
    """
    @dev A number below 100 as two decimal digits.
    @param number The number.
    @return String Two digits, the first possibly 0.
    """
    return convert(
        slice(convert((48 + number // 10) << 8 | (48 + number % 10), bytes32), 30, 2), String[2]
    )
