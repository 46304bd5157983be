"""Admission control: an AdmissionReview v1 in, the AdmissionReview response out (no sockets).

    >>> review(body, mode="validate", profile=load_profile("nvcf"))
    {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": {"uid": ..., "allowed": ...}}

The same rules as ``chartguard lint``, run on the one object under admission (``request.object``;
``oldObject`` only for existing violations, below); ``mode="mutate"`` answers with the safe fixes as
a base64 JSONPatch. Malformed reviews raise ``ReviewError`` (the server answers HTTP 400 with its
message).

What passes without running a rule: DELETE and CONNECT; operations other than CREATE/UPDATE;
subresources (``status``, ``scale``, ``eviction``...) except ``pods/ephemeralcontainers``, whose
object is the whole Pod (Pod Security Admission does the same); UPDATEs of an object being deleted
(``metadata.deletionTimestamp``: removing finalizers must never be blocked); kinds no object rule
of the profile applies to. ``dryRun`` requests are answered exactly like others: reviewing has no
side effects. ``status`` never carries a change the rules judge. ``scale`` passes statelessly: its
object is an ``autoscaling/v1`` Scale (``spec.replicas`` only, no pod spec, no instance-type
annotation), so a multi-node GPU StatefulSet scaled by ``kubectl scale`` is caught on its Pods:
``gpu-pod-count`` denies a GPU Pod whose ``apps.kubernetes.io/pod-index`` is ≥ the node count
(Deployment Pods carry no index: a ``requests.nvidia.com/gpu`` ResourceQuota backs them, 5.4 G5).

Existing violations (Kyverno's ``allowExistingViolations``; admission-and-gpu.md 5.4): on an UPDATE
in validate mode, an error of ``object`` that ``oldObject`` already had, identically (same rule id,
pointer and detail, and the same value at that pointer in both objects), does not deny: it becomes
a warning ``chartguard error (existing): ...``, so a stuck object can still be relabelled, or have
its finalizers and annotations changed. A new or changed violation still denies: a hostPath whose
path changes, a GPU pod spec without an instance type that asks for more GPUs. Details carry the
numbers, so a multi-node GPU StatefulSet whose ``replicas`` is wrong is denied again when
``replicas`` changes to another wrong count, even toward the right one (4 → 3 on a 2-node type:
chartguard cannot tell a better violation from a different one); setting the right count passes,
and ``kubectl scale`` (the ``scale`` subresource) passes. ``oldObject`` is linted (without fixes)
only when ``object`` has an error, so a compliant object costs one lint; an ``oldObject`` that
cannot be linted relaxes nothing. The setting ``allow_existing_violations=False`` turns this off.

A denial (validate mode, an error-severity finding) is ``status.code`` 403 with ONE line::

    chartguard denied <Kind> <namespace>/<name>: <reason> (<details>), <reason> (<details>) [profile <name>]

one ``reason (details)`` per failing rule in report order, the rule's details joined by ``; `` and
cut to 160 characters; the whole line is at most ``max_message_chars`` (items that do not fit become
``, and N more``). A name set by ``generateName`` shows as ``<prefix>*``; the namespace comes from
the request when the object has none. The rule ids of a denial are in ``auditAnnotations["rules"]``
(comma-separated), those of relaxed existing violations in ``auditAnnotations["existing"]``.

Lower severities (and, with ``warn_only``, the errors) become ``warnings``, most severe first:
``chartguard: <reason> (<detail>) [<rule>]`` for a warning, ``chartguard error: ...``,
``chartguard error (existing): ...`` and ``chartguard info: ...`` for the others; each at most 120
characters (the detail is cut), at most
``max_warnings`` of them (the last then says how many were left out).

Mutating webhooks never deny for policy (that is the validating webhook's job): ``mode="mutate"``
always allows, with ``patchType: JSONPatch`` and the object's fix operations only when they apply
to ``request.object`` (checked before answering: a patch that fails to apply is a 500 for the
whole request, whatever the failurePolicy). A fix that would drop the object (hooks, CRDs) cannot
be a mutation: no patch, a warning instead. The mutating answer's warnings are only about its patch
(the validating webhook reports the findings, so users do not see them twice).

What the rules see: the object as sent, minus ``metadata.managedFields`` (apiserver bookkeeping);
its ``helm.sh/hook`` annotation is ignored (the object is being created whatever Helm would do), its
size is that of its compact JSON, and ``object-name`` does not flag a ``generateName``, which the
apiserver turns into a name itself.

Secrets: the details of findings about a Secret are never put in a message or warning (the reason
and rule id only), so ``data``/``stringData`` (also copied into kubectl's last-applied annotation)
never leave the webhook; the details of other findings are scrubbed of Secret data and
credential-looking env values by the engine (``redact``). Kind, name and details are shown with
control characters escaped (``printable``): kubectl prints them on a terminal.

Reviews chartguard cannot complete fail closed. Before any rule runs, ``object`` (and
``oldObject``: one over a limit relaxes nothing) is measured against the work limits of
:mod:`chartguard.limits` (``max_object_bytes``, ``max_object_depth``, ``max_object_nodes``,
``max_containers``); in validate mode an object over one is denied, whatever ``fail_open`` says,
naming the limit (``chartguard denied <Kind> <ns>/<name>: over the webhook's limits (<detail>;
limit <name>)``, ``auditAnnotations["rules"]`` the limit's name). An internal error while checking
a well-formed review never raises: in validate mode it denies (code 500, ``chartguard could not
check <Kind> <namespace>/<name>: internal error (<exception type>)``, ``auditAnnotations["rules"]``
``internal-error``) unless ``fail_open`` is set, which allows with that message as a warning.
``warn_only`` and the profile's strictness change neither. In mutate mode both are allowed
without a patch and with a warning: the mutating answer admits nothing, the object still goes to
the validating webhook, which denies it. A request field of the wrong JSON type (``subResource``
as a list, a ``kind`` that is not a GroupVersionKind object, ``userInfo.groups`` of numbers...) is
a ``ReviewError``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, Literal

from .bounds import over_limit
from .findings import Finding, Report, Severity
from .json_patch import patched, value_at
from .limits import DEFAULT_LIMITS, Limits
from .printable import clip, flat
from .profile import Profile
from .release import object_release
from .workloads import is_pod_bearing

__all__ = ["API_VERSION", "INTERNAL_ERROR", "KIND", "ReviewError", "Settings", "fail", "review"]

API_VERSION = "admission.k8s.io/v1"
KIND = "AdmissionReview"
#: The Kubernetes API doc: "Limit warnings to 120 characters if possible".
MAX_WARNING_CHARS = 120
#: Per-rule details in a denial message are cut to this many characters.
MAX_DETAIL_CHARS = 160
#: Subresources whose object is checked like the main resource (the full Pod, as PSA does).
CHECKED_SUBRESOURCES = frozenset({"ephemeralcontainers"})
_CHECKED_OPERATIONS = frozenset({"CREATE", "UPDATE"})
#: What ``auditAnnotations["rules"]`` names for a review that failed with an internal error.
INTERNAL_ERROR = "internal-error"
#: What makes two findings the same violation: rule id, JSON pointer, detail.
_Key = tuple[str, str, str]


class ReviewError(ValueError):
    """A request body that is not a usable AdmissionReview v1 (HTTP 400)."""


@dataclass(frozen=True)
class Settings:
    """``review``'s keyword options.

    ``warn_only``: errors become warnings and nothing is denied (a dry run of the policy).
    ``max_warnings``: warnings per response (the apiserver keeps about 4 KiB of them).
    ``max_message_chars``: the longest denial message.
    ``audit_annotations``: add ``rules`` (the denying rule ids) to the response's auditAnnotations on a
    denial, and ``existing`` (the rule ids of relaxed existing violations).
    ``allow_existing_violations``: on UPDATE, an error ``oldObject`` already had identically warns
    instead of denying (see the module docstring); False denies it like any other.
    ``fail_open``: in validate mode, an internal error allows with a warning instead of denying
    (never an object over a limit).
    ``max_object_bytes``, ``max_object_depth``, ``max_object_nodes``, ``max_containers``: the work
    limits (:class:`chartguard.limits.Limits`).
    """

    warn_only: bool = False
    max_warnings: int = 10
    max_message_chars: int = 512
    audit_annotations: bool = True
    allow_existing_violations: bool = True
    fail_open: bool = False
    max_object_bytes: int = DEFAULT_LIMITS.max_object_bytes
    max_object_depth: int = DEFAULT_LIMITS.max_object_depth
    max_object_nodes: int = DEFAULT_LIMITS.max_object_nodes
    max_containers: int = DEFAULT_LIMITS.max_containers

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> Settings:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise TypeError(f"review() got unexpected setting(s): {', '.join(unknown)}")
        made = cls(**settings)
        if made.max_warnings < 1 or made.max_message_chars < 80:
            raise ValueError("max_warnings must be ≥ 1 and max_message_chars ≥ 80")
        _ = made.limits  # a bad limit is a ValueError here, not in the middle of a review
        return made

    @cached_property
    def limits(self) -> Limits:
        """The work limits (ValueError when one is not a positive integer)."""
        return Limits(self.max_object_bytes, self.max_object_depth, self.max_object_nodes, self.max_containers)


def review(body: Any, *, mode: Literal["validate", "mutate"], profile: Profile, **settings: Any) -> dict[str, Any]:
    """Answer one AdmissionReview (``body`` is the decoded JSON) for the validating or mutating
    webhook; ``settings`` as in ``Settings``. Raises ReviewError for a malformed review."""
    if mode not in ("validate", "mutate"):
        raise ValueError(f"mode must be 'validate' or 'mutate', not {mode!r}")
    options = Settings.of(settings)
    limits = options.limits
    request = _request(body)
    response: dict[str, Any] = {"uid": request["uid"], "allowed": True}
    obj = _object_to_check(request)
    if obj is not None and _cared_about(obj, profile):
        over = over_limit(obj, limits)
        if over is not None and mode == "mutate":
            response["warnings"] = [
                _cut(f"chartguard: not mutated, over the webhook's limits ({over.detail})", MAX_WARNING_CHARS)
            ]
        elif over is not None:
            message = f"chartguard denied {_subject(obj, request)}: over the webhook's limits ({over.detail}; limit {over.limit})"
            _deny(response, f"{message} [profile {profile.name}]", over.limit if options.audit_annotations else None)
        else:
            _decide(response, request, obj, mode, profile, options)
    return {"apiVersion": API_VERSION, "kind": KIND, "response": response}


def fail(response: dict[str, Any], problem: str, *, fail_open: bool, annotate: bool = True) -> None:
    """Answer a review that could not be completed (``problem`` says why, without object data):
    denied with code 500 (fail closed; ``annotate``: ``auditAnnotations["rules"]`` is
    ``internal-error``), or with ``fail_open`` allowed with ``problem`` as a warning."""
    if fail_open:
        response.update(allowed=True, warnings=[_cut(problem, MAX_WARNING_CHARS)])
    else:
        _deny(response, problem, INTERNAL_ERROR if annotate else None, code=500, reason="InternalError")


def _deny(response: dict[str, Any], message: str, rules: str | None, code: int = 403, reason: str = "Forbidden") -> None:
    response.update(allowed=False, status=_status(message, code, reason))
    if rules:
        response["auditAnnotations"] = {"rules": rules}


def _request(body: Any) -> dict[str, Any]:
    """The validated ``request`` of an AdmissionReview v1 body."""
    if not isinstance(body, Mapping):
        raise ReviewError(f"the body is {_type(body)}, not an AdmissionReview object")
    if body.get("apiVersion") != API_VERSION:
        raise ReviewError(
            f"apiVersion is {_short(body.get('apiVersion'))}, expected {API_VERSION} (admissionReviewVersions: [v1])"
        )
    if body.get("kind") != KIND:
        raise ReviewError(f"kind is {_short(body.get('kind'))}, expected {KIND}")
    request = body.get("request")
    if not isinstance(request, Mapping):
        raise ReviewError(f"request is {_type(request)}, expected an object")
    uid = request.get("uid")
    if not isinstance(uid, str) or not uid:
        raise ReviewError("request.uid is missing or not a non-empty string")
    if not isinstance(request.get("operation"), str):
        raise ReviewError("request.operation is missing or not a string")
    for key, expected in _FIELD_TYPES.items():
        problem = _wrong_type(request.get(key), expected)
        if problem:
            raise ReviewError(f"request.{key}{problem}")
    if request["operation"] in _CHECKED_OPERATIONS and request.get("object") is None:
        raise ReviewError(f"request.object is missing on {request['operation']}")
    return dict(request)


#: The JSON type of each AdmissionRequest field (null or absent is always accepted): a type, or for
#: an object the types of its known fields, or a one-element list for an array of that type.
_FieldType = type | dict[str, Any] | list[Any]
_GVK: dict[str, _FieldType] = {"group": str, "version": str, "kind": str}
_GVR: dict[str, _FieldType] = {"group": str, "version": str, "resource": str}
_FIELD_TYPES: dict[str, _FieldType] = {
    "kind": _GVK,
    "resource": _GVR,
    "subResource": str,
    "requestKind": _GVK,
    "requestResource": _GVR,
    "requestSubResource": str,
    "name": str,
    "namespace": str,
    "userInfo": {"username": str, "uid": str, "groups": [str], "extra": {"*": [str]}},
    "object": {},
    "oldObject": {},
    "dryRun": bool,
    "options": {},
}
_TYPE_NAMES = {str: "a string", bool: "a boolean", dict: "an object", list: "an array"}


def _wrong_type(value: Any, expected: _FieldType) -> str:
    """Empty when ``value`` (None: absent) has the ``expected`` JSON type (see ``_FIELD_TYPES``),
    else the rest of the message: the path below the field and what was found."""
    if value is None:
        return ""
    if isinstance(expected, type):
        return "" if isinstance(value, expected) else f" is {_type(value)}, expected {_TYPE_NAMES[expected]}"
    if isinstance(expected, list):
        if not isinstance(value, list):
            return f" is {_type(value)}, expected an array"
        return next((f"[{i}]{p}" for i, item in enumerate(value) if (p := _wrong_type(item, expected[0]))), "")
    if not isinstance(value, Mapping):
        return f" is {_type(value)}, expected an object"
    for key, item in value.items():
        inner = expected.get(key, expected.get("*"))
        problem = _wrong_type(item, inner) if inner is not None else ""
        if problem:
            return f".{key}{problem}"
    return ""


def _object_to_check(request: dict[str, Any]) -> dict[str, Any] | None:
    """The object the rules should see, or None when the request passes without a check."""
    if request["operation"] not in _CHECKED_OPERATIONS:
        return None  # DELETE, CONNECT (and anything newer): nothing is being written
    sub = request.get("subResource")
    if sub and sub not in CHECKED_SUBRESOURCES:
        return None  # status, scale, eviction, binding...: the object's spec is not what changes
    obj: dict[str, Any] = request["object"]
    if request["operation"] == "UPDATE":
        meta = obj.get("metadata")
        if isinstance(meta, dict) and meta.get("deletionTimestamp"):
            return None  # finalizers being removed: never block a deletion
    return obj


def _cared_about(obj: dict[str, Any], profile: Profile) -> bool:
    """Whether any object rule of the profile applies to this kind."""
    kind = obj.get("kind")
    kind = kind if isinstance(kind, str) else ""
    pods = is_pod_bearing(obj)
    return any(c.rule.scope == "object" and c.rule.applies_to(kind, pods) for c in profile.rules)


def _decide(
    response: dict[str, Any],
    request: dict[str, Any],
    obj: dict[str, Any],
    mode: str,
    profile: Profile,
    options: Settings,
) -> None:
    """Lint ``obj`` and fill ``response`` (allowed, status, patch, warnings)."""
    subject = _subject(obj, request)
    try:
        report = _lint(obj, profile, fixes=mode == "mutate")
    except Exception as exc:  # noqa: BLE001 - a rule bug must not become a 500 (or crash the server)
        problem = f"chartguard could not check {subject}: internal error ({type(exc).__name__})"
        fail(response, problem, fail_open=options.fail_open or mode == "mutate", annotate=options.audit_annotations)
        return
    secret = obj.get("kind") == "Secret"
    findings = report.findings
    if mode == "mutate":
        _mutate(response, obj, report.fixes, subject)
        return
    errors = [f for f in findings if f.severity >= Severity.ERROR]
    existing: set[_Key] = set()
    if errors and not options.warn_only:
        if options.allow_existing_violations:
            existing = _existing(errors, request, profile, options.limits)
            relaxed = [f.rule_id for f in errors if _key(f) in existing]
            errors = [f for f in errors if _key(f) not in existing]
            if relaxed and options.audit_annotations:
                response["auditAnnotations"] = {"existing": ",".join(dict.fromkeys(relaxed))}
        if errors:
            message = _deny_message(subject, errors, profile.name, secret, options.max_message_chars)
            response.update(allowed=False, status=_status(message))
            if options.audit_annotations:
                rules = ",".join(dict.fromkeys(f.rule_id for f in errors))
                response["auditAnnotations"] = {"rules": rules, **response.get("auditAnnotations", {})}
            findings = [f for f in findings if f.severity < Severity.ERROR or _key(f) in existing]
    warnings = _warnings(sorted(findings, key=lambda f: -f.severity), secret, options.max_warnings, existing)
    if warnings:
        response["warnings"] = warnings


def _lint(obj: dict[str, Any], profile: Profile, *, fixes: bool) -> Report:
    """The profile's findings (and, with ``fixes``, repairs) for one live object."""
    return object_release(_without_managed_fields(obj), profile=profile).lint(fixes=fixes)


