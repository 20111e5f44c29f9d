"""tokenURI's `image`: an SVG badge drawn on chain, live with the status.

The badge is checked as XML (the SVG parses, and the class name, which the
issuer controls, comes back as the same text), for the status's word and
colours (distinct, readable), for long and multibyte names (lines break
between characters), and as a picture: headless Chromium draws each
status's badge to out/badges/<status>.png.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import ape
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credstack import STATUS_NAMES
from credstack.config import out_dir
from credstack.units import format_percent, format_time
from tests.constants import MAX_SCORE

PREFIX = "data:application/json;base64,"
IMAGE_PREFIX = "data:image/svg+xml;base64,"
SVG = "{http://www.w3.org/2000/svg}"
ISSUER = "0x" + "ab" * 20
# The badge's colours, mirrored from CredentialRenderer._status_style: the
# status colour (band and frame) and the colour of the word on it.
COLOURS = {
    1: ("#15803d", "#fff"),
    2: ("#fbbf24", "#111827"),
    3: ("#b91c1c", "#fff"),
    4: ("#4b5563", "#fff"),
    5: ("#111827", "#fff"),
}
# The bytes of a name one line holds (CredentialRenderer._LINE).
LINE = 24
ROOT = Path(__file__).resolve().parents[2]


def document_text(uri: str) -> bytes:
    """The JSON text of a `tokenURI` data URI."""
    assert uri.startswith(PREFIX)
    return base64.b64decode(uri[len(PREFIX) :], validate=True)


def svg_of(uri: str) -> bytes:
    """The badge's SVG text. Read from the JSON text by pattern, not by a
    JSON parser, so that a test can also call the renderer with a name the
    registry refuses (a `"`, which the JSON could not hold)."""
    match = re.search(
        rb'"image":"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', document_text(uri)
    )
    assert match is not None
    return base64.b64decode(match.group(1), validate=True)


def badge(uri: str) -> ElementTree.Element:
    """The badge parsed as XML (a parse error fails the test)."""
    return ElementTree.fromstring(svg_of(uri))


def texts(root: ElementTree.Element) -> list[str]:
    """The text of each `text` element, in order."""
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def name_lines(root: ElementTree.Element) -> list[str]:
    """The class name's lines (its `tspan` elements)."""
    return [element.text or "" for element in root.iter(f"{SVG}tspan")]


