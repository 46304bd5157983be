"""A small ASGI 3 application: exact-path routes, body limit, bearer auth, errors as JSON.

Route modules register handlers on an :class:`App` (``app.route(path, methods, handler)``); a handler
is ``async (Request) -> Response``. The helm-reval API lives in :mod:`chartguard.server.reval_api`;
further front doors (the admission webhook's ``/validate``, ``/mutate``, ``/readyz``, ``/metrics``)
register on the same ``App``. Nothing here imports uvicorn: any ASGI server can run it.

Error bodies follow helm-reval's ``ApiError`` (``{"reason","origin","error_id","metadata"}``); an
unexpected exception is logged and answered ``500 {"error":"internal error"}``, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("chartguard.server")

#: Request bodies larger than this are refused with 413 (``chartguard serve --max-body-bytes``).
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
#: A request body not fully received within this many seconds is answered 408 (``--body-timeout``).
DEFAULT_BODY_TIMEOUT = 10.0
ORIGIN = "reval-service"
#: After a request body this large, the memory freed once it is answered goes back to the OS
#: (glibc keeps freed heap memory otherwise, so one burst of large reviews would pin it for good).
RELEASE_AFTER_BYTES = 1024 * 1024

Scope = Mapping[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class Request:
    """One HTTP request, its body already read (within the limit)."""

    method: str
    path: str
    query: bytes
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes = b""
    state: Any = None  # what a handler wants to remember about the request (e.g. for its log line)
    refused: str = ""  # why the app answered without calling the handler (405, 401, 408, 413)


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)


Handler = Callable[[Request], Awaitable[Response]]
Authorizer = Callable[[Request], "str | None"]  # None: allowed; else the 401's metadata.error
#: Told of every answer on a route, the handler's or the app's own (405, 401, 408, 413, 500), with
#: the seconds it took from the request head: the webhook's metrics and log lines.
Observer = Callable[[Request, Response, float], None]


def go_json(value: Any) -> bytes:
    """JSON as Go's ``json.Encoder`` writes it: compact, HTML-safe escapes, trailing newline."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text.encode("utf-8", "replace") + b"\n"


def json_response(status: int, value: Any, content_type: str = "application/json") -> Response:
    return Response(status, go_json(value), content_type)


def api_error(status: int, reason: str, error: str | None = None) -> Response:
    """helm-reval's ``ServeSimpleError``: an ``ApiError`` body (no tracing here, so ``error_id`` is ``unknown:``)."""
    body: dict[str, Any] = {"reason": reason, "origin": ORIGIN, "error_id": "unknown:"}
    if error is not None:
        body["metadata"] = {"error": error}
    return Response(status, go_json(body), "application/json; charset=utf-8", [("x-content-type-options", "nosniff")])


def internal_error() -> Response:
    return json_response(500, {"error": "internal error"})


async def healthz(request: Request) -> Response:
    """``GET /healthz``: the process is alive (``200 text/plain OK``, as helm-reval answers).

    One definition for every front door: the helm-reval API and the admission webhook both register
    it with :meth:`App.ensure_route`, so neither silently replaces the other's.
    """
    return Response(200, b"OK", "text/plain")


