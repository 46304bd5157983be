"""helm-reval's two operations, validate and render, over its request/response JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class RequestError(Exception):
    """A request helm-reval answers with HTTP 400 (``Error parsing JSON``); ``messages`` are its errors."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class ServerSettings:
    """helm-reval's server settings (section 1.6 of the reference), with its binary's defaults."""

    skip_validate_objects: bool = False
    skip_sanitize_object_metadata: bool = False
    skip_validate_images: bool = True  # chartguard never pulls images; see docs/helm-reval.md
    preserve_labels: tuple[str, ...] = ()
    preserve_annotations: tuple[str, ...] = ()
    allow_private_chart_hosts: bool = False  # test-only: charts served from 127.0.0.1
    extra: dict[str, Any] = field(default_factory=dict)


def validate(request: dict[str, Any], *, manifests: Any = None, **settings: Any) -> dict[str, Any]:
    """helm-reval ``POST /v1/validate``: ``{"valid", "validationErrors", "validationPolicies"?}``."""
    raise NotImplementedError("chartguard.reval.validate is being written")


def render(request: dict[str, Any], *, manifests: Any = None, **settings: Any) -> dict[str, Any]:
    """helm-reval ``POST /v1/render``: ``{"valid", "validationErrors", "output"}``."""
    raise NotImplementedError("chartguard.reval.render is being written")
