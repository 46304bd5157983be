"""The admission webhook's HTTP front door: ``POST /validate``, ``POST /mutate``, ``/readyz``, ``/metrics``.

Each ``POST`` carries an ``AdmissionReview`` (``admission.k8s.io/v1``) and is answered by the pure core
:func:`chartguard.admission.review` with the profile ``chartguard serve --profile`` loaded at start.
Statuses (docs/server.md):

- ``200`` with an ``AdmissionReview`` for every well-formed review, whatever the verdict; if the core
  fails unexpectedly the review is still answered, never a traceback: ``/validate`` denies (fail
  closed; allowed with a warning under ``chartguard serve --fail-open``), ``/mutate`` allows
  without a patch and with a warning (it never denies; the validating webhook is the gate);
- ``400`` with a reason for a body that is not JSON, not an ``AdmissionReview`` v1, has no
  ``request.uid`` or a request field of the wrong type (the apiserver then applies the webhook's
  ``failurePolicy``); ``413`` and ``408`` come from :class:`~chartguard.server.app.App` (body
  limit, body timeout) and are counted and logged like the others.

One JSON log line per answer (logger ``chartguard.webhook``): uid, kind, namespace/name, operation,
allowed, rules, latency, and the reason of a 4xx. Only metadata is logged: never the object, the
patch or the messages, so Secret data cannot reach the logs. Nothing here imports the Helm engine
(the webhook's RSS budget).
"""

from __future__ import annotations

import logging
import os
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from ..admission import ReviewError, fail, review
from .app import App, Request, Response, healthz
from .metrics import Metrics

log = logging.getLogger("chartguard.webhook")

API_VERSION = "admission.k8s.io/v1"
KIND = "AdmissionReview"
_RULE_ID = re.compile(r"\[([a-z0-9][a-z0-9-]*[a-z0-9])\]")

Mode = Literal["validate", "mutate"]
Reviewer = Callable[..., dict[str, Any]]


@dataclass
class WebhookOptions:
    """What ``chartguard serve`` configures for the webhook routes."""

    profile: Any  # chartguard.profile.Profile, loaded before the server starts
    fail_open: bool = False  # an internal error allows with a warning (default: it denies)
    settings: dict[str, Any] = field(default_factory=dict)  # extra keywords for admission.review (limits...)
    review: Reviewer | None = None  # chartguard.admission.review unless a test swaps it
    ready: Callable[[], str | None] | None = None  # None: ready; else why not (e.g. no certificate)
    metrics: Metrics | None = None  # shared by the worker processes (chartguard serve --workers)


class BadReview(ValueError):
    """The body is not an AdmissionReview v1 this server can answer (HTTP 400)."""