def status_colours(root: ElementTree.Element) -> tuple[str, str, str]:
    """The band's fill, the frame's stroke and the status word's fill."""
    frame = root.find(f"{SVG}rect")
    band = root.find(f"{SVG}path")
    word = root.find(f"{SVG}text")
    assert frame is not None and band is not None and word is not None
    return band.attrib["fill"], frame.attrib["stroke"], word.attrib["fill"]


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of `#rgb` or `#rrggbb`."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def rgb(colour: str) -> tuple[int, int, int]:
    """`#rgb` or `#rrggbb` as three 0-255 channels."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def check_lines(name: str, lines: list[str]) -> None:
    """The lines are the name in order, broken only between characters: a
    line ends before the next one's first character or at a space (which is
    not drawn), holds at most `LINE` bytes, and only a third line may end in
    an ellipsis, when the rest did not fit."""
    assert 1 <= len(lines) <= 3
    position = 0
    for i, line in enumerate(lines):
        cut_short = i == 2 and line.endswith("\u2026") and position + len(line) - 1 < len(name)
        if cut_short:
            line = line[:-1]
        assert len(line.encode()) <= LINE, line
        assert name.startswith(line, position), (name, lines)
        position += len(line)
        if cut_short:
            return
        if i < len(lines) - 1:
            assert position < len(name)
        if position < len(name) and name[position] == " ":
            position += 1
    assert position == len(name), (name, lines)


# TOKENURI ON THE REGISTRY #


def test_token_uri__image_is_an_svg_badge(
    registry: Any, soulbound_class: int, soulbound_token: int, issuer: Any
) -> None:
    uri = registry.tokenURI(soulbound_token)
    document = json.loads(document_text(uri))
    assert document["image"].startswith(IMAGE_PREFIX)
    root = badge(uri)
    assert root.tag == f"{SVG}svg"
    assert root.attrib["viewBox"] == "0 0 400 400"
    assert (root.attrib["width"], root.attrib["height"]) == ("400", "400")
    assert root.attrib["font-family"] == "sans-serif"
    expires_at = registry.credential(soulbound_token).expires_at
    assert texts(root) == [
        "VALID",
        "SQL for Data Analysis",
        "Score 85%",
        f"Expires {format_time(expires_at)}",
        "Issuer",
        issuer.address.lower(),
        f"credstack #{soulbound_token}",
    ]
    assert status_colours(root) == ("#15803d", "#15803d", "#fff")


def test_token_uri__badge_follows_status(
    registry: Any, chain: Any, soulbound_token: int, issuer: Any, learner: Any
) -> None:
    """Every status's badge parses and shows its word and colour, drawn
    afresh on each call."""

    def shown() -> tuple[str, str, str]:
        uri = registry.tokenURI(soulbound_token)
        json.loads(document_text(uri))
        root = badge(uri)
        return texts(root)[0], status_colours(root)[0], texts(root)[3]

    expires_at = registry.credential(soulbound_token).expires_at
    assert shown() == ("VALID", "#15803d", f"Expires {format_time(expires_at)}")
    registry.suspend(soulbound_token, sender=issuer)
    assert shown()[:2] == ("SUSPENDED", "#fbbf24")
    registry.reinstate(soulbound_token, sender=issuer)
    chain.mine(timestamp=expires_at)
    assert shown() == ("EXPIRED", "#4b5563", f"Expired {format_time(expires_at)}")
    registry.burn(soulbound_token, sender=learner)
    assert shown()[:2] == ("BURNED", "#111827")
    registry.revoke(soulbound_token, "issued in error", sender=issuer)
    assert shown()[:2] == ("REVOKED", "#b91c1c")


def test_token_uri__never_expiring_badge_says_so(
    registry: Any, permanent_class: int, issue: Callable[..., int], learner: Any
) -> None:
    token_id = issue(permanent_class, learner, score=0)
    assert texts(badge(registry.tokenURI(token_id)))[2:4] == ["Score 0%", "No expiry"]


def test_token_uri__hostile_class_name_is_text(
    registry: Any, create_class: Callable[..., int], issue: Callable[..., int], learner: Any
) -> None:
    """Markup an issuer puts in a class name stays text in the badge (and in
    the JSON, which still parses)."""
    name = "<script>alert('x')</script>&amp;<b>"
    token_id = issue(create_class(name=name), learner)
    uri = registry.tokenURI(token_id)
    assert json.loads(document_text(uri))["name"] == f"{name} #{token_id}"
    svg = svg_of(uri)
    assert b"<script" not in svg and b"<b>" not in svg
    root = badge(uri)
    assert "".join(name_lines(root)) == name
    assert root.find(f".//{SVG}script") is None


def test_token_uri__longest_name_of_escapes_fits(
    registry: Any, create_class: Callable[..., int], issue: Callable[..., int], learner: Any
) -> None:
    """The longest badge: 64 bytes that each become a 6-byte entity, beside
    the longest URI; the whole document still fits and parses."""
    name = "'" * 64
    uri = "https://" + "u" * 248
    token_id = issue(create_class(name=name, uri=uri, min_score=MAX_SCORE), learner, MAX_SCORE)
    token_uri = registry.tokenURI(token_id)
    document = json.loads(document_text(token_uri))
    assert document["external_url"] == uri
    root = badge(token_uri)
    assert name_lines(root) == ["'" * 24, "'" * 24, "'" * 16]
    assert texts(root)[2] == "Score 100%"


def test_token_uri__quote_in_class_name__reverts(
    registry: Any, create_class: Callable[..., int]
) -> None:
    # The registry keeps `"` out of names (the JSON takes them verbatim); the
    # badge escapes it anyway (next test), for any caller of the renderer.
    with ape.reverts("credential: invalid character"):
        create_class(name='say "hi"')


# THE RENDERER ALONE #


@pytest.fixture(scope="module")
def renderer() -> Any:
    """The renderer on titanoboa's EVM (a call takes about a millisecond,
    against 40 on the embedded chain)."""
    import boa
    from boa.contracts.vyper.vyper_contract import VyperContract

    # A failed call's repr would dump the contract's storage.
    VyperContract.__repr__ = lambda self: f"<{self.contract_name} at {self.address}>"  # type: ignore[method-assign]
    return boa.load_partial(str(ROOT / "contracts/CredentialRenderer.vy")).deploy()


def render(
    renderer: Any,
    name: str,
    status: int = 1,
    score: int = 8_500,
    expires_at: int = 1_800_000_000,
    token_id: int = 7,
) -> str:
    """The renderer's data URI for a credential of class `name`."""
    uri: str = renderer.render(
        token_id, 3, name, "ipfs://b/c.json", ISSUER, status, score, expires_at
    )
    return uri


