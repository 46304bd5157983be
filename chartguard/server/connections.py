"""Connection guards for ``chartguard serve``: slow and piled-up clients cannot hold a worker.

uvicorn's httptools protocol closes a connection only after its keep-alive idle time, and never
while a request head is arriving, so a client that sends half a request line holds its connection
(and a file descriptor) for as long as it likes. :func:`guarded_protocol` subclasses it with
(:class:`chartguard.limits.ConnectionLimits`):

- a **header timeout**: the request head (request line and headers) must be complete within
  ``header_timeout`` seconds of the connection being made (after the TLS handshake) or of the
  head's first byte on a kept-alive connection; else ``408`` and the connection is closed. The TLS
  handshake gets the same time (:class:`GuardedServer`; asyncio's default is 60 s);
- a **connection limit**: a worker holding ``max_connections`` connections answers a new one
  ``503`` and closes it (connections still in their TLS handshake are bounded by its timeout);
- a **header size limit**: a head over ``max_header_bytes`` is answered ``431`` and closed.

Each is counted in the webhook's metrics (``chartguard_webhook_connections_closed_total{reason}``,
with the ``chartguard_webhook_open_connections`` gauge) and logged as one JSON line (metadata only:
the event, the status, the client address, the worker's pid). Idle keep-alive connections stay
under uvicorn's ``timeout_keep_alive``; the body has the app's own timeout (``--body-timeout``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Sequence
from typing import Any

import orjson
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..limits import ConnectionLimits
from .metrics import Metrics

log = logging.getLogger("chartguard.webhook")

_REASONS = {408: "Request Timeout", 431: "Request Header Fields Too Large", 503: "Service Unavailable"}


def closing_answer(status: int, message: str) -> bytes:
    """A complete HTTP/1.1 response that says the server closes the connection."""
    body = orjson.dumps({"error": _REASONS[status], "reason": message})
    head = f"HTTP/1.1 {status} {_REASONS[status]}\r\ncontent-type: application/json\r\n"
    return f"{head}content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode() + body


def guarded_protocol(limits: ConnectionLimits, metrics: Metrics | None = None) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with ``limits`` (uvicorn's ``Config(http=...)``)."""

    class GuardedProtocol(HttpToolsProtocol):
        """Header timeout, header size and connection limit on top of uvicorn's protocol."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.head_timer: asyncio.TimerHandle | None = None
            self.awaiting_head = False
            self.head_bytes = 0
            self.counted = False  # this connection is in the open-connections gauge

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            if len(self.connections) >= limits.max_connections:
                self.transport = transport
                self.refuse(503, "too-many-connections", f"more than {limits.max_connections} open connections")
                return
            super().connection_made(transport)
            self.counted = True
            if metrics is not None:
                metrics.connection_opened(1)
            self.await_head()

        def connection_lost(self, exc: Exception | None) -> None:
            self.stop_timer()
            if not self.counted:  # refused: uvicorn never registered it
                return
            self.counted = False
            if metrics is not None:
                metrics.connection_opened(-1)
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if not self.counted:
                return
            super().data_received(data)
            if self.awaiting_head and not self.transport.is_closing():
                self.head_bytes += len(data)  # the head is not complete, so all of it was head
                if self.head_bytes > limits.max_header_bytes:
                    self.refuse(431, "headers-too-large", f"request head over {limits.max_header_bytes} bytes")

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if not self.awaiting_head:
                self.await_head()

        def on_headers_complete(self) -> None:
            self.awaiting_head = False
            self.stop_timer()
            super().on_headers_complete()

        def await_head(self) -> None:
            self.awaiting_head, self.head_bytes = True, 0
            self.stop_timer()
            self.head_timer = self.loop.call_later(limits.header_timeout, self.head_timed_out)

        def head_timed_out(self) -> None:
            self.head_timer = None
            if self.awaiting_head and not self.transport.is_closing():
                self.refuse(408, "header-timeout", f"request head not received within {limits.header_timeout:g}s")

        def stop_timer(self) -> None:
            if self.head_timer is not None:
                self.head_timer.cancel()
                self.head_timer = None

        def refuse(self, status: int, event: str, message: str) -> None:
            """Answer ``status`` and close; count and log the event."""
            self.awaiting_head = False
            self.stop_timer()
            self.transport.write(closing_answer(status, message))
            self.transport.close()
            if metrics is not None:
                metrics.connection_closed(event)
            _log_event(event, status, message, self.transport)

    return GuardedProtocol


def _log_event(event: str, status: int, reason: str, transport: asyncio.BaseTransport) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    peer = transport.get_extra_info("peername")
    client = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else ""
    line = {"msg": "connection", "event": event, "code": status, "reason": reason, "client": client, "pid": os.getpid()}
    log.info(orjson.dumps(line).decode())


class GuardedServer(uvicorn.Server):
    """uvicorn's server with a TLS handshake timeout (asyncio's default is 60 s)."""

    def __init__(self, config: uvicorn.Config, handshake_timeout: float) -> None:
        super().__init__(config)
        self.handshake_timeout = handshake_timeout

    async def startup(self, sockets: Sequence[socket.socket] | None = None) -> None:
        loop = asyncio.get_running_loop()
        create_server = loop.create_server

        def with_handshake_timeout(*args: Any, **kwargs: Any) -> Any:
            if kwargs.get("ssl") is not None:
                kwargs.setdefault("ssl_handshake_timeout", self.handshake_timeout)
            return create_server(*args, **kwargs)

        loop.create_server = with_handshake_timeout  # type: ignore[method-assign]  # for uvicorn's calls only
        try:
            await super().startup(list(sockets) if sockets is not None else None)
        finally:
            del loop.create_server  # the loop's own method again
