"""Fetch a chart archive the way helm-reval does: ``https://`` (a direct ``.tgz``) or ``oci://``.

helm-reval's rules (reference section 1.8), with its messages:

- the URL is checked first (:func:`validate_chart_url`): https/oci scheme, a host name, and no IP
  literal in a private network;
- every connection resolves the host name, refuses when **any** address is private
  (``connection to blocked address …``) and then connects to the checked address itself, so a
  second DNS answer cannot swap in another one (TLS still verifies the certificate against the
  host name); environment proxies are never used;
- redirects: HTTPS only, no private IP literal, and Go's limit: a client makes at most 10 requests,
  so the 10th redirect is refused (``stopped after 10 redirects``);
- credentials, in order: the legacy NGC ``apiKey`` (user ``$oauthtoken``, NGC hosts only), each
  ``helmRegistryAuthConfig.k8sSecrets[i].auths[<host[:port]>]``, then anonymous. For https charts a
  401/403 answer moves on to the next credential silently; any other failure is remembered (for OCI
  charts every failure, since ORAS's wording never matches helm-reval's 401/403 pattern). When
  nothing works, the distinct remembered errors are joined by newlines, or the message is
  ``no credential was valid to pull chart …``.

Every failure is raised as :class:`FetchError`; the library reports it as the validation error
``run helm template: <message>``. Transport errors read like Go's (``Get "<url>": <reason>``)
because helm-reval's do.

The two paths follow the two Go clients helm-reval uses: https charts go through Helm's HTTP
getter (Go's default redirect policy, ``redirected chart downloads must use HTTPS``), OCI charts
through the ORAS registry client, whose redirect check says ``redirected requests must use HTTPS,
got "http"`` and ``redirect to blocked address …``. The whole fetch has a 2-minute budget
(:data:`FETCH_TIMEOUT`) and a chart larger than :data:`MAX_CHART_BYTES` is refused.

Not done (helm-reval does them): the cloud credential helpers (ECR/GCR/ACR token exchange and
credentials from the environment), the OAuth2 password grant when logging in to a registry, and
retries on 429/5xx. A registry's token realm must be an ``https://`` URL.

Certificates are verified against the system trust store (``SSL_CERT_FILE`` / ``SSL_CERT_DIR``
override it, as for Go). ``ServerSettings.allow_private_chart_hosts`` is a **test-only** switch
that lets loopback addresses (127.0.0.0/8, ::1) through; it never opens private networks.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import ipaddress
import json
import re
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from email.message import Message
from typing import Any

from ..chart import MAX_COMPRESSED_BYTES
from ..gofmt import go_quote
from ..semver import STRICT_SEMVER, parse_version, satisfies

__all__ = [
    "FETCH_TIMEOUT",
    "MAX_CHART_BYTES",
    "FetchError",
    "fetch_chart",
    "is_private_ip",
    "validate_chart_url",
]

#: helm-reval's per-request context (the whole fetch must finish within it).
FETCH_TIMEOUT = 120.0
#: Go's dialer timeout in helm-reval.
DIAL_TIMEOUT = 30.0
#: Go's http.Transport TLS handshake timeout.
TLS_HANDSHAKE_TIMEOUT = 10.0
#: Largest chart archive (compressed) chartguard downloads; the same limit as for local archives.
MAX_CHART_BYTES = MAX_COMPRESSED_BYTES
#: ORAS's limit for manifests and other registry metadata.
MAX_METADATA_BYTES = 4 * 1024 * 1024
#: ORAS's limit for a token response.
MAX_TOKEN_BYTES = 128 * 1024
#: Body bytes kept from an error response (enough for a registry's error JSON).
MAX_ERROR_BODY_BYTES = 64 * 1024
MAX_REDIRECTS = 10
MAX_TAG_PAGES = 50

NGC_HOST = re.compile(r"^(.+\.)?ngc\.nvidia\.com$")
LEGACY_USERNAME = b"$oauthtoken"
USER_AGENT = "chartguard (helm-reval compatible)"

HELM_CONFIG_MEDIA_TYPE = "application/vnd.cncf.helm.config.v1+json"
HELM_CHART_MEDIA_TYPE = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
HELM_LEGACY_CHART_MEDIA_TYPE = "application/tar+gzip"
OCI_MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
#: ORAS's default manifest Accept list.
MANIFEST_ACCEPT = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        OCI_MANIFEST_MEDIA_TYPE,
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.artifact.manifest.v1+json",
    ]
)

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_AUTH_ISSUE = re.compile(r"failed to fetch .* : (?P<status>.+)")


class FetchError(Exception):
    """The chart could not be fetched; ``message`` is helm-reval's wording (without ``run helm template:``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------------------------------
