"""helm-reval compatibility: NVCF's chart validator's request/response contract, verdicts and messages.

    >>> from chartguard import helmreval
    >>> helmreval.validate({"helmChart": "./mychart", "helmChartServiceName": "entrypoint", "helmChartServicePort": 8000})
    {'valid': True, 'validationErrors': []}

``validate`` and ``render`` take helm-reval's request JSON (as a dict) and return its response JSON.
``helmChart`` may be an https/oci URL (fetched with helm-reval's SSRF protections, see ``fetch``), a
local chart directory, a ``.tgz`` path or a ``file://`` URL. Keyword options mirror helm-reval's server
settings; ``manifests=`` validates an already-rendered stream instead of rendering ``helmChart``.
"""

from __future__ import annotations

from ..rules.reval.decoder import InternalError
from .request import RequestError
from .service import ServerSettings, render, validate

__all__ = ["InternalError", "RequestError", "ServerSettings", "render", "validate"]