def envelope(body: bytes) -> dict[str, Any]:
    """The decoded review, checked as far as the server needs it (JSON, apiVersion, kind, request.uid)."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadReview(f"malformed JSON: {exc}") from None
    if not isinstance(document, dict):
        raise BadReview("the body is not a JSON object")
    if document.get("apiVersion") != API_VERSION or document.get("kind") != KIND:
        got = f"{document.get('apiVersion')!r} {document.get('kind')!r}"[:120]
        raise BadReview(f"expected apiVersion {API_VERSION} kind {KIND}, got {got}")
    request = document.get("request")
    if not isinstance(request, dict):
        raise BadReview("the AdmissionReview has no request")
    uid = request.get("uid")
    if not isinstance(uid, str) or not uid:
        raise BadReview("the AdmissionReview request has no uid")
    return document


def denial_rules(response: dict[str, Any]) -> list[str]:
    """The rule ids a denial names: the core's ``rules`` audit annotation, else the ``[rule-id]`` tags
    of the status message."""
    annotations = response.get("auditAnnotations")
    if isinstance(annotations, dict):
        value = annotations.get("rules")
        if isinstance(value, str):
            return sorted({rule.strip() for rule in value.split(",") if rule.strip()})
    status = response.get("status")
    message = status.get("message") if isinstance(status, dict) else None
    return sorted(set(_RULE_ID.findall(message))) if isinstance(message, str) else []


def rules_of(response: dict[str, Any]) -> list[str]:
    """Every rule id a response names (denial and warnings), for the log line."""
    rules = set(denial_rules(response))
    warnings = response.get("warnings")
    if isinstance(warnings, list):
        rules.update(rule for warning in warnings if isinstance(warning, str) for rule in _RULE_ID.findall(warning))
    return sorted(rules)


def _bad_request(reason: str) -> Response:
    return Response(400, orjson.dumps({"error": "bad request", "reason": reason}), "application/json")


def _fallback(uid: str, fail_open: bool, message: str) -> dict[str, Any]:
    """The answer when the core fails: denied, or with ``fail_open`` allowed with a warning."""
    response: dict[str, Any] = {"uid": uid}
    fail(response, message, fail_open=fail_open)
    return {"apiVersion": API_VERSION, "kind": KIND, "response": response}


def add_webhook_routes(app: App, options: WebhookOptions) -> Metrics:
    """Register ``/validate``, ``/mutate``, ``/readyz``, ``/metrics`` and the shared ``/healthz`` on ``app``."""
    metrics = options.metrics or Metrics()
    state = {"started": False, "stopping": False}
    app.on_startup.append(lambda: state.update(started=True))
    app.on_shutdown.append(lambda: state.update(stopping=True))

    def endpoint(mode: Mode) -> Callable[[Request], Any]:
        async def handle(request: Request) -> Response:
            return _answer(request, mode, options, metrics)

        return handle

    def observe(request: Request, response: Response, seconds: float) -> None:
        metrics.observe(request.path, response.status, seconds)
        _log(request, response, request.path, seconds)

    async def readyz(request: Request) -> Response:
        reason = None if state["started"] else "starting"
        if state["stopping"]:
            reason = "shutting down"
        if reason is None and options.ready is not None:
            reason = options.ready()
        if reason is not None:
            return Response(503, orjson.dumps({"ready": False, "reason": reason}), "application/json")
        return Response(200, orjson.dumps({"ready": True, "profile": getattr(options.profile, "name", None)}), "application/json")

    async def metrics_endpoint(request: Request) -> Response:
        return Response(200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8")

    app.route("/validate", ["POST"], endpoint("validate"), observer=observe)
    app.route("/mutate", ["POST"], endpoint("mutate"), observer=observe)
    app.route("/readyz", ["GET"], readyz)
    app.route("/metrics", ["GET"], metrics_endpoint)
    app.ensure_route("/healthz", ["GET"], healthz)
    return metrics


@dataclass
class _Answered:
    """What the log line and the metrics need from one review (metadata only)."""

    uid: str = ""
    kind: str = ""
    namespace: str = ""
    name: str = ""
    operation: str = ""
    allowed: bool | None = None
    rules: list[str] = field(default_factory=list)
    reason: str = ""


def _answer(request: Request, mode: Mode, options: WebhookOptions, metrics: Metrics) -> Response:
    answered = _Answered()
    request.state = answered  # for the log line
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        answered.reason = f"Content-Type must be application/json, got {media or 'none'!r}"
        return _bad_request(answered.reason)
    try:
        document = envelope(request.body)
    except BadReview as exc:
        answered.reason = str(exc)
        return _bad_request(answered.reason)
    review_request = document["request"]
    answered.uid = review_request["uid"]
    kind = review_request.get("kind")
    if isinstance(kind, dict):
        answered.kind = "/".join(_text(kind.get(k)) for k in ("group", "version", "kind")).lstrip("/")
    answered.namespace = _text(review_request.get("namespace"))
    answered.name = _text(review_request.get("name"))
    answered.operation = _text(review_request.get("operation"))

    reviewer: Reviewer = options.review or review

    try:
        result = reviewer(document, mode=mode, profile=options.profile, fail_open=options.fail_open, **options.settings)
    except ReviewError as exc:
        answered.reason = str(exc)[:300]
        return _bad_request(answered.reason)
    except Exception as exc:  # noqa: BLE001 - a well-formed review is always answered
        # the frames, not the message: an exception's text may quote the object (Secret data)
        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error("admission.review failed for uid %s: %s\n%s", answered.uid, type(exc).__name__, frames)
        message = f"chartguard could not review this object ({type(exc).__name__})"
        result = _fallback(answered.uid, options.fail_open or mode == "mutate", message)
    response = result.get("response") if isinstance(result, dict) else None
    if not isinstance(response, dict):
        log.error("admission.review returned no response for uid %s", answered.uid)
        result = _fallback(
            answered.uid, options.fail_open or mode == "mutate", "chartguard could not review this object (no response)"
        )
        response = result["response"]
    answered.allowed = bool(response.get("allowed"))
    answered.rules = rules_of(response)
    if not answered.allowed:
        for rule in denial_rules(response) or ["unknown"]:
            metrics.deny(rule)
    return Response(200, orjson.dumps(result), "application/json")


def _text(value: Any) -> str:
    """A request field for the log line: strings only (a field of another type is the 400's reason),
    at most 253 characters (the longest Kubernetes name)."""
    return value[:253] if isinstance(value, str) else ""


def _log(request: Request, response: Response, path: str, seconds: float) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    answered: _Answered = getattr(request, "state", None) or _Answered()
    line: dict[str, Any] = {
        "msg": "admission",
        "endpoint": path,
        "code": response.status,
        "uid": answered.uid,
        "kind": answered.kind,
        "namespace": answered.namespace,
        "name": answered.name,
        "operation": answered.operation,
        "allowed": answered.allowed,
        "rules": answered.rules,
        "latency_ms": round(seconds * 1000, 3),
        "pid": os.getpid(),  # the worker process (chartguard serve --workers)
    }
    reason = answered.reason or request.refused
    if reason:
        line["reason"] = reason
    log.info(orjson.dumps(line).decode())
