"""The verification web app: server-rendered pages (jinja2, autoescaped) and
JSON for a credential, a holder, an evidence check and an Open Badges 3.0
file, plus the export directory's documents at stable URLs (/ob/...).

Read-only: it holds no key and sends no transaction. Every error is a page
(or, under /api and /ob, JSON) without a traceback."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credstack.evidence import parse_hex32, salted_hash
from credstack.registry import Registry
from credstack.units import format_time
from credstack.web.reads import ClassDocuments, Reads, holder_address
from credstack.web.uploads import BadForm, TooLarge, read_form

log = logging.getLogger("credstack.web")
HERE = Path(__file__).parent
EVIDENCE_LIMIT = 5 * 1024 * 1024  # an evidence document, with its form
VERIFY_LIMIT = 1024 * 1024  # an Open Badges 3.0 credential file, with its form
FORM_OVERHEAD = 16 * 1024  # boundaries, headers, the token id and salt fields
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; img-src 'self' data:; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
TITLES = {
    400: "Bad request",
    404: "Not found",
    413: "Too large",
    500: "Server error",
    503: "Not available",
}


class SecurityHeaders:
    """Adds a strict Content-Security-Policy (no scripts at all) and friends
    to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)


def is_token_id(text: str) -> bool:
    """Whether ``text`` is a token id: ASCII digits, from 1 to 2**256 - 1."""
    return text.isascii() and text.isdigit() and len(text) <= 78 and 0 < int(text) < 2**256


def chain_now() -> int | None:
    """The latest block's timestamp on the connected chain; None (the
    verifier then uses the wall clock) when ape has no provider."""
    try:
        from ape import chain

        return int(chain.blocks.head.timestamp)
    except Exception:
        return None


def export_file(root: Path | None, relative: str) -> Path | None:
    """The JSON file at ``relative`` under ``root``, or None: no empty, dot
    or dot-dot segment, no backslash, nothing that resolves (through a
    symlink, say) outside ``root``."""
    if root is None or not relative or "\\" in relative or "\x00" in relative:
        return None
    parts = relative.split("/")
    if any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        return None
    if not parts[-1].endswith(".json"):
        return None
    base = root.resolve()
    path = base.joinpath(*parts).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return path


