"""helm-reval's two operations, validate and render, over its request/response JSON.

The pipeline is helm-reval's ``Handler.Run``: bind the request (:class:`RequestError` for what
helm-reval answers with HTTP 400), check the inputs (chart URL, ``k8sVersion``), fetch and render
the chart, decode the release, then run the policies. Every completed run returns helm-reval's
200 body, valid or not. :class:`InternalError` is what helm-reval answers with HTTP 500.

Image existence checks (helm-reval's ``validateImages``) are never performed: chartguard does not
contact registries. A request with ``validateImages: true`` is accepted and the check is skipped
(a warning is logged on the ``chartguard.helmreval`` logger); see docs/helm-reval.md.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from ..gofmt import go_quote
from ..rules.reval import goyaml
from ..rules.reval.decoder import DecodedObject, InternalError, decode_documents, decode_stream, split_documents
from . import policy
from .fetch import validate_chart_url
from .helm import RenderFailed, RenderInput, is_url, load_source, render_stream, values_file_error
from .request import Request, RequestError, bind, parse_kube_version

LOG = logging.getLogger("chartguard.helmreval")

__all__ = ["InternalError", "RequestError", "ServerSettings", "render", "validate"]


@dataclass(frozen=True)
class ServerSettings:
    """helm-reval's server settings (section 1.6 of the reference), with its binary's defaults.

    ``skip_validate_images`` is always effectively true: chartguard never pulls images.
    """

    skip_validate_objects: bool = False
    skip_sanitize_object_metadata: bool = False
    skip_validate_images: bool = True  # chartguard never pulls images; see docs/helm-reval.md
    preserve_labels: tuple[str, ...] = ()
    preserve_annotations: tuple[str, ...] = ()
    allow_private_chart_hosts: bool = False  # test-only: charts served from 127.0.0.1
    extra: dict[str, Any] = field(default_factory=dict)


def validate(request: dict[str, Any], *, manifests: Any = None, **settings: Any) -> dict[str, Any]:
    """helm-reval ``POST /v1/validate``: ``{"valid", "validationErrors", "validationPolicies"?}``.

    ``manifests`` (YAML text, or objects in stream order) replaces rendering ``helmChart``;
    ``settings`` are :class:`ServerSettings` fields.
    """
    return _run(request, manifests, _settings(settings), render=False)


def render(request: dict[str, Any], *, manifests: Any = None, **settings: Any) -> dict[str, Any]:
    """helm-reval ``POST /v1/render``: ``{"valid", "validationErrors", "output"}`` (``output`` is
    ``[]`` when invalid)."""
    return _run(request, manifests, _settings(settings), render=True)


def _settings(given: dict[str, Any]) -> ServerSettings:
    if "settings" in given and isinstance(given["settings"], ServerSettings):
        return given["settings"]
    known = {f.name for f in fields(ServerSettings)}
    unknown = sorted(set(given) - known)
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(unknown)} (settings: {', '.join(sorted(known))})")
    values = dict(given)
    for key in ("preserve_labels", "preserve_annotations"):
        if key in values:
            values[key] = tuple(values[key] or ())
    return ServerSettings(**values)


def _run(body: Any, manifests: Any, settings: ServerSettings, *, render: bool) -> dict[str, Any]:
    request = bind(body, render=render)
    if request.validate_images:
        LOG.warning("validateImages: true cannot be honoured: chartguard does not check that images exist")
    errors, kube_version = _input_errors(request, manifests is None, settings)
    if errors:
        return _result(False, errors, render=render)
    try:
        stream = _stream(request, manifests, settings, kube_version)
    except RenderFailed as exc:
        return _result(False, [f"run helm template: {exc}"], render=render)
    objects, decode_errors = stream if isinstance(stream, tuple) else decode_stream(stream)
    if decode_errors:
        return _result(False, decode_errors, render=render)
    if render:
        return _render(request, objects, settings)
    return _validate(request, objects, settings)


def _input_errors(request: Request, rendering: bool, settings: ServerSettings) -> tuple[list[str], str]:
    """helm-reval's ``validateInputs``: URL problems, then an invalid ``k8sVersion``."""
    errors: list[str] = []
    if rendering and is_url(request.helm_chart) and not request.helm_chart.startswith("file://"):
        errors.extend(_url_errors(request.helm_chart, settings))
    kube_version = "v1.20.0"
    if request.k8s_version:
        try:
            kube_version = parse_kube_version(request.k8s_version)
        except ValueError as exc:
            errors.append(f"invalid kube version {go_quote(request.k8s_version)}: {exc}")
    return errors, kube_version


