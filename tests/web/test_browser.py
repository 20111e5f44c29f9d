"""The web app in a real browser: headless Chromium from the OS packages
(/usr/bin/chromium), driven by Playwright for Python (no browser download),
against the app served by uvicorn on a free loopback port over ape's
embedded chain. Each step writes a screenshot to out/screenshots/.

Outside CI, without chromium, these tests are skipped (the message says
how to install it); with CI=true they fail instead."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import HOSTILE_NAME, REVOKE_REASON, chromium_path, in_ci, make_app

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "out" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require_chromium() -> Path:
    """The OS's chromium; without it a skip that says how to install it,
    or, under CI=true, a failure."""
    path = chromium_path()
    if path is None:
        message = (
            "no chromium at /usr/bin/chromium: install it with `sudo apt-get install chromium`"
        )
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_chromium()


def test_no_chromium__skipped_outside_ci_failed_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    import tests.web.test_browser as here

    monkeypatch.setattr(here, "chromium_path", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        require_chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium"):
        require_chromium()


@pytest.fixture(scope="module")
def base_url(site: dict[str, Any]) -> Iterator[str]:
    """The app served by uvicorn in a thread on a free loopback port."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        make_app(site), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium), args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh page; any JavaScript dialog (an injected alert) fails the test."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1100, "height": 900})
    p = context.new_page()
    dialogs: list[str] = []
    p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    yield p
    context.close()
    assert dialogs == [], f"a script ran: {dialogs}"


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_browser__search_wallet_then_open_credential(page: Any, site: Any) -> None:
    page.goto("/")
    shot(page, "search")
    page.fill("#q", site["holder"].lower())
    page.click("button[type=submit]")
    page.wait_for_url(f"**/holder/{site['holder']}")
    assert page.locator("h1").inner_text() == "Holder"
    shot(page, "holder")
    page.click(f"a[href='/token/{site['valid']}'] >> nth=1")
    page.wait_for_url(f"**/token/{site['valid']}")
    assert "This credential is valid" in page.locator(".notice").inner_text()
    assert "91.5%" in page.inner_text("dl.facts")
    assert page.locator("text=Job tasks").count() == 1
    shot(page, "credential")


def test_browser__evidence_file_and_salt__matches(page: Any, site: Any, tmp_path: Path) -> None:
    doc, salt = site["documents"][site["valid"]]
    path = tmp_path / "exam-sheet.txt"
    path.write_bytes(doc)
    page.goto(f"/token/{site['valid']}")
    page.click("text=check a document")
    assert page.input_value("#token_id") == str(site["valid"])
    page.fill("#salt", "0x" + salt.hex())
    page.set_input_files("#document", str(path))
    page.click("button[type=submit]")
    page.wait_for_selector("#verdict")
    assert "The document matches" in page.inner_text("#verdict")
    shot(page, "evidence")
    path.write_bytes(doc + b"edited")
    page.fill("#salt", "0x" + salt.hex())
    page.set_input_files("#document", str(path))
    page.click("button[type=submit]")
    page.wait_for_selector("#verdict")
    assert "does not match" in page.inner_text("#verdict")


def test_browser__exported_credential_verified_tampered_one_refused(
    page: Any, site: Any, tmp_path: Path
) -> None:
    """The credential `ape run export` signed passes every check; the same
    file with its score raised is refused (its proof no longer verifies)."""
    doc = json.loads((site["export"] / "credentials" / f"{site['valid']}.json").read_text())
    genuine = tmp_path / "credential.json"
    genuine.write_text(json.dumps(doc))
    page.goto("/verify")
    page.set_input_files("#credential", str(genuine))
    page.click("button[type=submit]")
    page.wait_for_selector("#verdict")
    assert "Verified" in page.inner_text("#verdict")
    assert page.locator("table.checks .status.ok").count() == 5
    shot(page, "verify-ok")

    doc["credentialSubject"]["result"][0]["value"] = "100"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(doc))
    page.set_input_files("#credential", str(tampered))
    page.click("button[type=submit]")
    page.wait_for_selector("#verdict")
    assert "Refused" in page.inner_text("#verdict")
    assert page.locator("table.checks tbody tr").count() == 5
    proof_row = page.locator("table.checks tbody tr", has_text="proof")
    assert "fail" in proof_row.inner_text()
    shot(page, "verify")


def test_browser__revoked_credential__reason_read(page: Any, site: Any) -> None:
    page.goto(f"/search?q={site['revoked']}")
    page.wait_for_selector("#reason")
    assert REVOKE_REASON in page.inner_text("#reason")
    shot(page, "revoked")


def test_browser__class_name_with_html__shown_as_text(page: Any, site: Any) -> None:
    page.goto(f"/token/{site['hostile']}")
    heading = page.inner_text("h1")
    assert HOSTILE_NAME.split(" <b>")[0] in heading and "<b>bold</b>" in heading
    assert page.locator("h1 b").count() == 0 and page.locator("main script").count() == 0
    shot(page, "hostile-class")
