"""helm-reval's request JSON: decoding, defaults and bind-time checks (HTTP 400 material).

Field names match case-insensitively, as Go's ``encoding/json`` matches them (an exact match
wins; later keys override earlier ones); a value of the wrong JSON type is a 400
``json: cannot unmarshal …``. Then ``Bind``: ``helmChart is required``; ``releaseName`` defaults to
``mini-service`` and ``namespace`` to the release name; on render the ``validationPolicies`` are
cleared and ``validationPolicy`` checked, on validate the reverse, with helm-reval's messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..gofmt import go_quote, json_kind

RELEASE_NAME = "mini-service"
DEFAULT_POLICY = "Default"
UNRESTRICTED_POLICY = "Unrestricted"


class RequestError(Exception):
    """A request helm-reval answers with HTTP 400 (``Error parsing JSON``); ``messages`` are its errors."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Policy:
    """One validation policy: ``name`` is Default, Unrestricted (or "" = Default); exact extra GVKs."""

    id: str = ""
    name: str = DEFAULT_POLICY
    extra_gvks: tuple[tuple[str, str, str], ...] = ()

    @property
    def is_default(self) -> bool:
        return self.name in ("", DEFAULT_POLICY)


@dataclass
class Request:
    """A bound request, as helm-reval's ``Config``."""

    helm_chart: str
    namespace: str
    release_name: str  # the request's (only used to default the namespace); Helm always gets mini-service
    configuration: Any = None
    k8s_version: str = ""
    api_versions: list[str] = field(default_factory=list)
    target_service_name: str = ""
    target_service_port: int = 0
    health_endpoint: str = ""
    render_policy: Policy = field(default_factory=Policy)
    validate_policies: list[Policy] = field(default_factory=list)
    validate_images: bool | None = None
    raw: dict[str, Any] = field(default_factory=dict)


# Go field types of RevalRequest: json name -> type code
_FIELDS: dict[str, str] = {
    "helmChart": "string",
    "namespace": "string",
    "releaseName": "string",
    "helmChartServicePort": "int32",
    "helmChartServiceName": "string",
    "helmChartHTTPHealthEndpoint": "string",
    "apiKey": "string",
    "instanceType": "string",
    "gpu": "string",
    "maxInstances": "int32",
    "minInstances": "int32",
    "configuration": "raw",
    "clusters": "[]string",
    "k8sVersion": "string",
    "apiVersions": "[]string",
    "helmRegistryAuthConfig": "auth",
    "imageRegistryAuthConfig": "auth",
    "validationPolicy": "*policy",
    "validationPolicies": "[]policy",
    "validateImages": "*bool",
}
_POLICY_FIELDS = {"id": "string", "name": "string", "allowedExtraKubernetesTypes": "[]gvk"}
_GVK_FIELDS = {"group": "string", "version": "string", "kind": "string", "resource": "string"}
_GO_TYPES = {
    "string": "string", "int32": "int32", "bool": "bool", "raw": "json.RawMessage", "[]string": "[]string",
    "*bool": "bool", "auth": "common.RegistryAuthConfig", "*policy": "service.ValidationPolicy",
    "[]policy": "[]service.ValidationPolicy", "[]gvk": "[]service.PolicyAllowedExtraKubernetesType",
    "name": "reval.PolicyName",
}  # fmt: skip


def bind(body: Any, *, render: bool) -> Request:
    """Decode and bind a request for ``/v1/render`` (``render``) or ``/v1/validate``."""
    if not isinstance(body, dict):
        raise RequestError([f"json: cannot unmarshal {json_kind(body)} into Go value of type service.RevalRequest"])
    fields = _decode_struct(body, _FIELDS, "RevalRequest", "")
    helm_chart = fields.get("helmChart") or ""
    if not helm_chart:
        raise RequestError(["helmChart is required"])
    release_name = fields.get("releaseName") or RELEASE_NAME
    namespace = fields.get("namespace") or release_name
    errors: list[str] = []
    render_policy = Policy()
    validate_policies: list[Policy] = []
    if render:
        raw_policy = fields.get("validationPolicy")
        if raw_policy is not None:
            policy_errors = _policy_errors(raw_policy)
            if policy_errors:
                errors.append("validation policy: " + "\n".join(policy_errors))
            render_policy = _policy(raw_policy)
    else:
        for i, raw_policy in enumerate(fields.get("validationPolicies") or []):
            if not raw_policy.get("id"):
                errors.append(f"validation policy {i} is missing ID")
            policy_errors = _policy_errors(raw_policy)
            if policy_errors:
                errors.append(f"validation policy {raw_policy.get('id', '')}: " + "\n".join(policy_errors))
            validate_policies.append(_policy(raw_policy))
    if errors:
        raise RequestError(errors)
    name, port = fields.get("helmChartServiceName") or "", fields.get("helmChartServicePort") or 0
    both = bool(name) and port != 0
    return Request(
        helm_chart=helm_chart,
        namespace=namespace,
        release_name=release_name,
        configuration=fields.get("configuration"),
        k8s_version=fields.get("k8sVersion") or "",
        api_versions=list(fields.get("apiVersions") or []),
        target_service_name=name if both else "",
        target_service_port=port if both else 0,
        health_endpoint=(fields.get("helmChartHTTPHealthEndpoint") or "") if both else "",
        render_policy=render_policy,
        validate_policies=validate_policies,
        validate_images=fields.get("validateImages"),
        raw=body,
    )


