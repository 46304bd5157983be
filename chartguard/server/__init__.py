"""chartguard serve: the HTTP front doors (helm-reval API; later the admission webhook).

:func:`create_app` builds the ASGI application (``chartguard.server.app.App``) with helm-reval's
routes; :func:`chartguard.server.run.serve` runs it under uvicorn. Importing this package loads
neither uvicorn nor the rendering engine, so ``chartguard lint`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .app import DEFAULT_MAX_BODY_BYTES, App, Request, Response

if TYPE_CHECKING:
    from .reval_api import RevalOptions

__all__ = ["DEFAULT_MAX_BODY_BYTES", "App", "Request", "Response", "create_app"]


def create_app(reval: RevalOptions | None = None, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> App:
    """The ASGI app serving helm-reval's API (``/v1/validate``, ``/v1/render``, ``/info``, ``/healthz``)."""
    from .reval_api import RevalOptions, add_reval_routes

    app = App(max_body_bytes=max_body_bytes)
    add_reval_routes(app, reval or RevalOptions())
    return app
