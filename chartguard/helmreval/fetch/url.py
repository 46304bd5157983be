"""Go's ``net/url`` parser (its error messages are part of helm-reval's output) and helm-reval's URL checks.

:func:`validate_chart_url` is helm-reval's ``validateHelmChartURL``; :func:`is_private_ip` its
``isPrivateIP``, which the transport also applies to every resolved address and redirect target.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from dataclasses import dataclass

from ...gofmt import go_quote


class URLError(ValueError):
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
                raise URLError(f"invalid URL escape {go_quote(text[i : i + 3])}")
            if mode == _HOST and int(text[i + 1], 16) < 8 and text[i : i + 3] != "%25":
                raise URLError(f"invalid URL escape {go_quote(text[i : i + 3])}")
            if mode == _ZONE:
                value = chr(int(text[i + 1 : i + 3], 16))
                if text[i : i + 3] != "%25" and value != " " and _should_escape(value, _HOST):
                    raise URLError(f"invalid URL escape {go_quote(text[i : i + 3])}")
            i += 3
            continue
        if mode in (_HOST, _ZONE) and ord(char) < 0x80 and _should_escape(char, mode):
            raise URLError(f"invalid character {go_quote(char)} in host name")
        i += 1


def _is_hex(char: str) -> bool:
    return char in "0123456789abcdefABCDEF"


def _valid_optional_port(port: str) -> bool:
    if port == "":
        return True
    return port[0] == ":" and all("0" <= c <= "9" for c in port[1:])


@dataclass
class GoURL:
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


def parse_url(raw: str) -> GoURL:
    """Go's ``url.Parse``; raises :class:`URLError` with Go's message (``parse "…": …``)."""
    without_fragment, hash_sign, fragment = raw.partition("#")
    try:
        url = parse_url_part(without_fragment)
    except URLError as exc:
        raise URLError(f"parse {go_quote(without_fragment)}: {exc}") from None
    if hash_sign:
        try:
            _check_escapes(fragment, _FRAGMENT)
        except URLError as exc:
            raise URLError(f"parse {go_quote(raw)}: {exc}") from None
        url.fragment = fragment
    return url


def parse_url_part(raw: str) -> GoURL:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        raise URLError("net/url: invalid control character in URL")
    url = GoURL()
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
            raise URLError("first path segment in URL cannot contain colon")
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
                raise URLError("missing protocol scheme")
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
        raise URLError("net/url: invalid userinfo")
    user, _, password = userinfo.partition(":")
    _check_escapes(user, _USERINFO)
    _check_escapes(password, _USERINFO)
    return userinfo, host


def _parse_host(host: str) -> str:
    if host.startswith("["):
        close = host.rfind("]")
        if close < 0:
            raise URLError("missing ']' in host")
        colon_port = host[close + 1 :]
        if not _valid_optional_port(colon_port):
            raise URLError(f"invalid port {go_quote(colon_port)} after host")
        zone = host[:close].find("%25")
        if zone >= 0:
            _check_escapes(host[:zone], _HOST)
            _check_escapes(host[zone:close], _ZONE)
            _check_escapes(host[close:], _HOST)
            return host
    else:
        colon = host.rfind(":")
        if colon != -1 and not _valid_optional_port(host[colon:]):
            raise URLError(f"invalid port {go_quote(host[colon:])} after host")
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


def parse_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
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
    address = parse_ip(host)
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return any(address in network for network in _V4_BLOCKED)
    if any(address in network for network in _V6_BLOCKED):
        return True
    first = int(address) >> 112
    return first & 0xFF0F in (0xFF01, 0xFF02)  # interface-local / link-local multicast, any flags


def _is_loopback(host: str) -> bool:
    address = parse_ip(host)
    return address is not None and address.is_loopback


def blocked_address(host: str, allow_loopback: bool) -> bool:
    return is_private_ip(host) and not (allow_loopback and _is_loopback(host))


def validate_chart_url(url: str, *, allow_loopback: bool = False) -> list[str]:
    """helm-reval's ``validateHelmChartURL``: its error messages, in its order (empty when valid).

    ``allow_loopback`` is the test-only ``allow_private_chart_hosts`` setting: loopback literals pass.
    """
    try:
        parsed = parse_url(url)
    except URLError as exc:
        return [f"invalid helm chart URL: {exc}"]
    errors = []
    if parsed.scheme not in ("https", "oci"):
        errors.append(f"helm chart URL must use https or oci scheme, got {go_quote(parsed.scheme)}")
    if parsed.hostname() == "":
        errors.append("helm chart URL must have a host")
    if blocked_address(parsed.hostname(), allow_loopback):
        errors.append("helm chart URL must not point to private networks")
    return errors