def bearer_authorizer(token: str) -> Authorizer:
    """A static bearer token (``Authorization: Bearer <token>``, scheme case-insensitive, as helm-reval parses it)."""
    expected = token.encode()

    def authorize(request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        if len(header) < 7 or header[:7].lower() != "bearer ":
            return "no token in request"
        if not hmac.compare_digest(header[7:].encode("utf-8", "replace"), expected):
            return "authorization denied"
        return None

    return authorize


@dataclass
class _Route:
    methods: frozenset[str]
    handler: Handler
    authorizer: Authorizer | None
    observer: Observer | None = None


class App:
    """The ASGI callable: routes, body limit, auth, and the last line of defence against exceptions."""

    def __init__(
        self,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        not_found: Handler | None = None,
    ) -> None:
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self.routes: dict[str, _Route] = {}
        self.not_found = not_found or _not_found
        self.on_startup: list[Callable[[], None]] = []  # called inside the running event loop
        self.on_shutdown: list[Callable[[], None]] = []
        self._release: asyncio.TimerHandle | None = None  # a pending release_memory()

    def route(
        self,
        path: str,
        methods: Iterable[str],
        handler: Handler,
        *,
        authorizer: Authorizer | None = None,
        observer: Observer | None = None,
    ) -> None:
        """Serve ``path`` (exact match) for ``methods``; other methods get 405 with ``Allow``;
        ``observer`` is told of every answer on the route.

        Registering a path twice is a programming error (``ValueError``), never "last one wins".
        """
        if path in self.routes:
            raise ValueError(f"route {path} is already registered")
        self.routes[path] = _Route(frozenset(m.upper() for m in methods), handler, authorizer, observer)

    def ensure_route(self, path: str, methods: Iterable[str], handler: Handler) -> None:
        """Register a route several front doors share (``/healthz``): the same handler and methods may be
        registered any number of times; a different one for the same path is a ``ValueError``."""
        wanted = frozenset(m.upper() for m in methods)
        existing = self.routes.get(path)
        if existing is None:
            self.routes[path] = _Route(wanted, handler, None)
        elif existing.handler is not handler or existing.methods != wanted or existing.authorizer is not None:
            raise ValueError(f"route {path} is already registered with another handler")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":  # websockets: not served
            return
        try:
            response = await self._dispatch(scope, receive)
        except Exception:  # noqa: BLE001 - never a traceback to the client
            log.exception("unhandled error serving %s %s", scope.get("method"), scope.get("path"))
            response = internal_error()
        await _send(send, response, head=scope.get("method") == "HEAD")
        if self._release is None and _announced_size(scope) >= RELEASE_AFTER_BYTES:
            self._release = asyncio.get_running_loop().call_later(1.0, self._release_memory)

    def _release_memory(self) -> None:
        """One second after the last large body: hand freed memory back (one call per burst)."""
        self._release = None
        release_memory()

    async def _dispatch(self, scope: Scope, receive: Receive) -> Response:
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", []):
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        request = Request(scope["method"], scope["path"], scope.get("query_string", b""), headers)
        route = self.routes.get(request.path)
        if route is None:
            return await self.not_found(request)
        started = time.perf_counter()
        try:
            response = await self._serve(route, request, receive)
        except Exception:
            if route.observer is not None:
                route.observer(request, internal_error(), time.perf_counter() - started)
            raise
        if route.observer is not None:
            route.observer(request, response, time.perf_counter() - started)
        return response

    async def _serve(self, route: _Route, request: Request, receive: Receive) -> Response:
        """One request on a known route: method, auth, the body within its limits, the handler."""
        if request.method not in route.methods:
            request.refused = f"method {request.method} not allowed"
            return Response(405, headers=[("allow", ", ".join(sorted(route.methods)))])
        if route.authorizer is not None:
            denied = route.authorizer(request)
            if denied is not None:
                request.refused = denied
                return api_error(401, "Unauthorized", denied)
        try:
            async with asyncio.timeout(self.body_timeout):  # no extra task per request, unlike wait_for
                body = await _read_body(receive, request.headers, self.max_body_bytes)
        except TimeoutError:
            request.refused = f"request body not received within {self.body_timeout:g}s"
            response = api_error(408, "Request Timeout", request.refused)
            response.headers.append(("connection", "close"))
            return response
        if body is None:
            request.refused = f"request body larger than {self.max_body_bytes} bytes"
            response = api_error(413, "Request Entity Too Large", "http: request body too large")
            response.headers.append(("connection", "close"))  # the rest of the body is not read
            return response
        request.body = body
        return await route.handler(request)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                for start in self.on_startup:
                    start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for hook in self.on_shutdown:
                    hook()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _announced_size(scope: Scope) -> int:
    """The request's Content-Length (a chunked body counts as large: its size is not known up front)."""
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else 0
        if name.lower() == b"transfer-encoding":
            return RELEASE_AFTER_BYTES
    return 0


def release_memory() -> None:
    """Collect garbage, then return the C heap's free memory to the OS (glibc's ``malloc_trim``;
    elsewhere only the collection)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


async def _not_found(request: Request) -> Response:
    return api_error(404, "Not Found")


async def _read_body(receive: Receive, headers: Mapping[str, str], limit: int) -> bytes | None:
    """The whole body, or None when it is (announced or turns out) larger than ``limit``."""
    length = headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send(send: Send, response: Response, *, head: bool = False) -> None:
    headers = [(b"content-length", str(len(response.body)).encode())]
    if response.content_type:
        headers.append((b"content-type", response.content_type.encode()))
    headers += [(name.encode(), value.encode()) for name, value in response.headers]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else response.body})