# Go formatting helpers


class _Base64Error(ValueError):
    def __init__(self, offset: int) -> None:
        super().__init__(f"illegal base64 data at input byte {offset}")


_B64_VALUES = {c: i for i, c in enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def _go_b64decode(text: str) -> bytes:
    """``base64.StdEncoding.DecodeString`` with Go's error offsets (padding required, CR/LF ignored)."""
    data = text.encode("utf-8", "surrogatepass")
    out = bytearray()
    si, n = 0, len(data)
    while True:
        quantum = [0, 0, 0, 0]
        length, j = 4, 0
        while j < 4:
            if si == n:
                if j == 0:
                    return bytes(out)
                raise _Base64Error(si - j)
            char = data[si]
            si += 1
            if char in _B64_VALUES:
                quantum[j] = _B64_VALUES[char]
                j += 1
                continue
            if char in (0x0A, 0x0D):
                continue
            if char != 0x3D or j in (0, 1):  # not "=", or padding too early
                raise _Base64Error(si - 1)
            if j == 2:  # "==" expected: the first "=" is consumed
                while si < n and data[si] in (0x0A, 0x0D):
                    si += 1
                if si == n:
                    raise _Base64Error(n)
                if data[si] != 0x3D:
                    raise _Base64Error(si - 1)
                si += 1
            while si < n and data[si] in (0x0A, 0x0D):
                si += 1
            if si < n:
                raise _Base64Error(si)
            length = j
            break
        value = quantum[0] << 18 | quantum[1] << 12 | quantum[2] << 6 | quantum[3]
        out += bytes(((value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF))[: length - 1]
        if length < 4:
            return bytes(out)


# --------------------------------------------------------------------------------------------------
# URLs, parsed as Go's net/url does (its error messages are part of helm-reval's output)


class _URLError(ValueError):
    pass


_HOST, _ZONE, _PATH, _USERINFO, _FRAGMENT = range(5)
_HOST_SUBDELIMS = frozenset("!$&'()*+,;=:[]<>\"")
_USERINFO_CHARS = frozenset("-._:~!$&'()*+,;=%@")


def _is_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _should_escape(char: str, mode: int) -> bool:
    """Go's ``shouldEscape`` for the modes used here (host/zone: anything but unreserved and sub-delims)."""
    if _is_alnum(char):
        return False
    if mode in (_HOST, _ZONE) and char in _HOST_SUBDELIMS:
        return False
    if char in "-_.~":
        return False
    if char in "$&+,/:;=?@":
        if mode == _PATH:
            return char == "?"
        if mode == _USERINFO:
            return char in "@/?:"
        if mode == _FRAGMENT:
            return False
    return not (mode == _FRAGMENT and char in "!()*")


def _check_escapes(text: str, mode: int) -> None:
    """Go's ``unescape`` validation: bad ``%`` escapes and, in a host, characters that need escaping."""
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%":
            if i + 2 >= len(text) or not _is_hex(text[i + 1]) or not _is_hex(text[i + 2]):
                raise _URLError(f"invalid URL escape {go_quote(text[i : i + 3])}")
            if mode == _HOST and int(text[i + 1], 16) < 8 and text[i : i + 3] != "%25":
                raise _URLError(f"invalid URL escape {go_quote(text[i : i + 3])}")
            if mode == _ZONE:
                value = chr(int(text[i + 1 : i + 3], 16))
                if text[i : i + 3] != "%25" and value != " " and _should_escape(value, _HOST):
                    raise _URLError(f"invalid URL escape {go_quote(text[i : i + 3])}")
            i += 3
            continue
        if mode in (_HOST, _ZONE) and ord(char) < 0x80 and _should_escape(char, mode):
            raise _URLError(f"invalid character {go_quote(char)} in host name")
        i += 1


def _is_hex(char: str) -> bool:
    return char in "0123456789abcdefABCDEF"


def _valid_optional_port(port: str) -> bool:
    if port == "":
        return True
    return port[0] == ":" and all("0" <= c <= "9" for c in port[1:])


@dataclass
class _URL:
    """The fields of a Go ``url.URL`` that matter here (``host`` and ``path`` as written, escaped)."""

    scheme: str = ""
    opaque: str = ""
    userinfo: str | None = None
    host: str = ""
    path: str = ""
    raw_query: str = ""
    force_query: bool = False
    fragment: str | None = None

    def hostname(self) -> str:
        host = urllib.parse.unquote(self.host)
        colon = host.rfind(":")
        if colon != -1 and _valid_optional_port(host[colon:]):
            host = host[:colon]
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        return host

    def port(self) -> str:
        colon = self.host.rfind(":")
        if colon != -1 and _valid_optional_port(self.host[colon:]) and not self.host.endswith("]"):
            return self.host[colon + 1 :]
        return ""

    def request_uri(self) -> str:
        path = urllib.parse.quote(self.path, safe="/%!$&'()*+,;=:@-._~") or "/"
        if self.force_query or self.raw_query:
            path += "?" + urllib.parse.quote(self.raw_query, safe="/%!$&'()*+,;=:@-._~?")
        return path

    def string(self, *, redact: bool = False) -> str:
        """Go's ``URL.String()`` (``redact``: the password shown as ``***`` as in Go's client errors)."""
        out = ""
        if self.scheme:
            out += self.scheme + ":"
        if self.opaque:
            out += self.opaque
        else:
            if self.host or self.userinfo is not None:
                out += "//"
                if self.userinfo is not None:
                    user, colon, _password = self.userinfo.partition(":")
                    out += (user + ":***" if redact and colon else self.userinfo) + "@"
                out += self.host
            elif self.scheme and self.path.startswith("//"):
                out += "//"
            if self.path and not self.path.startswith("/") and self.host:
                out += "/"
            out += self.path
        if self.force_query or self.raw_query:
            out += "?" + self.raw_query
        if self.fragment:
            out += "#" + self.fragment
        return out

    def __str__(self) -> str:
        return self.string()


def _parse_url(raw: str) -> _URL:
    """Go's ``url.Parse``; raises :class:`_URLError` with Go's message (``parse "…": …``)."""
    without_fragment, hash_sign, fragment = raw.partition("#")
    try:
        url = _parse_url_part(without_fragment)
    except _URLError as exc:
        raise _URLError(f"parse {go_quote(without_fragment)}: {exc}") from None
    if hash_sign:
        try:
            _check_escapes(fragment, _FRAGMENT)
        except _URLError as exc:
            raise _URLError(f"parse {go_quote(raw)}: {exc}") from None
        url.fragment = fragment
    return url


def _parse_url_part(raw: str) -> _URL:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        raise _URLError("net/url: invalid control character in URL")
    url = _URL()
    if raw == "":
        return url
    if raw == "*":
        url.path = "*"
        return url
    scheme, rest = _get_scheme(raw)
    url.scheme = scheme.lower()
    if rest.endswith("?") and rest.count("?") == 1:
        url.force_query = True
        rest = rest[:-1]
    else:
        rest, _, url.raw_query = rest.partition("?")
    if not rest.startswith("/"):
        if url.scheme:
            url.opaque = rest
            return url
        if ":" in rest.split("/", 1)[0]:
            raise _URLError("first path segment in URL cannot contain colon")
    if (url.scheme or not rest.startswith("///")) and rest.startswith("//"):
        authority, slash, tail = rest[2:].partition("/")
        rest = slash + tail
        url.userinfo, url.host = _parse_authority(authority)
    _check_escapes(rest, _PATH)
    url.path = rest
    return url


def _get_scheme(raw: str) -> tuple[str, str]:
    for i, char in enumerate(raw):
        if char.isascii() and char.isalpha():
            continue
        if char.isascii() and (char.isdigit() or char in "+-."):
            if i == 0:
                return "", raw
            continue
        if char == ":":
            if i == 0:
                raise _URLError("missing protocol scheme")
            return raw[:i], raw[i + 1 :]
        return "", raw
    return "", raw


def _parse_authority(authority: str) -> tuple[str | None, str]:
    at = authority.rfind("@")
    host = _parse_host(authority[at + 1 :] if at >= 0 else authority)
    if at < 0:
        return None, host
    userinfo = authority[:at]
    if not all(_is_alnum(c) or c in _USERINFO_CHARS for c in userinfo):
        raise _URLError("net/url: invalid userinfo")
    user, _, password = userinfo.partition(":")
    _check_escapes(user, _USERINFO)
    _check_escapes(password, _USERINFO)
    return userinfo, host


def _parse_host(host: str) -> str:
    if host.startswith("["):
        close = host.rfind("]")
        if close < 0:
            raise _URLError("missing ']' in host")
        colon_port = host[close + 1 :]
        if not _valid_optional_port(colon_port):
            raise _URLError(f"invalid port {go_quote(colon_port)} after host")
        zone = host[:close].find("%25")
        if zone >= 0:
            _check_escapes(host[:zone], _HOST)
            _check_escapes(host[zone:close], _ZONE)
            _check_escapes(host[close:], _HOST)
            return host
    else:
        colon = host.rfind(":")
        if colon != -1 and not _valid_optional_port(host[colon:]):
            raise _URLError(f"invalid port {go_quote(host[colon:])} after host")
    _check_escapes(host, _HOST)
    return host


# --------------------------------------------------------------------------------------------------
# Private addresses (Go's netip classifiers plus 100.64.0.0/10)

_V4_BLOCKED = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "127.0.0.0/8",  # loopback
        "10.0.0.0/8",  # private
        "172.16.0.0/12",
        "192.168.0.0/16",
        "0.0.0.0/32",  # unspecified
        "169.254.0.0/16",  # link-local unicast
        "224.0.0.0/24",  # link-local multicast
        "100.64.0.0/10",  # carrier-grade NAT
    )
)
_V6_BLOCKED = tuple(ipaddress.IPv6Network(n) for n in ("::1/128", "fc00::/7", "::/128", "fe80::/10"))