def _url_errors(url: str, settings: ServerSettings) -> list[str]:

    return list(validate_chart_url(url, allow_loopback=settings.allow_private_chart_hosts))


def _stream(request: Request, manifests: Any, settings: ServerSettings, kube_version: str) -> Any:
    """The release stream to decode (rendered, or given); decoded objects for object lists."""
    if manifests is not None:
        return _given(manifests)
    problem = values_file_error(request.configuration)
    source = load_source(request.helm_chart, request.raw, settings)
    if problem:
        raise RenderFailed(problem)
    values = request.configuration if isinstance(request.configuration, dict) else {}
    return render_stream(
        source,
        RenderInput(values=values, namespace=request.namespace, kube_version=kube_version, api_versions=request.api_versions),
    )


def _given(manifests: Any) -> tuple[list[DecodedObject], list[str]] | bytes:
    """``manifests=``: YAML text (hooks dropped, as Helm's release manifest has none) or objects."""
    if isinstance(manifests, (str, bytes)):
        data = manifests.encode("utf-8", "surrogatepass") if isinstance(manifests, str) else manifests

        tokens = []
        for token in split_documents(data):
            try:
                value = goyaml.load(token.decode("utf-8", "replace"))
            except goyaml.GoYAMLError:
                value = None
            annotations = ((value or {}).get("metadata") or {}).get("annotations") if isinstance(value, dict) else None
            if isinstance(annotations, dict) and "helm.sh/hook" in annotations:
                continue
            tokens.append(token)
        return decode_documents(tokens)
    if isinstance(manifests, Iterable) and not isinstance(manifests, dict):
        tokens = [
            f"# object {i}\n{json.dumps(obj, separators=(',', ':'), ensure_ascii=False)}".encode()
            for i, obj in enumerate(manifests)
        ]
        return decode_documents(tokens)
    raise TypeError("manifests must be YAML text or a list of objects")


def _validate(request: Request, objects: list[DecodedObject], settings: ServerSettings) -> dict[str, Any]:
    if not request.validate_policies:
        errors = _errors(request, objects, settings, (), default=True)
        return _result(not errors, errors, render=False)
    results = []
    for p in request.validate_policies:
        errors = _errors(request, objects, settings, p.extra_gvks, default=p.is_default)
        results.append({"id": p.id, "valid": not errors, "validationErrors": errors})
    result = _result(any(r["valid"] for r in results), [], render=False)
    result["validationPolicies"] = results
    return result


def _render(request: Request, objects: list[DecodedObject], settings: ServerSettings) -> dict[str, Any]:
    p = request.render_policy
    errors = _errors(request, objects, settings, p.extra_gvks, default=p.is_default)
    if errors:
        return _result(False, errors, render=True)
    if p.is_default:
        policy.sanitize(
            objects,
            skip_metadata=settings.skip_sanitize_object_metadata,
            preserve_labels=settings.preserve_labels,
            preserve_annotations=settings.preserve_annotations,
        )
    result = _result(True, [], render=True)
    result["output"] = policy.encode(objects)
    return result


def _errors(
    request: Request,
    objects: list[DecodedObject],
    settings: ServerSettings,
    extras: Iterable[tuple[str, str, str]],
    *,
    default: bool,
) -> list[str]:
    """One policy's messages; with ``skip-validate-objects`` the object rules' are only logged
    (the type allowlist still applies)."""
    extras = tuple(extras)
    types = policy.type_errors(objects, extras)
    if types or not default:
        return types
    errors = policy.object_errors(objects, extras, request.target_service_name, request.target_service_port)
    if settings.skip_validate_objects:
        for message in errors:
            LOG.info("object validation error (skip-validate-objects): %s", message)
        return []
    return errors


def _result(valid: bool, errors: list[str], *, render: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"valid": valid, "validationErrors": list(errors)}
    if render:
        result["output"] = []
    return result