def create_app(
    *,
    registry: Registry | None,
    memberships: Any = None,
    pathways: Any = None,
    employers: Any = None,
    export_dir: Path | None,
    index_path: Path | None,
    chain_id: int,
    metadata_dir: Path | None = None,
    cache_seconds: float = 2.0,
    serialize_reads: bool = True,
) -> Starlette:
    """The app over a registry (None: only the pages that need no chain
    work), its memberships, pathways and employers (optional), an export directory of
    `ape run export` (served under /ob/; also searched for achievements) and
    the analytics index (a token's history). ``metadata_dir``: class
    documents by content address (default out/metadata). Chain reads are
    cached for ``cache_seconds`` and, with ``serialize_reads`` (ape's
    embedded chain), made one at a time."""
    from credstack.config import out_dir

    directories = [metadata_dir if metadata_dir is not None else out_dir() / "metadata"]
    if export_dir is not None:
        directories.append(export_dir / "achievements")
    reads = Reads(
        registry,
        memberships=memberships,
        pathways=pathways,
        employers=employers,
        documents=ClassDocuments(directories),
        index_path=index_path,
        cache_seconds=cache_seconds,
        serialize=serialize_reads,
    )
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every on-chain or uploaded string is shown as text
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = lambda t: format_time(int(t)) if t else "never"
    registry_address = registry.address if registry is not None else None

    def page(name: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = env.get_template(name).render(chain_id=chain_id, registry=registry_address, **values)
        return HTMLResponse(html, status_code=status)

    def is_api(request: Request) -> bool:
        path = request.url.path
        return path.startswith("/api/") or path.startswith("/ob/") or path == "/healthz"

    def error(request: Request, status: int, message: str) -> Response:
        if is_api(request):
            return JSONResponse({"error": message, "status": status}, status_code=status)
        return page(
            "error.html.j2",
            status,
            code=status,
            title=TITLES.get(status, "Error"),
            message=message,
        )

    def token_id_of(text: str) -> int:
        if not is_token_id(text):
            raise HTTPException(
                400, f"{text[:80]!r} is not a token id (a whole number from 1 below 2**256)"
            )
        return int(text)

    def address_of(text: str) -> str:
        address = holder_address(text)
        if address is None:
            raise HTTPException(
                400,
                f"{text[:80]!r} is not a wallet address (0x and 40 hex digits, "
                "with a right checksum when in mixed case)",
            )
        return address

    # Pages

    async def home(request: Request) -> Response:
        return page("index.html.j2")

    async def search(request: Request) -> Response:
        q = request.query_params.get("q", "").strip()
        if is_token_id(q):
            return RedirectResponse(f"/token/{int(q)}", status_code=303)
        if (address := holder_address(q)) is not None:
            return RedirectResponse(f"/holder/{address}", status_code=303)
        return page(
            "index.html.j2",
            400,
            q=q,
            problem="Enter a token id (a whole number) or a wallet address (0x and 40 hex digits).",
        )

    async def token_record(request: Request) -> dict[str, Any]:
        token_id = token_id_of(request.path_params["token_id"])
        record = await run_in_threadpool(reads.token, token_id)
        if not record["exists"]:
            raise HTTPException(404, f"token {token_id}: no such credential on this registry")
        return record

    async def token_page(request: Request) -> Response:
        record = await token_record(request)
        exported = export_file(export_dir, f"credentials/{record['token_id']}.json")
        return page("token.html.j2", t=record, exported=exported is not None)

    async def token_api(request: Request) -> Response:
        return JSONResponse(await token_record(request))

    async def holder_record(request: Request) -> dict[str, Any]:
        address = address_of(request.path_params["address"])
        return await run_in_threadpool(reads.holder, address)

    async def holder_page(request: Request) -> Response:
        return page("holder.html.j2", h=await holder_record(request))

    async def holder_api(request: Request) -> Response:
        return JSONResponse(await holder_record(request))

    async def evidence_check(request: Request) -> dict[str, Any]:
        """The form's token id, salt and file, checked against the hash
        issued with the token; the file is hashed as it streams in and
        never stored."""
        try:
            form = await read_form(request, EVIDENCE_LIMIT + FORM_OVERHEAD)
        except TooLarge:
            raise HTTPException(
                413, f"the evidence document is over the limit of {EVIDENCE_LIMIT >> 20} MiB"
            ) from None
        except BadForm as err:
            raise HTTPException(400, str(err)) from None
        token_id = token_id_of(form.fields.get("token_id", "").strip())
        salt = parse_hex32(form.fields.get("salt", "").strip())
        if salt is None:
            raise HTTPException(400, "the salt is 0x and 64 hex digits, as in the issuer's receipt")
        upload = form.files.get("document")
        if upload is None or (upload.size == 0 and not upload.filename):
            raise HTTPException(400, "choose the evidence document to check")
        if upload.size > EVIDENCE_LIMIT:
            raise HTTPException(
                413, f"the evidence document is over the limit of {EVIDENCE_LIMIT >> 20} MiB"
            )
        onchain = await run_in_threadpool(reads.evidence_hash, token_id)
        if onchain is None:
            raise HTTPException(404, f"token {token_id}: no such credential on this registry")
        return {
            "token_id": token_id,
            "matches": salted_hash(salt, upload.sha256) == onchain,
            "document_sha256": "0x" + upload.sha256.hex(),
            "document_bytes": upload.size,
            "evidence_hash": "0x" + onchain.hex(),
        }

    async def evidence_page(request: Request) -> Response:
        if request.method == "GET":
            return page("evidence.html.j2", token_id=request.query_params.get("token", ""))
        return page("evidence.html.j2", result=await evidence_check(request))

    async def evidence_api(request: Request) -> Response:
        return JSONResponse(await evidence_check(request))

    def status_list_reader(request: Request) -> Any:
        """URL -> the status list credential it names in the export
        directory (its base URL from index.json, or this app's), else None;
        nothing is fetched from the network."""
        bases = {str(request.base_url).rstrip("/")}
        index = export_file(export_dir, "index.json")
        if index is not None:
            try:
                base = json.loads(index.read_text()).get("base_url")
            except (OSError, ValueError, AttributeError):
                base = None
            if isinstance(base, str):
                bases.add(base.rstrip("/"))

        def read(url: str) -> dict[str, Any] | None:
            for base in bases:
                prefix = base + "/ob/"
                if isinstance(url, str) and url.startswith(prefix):
                    path = export_file(export_dir, url[len(prefix) :])
                    if path is None:
                        return None
                    try:
                        doc = json.loads(path.read_text())
                    except (OSError, ValueError):
                        return None
                    return doc if isinstance(doc, dict) else None
            return None

        return read

    async def verify_upload(request: Request) -> dict[str, Any]:
        """The verdict on an uploaded Open Badges 3.0 credential (a
        multipart file ``credential`` or a JSON body)."""
        if request.headers.get("content-type", "").startswith("application/json"):
            body = b""
            async for chunk in request.stream():
                body += chunk
                if len(body) > VERIFY_LIMIT:
                    raise HTTPException(413, "the credential file is over the limit of 1 MiB")
            content, filename = body, ""
        else:
            try:
                form = await read_form(request, VERIFY_LIMIT + FORM_OVERHEAD, keep=True)
            except TooLarge:
                raise HTTPException(413, "the credential file is over the limit of 1 MiB") from None
            except BadForm as err:
                raise HTTPException(400, str(err)) from None
            upload = form.files.get("credential")
            if upload is None or upload.content is None or upload.size == 0:
                raise HTTPException(400, "choose the credential file (JSON) to verify")
            if upload.size > VERIFY_LIMIT:
                raise HTTPException(413, "the credential file is over the limit of 1 MiB")
            content, filename = upload.content, upload.filename
        try:
            doc = json.loads(content)
        except (ValueError, RecursionError):
            raise HTTPException(
                400, "the file is not JSON: an Open Badges 3.0 credential is a JSON document"
            ) from None
        try:
            from credstack.openbadges.verify import verify_document
        except ImportError:
            raise HTTPException(
                503, "verifier not installed: this build has no credstack.openbadges.verify"
            ) from None
        status_list = status_list_reader(request)

        def run() -> Any:
            # "Now" is the chain's: the chain check reads statuses as of its
            # latest block, and a chain's clock may run ahead (a test chain).
            return verify_document(doc, registry=registry, status_list=status_list, now=chain_now())

        verdict = await run_in_threadpool(reads.serialized, run)
        return {"filename": filename, "verdict": verdict}

    async def verify_page(request: Request) -> Response:
        if request.method == "GET":
            return page("verify.html.j2")
        result = await verify_upload(request)
        return page("verify.html.j2", filename=result["filename"], verdict=result["verdict"])

    async def verify_api(request: Request) -> Response:
        result = await verify_upload(request)
        return JSONResponse(result["verdict"].to_json())

    async def ob_file(request: Request) -> Response:
        relative = request.path_params["path"]
        path = export_file(export_dir, relative)
        if path is None:
            raise HTTPException(404, f"/ob/{relative[:120]}: not exported")
        # Public documents: a verifier running in someone's browser may fetch them.
        return FileResponse(
            path, media_type="application/json", headers={"access-control-allow-origin": "*"}
        )

    async def style(request: Request) -> Response:
        return FileResponse(HERE / "static" / "style.css", media_type="text/css")

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True, "chain_id": chain_id, "registry": registry_address})

    # Errors

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error(request, exc.status_code, str(exc.detail))

    async def server_error(request: Request, exc: Exception) -> Response:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return error(
            request, 500, "something went wrong reading this; the error is in the server's log"
        )

    routes = [
        Route("/", home),
        Route("/search", search),
        Route("/token/{token_id}", token_page),
        Route("/holder/{address}", holder_page),
        Route("/evidence", evidence_page, methods=["GET", "POST"]),
        Route("/verify", verify_page, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/api/token/{token_id}", token_api),
        Route("/api/holder/{address}", holder_api),
        Route("/api/evidence", evidence_api, methods=["POST"]),
        Route("/api/verify", verify_api, methods=["POST"]),
        Route("/ob/{path:path}", ob_file),
        Route("/static/style.css", style),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    app.add_middleware(SecurityHeaders)
    app.state.reads = reads
    return app