def _parse_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IP literal (IPv4-mapped IPv6 unmapped, zone dropped) or None for anything else."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        return ipaddress.IPv6Address(int(address))  # drops the zone
    return address


def is_private_ip(host: str) -> bool:
    """helm-reval's ``isPrivateIP``: True only for an IP literal in a blocked range (hostnames: False).

    Blocked: loopback, RFC 1918 / ULA private, unspecified, link-local unicast and multicast,
    interface-local multicast and 100.64.0.0/10; IPv4-mapped and zoned forms are normalised.
    """
    address = _parse_ip(host)
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return any(address in network for network in _V4_BLOCKED)
    if any(address in network for network in _V6_BLOCKED):
        return True
    first = int(address) >> 112
    return first & 0xFF0F in (0xFF01, 0xFF02)  # interface-local / link-local multicast, any flags


def _is_loopback(host: str) -> bool:
    address = _parse_ip(host)
    return address is not None and address.is_loopback


def _blocked(host: str, allow_loopback: bool) -> bool:
    return is_private_ip(host) and not (allow_loopback and _is_loopback(host))


def validate_chart_url(url: str, *, allow_loopback: bool = False) -> list[str]:
    """helm-reval's ``validateHelmChartURL``: its error messages, in its order (empty when valid).

    ``allow_loopback`` is the test-only ``allow_private_chart_hosts`` setting: loopback literals pass.
    """
    try:
        parsed = _parse_url(url)
    except _URLError as exc:
        return [f"invalid helm chart URL: {exc}"]
    errors = []
    if parsed.scheme not in ("https", "oci"):
        errors.append(f"helm chart URL must use https or oci scheme, got {go_quote(parsed.scheme)}")
    if parsed.hostname() == "":
        errors.append("helm chart URL must have a host")
    if _blocked(parsed.hostname(), allow_loopback):
        errors.append("helm chart URL must not point to private networks")
    return errors


