"""Run the server under uvicorn (``chartguard serve``): listening socket, TLS, auth policy.

uvicorn runs with uvloop and httptools, a keep-alive timeout above the apiserver's 90 s idle reuse
(:data:`KEEP_ALIVE_TIMEOUT`), the connection guards of :mod:`chartguard.server.connections` (header
timeout, connection and header size limits), and a TLS context this module owns:
:class:`CertReloader` watches the certificate and key files and loads them again into the same
``SSLContext`` when they change, so new connections get the new certificate without a restart
(established ones keep theirs).

Authentication policy (docs/server.md): with ``--token-file`` every ``/v1/*`` request needs
``Authorization: Bearer <token>``. Without it the API is open, which chartguard allows only on a
loopback address unless ``--no-auth`` says otherwise. helm-reval itself authorises with JWKS or
OIDC introspection and refuses everything when neither is configured.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import socket
import ssl
import sys
from dataclasses import dataclass, field
from typing import Any

from ..admission import Settings
from ..errors import InputError, UsageError
from ..inputs import read_text
from ..limits import DEFAULT_CONNECTION_LIMITS, ConnectionLimits
from ..release import PolicyOptions, resolve_policy
from . import create_app
from .app import DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY_BYTES, bearer_authorizer
from .metrics import Metrics
from .reval_api import RevalOptions
from .webhook import WebhookOptions
from .workers import Supervisor

#: Above the apiserver's 90 s ``IdleConnTimeout``: the server must not close a connection the client is reusing.
KEEP_ALIVE_TIMEOUT = 120
log = logging.getLogger("chartguard.server")


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
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    log_level: str = "info"
    reval: RevalOptions = field(default_factory=RevalOptions)
    endpoints: str = "all"  # all | webhook | reval
    policy: PolicyOptions = field(default_factory=lambda: PolicyOptions(profile="nvcf-webhook"))  # the webhook's
    cert_reload_interval: float = 1.0  # seconds between checks of the certificate files
    keep_alive_timeout: int = KEEP_ALIVE_TIMEOUT
    workers: int = 1  # processes serving the same socket (see chartguard.server.workers)
    webhook_settings: dict[str, Any] = field(default_factory=dict)  # keywords for admission.review (Settings, limits)
    fail_open: bool = False  # webhook: an internal error allows with a warning (default: denies)
    header_timeout: float = DEFAULT_CONNECTION_LIMITS.header_timeout  # TLS handshake, then each request head
    max_connections: int = DEFAULT_CONNECTION_LIMITS.max_connections  # open connections per worker process
    max_header_bytes: int = DEFAULT_CONNECTION_LIMITS.max_header_bytes  # bytes of one request head


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
        token = read_text(path, 64 * 1024, "token file").strip()
    except UsageError as exc:
        raise InputError(exc.message) from None
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


class CertReloader:
    """Load the certificate chain again into a live ``SSLContext`` when its files change.

    The files' (mtime, size, inode) are checked every ``interval`` seconds from the event loop; a
    change loads both files into the same context (affects only new handshakes). A half-written pair
    (certificate and key not matching yet) fails to load: the old certificate stays in use and the
    load is tried again at the next check.
    """

    def __init__(self, context: ssl.SSLContext, cert_file: str, key_file: str, interval: float = 1.0) -> None:
        self.context, self.cert_file, self.key_file, self.interval = context, cert_file, key_file, interval
        self.stamp = self._stamp()
        self.reloads = 0
        self.task: asyncio.Task[None] | None = None

    def _stamp(self) -> tuple[tuple[int, int, int], ...] | None:
        try:
            return tuple((st.st_mtime_ns, st.st_size, st.st_ino) for st in map(os.stat, (self.cert_file, self.key_file)))
        except OSError:
            return None

    def check(self) -> bool:
        """Reload if the files changed since the last successful load; True when a new chain was loaded."""
        stamp = self._stamp()
        if stamp is None or stamp == self.stamp:
            return False
        try:
            self.context.load_cert_chain(self.cert_file, self.key_file)
        except (OSError, ssl.SSLError) as exc:
            log.warning("TLS certificate %s not reloaded (will retry): %s", self.cert_file, exc)
            return False
        self.stamp = stamp
        self.reloads += 1
        log.warning("TLS certificate %s reloaded", self.cert_file)
        return True

    def start(self) -> None:
        """Start watching (call inside the running event loop)."""
        self.task = asyncio.get_running_loop().create_task(self._watch())

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self.check()


def _log_handler() -> None:
    """The webhook's request lines, one JSON object per line, on stderr."""
    logger = logging.getLogger("chartguard.webhook")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.propagate = False


