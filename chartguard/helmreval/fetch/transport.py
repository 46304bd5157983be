"""The SSRF-safe HTTP client: resolve, check every address, connect to the checked IP, verify TLS against the name.

It follows redirects under Go's or ORAS's policy and enforces the fetch's size and time limits;
every failure is a :class:`FetchError` worded as Go's client words it.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from ...chart import MAX_COMPRESSED_BYTES
from ...gofmt import go_quote
from .url import GoURL, URLError, blocked_address, parse_ip, parse_url

#: helm-reval's per-request context (the whole fetch must finish within it).
FETCH_TIMEOUT = 120.0
#: Go's dialer timeout in helm-reval.
DIAL_TIMEOUT = 30.0
#: Go's http.Transport TLS handshake timeout.
TLS_HANDSHAKE_TIMEOUT = 10.0
#: Largest chart archive (compressed) chartguard downloads; the same limit as for local archives.
MAX_CHART_BYTES = MAX_COMPRESSED_BYTES
#: Body bytes kept from an error response (enough for a registry's error JSON).
MAX_ERROR_BODY_BYTES = 64 * 1024
MAX_REDIRECTS = 10

USER_AGENT = "chartguard (helm-reval compatible)"

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class FetchError(Exception):
    """The chart could not be fetched; ``message`` is helm-reval's wording (without ``run helm template:``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0


class _TransportError(Exception):
    """A failure below HTTP; the message is Go's (without the ``Get "<url>":`` prefix)."""

    def with_url(self, url: GoURL) -> FetchError:
        """Go's ``*url.Error``: ``Get "<url>": <reason>`` (password redacted)."""
        return FetchError(f"Get {go_quote(url.string(redact=True))}: {self}")


class _DeadlineExceeded(_TransportError):
    def __init__(self) -> None:
        super().__init__("context deadline exceeded")


def _resolve(host: str, port: int, deadline: _Deadline) -> list[str]:
    """getaddrinfo in a worker thread so the fetch budget also bounds DNS."""
    result: list[Any] = []
    failure: list[BaseException] = []

    def lookup() -> None:
        try:
            result.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            failure.append(exc)

    worker = threading.Thread(target=lookup, name="chartguard-dns", daemon=True)
    worker.start()
    worker.join(max(deadline.remaining(), 0))
    if worker.is_alive():
        raise _DeadlineExceeded()
    if failure:
        exc = failure[0]
        if isinstance(exc, socket.gaierror) and exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)):
            raise _TransportError(f"lookup {host}: no such host")
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise _TransportError(f"lookup {host}: {reason[:1].lower()}{reason[1:]}")
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in result:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _dial_error(address: str, port: int, exc: OSError) -> _TransportError:
    target = f"dial tcp {_join_host_port(address, port)}"
    if isinstance(exc, TimeoutError):
        return _TransportError(f"{target}: i/o timeout")
    reason = exc.strerror or str(exc) or type(exc).__name__
    return _TransportError(f"{target}: connect: {reason[:1].lower()}{reason[1:]}")