# --------------------------------------------------------------------------------------------------
# Transport: resolve, check every address, connect to the checked IP, verify TLS against the name


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0


class _TransportError(Exception):
    """A failure below HTTP; the message is Go's (without the ``Get "<url>":`` prefix)."""

    def with_url(self, url: _URL) -> FetchError:
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
    candidates = [host] if _parse_ip(host) is not None else _resolve(host, port, deadline)
    if not candidates:
        raise _TransportError(f"no addresses resolved for {go_quote(host)}")
    for address in candidates:
        if _blocked(address, allow_loopback):
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
    url: _URL

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
        url: _URL,
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
                _parse_url(location)
                target = _parse_url(urllib.parse.urljoin(current.string(), location))
            except _URLError as exc:
                raise _TransportError(f"failed to parse Location header {go_quote(location)}: {exc}").with_url(current) from None
            if sent >= MAX_REDIRECTS:
                raise _RedirectError(location, f"stopped after {MAX_REDIRECTS} redirects")
            if oras:
                if target.scheme != "https":
                    raise _RedirectError(location, f"redirected requests must use HTTPS, got {go_quote(target.scheme)}")
                if _blocked(target.hostname(), self.allow_loopback):
                    raise _RedirectError(location, f"redirect to blocked address {go_quote(target.hostname())} is not allowed")
            elif target.scheme == "http":
                raise _TransportError("redirected chart downloads must use HTTPS").with_url(target)
            elif target.scheme != "https":
                raise _TransportError(f"unsupported protocol scheme {go_quote(target.scheme)}").with_url(target)
            if not _same_domain(current.hostname(), target.hostname()):
                current_headers = {k: v for k, v in current_headers.items() if k.lower() != "authorization"}
            current = target
            sent += 1

    def _round_trip(self, url: _URL, headers: Mapping[str, str], limit: int) -> _Response:
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
        if isinstance(exc, http.client.RemoteDisconnected | http.client.IncompleteRead):
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
    return target == source or (_parse_ip(source) is None and target.endswith("." + source))


