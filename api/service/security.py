"""Security headers and the request-body limit, applied to every response of the service.

- Pages get a Content-Security-Policy whose scripts must carry the request's nonce, so a name a town hall or
  a planner typed can never become a script even if a template forgot to escape it.
- Self-contained documents (maps, day sheets) are served sandboxed: their scripts are allowed by hash, they
  run in an opaque origin and may not open a connection, so even a script that slipped in cannot read
  `/patients` with the reader's session.
- Responses to a signed-in caller are never stored by a cache (patient data).
- The body limit holds for every transfer encoding: a declared length is refused at once, a chunked body is
  counted while it is read and refused as soon as it passes the limit, before any route or login work.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

from fastapi import HTTPException
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
PAGE_CSP = ("default-src 'self'; script-src 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors {frames}")
DOCUMENT_CSP = ("default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data: https:; "
                "connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; "
                "frame-ancestors 'self'; sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox "
                "allow-modals")
EMBEDDABLE = ("/pages/public/",)  # public schedules a town hall may show on its own website


def script_hashes(html: str) -> list[str]:
    """CSP source expressions allowing exactly the inline scripts of `html`."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
            for body in _SCRIPT.findall(html)]


def document_response(html: str, **kwargs) -> HTMLResponse:
    """A self-contained HTML document (map, day sheet) served sandboxed with its own scripts only."""
    hashes = " ".join(dict.fromkeys(script_hashes(html))) or "'none'"
    response = HTMLResponse(html, **kwargs)
    response.headers["Content-Security-Policy"] = DOCUMENT_CSP.format(hashes=hashes)
    return response


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"requête trop volumineuse (max {limit} octets)")


class SecurityMiddleware:
    """Pure ASGI middleware: body limit on the way in, security headers on the way out."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.limit = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                await self._refuse(scope, receive, send, 400, "en-tête Content-Length invalide")
                return
            if int(length) > self.limit:
                await self._refuse(scope, receive, send, 413, BodyTooLarge(self.limit).detail)
                return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        signed_in = "authorization" in headers or "planner_token=" in headers.get("cookie", "")
        path: str = scope.get("path", "")
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)  # FastAPI answers an HTTPException raised while reading
            return message

        async def secured_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                raw = list(message.get("headers", []))
                have = {k.decode("latin-1").lower() for k, _ in raw}
                ctype = next((v.decode("latin-1") for k, v in raw if k.lower() == b"content-type"), "")
                extra = {"x-content-type-options": "nosniff", "referrer-policy": "same-origin",
                         "x-frame-options": "SAMEORIGIN" if path.startswith(EMBEDDABLE) else "DENY"}
                if ctype.startswith("text/html") and "content-security-policy" not in have:
                    frames = "*" if path.startswith(EMBEDDABLE) else "'none'"
                    extra["content-security-policy"] = PAGE_CSP.format(nonce=nonce, frames=frames)
                    if path.startswith(EMBEDDABLE):
                        extra.pop("x-frame-options")
                if signed_in and "cache-control" not in have:
                    extra["cache-control"] = "no-store"
                raw += [(k.encode(), v.encode()) for k, v in extra.items() if k not in have]
                message = {**message, "headers": raw}
            await send(message)

        try:
            await self.app(scope, limited_receive, secured_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await self._refuse(scope, receive, send, 413, exc.detail)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
        body = {"detail": detail, "field": "body"} if status == 413 else {"detail": detail}
        await JSONResponse(body, status_code=status, headers={"connection": "close"})(scope, receive, send)