def _safe_connect(host: str, port: int, deadline: _Deadline, allow_loopback: bool) -> socket.socket:
    """helm-reval's ``newSafeDialContext``: every resolved address checked, then dialled directly."""
    candidates = [host] if parse_ip(host) is not None else _resolve(host, port, deadline)
    if not candidates:
        raise _TransportError(f"no addresses resolved for {go_quote(host)}")
    for address in candidates:
        if blocked_address(address, allow_loopback):
            raise _TransportError(
                f"connection to blocked address {go_quote(address)} is not allowed (resolved from {go_quote(host)})"
            )
    first_error: _TransportError | None = None
    for address in candidates:
        if deadline.expired():
            raise _DeadlineExceeded()
        try:
            return socket.create_connection((address, port), timeout=min(DIAL_TIMEOUT, deadline.remaining()))
        except OSError as exc:
            first_error = first_error or _dial_error(address, port, exc)
    assert first_error is not None
    raise first_error


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _tls_error(exc: ssl.SSLError, hostname: str) -> _TransportError:
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = getattr(exc, "verify_code", 0)
        if code == 62:  # X509_V_ERR_HOSTNAME_MISMATCH / IP_ADDRESS_MISMATCH
            reason = f"x509: certificate is not valid for {hostname}"
        elif code in (9, 10):
            reason = "x509: certificate has expired or is not yet valid"
        else:
            reason = "x509: certificate signed by unknown authority"
        return _TransportError(f"tls: failed to verify certificate: {reason}")
    return _TransportError(f"tls: {exc.reason or exc}".lower())


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection whose socket comes from :func:`_safe_connect` (no second resolution)."""

    def __init__(self, host: str, port: int, opener: Callable[[], socket.socket], context: ssl.SSLContext) -> None:
        super().__init__(host, port, context=context)
        self._opener = opener

    def connect(self) -> None:
        self.sock = self._opener()


@dataclass
class _Response:
    status: int
    reason: str
    headers: Message
    body: bytes
    url: GoURL

    @property
    def status_line(self) -> str:
        return f"{self.status} {self.reason}".rstrip()


@dataclass
class _Client:
    """One fetch: its deadline, the loopback test switch and the redirect policy's flavour."""

    deadline: _Deadline
    allow_loopback: bool = False
    context: ssl.SSLContext = field(default_factory=_tls_context)

    def get(
        self,
        url: GoURL,
        headers: Mapping[str, str],
        *,
        limit: int,
        oras: bool,
    ) -> _Response:
        """GET ``url`` following redirects under Go's (``oras=False``) or helm-reval's checkRedirect policy."""
        current = url
        current_headers = dict(headers)
        sent = 1  # Go's CheckRedirect sees the requests made so far; at 10 it stops
        while True:
            response = self._round_trip(current, current_headers, limit)
            location = response.headers.get("Location")
            if response.status not in _REDIRECT_STATUSES or not location:
                return response
            try:
                parse_url(location)
                target = parse_url(urllib.parse.urljoin(current.string(), location))
            except URLError as exc:
                raise _TransportError(f"failed to parse Location header {go_quote(location)}: {exc}").with_url(current) from None
            if sent >= MAX_REDIRECTS:
                raise _RedirectError(location, f"stopped after {MAX_REDIRECTS} redirects")
            if oras:
                if target.scheme != "https":
                    raise _RedirectError(location, f"redirected requests must use HTTPS, got {go_quote(target.scheme)}")
                if blocked_address(target.hostname(), self.allow_loopback):
                    raise _RedirectError(location, f"redirect to blocked address {go_quote(target.hostname())} is not allowed")
            elif target.scheme == "http":
                raise _TransportError("redirected chart downloads must use HTTPS").with_url(target)
            elif target.scheme != "https":
                raise _TransportError(f"unsupported protocol scheme {go_quote(target.scheme)}").with_url(target)
            if not _same_domain(current.hostname(), target.hostname()):
                current_headers = {k: v for k, v in current_headers.items() if k.lower() != "authorization"}
            current = target
            sent += 1

    def _round_trip(self, url: GoURL, headers: Mapping[str, str], limit: int) -> _Response:
        if url.scheme != "https":
            raise _TransportError(f"unsupported protocol scheme {go_quote(url.scheme)}").with_url(url)
        hostname = url.hostname()
        port = int(url.port() or 443)
        if self.deadline.expired():
            raise _DeadlineExceeded().with_url(url)
        try:
            connection = _PinnedHTTPSConnection(hostname, port, lambda: self._open(hostname, port), self.context)
        except (ValueError, http.client.InvalidURL) as exc:
            raise _TransportError(str(exc)).with_url(url) from None
        # The socket timeouts bound each operation; this bounds the whole exchange (a slow trickle too).
        watchdog = threading.Timer(max(self.deadline.remaining(), 0), _abort, (connection,))
        watchdog.daemon = True
        watchdog.start()
        try:
            connection.putrequest("GET", url.request_uri(), skip_accept_encoding=True)
            connection.putheader("User-Agent", USER_AGENT)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders()
            raw = connection.getresponse()
            response = _Response(raw.status, raw.reason, raw.msg, b"", url)
            if raw.status in _REDIRECT_STATUSES:
                return response
            if raw.status != 200:
                limit = MAX_ERROR_BODY_BYTES
            else:
                length = raw.getheader("Content-Length")
                if length and length.isdigit() and int(length) > limit:
                    raise _TooLarge(limit)
            response.body = self._read(connection, raw, limit, truncate=raw.status != 200)
            return response
        except (_TransportError, OSError, http.client.HTTPException, ValueError) as exc:
            raise self._failure(exc, hostname).with_url(url) from None
        finally:
            watchdog.cancel()
            connection.close()

    def _failure(self, exc: BaseException, hostname: str) -> _TransportError:
        """A failure of one exchange in Go's words (the deadline wins over what it caused)."""
        if isinstance(exc, _TooLarge):
            return exc
        if self.deadline.expired() or isinstance(exc, TimeoutError):
            return _DeadlineExceeded()
        if isinstance(exc, _TransportError):
            return exc
        if isinstance(exc, ssl.SSLError):
            return _tls_error(exc, hostname)
        if isinstance(exc, http.client.IncompleteRead):  # a body (chunked stream) cut short
            return _TransportError("unexpected EOF")
        if isinstance(exc, http.client.RemoteDisconnected):
            return _TransportError("EOF")
        if isinstance(exc, OSError) and exc.strerror:
            return _TransportError(exc.strerror[:1].lower() + exc.strerror[1:])
        return _TransportError(str(exc) or type(exc).__name__)

    def _open(self, hostname: str, port: int) -> socket.socket:
        sock = _safe_connect(hostname, port, self.deadline, self.allow_loopback)
        try:
            sock.settimeout(min(TLS_HANDSHAKE_TIMEOUT, max(self.deadline.remaining(), 0.001)))
            try:
                tls = self.context.wrap_socket(sock, server_hostname=hostname)
            except TimeoutError:
                if self.deadline.expired():
                    raise _DeadlineExceeded() from None
                raise _TransportError("net/http: TLS handshake timeout") from None
            tls.settimeout(max(self.deadline.remaining(), 0.001))
            return tls
        except BaseException:
            sock.close()
            raise

    def _read(
        self, connection: http.client.HTTPConnection, raw: http.client.HTTPResponse, limit: int, *, truncate: bool
    ) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            remaining = self.deadline.remaining()
            if remaining <= 0:
                raise _DeadlineExceeded()
            if connection.sock is not None:
                connection.sock.settimeout(remaining)
            chunk = raw.read(min(65536, limit + 1 - size))
            if not chunk:
                if self.deadline.expired():  # the watchdog shut the socket: a stall, not the end of the body
                    raise _DeadlineExceeded()
                if not truncate and raw.length:  # http.client ends a short Content-Length body quietly
                    raise _TransportError(f"unexpected EOF ({size} of {size + raw.length} bytes received)")
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                if truncate:
                    return b"".join(chunks)[:limit]
                raise _TooLarge(limit)


def _abort(connection: http.client.HTTPConnection) -> None:
    """The deadline passed mid-exchange: unblock the reader."""
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class _RedirectError(FetchError):
    """A refused redirect: Go names the raw ``Location`` value in the error."""

    def __init__(self, location: str, reason: str) -> None:
        super().__init__(f"Get {go_quote(location)}: {reason}")


class _TooLarge(_TransportError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"response body exceeds chartguard's {limit}-byte limit")


def _same_domain(source: str, target: str) -> bool:
    """Go keeps ``Authorization`` on a redirect only to the same host or one of its subdomains."""
    source, target = source.lower(), target.lower()
    return target == source or (parse_ip(source) is None and target.endswith("." + source))