def _basic(user: bytes, password: bytes) -> str:
    return "Basic " + base64.b64encode(user + b":" + password).decode("ascii")


# --------------------------------------------------------------------------------------------------
# Credentials


@dataclass(frozen=True)
class _Credentials:
    username: bytes = b""
    password: bytes = b""
    error: str = ""  # a malformed secret: the attempt fails with this message

    @property
    def empty(self) -> bool:
        return not self.username and not self.password


_ASCII_SPACE = b" \t\n\r\v\f"


def _secret_credentials(auth: Any) -> _Credentials:
    """helm-reval's ``parseAuthToBasicCreds``: base64 of ``user:pass``, both trimmed."""
    try:
        decoded = _go_b64decode(auth if isinstance(auth, str) else "")
    except _Base64Error as exc:
        return _Credentials(error=str(exc))
    user, colon, password = decoded.partition(b":")
    if not colon:
        return _Credentials(error="registry secret does not contain ':'")
    return _Credentials(user.strip(_ASCII_SPACE), password.strip(_ASCII_SPACE))


def _attempts(host: str, request: Mapping[str, Any]) -> list[_Credentials]:
    """Credential attempts in helm-reval's order: legacy NGC key, matching secrets, anonymous."""
    attempts: list[_Credentials] = []
    api_key = request.get("apiKey")
    if isinstance(api_key, str) and api_key and NGC_HOST.match(host):
        attempts.append(_Credentials(LEGACY_USERNAME, api_key.encode("utf-8", "surrogatepass")))
    config = request.get("helmRegistryAuthConfig")
    secrets = config.get("k8sSecrets") if isinstance(config, Mapping) else None
    for secret in secrets if isinstance(secrets, list) else []:
        auths = secret.get("auths") if isinstance(secret, Mapping) else None
        if isinstance(auths, Mapping) and host in auths:
            entry = auths[host]
            attempts.append(_secret_credentials(entry.get("auth", "") if isinstance(entry, Mapping) else ""))
    attempts.append(_Credentials())
    return attempts


# --------------------------------------------------------------------------------------------------
# https:// charts (Helm's HTTP getter)


class _AuthIssue(Exception):
    pass


def _fetch_https(client: _Client, url: _URL, creds: _Credentials) -> bytes:
    headers = {"Accept": "application/gzip,application/octet-stream"}
    if creds.username and creds.password:  # Helm sets Basic auth only when both are non-empty
        headers["Authorization"] = _basic(creds.username, creds.password)
    response = client.get(url, headers, limit=MAX_CHART_BYTES, oras=False)
    if response.status != 200:
        message = f"failed to fetch {url.string()} : {response.status_line}"
        match = _AUTH_ISSUE.search(message)
        if match and match["status"].startswith(("401", "403")):
            raise _AuthIssue(message)
        raise FetchError(message)
    return response.body


# --------------------------------------------------------------------------------------------------
# oci:// charts (the OCI distribution API, as Helm's registry client pulls a chart)


_REPOSITORY = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*)*$")
_TAG = re.compile(r"^\w[\w.-]{0,127}$", re.ASCII)
_DIGEST = re.compile(r"^(?P<algorithm>[a-z0-9]+(?:[.+_-][a-z0-9]+)*):(?P<hex>[a-zA-Z0-9=_-]+)$")
_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}


@dataclass(frozen=True)
class _Reference:
    registry: str
    repository: str
    tag: str = ""
    digest: str = ""

    def __str__(self) -> str:
        base = f"{self.registry}/{self.repository}"
        if self.tag:
            return f"{base}:{self.tag}"
        return f"{base}@{self.digest}" if self.digest else base


