# pragma version ~=0.4.3
"""
@title credstack Base64, a word at a time
@custom:contract-name base64_words
@license GNU Affero General Public License v3.0 only
@author credstack
@notice RFC 4648 Base64 (standard alphabet, `=` padding) that turns 24
        bytes of input into one 32-byte word of text with a handful of masks
        and shifts on the whole word (SIMD within a register), instead of a
        table lookup and a 4-character string per 3 bytes. snekmate's
        `base64` (which the renderer used before) takes at most 1,024 bytes
        and spent most of `tokenURI`'s 490,000 gas; `tokenURI` now encodes
        the badge picture and then the document around it, some 3,500
        characters.

        A stateless module in the manner of snekmate's `utils` (no storage,
        no `__init__`), so a contract imports it without `initializes`.
"""


# @dev The longest input (the renderer's longest document, 2,764 bytes, to
# a whole word), and its text: 4 characters per 3 bytes.
DATA_BOUND: constant(uint256) = 2_784
TEXT_BOUND: constant(uint256) = 3_712
# @dev Output words: one per 24 input bytes.
_WORD_BOUND: constant(uint256) = 116

# @dev Masks of the low part of each lane as the 192 input bits spread out:
# 96-bit halves into 128-bit lanes, then 48 bits into 64-bit lanes, 24 into
# 32, 12 into 16 and 6 into 8, so that each byte holds one 6-bit digit, the
# first digit in the highest byte.
_LOW_96: constant(uint256) = (1 << 96) - 1
_LOW_48: constant(uint256) = ((1 << 48) - 1) * (1 + (1 << 128))
_LOW_24: constant(uint256) = ((1 << 24) - 1) * (max_value(uint256) // ((1 << 64) - 1))
_LOW_12: constant(uint256) = ((1 << 12) - 1) * (max_value(uint256) // ((1 << 32) - 1))
_LOW_6: constant(uint256) = 63 * (max_value(uint256) // ((1 << 16) - 1))

# @dev 0x01 and 0x80 in every byte.
_ONES: constant(uint256) = max_value(uint256) // 255
_HIGHS: constant(uint256) = _ONES * 128


@internal
@pure
def _encode(data: Bytes[DATA_BOUND]) -> String[TEXT_BOUND]:
    """
    @dev Base64 of `data`. Each 24-byte step reads a word, spreads its top
         192 bits into 32 bytes of 6-bit digits d, and maps every byte at
         once: 'A' + d, plus 6 where d >= 26 (to 'a'), less 75 where d >= 52
         (to '0'), less 15 where d >= 62 ('+') and plus 3 where d is 63
         ('/'). A byte's flag for d >= k is the high bit of d + 128 - k,
         which stays below 256 for d < 64, so no byte carries into the next
         and the whole word is one sum. The words are joined by ABI-encoding
         them as an array and dropping its 64-byte head; the last word's
         spare digits are cut, and its padding turns 'A' into '='.
    @param data At most `DATA_BOUND` bytes.
    @return String The Base64 text, 4 * ceil(len(data) / 3) characters.
    """
    size: uint256 = len(data)
    if size == 0:
        return ""
    # Padded with zeros so that the last word can be read whole.
    padded: Bytes[DATA_BOUND + 32] = concat(data, empty(bytes32))
    words: DynArray[bytes32, _WORD_BOUND] = []
    count: uint256 = (size + 23) // 24
    for i: uint256 in range(count, bound=_WORD_BOUND):
        x: uint256 = convert(extract32(padded, 24 * i), uint256) >> 64
        # Each step moves the high part of every lane up into a lane of half
        # the width; the shifted bits stay inside their lane.
        low: uint256 = x & _LOW_96
        x = ((x ^ low) << 32) | low
        low = x & _LOW_48
        x = ((x ^ low) << 16) | low
        low = x & _LOW_24
        x = ((x ^ low) << 8) | low
        low = x & _LOW_12
        x = ((x ^ low) << 4) | low
        low = x & _LOW_6
        x = ((x ^ low) << 2) | low
        # Every byte is below 64, so each sum stays within its byte (at most
        # 63 + 102 and 63 + 65 + 6 + 3) and each difference is at least 43:
        # nothing carries or borrows across bytes or overflows the word.
        from_a: uint256 = (unsafe_add(x, 102 * _ONES) & _HIGHS) >> 7
        from_0: uint256 = (unsafe_add(x, 76 * _ONES) & _HIGHS) >> 7
        from_plus: uint256 = (unsafe_add(x, 66 * _ONES) & _HIGHS) >> 7
        slash: uint256 = (unsafe_add(x, 65 * _ONES) & _HIGHS) >> 7
        x = unsafe_add(unsafe_add(x, 65 * _ONES), unsafe_add(unsafe_mul(from_a, 6), unsafe_mul(slash, 3)))
        x = unsafe_sub(x, unsafe_add(unsafe_mul(from_0, 75), unsafe_mul(from_plus, 15)))
        words.append(convert(x, bytes32))
    length: uint256 = (size + 2) // 3 * 4
    padding: uint256 = (3 - size % 3) % 3
    if padding != 0:
        # The padding digits are zero ('A', 0x41); '=' is 0x3d. Both are in
        # the last word, since the text's length is a multiple of 4.
        last: uint256 = convert(words[count - 1], uint256)
        offset: uint256 = 8 * (31 - (length - 1) % 32)
        last -= 4 << offset
        if padding == 2:
            last -= 4 << (offset + 8)
        words[count - 1] = convert(last, bytes32)
    return convert(slice(abi_encode(words), 64, length), String[TEXT_BOUND])