def _key(finding: Finding) -> _Key:
    return finding.rule_id, finding.pointer, finding.detail


def _existing(errors: list[Finding], request: dict[str, Any], profile: Profile, limits: Limits) -> set[_Key]:
    """The keys of ``errors`` that ``oldObject`` of an UPDATE already had as errors (linted here,
    without fixes) and whose field is unchanged (a detail need not show every value: a hostPath's
    path, the GPU counts of a pod without an instance type); none when there is no old object, it is
    over ``limits`` or it cannot be linted. ``managedFields`` (rewritten by the apiserver on every
    write) are not compared."""
    old = request.get("oldObject")
    if request["operation"] != "UPDATE" or not isinstance(old, dict) or over_limit(old, limits) is not None:
        return set()
    try:
        report = _lint(old, profile, fixes=False)
    except Exception:  # noqa: BLE001 - nothing is relaxed: the new object's errors deny
        return set()
    before = {_key(f) for f in report.findings if f.severity >= Severity.ERROR}
    old, new = _without_managed_fields(old), _without_managed_fields(request["object"])
    return {_key(f) for f in errors if value_at(old, f.pointer) == value_at(new, f.pointer)} & before


def _without_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` without ``metadata.managedFields`` (the apiserver's bookkeeping, often half the
    object): no rule reads it, and leaving it out keeps fixes cheap. A shallow copy; ``obj`` is
    not modified. The patch still applies to the whole object (checked in ``_mutate``)."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or "managedFields" not in meta:
        return obj
    return {**obj, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}


def _mutate(response: dict[str, Any], obj: dict[str, Any], fixes: list[Any], subject: str) -> None:
    """Add the object's fix as a JSONPatch, only if it applies; warn otherwise."""
    fix = next((f for f in fixes if f.index == 0), None)
    if fix is None:
        return
    if fix.drop:
        response["warnings"] = [
            _cut(f"chartguard cannot remove {subject} by mutation ({', '.join(fix.rules)})", MAX_WARNING_CHARS)
        ]
        return
    if not fix.ops:
        return
    try:
        patched(obj, fix.ops)  # copy-on-write: obj is not modified, nothing is deep-copied
        patch = json.dumps(list(fix.ops), ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    except Exception as exc:  # noqa: BLE001 - never send a patch that could fail to apply
        message = f"chartguard: fixes for {subject} not applied ({type(exc).__name__}: patch does not apply)"
        response["warnings"] = [_cut(message, MAX_WARNING_CHARS)]
        return
    response["patchType"] = "JSONPatch"
    response["patch"] = base64.b64encode(patch).decode("ascii")


def _subject(obj: dict[str, Any], request: dict[str, Any]) -> str:
    """``Kind namespace/name`` of the object under admission (``prefix*`` for a generateName)."""
    meta: dict[str, Any] = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
    kind: str = obj["kind"] if isinstance(obj.get("kind"), str) else ""
    if not kind:
        request_kind = request.get("kind")
        kind = request_kind.get("kind", "") if isinstance(request_kind, dict) else ""
    name = meta.get("name") or request.get("name") or ""
    if not name and isinstance(meta.get("generateName"), str) and meta["generateName"]:
        name = meta["generateName"] + "*"
    namespace = meta.get("namespace") or request.get("namespace") or ""
    name = str(name) or "<unnamed>"
    where = f"{namespace}/{name}" if namespace else name
    return f"{_cut(str(kind or 'object'), 63)} {_cut(where, 120)}"


def _item(reason: str, details: list[str]) -> str:
    details = [d for d in dict.fromkeys(details) if d]
    return f"{reason} ({_cut('; '.join(details), MAX_DETAIL_CHARS)})" if details else reason


def _deny_message(subject: str, errors: list[Finding], profile: str, secret: bool, limit: int) -> str:
    """The one-line denial (see the module docstring)."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for finding in errors:
        grouped.setdefault((finding.rule_id, finding.reason), []).append("" if secret else finding.detail)
    items = [_item(reason, details) for (_, reason), details in grouped.items()]
    head, tail = f"chartguard denied {subject}: ", f" [profile {profile}]"
    kept: list[str] = []
    for i, item in enumerate(items):
        rest = len(items) - i - 1
        more = f", and {rest} more" if rest else ""
        candidate = ", ".join([*kept, item])
        if len(head) + len(candidate) + len(more) + len(tail) > limit:
            break
        kept.append(item)
    if not kept:  # even the first item is too long: cut it
        room = limit - len(head) - len(tail) - len(f", and {len(items) - 1} more")
        kept.append(_cut(items[0], max(room, 20)))
    dropped = len(items) - len(kept)
    more = f", and {dropped} more" if dropped else ""
    return f"{head}{', '.join(kept)}{more}{tail}"


def _warnings(findings: list[Finding], secret: bool, limit: int, existing: set[_Key]) -> list[str]:
    """One line per finding (deduplicated), at most ``limit``: the last says how many are left out.
    Findings whose key is in ``existing`` are marked as existing violations."""
    lines = list(dict.fromkeys(_warning(f, secret, _key(f) in existing) for f in findings))
    if len(lines) > limit:
        left = len(lines) - (limit - 1)
        lines = [*lines[: limit - 1], f"chartguard: {left} more findings (run chartguard lint for all)"]
    return lines


def _warning(finding: Finding, secret: bool, existing: bool) -> str:
    label = "" if finding.severity == Severity.WARNING else f" {finding.severity}"  # a warning is implied
    label += " (existing)" if existing else ""
    head = f"chartguard{label}: {finding.reason}"
    tail = f" [{finding.rule_id}]"
    if secret or not finding.detail:
        return _cut(head, MAX_WARNING_CHARS - len(tail)) + tail
    room = MAX_WARNING_CHARS - len(head) - len(tail) - 3  # " (" and ")"
    if room < 10:
        return _cut(head, MAX_WARNING_CHARS - len(tail)) + tail
    return f"{head} ({_cut(finding.detail, room)}){tail}"


def _status(message: str, code: int = 403, reason: str = "Forbidden") -> dict[str, Any]:
    return {"code": code, "status": "Failure", "reason": reason, "message": message}


def _cut(text: str, limit: int) -> str:
    """``text`` on one printable line (control characters escaped), at most ``limit`` characters
    (an ellipsis marks a cut)."""
    return clip(flat(text), limit)


def _type(value: Any) -> str:
    names = {type(None): "null", list: "an array", dict: "an object", str: "a string", bool: "a boolean"}
    return names.get(type(value)) or ("a number" if isinstance(value, int | float) else type(value).__name__)


def _short(value: Any) -> str:
    return "missing" if value is None else _cut(repr(value), 60)