def test_badge__quote_and_markup_in_name_are_text(renderer: Any) -> None:
    name = "<script>&\"'</script>"
    root = badge(render(renderer, name))
    assert name_lines(root) == [name]
    assert b"&quot;" in svg_of(render(renderer, name))


@pytest.mark.parametrize("status", sorted(COLOURS))
def test_badge__status_word_and_colour(renderer: Any, status: int) -> None:
    root = badge(render(renderer, "SQL", status))
    band, frame, word = status_colours(root)
    # An active credential reads VALID; the others use the registry's word.
    assert texts(root)[0] == ("VALID" if status == 1 else STATUS_NAMES[status].upper())
    assert (band, word) == COLOURS[status]
    assert frame == band
    # WCAG AA for text: the word on its band, and the body's texts on white.
    assert contrast(band, word) >= 4.5
    for element in list(root.iter(f"{SVG}text"))[1:]:
        assert contrast("#fff", element.attrib.get("fill", root.attrib["fill"])) >= 4.5


def test_badge__status_colours_are_distinct(renderer: Any) -> None:
    bands = [status_colours(badge(render(renderer, "SQL", s)))[0] for s in sorted(COLOURS)]
    for i, a in enumerate(bands):
        for b in bands[i + 1 :]:
            distance = sum((x - y) ** 2 for x, y in zip(rgb(a), rgb(b), strict=True)) ** 0.5
            assert distance > 60, (a, b)


@pytest.mark.parametrize(
    ("name", "lines"),
    [
        ("SQL for Data Analysis", ["SQL for Data Analysis"]),
        # 64 bytes of two-byte characters: 12 a line, none split.
        ("Ä" * 32, ["Ä" * 12, "Ä" * 12, "Ä" * 8]),
        # Three-byte characters: 24 bytes hold 8.
        ("€" * 21, ["€" * 8, "€" * 8, "€" * 5]),
        # A four-byte character straddling byte 24 moves to the next line.
        ("a" * 22 + "😀" + "b" * 38, ["a" * 22, "😀" + "b" * 20, "b" * 18]),
        # Breaks at the last space in a line's second half, which is not drawn.
        (
            "Análisis de datos para principiantes con SQL",
            ["Análisis de datos para", "principiantes con SQL"],
        ),
        ("データ分析の基礎とSQLの実践的な応用", ["データ分析の基礎", "とSQLの実践的な応", "用"]),
        # Six-byte entities: a line is escaped whole, never split mid-entity.
        ("&" * 64, ["&" * 24, "&" * 24, "&" * 16]),
        # A full line ends at a space, which is not drawn.
        (
            "Data " * 12 + "Data",
            ["Data Data Data Data Data", "Data Data Data Data Data", "Data Data Data"],
        ),
        # Breaks at spaces make short lines: the third is cut, with an ellipsis.
        (
            "Spreadsheets " * 4 + "Analysis",
            ["Spreadsheets", "Spreadsheets", "Spreadsheets Spreadshee\u2026"],
        ),
    ],
)
def test_badge__long_and_multibyte_names(renderer: Any, name: str, lines: list[str]) -> None:
    assert len(name.encode()) <= 64
    uri = render(renderer, name)
    json.loads(document_text(uri))
    assert name_lines(badge(uri)) == lines
    check_lines(name, lines)


NAME_PARTS = st.sampled_from(["a", "W", " ", "<", ">", "&", "'", '"', "Ä", "€", "デ", "😀", "é"])


@settings(max_examples=150, deadline=None)
@given(st.lists(NAME_PARTS, min_size=1, max_size=64).map("".join))
def test_badge__any_name_parses_and_breaks_between_characters(renderer: Any, name: str) -> None:
    """Random names of up to 64 bytes mixing ASCII, XML's five special
    characters, spaces and 2-, 3- and 4-byte characters."""
    raw = name.encode()[:64]
    while True:
        try:
            name = raw.decode()
            break
        except UnicodeDecodeError:
            raw = raw[:-1]
    if not name:
        return
    check_lines(name, name_lines(badge(render(renderer, name))))