def _parse_reference(raw: str) -> _Reference:
    """Helm's ``newReference`` over ORAS's ``ParseReference`` (``+`` in a tag stored as ``_``)."""
    digest = ""
    at = raw.rfind("@")
    if at >= 0:
        raw, digest = raw[:at], raw[at + 1 :]
    parts = raw.split(":")
    if len(parts) > 1 and "/" not in parts[-1] and parts[-1]:
        raw = raw.replace(parts[-1], parts[-1].replace("+", "_"))
    registry, slash, path = raw.partition("/")
    if not slash:
        raise FetchError("invalid reference: missing registry or repository")
    repository, colon, tag = path.partition(":")
    if colon and not tag:
        colon = ""
    try:
        checked = _parse_url_part("dummy://" + registry)
    except _URLError:
        checked = _URL()
    if not registry or checked.host != registry:
        raise FetchError(f"invalid reference: invalid registry {go_quote(registry)}")
    if not _REPOSITORY.match(repository):
        raise FetchError(f"invalid reference: invalid repository {go_quote(repository)}")
    if colon and not _TAG.match(tag):
        raise FetchError(f"invalid reference: invalid tag {go_quote(tag)}")
    if digest:
        match = _DIGEST.match(digest)
        if not match or _DIGEST_LENGTHS.get(match["algorithm"]) not in (None, len(match["hex"])):
            raise FetchError(f"invalid reference: invalid digest {go_quote(digest)}")
    return _Reference(registry, repository, tag, digest)


def _parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``WWW-Authenticate: Bearer realm="…",service="…",scope="…"`` → ("bearer", {...})."""
    scheme, _, rest = header.strip().partition(" ")
    params: dict[str, str] = {}
    pattern = re.compile(r'\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)')
    position = 0
    while position < len(rest):
        match = pattern.match(rest, position)
        if not match or match.end() == position:
            break
        value = match[2] if match[2] is not None else match[3]
        params[match[1].lower()] = re.sub(r"\\(.)", r"\1", value)
        position = match.end()
    return scheme.lower(), params


def _error_response(response: _Response) -> FetchError:
    """ORAS's ``ErrorResponse``: ``GET "<url>": response status code N: <code>: <message>``."""
    detail = ""
    try:
        document = json.loads(response.body or b"null")
        errors = document.get("errors") if isinstance(document, dict) else None
        texts = []
        for error in errors if isinstance(errors, list) else []:
            if not isinstance(error, dict):
                continue
            code = str(error.get("code") or "").replace("_", " ").lower()
            message = str(error.get("message") or "")
            texts.append(f"{code}: {message}" if message else code)
        detail = "; ".join(texts)
    except (ValueError, UnicodeDecodeError):
        pass
    if not detail:
        detail = http.client.responses.get(response.status, "")
    return FetchError(f"GET {go_quote(response.url.string(redact=True))}: response status code {response.status}: {detail}")


class _Registry:
    """The registry side of one credential attempt: challenge-driven Basic or Bearer token auth."""

    def __init__(self, client: _Client, registry: str, creds: _Credentials) -> None:
        self.client = client
        self.registry = registry
        self.creds = creds
        self.authorization: dict[str, str] = {}  # scope key → Authorization header value

    def url(self, path: str) -> _URL:
        return _parse_url(f"https://{self.registry}{path}")

    def get(self, path: str, *, scope: str, accept: str = "", limit: int = MAX_METADATA_BYTES) -> _Response:
        url = self.url(path)
        headers = {"Accept": accept} if accept else {}
        if scope in self.authorization:
            headers["Authorization"] = self.authorization[scope]
        response = self.client.get(url, headers, limit=limit, oras=True)
        if response.status != 401:
            return response
        scheme, params = _parse_challenge(response.headers.get("WWW-Authenticate", ""))
        if scheme == "basic":
            if self.creds.empty:
                raise FetchError(f"GET {go_quote(url.string())}: basic credential not found")
            value = _basic(self.creds.username, self.creds.password)
        elif scheme == "bearer":
            scopes = [s for s in (scope, params.get("scope", "")) if s]
            value = "Bearer " + self._token(params, scopes)
        else:
            return response
        self.authorization[scope] = value
        return self.client.get(url, {**headers, "Authorization": value}, limit=limit, oras=True)

    def _token(self, params: Mapping[str, str], scopes: list[str]) -> str:
        realm = params.get("realm", "")
        try:
            realm_url = _parse_url(realm)
        except _URLError as exc:
            raise FetchError(f"invalid token realm {go_quote(realm)}: {exc}") from None
        if realm_url.scheme != "https":
            raise FetchError(f"token realm must use HTTPS, got {go_quote(realm)}")
        query = [("service", params["service"])] if params.get("service") else []
        query += [("scope", scope) for scope in dict.fromkeys(scopes)]
        if query:
            separator = "&" if realm_url.raw_query else ""
            realm_url = replace(realm_url, raw_query=realm_url.raw_query + separator + urllib.parse.urlencode(query))
        headers = {} if self.creds.empty else {"Authorization": _basic(self.creds.username, self.creds.password)}
        response = self.client.get(realm_url, headers, limit=MAX_TOKEN_BYTES, oras=True)
        if response.status != 200:
            raise _error_response(response)
        try:
            document = json.loads(response.body)
        except (ValueError, UnicodeDecodeError):
            document = None
        if isinstance(document, dict):
            for key in ("access_token", "token"):
                if isinstance(document.get(key), str) and document[key]:
                    return str(document[key])
        raise FetchError(f"GET {go_quote(realm_url.string(redact=True))}: empty token returned")

    def ping(self) -> None:
        """helm-reval logs in before pulling with credentials: ``GET /v2/`` must succeed."""
        try:
            response = self.get("/v2/", scope="")
            if response.status != 200:
                raise _error_response(response)
        except FetchError as exc:
            raise FetchError(f"authenticating to {go_quote(self.registry)}: {exc.message}") from None