def _policy(raw: dict[str, Any]) -> Policy:
    gvks = tuple(
        (t.get("group", ""), t.get("version", ""), t.get("kind", "")) for t in raw.get("allowedExtraKubernetesTypes") or []
    )
    return Policy(id=raw.get("id", ""), name=raw.get("name", ""), extra_gvks=gvks)


def _policy_errors(raw: dict[str, Any]) -> list[str]:
    """``ValidationPolicy.validate``: the name, then each extra type's group/version/kind."""
    errors = []
    name = raw.get("name", "")
    if name not in (DEFAULT_POLICY, UNRESTRICTED_POLICY):
        errors.append(
            f"unexpected name {go_quote(name)} (expected {go_quote(DEFAULT_POLICY)} or {go_quote(UNRESTRICTED_POLICY)})"
        )
    for j, gvk in enumerate(raw.get("allowedExtraKubernetesTypes") or []):
        for part in ("group", "version", "kind"):
            if not gvk.get(part):
                errors.append(f"allowed extra Kubernetes type {j} {part} is unset")
    return errors


def _decode_struct(body: dict[str, Any], spec: dict[str, str], struct: str, path: str) -> dict[str, Any]:
    """Go's struct decoding: case-insensitive names (exact wins), type checks, unknown keys ignored."""
    out: dict[str, Any] = {}
    lowered = {name.lower(): name for name in spec}
    for key, value in body.items():
        name = key if key in spec else lowered.get(key.lower())
        if name is None:
            continue
        out[name] = _decode_value(value, spec[name], struct, f"{path}{name}")
    return out


def _decode_value(value: Any, code: str, struct: str, path: str) -> Any:
    if value is None:
        return None
    if code == "raw":
        return value
    if code == "string":
        if not isinstance(value, str):
            raise _type_error(value, struct, path, "string")
        return value
    if code in ("int32",):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _type_error(value, struct, path, "int32")
        if isinstance(value, float) and not value.is_integer() or not -(2**31) <= value < 2**31:
            raise RequestError([f"json: cannot unmarshal number {value} into Go struct field {struct}.{path} of type int32"])
        return int(value)
    if code == "*bool":
        if not isinstance(value, bool):
            raise _type_error(value, struct, path, "bool")
        return value
    if code == "[]string":
        if not isinstance(value, list):
            raise _type_error(value, struct, path, "[]string")
        return [_decode_value(item, "string", struct, path) or "" for item in value]
    if code == "auth":
        if not isinstance(value, dict):
            raise _type_error(value, struct, path, _GO_TYPES[code])
        return value
    if code == "*policy":
        if not isinstance(value, dict):
            raise _type_error(value, struct, path, _GO_TYPES[code])
        return _decode_policy(value, struct, path)
    if code == "[]policy":
        if not isinstance(value, list):
            raise _type_error(value, struct, path, _GO_TYPES[code])
        return [_decode_policy(item, struct, path) if item is not None else {} for item in value]
    if code == "[]gvk":
        if not isinstance(value, list):
            raise _type_error(value, struct, path, _GO_TYPES[code])
        out: list[dict[str, Any]] = []
        for item in value:
            if item is None:
                out.append({})
                continue
            if not isinstance(item, dict):
                raise _type_error(item, struct, path, "service.PolicyAllowedExtraKubernetesType")
            decoded = _decode_struct(item, _GVK_FIELDS, struct, f"{path}.")
            out.append({k: v or "" for k, v in decoded.items()})
        return out
    raise AssertionError(code)


def _decode_policy(value: Any, struct: str, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _type_error(value, struct, path, "service.ValidationPolicy")
    decoded = _decode_struct(value, _POLICY_FIELDS, struct, f"{path}.")
    return {k: (v if v is not None else ("" if k != "allowedExtraKubernetesTypes" else [])) for k, v in decoded.items()}


def _type_error(value: Any, struct: str, path: str, go_type: str) -> RequestError:
    return RequestError([f"json: cannot unmarshal {json_kind(value)} into Go struct field {struct}.{path} of type {go_type}"])


_LOOSE_SEMVER = re.compile(
    r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$"
)


def parse_kube_version(text: str) -> str:
    """``chartutil.ParseKubeVersion`` (Masterminds semver v3.4 ``NewVersion``, coercing):
    ``"1.25"`` → ``"v1.25.0"``; ValueError with semver's message when invalid."""
    match = _LOOSE_SEMVER.match(text)
    if not match:
        raise ValueError("invalid semantic version")
    parts = []
    for group in (match.group(1), match.group(2), match.group(3)):
        digits = (group or "0").lstrip(".")
        number = int(digits)
        if number >= 2**64:
            raise ValueError(f'error parsing version segment: strconv.ParseUint: parsing "{digits}": value out of range')
        parts.append(number)
    pre, meta = match.group(5), match.group(8)
    if pre:
        for ident in pre.split("."):
            if ident.isdigit() and len(ident) > 1 and ident.startswith("0"):
                raise ValueError("version segment starts with 0")
    version = "v{}.{}.{}".format(*parts)
    if pre:
        version += f"-{pre}"
    if meta:
        version += f"+{meta}"
    return version
