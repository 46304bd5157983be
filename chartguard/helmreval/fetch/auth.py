"""Registry credentials: helm-reval's attempt order (legacy NGC key, matching docker-config secrets, anonymous)."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

NGC_HOST = re.compile(r"^(.+\.)?ngc\.nvidia\.com$")
LEGACY_USERNAME = b"$oauthtoken"


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


def basic_auth(user: bytes, password: bytes) -> str:
    return "Basic " + base64.b64encode(user + b":" + password).decode("ascii")


@dataclass(frozen=True)
class Credentials:
    username: bytes = b""
    password: bytes = b""
    error: str = ""  # a malformed secret: the attempt fails with this message

    @property
    def empty(self) -> bool:
        return not self.username and not self.password


_ASCII_SPACE = b" \t\n\r\v\f"


def secret_credentials(auth: Any) -> Credentials:
    """helm-reval's ``parseAuthToBasicCreds``: base64 of ``user:pass``, both trimmed."""
    try:
        decoded = _go_b64decode(auth if isinstance(auth, str) else "")
    except _Base64Error as exc:
        return Credentials(error=str(exc))
    user, colon, password = decoded.partition(b":")
    if not colon:
        return Credentials(error="registry secret does not contain ':'")
    return Credentials(user.strip(_ASCII_SPACE), password.strip(_ASCII_SPACE))


def credential_attempts(host: str, request: Mapping[str, Any]) -> list[Credentials]:
    """Credential attempts in helm-reval's order: legacy NGC key, matching secrets, anonymous."""
    attempts: list[Credentials] = []
    api_key = request.get("apiKey")
    if isinstance(api_key, str) and api_key and NGC_HOST.match(host):
        attempts.append(Credentials(LEGACY_USERNAME, api_key.encode("utf-8", "surrogatepass")))
    config = request.get("helmRegistryAuthConfig")
    secrets = config.get("k8sSecrets") if isinstance(config, Mapping) else None
    for secret in secrets if isinstance(secrets, list) else []:
        auths = secret.get("auths") if isinstance(secret, Mapping) else None
        if isinstance(auths, Mapping) and host in auths:
            entry = auths[host]
            attempts.append(secret_credentials(entry.get("auth", "") if isinstance(entry, Mapping) else ""))
    attempts.append(Credentials())
    return attempts