def _listen(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A listening socket; with ``reuse_port`` one of a SO_REUSEPORT group (the kernel spreads new
    connections over the group's sockets, one per worker process)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family = infos[0][0]
        sock = socket.create_server((host, port), family=family, backlog=128, reuse_port=reuse_port)
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def serve(config: ServeConfig) -> int:
    """Listen and serve until interrupted (SIGINT/SIGTERM: graceful shutdown); the exit status."""
    serve_reval = config.endpoints in ("all", "reval")
    serve_webhook = config.endpoints in ("all", "webhook")
    if config.token_file:
        config.reval.authorizer = bearer_authorizer(read_token(config.token_file))
    elif serve_reval and not is_loopback(config.host) and not config.no_auth:
        raise UsageError(
            f"refusing to serve /v1/validate and /v1/render on {config.host} without authentication",
            hint="pass --token-file FILE (clients send 'Authorization: Bearer <token>'), or --no-auth to accept anyone",
        )
    _tls_context(config.cert_file, config.key_file)
    if config.workers > 1 and not hasattr(os, "fork"):
        raise UsageError("--workers above 1 needs fork(), which this platform does not have", hint="use --workers 1")

    webhook = _webhook_options(config) if serve_webhook else None
    app = create_app(
        config.reval,
        webhook=webhook,
        serve_reval=serve_reval,
        max_body_bytes=config.max_body_bytes,
        body_timeout=config.body_timeout,
    )
    sock = _listen(config.host, config.port, reuse_port=config.workers > 1)
    uvicorn_config = _uvicorn_config(app, config, webhook.metrics if webhook is not None else None)
    if config.cert_file and config.key_file and uvicorn_config.ssl is not None:
        reloader = CertReloader(uvicorn_config.ssl, config.cert_file, config.key_file, config.cert_reload_interval)
        app.on_startup.append(reloader.start)
        app.on_shutdown.append(reloader.stop)
    _announce(sock, config, serve_reval, webhook)
    logging.getLogger("chartguard.server").setLevel(config.log_level.upper())
    logging.getLogger("chartguard.webhook").setLevel(config.log_level.upper())
    _log_handler()
    if config.workers == 1:
        _server(uvicorn_config, config).run(sockets=[sock])
        return 0

    # One listening socket per worker, all open before any worker starts (and kept by the parent, so
    # a restarted worker takes over its socket and the connections queued on it): a shared socket
    # would let the first worker to wake up accept every connection of a burst.
    port = sock.getsockname()[1]  # the port picked for --port 0
    sockets = [sock, *(_listen(config.host, port, reuse_port=True) for _ in range(config.workers - 1))]

    def work(index: int) -> None:
        for other, listening in enumerate(sockets):
            if other != index:
                listening.close()
        if webhook is not None and webhook.metrics is not None:
            webhook.metrics.use_row(index)
        _server(uvicorn_config, config).run(sockets=[sockets[index]])

    def close_sockets() -> None:  # stopping: refuse new connections at once (the workers drain theirs)
        for listening in sockets:
            listening.close()

    return Supervisor(config.workers, work, on_stop=close_sockets).run()


def _webhook_options(config: ServeConfig) -> Any:
    """The webhook's profile, resolved once at start as ``chartguard lint`` resolves it."""

    profile, _ = resolve_policy(config.policy)
    try:
        Settings.of(config.webhook_settings)  # a bad limit stops the server before it listens
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    return WebhookOptions(
        profile=profile,
        fail_open=config.fail_open,
        settings=dict(config.webhook_settings),
        metrics=Metrics(workers=config.workers),
    )


def _server(uvicorn_config: Any, config: ServeConfig) -> Any:
    """The uvicorn server, with the TLS handshake bounded by ``--header-timeout``."""
    from .connections import GuardedServer  # deferred: imports uvicorn, which only `chartguard serve` loads

    return GuardedServer(uvicorn_config, handshake_timeout=config.header_timeout)


def _uvicorn_config(app: Any, config: ServeConfig, metrics: Metrics | None = None) -> Any:
    """uvicorn's settings for ``app``, loaded (which builds the SSLContext the reloader keeps up to date)."""
    import uvicorn  # deferred: only `chartguard serve` loads the server stack

    from .connections import guarded_protocol  # deferred: imports uvicorn (above)

    limits = ConnectionLimits(config.header_timeout, config.max_connections, config.max_header_bytes)
    uvicorn_config = uvicorn.Config(
        app,
        ssl_certfile=config.cert_file,
        ssl_keyfile=config.key_file,
        log_level=config.log_level,
        loop=_loop(),
        http=guarded_protocol(limits, metrics),
        lifespan="on",
        ws="none",
        access_log=False,  # the webhook logs one JSON line per review itself
        proxy_headers=False,
        server_header=False,
        timeout_keep_alive=config.keep_alive_timeout,
        timeout_graceful_shutdown=10,
    )
    uvicorn_config.load()
    return uvicorn_config


def _announce(sock: socket.socket, config: ServeConfig, serve_reval: bool, webhook: Any) -> None:
    """One line per front door on stderr: where it listens and how."""
    host, port = sock.getsockname()[:2]
    scheme = "https" if config.cert_file else "http"
    shown = f"[{host}]" if ":" in host else host
    auth = "bearer token" if config.token_file else "no authentication"
    processes = f"; {config.workers} worker processes" if config.workers > 1 else ""
    if serve_reval:
        where = f"{scheme}://{shown}:{port}"
        print(f"chartguard: serving the helm-reval API on {where} ({auth}{processes})", file=sys.stderr, flush=True)
    if webhook is not None:
        name = getattr(webhook.profile, "name", config.policy.profile)
        print(
            f"chartguard: serving the admission webhook on {scheme}://{shown}:{port} "
            f"(/validate, /mutate; profile {name}{processes})",
            file=sys.stderr,
            flush=True,
        )


def _loop() -> str:
    """uvloop where it is installed (CPython on Linux/macOS), else asyncio."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"
