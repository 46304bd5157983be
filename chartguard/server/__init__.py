"""chartguard serve: the HTTP front doors (helm-reval API and the admission webhook).

:func:`create_app` builds the ASGI application (``chartguard.server.app.App``) with helm-reval's
routes; :func:`chartguard.server.run.serve` runs it under uvicorn. Importing this package loads
neither uvicorn nor the rendering engine, so ``chartguard lint`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .app import DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY_BYTES, App, Request, Response
from .reval_api import RevalOptions, add_reval_routes
from .webhook import add_webhook_routes

if TYPE_CHECKING:
    from .reval_api import RevalOptions
    from .webhook import WebhookOptions

__all__ = ["DEFAULT_BODY_TIMEOUT", "DEFAULT_MAX_BODY_BYTES", "App", "Request", "Response", "create_app"]


def create_app(
    reval: RevalOptions | None = None,
    *,
    webhook: WebhookOptions | None = None,
    serve_reval: bool = True,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
) -> App:
    """The ASGI app: helm-reval's API (``/v1/validate``, ``/v1/render``, ``/info``, ``/healthz``) unless
    ``serve_reval`` is false, and with ``webhook`` the admission webhook (``/validate``, ``/mutate``,
    ``/readyz``, ``/metrics``; the same ``/healthz``)."""
    app = App(max_body_bytes=max_body_bytes, body_timeout=body_timeout)
    if serve_reval:
        add_reval_routes(app, reval or RevalOptions())
    if webhook is not None:
        add_webhook_routes(app, webhook)
    return app