def _select_tag(registry: _Registry, reference: _Reference, chart: str, version: str) -> str:
    """Helm's ``ValidateReference`` for a reference without a usable tag: the tag list decides."""
    scope = f"repository:{reference.repository}:pull"
    tags: list[str] = []
    path = f"/v2/{reference.repository}/tags/list"
    for _ in range(MAX_TAG_PAGES):
        response = registry.get(path, scope=scope)
        if response.status != 200:
            raise _error_response(response)
        try:
            document = json.loads(response.body)
        except (ValueError, UnicodeDecodeError):
            raise FetchError(f"{response.url.string()}: invalid tag list") from None
        page = document.get("tags") if isinstance(document, dict) else None
        tags += [t for t in page or [] if isinstance(t, str)]
        link = response.headers.get("Link", "")
        match = re.match(r"\s*<([^>]*)>\s*;\s*rel=\"?next\"?", link)
        if not match:
            break
        next_url = _parse_url(urllib.parse.urljoin(response.url.string(), match[1]))
        if next_url.host != registry.registry:
            break
        path = next_url.request_uri()
    versions = []
    for tag in tags:
        normalised = tag.replace("_", "+")
        parsed = parse_version(normalised) if STRICT_SEMVER.match(normalised) else None
        if parsed is not None:
            versions.append((parsed, normalised, tag))
    versions.sort(key=lambda item: item[0].key(), reverse=True)
    if not versions:
        raise FetchError(f"Unable to locate any tags in provided repository: {chart}")
    if version:
        for _parsed, normalised, tag in versions:
            if normalised == version:
                return tag
    constraint = version or "*"
    for _parsed, normalised, tag in versions:
        try:
            if satisfies(normalised, constraint):
                return tag
        except ValueError as exc:
            raise FetchError(str(exc)) from None
    raise FetchError(f"Could not locate a version matching provided version string {version}")


def _digest_matches(data: bytes, digest: str) -> bool:
    algorithm, _, expected = digest.partition(":")
    if algorithm not in _DIGEST_LENGTHS:
        return False
    return hashlib.new(algorithm, data).hexdigest() == expected


def _fetch_oci(client: _Client, url: _URL, chart: str, creds: _Credentials) -> bytes:
    reference = _parse_reference(url.host + url.path)
    registry = _Registry(client, reference.registry, creds)
    if not creds.empty:
        registry.ping()
    scope = f"repository:{reference.repository}:pull"
    target = reference.digest
    if not target:
        tag = reference.tag.replace("_", "+")
        if not tag or parse_version(tag) is None:
            tag = _select_tag(registry, reference, chart, tag)
        target = tag.replace("+", "_")
        reference = replace(reference, tag=target)
    try:
        response = registry.get(f"/v2/{reference.repository}/manifests/{target}", scope=scope, accept=MANIFEST_ACCEPT)
        if response.status == 404:
            raise FetchError(f"{reference}: not found")
        if response.status != 200:
            raise _error_response(response)
        if reference.digest and not _digest_matches(response.body, reference.digest):
            raise FetchError(f"{reference.digest}: mismatched digest")
    except FetchError as exc:  # ORAS: Copy could not resolve the root manifest
        raise FetchError(f"failed to resolve {reference}: {exc.message}") from None
    layer = _chart_layer(response.body, response.headers.get_content_type())
    digest, size = layer["digest"], layer["size"]
    if size > MAX_CHART_BYTES:
        raise FetchError(f"chart layer {digest} is {size} bytes, more than chartguard's {MAX_CHART_BYTES}-byte limit")
    try:
        blob = registry.get(f"/v2/{reference.repository}/blobs/{digest}", scope=scope, limit=MAX_CHART_BYTES)
        if blob.status == 404:
            raise FetchError(f"{digest}: not found")
        if blob.status != 200:
            raise _error_response(blob)
        if len(blob.body) != size or not _digest_matches(blob.body, digest):
            raise FetchError(f"{digest}: mismatched digest")
    except FetchError as exc:  # ORAS: copying a node of the graph failed
        raise FetchError(f'failed to perform "Fetch" on source: {exc.message}') from None
    return blob.body


