"""Run the server under uvicorn (``chartguard serve``): listening socket, TLS, auth policy.

Authentication policy (docs/server.md): with ``--token-file`` every ``/v1/*`` request needs
``Authorization: Bearer <token>``. Without it the API is open, which chartguard allows only on a
loopback address unless ``--no-auth`` says otherwise. helm-reval itself authorises with JWKS or
OIDC introspection and refuses everything when neither is configured.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, UsageError
from .app import DEFAULT_MAX_BODY_BYTES, bearer_authorizer
from .reval_api import RevalOptions


@dataclass
class ServeConfig:
    """Everything ``chartguard serve`` needs."""

    host: str = "127.0.0.1"
    port: int = 8080
    cert_file: str | None = None
    key_file: str | None = None
    token_file: str | None = None
    no_auth: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    log_level: str = "info"
    reval: RevalOptions = field(default_factory=RevalOptions)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback literals (the addresses only this machine can reach)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_token(path: str) -> str:
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the token file ({exc})") from None
    if not token or any(c.isspace() for c in token):
        raise InputError(f"{path}: the token file must hold one token (no spaces)")
    return token


def _tls_context(cert_file: str | None, key_file: str | None) -> None:
    """Fail early, in one line, when the certificate or key is unusable."""
    if bool(cert_file) != bool(key_file):
        raise UsageError("--cert-file and --key-file go together")
    if cert_file and key_file:
        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert_file, key_file)
        except (OSError, ssl.SSLError) as exc:
            raise InputError(f"cannot load the TLS certificate {cert_file} / key {key_file}: {exc}") from None


def _listen(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family = infos[0][0]
        sock = socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def serve(config: ServeConfig) -> None:
    """Listen and serve until interrupted (SIGINT/SIGTERM: graceful shutdown)."""
    if config.token_file:
        config.reval.authorizer = bearer_authorizer(read_token(config.token_file))
    elif not is_loopback(config.host) and not config.no_auth:
        raise UsageError(
            f"refusing to serve /v1/validate and /v1/render on {config.host} without authentication",
            hint="pass --token-file FILE (clients send 'Authorization: Bearer <token>'), or --no-auth to accept anyone",
        )
    _tls_context(config.cert_file, config.key_file)

    import uvicorn

    from . import create_app

    app = create_app(config.reval, max_body_bytes=config.max_body_bytes)
    sock = _listen(config.host, config.port)
    uvicorn_config = uvicorn.Config(
        app,
        ssl_certfile=config.cert_file,
        ssl_keyfile=config.key_file,
        log_level=config.log_level,
        lifespan="on",
        ws="none",
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    host, port = sock.getsockname()[:2]
    scheme = "https" if config.cert_file else "http"
    shown = f"[{host}]" if ":" in host else host
    auth = "bearer token" if config.token_file else "no authentication"
    print(f"chartguard: serving the helm-reval API on {scheme}://{shown}:{port} ({auth})", file=sys.stderr, flush=True)
    logging.getLogger("chartguard.server").setLevel(config.log_level.upper())
    uvicorn.Server(uvicorn_config).run(sockets=[sock])