def test_badge__issuer_address_in_lowercase_hex(renderer: Any) -> None:
    """The issuer's address in the badge and the attributes, for the extreme
    digits and a spread of addresses (both halves of the word-wise hex)."""
    addresses = ["0x" + "00" * 20, "0x" + "ff" * 20, "0x" + "0123456789abcdef" * 2 + "9a0fa09f"]
    addresses += ["0x" + bytes((37 * i + 11 * n) % 256 for i in range(20)).hex() for n in range(8)]
    for address in addresses:
        uri = renderer.render(1, 1, "S", "u", address, 1, 1, 0)
        document = json.loads(document_text(uri))
        assert document["attributes"][3] == {"trait_type": "issuer", "value": address}
        assert texts(badge(uri))[5] == address


@pytest.mark.parametrize("score", [0, 1, 9, 10, 100, 850, 8_500, 8_750, 8_705, 9_999, 10_000])
def test_badge__score_as_the_tooling_prints_it(renderer: Any, score: int) -> None:
    assert texts(badge(render(renderer, "SQL", score=score)))[2] == (
        f"Score {format_percent(score)}%"
    )


@pytest.mark.parametrize(
    "expires_at",
    [
        1,
        59,
        86_399,
        86_400,
        951_782_400,
        1_709_164_800,
        1_800_000_000,
        4_107_542_399,
        253_402_300_799,
    ],
)
def test_badge__expiry_as_the_tooling_prints_it(renderer: Any, expires_at: int) -> None:
    # Leap days (2000-02-29, 2024-02-29), the ends of days and years, and
    # 9999-12-31 23:59 UTC, the last time Python's datetime can print.
    assert texts(badge(render(renderer, "SQL", expires_at=expires_at)))[3] == (
        f"Expires {format_time(expires_at)}"
    )


def test_base64_words__agrees_with_python() -> None:
    """The word-at-a-time encoder against Python's, for every length to 100
    (each padding case, on both sides of a 24-byte step) and the longest."""
    import boa

    harness = boa.loads(
        "# pragma version ~=0.4.3\n"
        "from contracts.utils import base64_words\n"
        "@external\n"
        "@pure\n"
        "def encode(data: Bytes[base64_words.DATA_BOUND]) -> String[base64_words.TEXT_BOUND]:\n"
        "    return base64_words._encode(data)\n"
    )
    cases = [bytes((7 * i + n) % 256 for i in range(n)) for n in range(101)]
    cases += [b"\xff" * 2_784, bytes(range(256)) * 10 + b"\xfb\xff"]
    for data in cases:
        assert harness.encode(data) == base64.b64encode(data).decode(), len(data)


# A PICTURE IN A REAL BROWSER #


@pytest.fixture(scope="module")
def chromium() -> str:
    """The OS's Chromium. Skipped when missing, unless CI=true (then the
    test fails: CI must install it, as .ci/run does)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "no chromium on PATH: install it (Debian/Ubuntu: apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[Path]:
    """A throw-away Chromium profile directory."""
    directory = tmp_path / "chromium-profile"
    directory.mkdir()
    yield directory


@pytest.mark.parametrize("status", sorted(COLOURS))
def test_badge__chromium_draws_it(renderer: Any, chromium: str, profile: Path, status: int) -> None:
    """Headless Chromium draws each status's badge to
    out/badges/<status>.png (CREDSTACK_OUT_DIR moves out/): not blank, the
    band in the status colour, the tile white."""
    from matplotlib import image

    word = STATUS_NAMES[status]
    out = ROOT / out_dir() / "badges"
    out.mkdir(parents=True, exist_ok=True)
    svg = profile.parent / f"{word}.svg"
    svg.write_bytes(
        svg_of(render(renderer, "Análisis de datos & <SQL> para principiantes", status))
    )
    png = out / f"{word}.png"
    png.unlink(missing_ok=True)
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--screenshot={png}",
            "--window-size=400,400",
            svg.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pixels = image.imread(png)
    assert pixels.shape[:2] == (400, 400)
    colours = {tuple(p) for p in (pixels[:, :, :3] * 255).round().astype(int).reshape(-1, 3)}
    assert len(colours) > 10

    def at(x: int, y: int) -> tuple[int, ...]:
        return tuple(int(c) for c in (pixels[y, x, :3] * 255).round())

    band = rgb(COLOURS[status][0])
    assert all(abs(a - b) <= 2 for a, b in zip(at(40, 20), band, strict=True))
    assert all(abs(a - b) <= 2 for a, b in zip(at(3, 200), band, strict=True))
    assert at(30, 220) == (255, 255, 255)