def _chart_layer(body: bytes, media_type: str) -> dict[str, Any]:
    """The chart layer's descriptor, checked as Helm's ``Client.Pull`` checks a manifest."""
    descriptors: list[dict[str, Any]] = []
    manifest: Any = None
    if media_type == OCI_MANIFEST_MEDIA_TYPE:
        try:
            manifest = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise FetchError(f"failed to parse manifest: invalid JSON ({media_type})") from None
    if isinstance(manifest, dict):
        descriptors.append({"mediaType": media_type})
        config = manifest.get("config")
        layers = manifest.get("layers")
        for descriptor in [config, *(layers if isinstance(layers, list) else [])]:
            if isinstance(descriptor, dict) and descriptor.get("mediaType") in (
                HELM_CONFIG_MEDIA_TYPE,
                HELM_CHART_MEDIA_TYPE,
                HELM_LEGACY_CHART_MEDIA_TYPE,
            ):
                descriptors.append(descriptor)
    if len(descriptors) < 2:
        raise FetchError(f"manifest does not contain minimum number of descriptors (2), descriptors found: {len(descriptors)}")
    if not any(d.get("mediaType") == HELM_CONFIG_MEDIA_TYPE for d in descriptors):
        raise FetchError(f"could not load config with mediatype {HELM_CONFIG_MEDIA_TYPE}")
    chart = [d for d in descriptors if d.get("mediaType") in (HELM_CHART_MEDIA_TYPE, HELM_LEGACY_CHART_MEDIA_TYPE)]
    if not chart:
        raise FetchError(f"manifest does not contain a layer with mediatype {HELM_CHART_MEDIA_TYPE}")
    layer = chart[-1]
    digest, size = layer.get("digest"), layer.get("size")
    if (
        not isinstance(digest, str)
        or not _DIGEST.match(digest)
        or not isinstance(size, int)
        or isinstance(size, bool)
        or size < 0
    ):
        raise FetchError("manifest has an invalid chart layer descriptor")
    return layer


# --------------------------------------------------------------------------------------------------
# Entry point


def _allow_loopback(settings: Any) -> bool:
    if isinstance(settings, Mapping):
        return bool(settings.get("allow_private_chart_hosts", False))
    return bool(getattr(settings, "allow_private_chart_hosts", False))


def fetch_chart(url: str, request: Mapping[str, Any], settings: Any = None, *, timeout: float = FETCH_TIMEOUT) -> bytes:
    """Download the chart archive at ``url`` (``https://`` or ``oci://``) with helm-reval's rules.

    ``request`` is the helm-reval request (``apiKey``, ``helmRegistryAuthConfig`` are read);
    ``settings`` a :class:`~chartguard.reval.ServerSettings` (or mapping); only its test-only
    ``allow_private_chart_hosts`` matters here. Raises :class:`FetchError` with helm-reval's message.
    """
    allow = _allow_loopback(settings)
    problems = validate_chart_url(url, allow_loopback=allow)
    if problems:
        raise FetchError("\n".join(problems))
    parsed = _parse_url(url)
    client = _Client(_Deadline(timeout), allow_loopback=allow)
    remembered: dict[str, None] = {}
    for creds in _attempts(parsed.host, request if isinstance(request, Mapping) else {}):
        try:
            if creds.error:
                raise FetchError(creds.error)
            if parsed.scheme == "oci":
                return _fetch_oci(client, parsed, url, creds)
            return _fetch_https(client, parsed, creds)
        except _AuthIssue:
            continue
        except _TransportError as exc:  # pragma: no cover - every transport error is wrapped with its URL
            remembered.setdefault(str(exc))
        except FetchError as exc:
            remembered.setdefault(exc.message)
    if remembered:
        raise FetchError("\n".join(remembered))
    raise FetchError(f"no credential was valid to pull chart {go_quote(url)}, manually verify credentials are valid")
