"""Multipart uploads read as a stream, never written anywhere: each file
part is hashed (SHA-256) as it arrives and, only when asked, kept in memory;
the request is refused as soon as its body passes a size limit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

FIELD_LIMIT = 4_096  # bytes in a text field (a token id, a salt)


class TooLarge(Exception):
    """The body passed its limit."""


class BadForm(Exception):
    """The body is not the multipart form expected."""


@dataclass
class Upload:
    """A file part: its name as sent, SHA-256, size, and (if kept) bytes."""

    filename: str
    sha256: bytes
    size: int
    content: bytes | None


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)


async def read_form(request: Request, limit: int, keep: bool = False) -> Form:
    """The multipart form of ``request``, its files hashed as they stream
    (and kept in memory when ``keep``); TooLarge as soon as the body is over
    ``limit`` bytes (by Content-Length, or counted), BadForm if it is not a
    multipart form."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise BadForm("expected a multipart/form-data upload")

    form = Form()
    state: dict[str, Any] = {}

    def on_part_begin() -> None:
        state.update(headers={}, field=b"", value=b"", name=None, file=None, data=[], size=0)
        state["hash"] = hashlib.sha256()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["field"].lower()] = state["value"]
        state["field"], state["value"] = b"", b""

    def on_headers_finished() -> None:
        _, options = parse_options_header(state["headers"].get(b"content-disposition", b""))
        state["name"] = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        state["file"] = None if filename is None else filename.decode("utf-8", "replace")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        state["size"] += len(chunk)
        if state["file"] is None:
            if state["size"] > FIELD_LIMIT:
                raise BadForm(f"field {state['name']!r} is too long")
            state["data"].append(chunk)
            return
        state["hash"].update(chunk)
        if keep:
            state["data"].append(chunk)

    def on_part_end() -> None:
        if state["file"] is None:
            form.fields[state["name"]] = b"".join(state["data"]).decode("utf-8", "replace")
        else:
            form.files[state["name"]] = Upload(
                filename=state["file"],
                sha256=state["hash"].digest(),
                size=state["size"],
                content=b"".join(state["data"]) if keep else None,
            )

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise TooLarge
            parser.write(chunk)
        parser.finalize()
    except (TooLarge, BadForm):
        raise
    except Exception as err:  # the parser's own errors: a malformed body
        raise BadForm(f"not a valid multipart form ({type(err).__name__})") from None
    return form
