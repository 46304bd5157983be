"""helm-reval: only the supported object types, plus a policy's extra types.

helm-reval accepts, under every policy (Unrestricted included), objects decoded into the Go types
of ``v1`` Pod, Service, ConfigMap, Secret, PersistentVolumeClaim and ServiceAccount, ``apps/v1``
Deployment, ReplicaSet and StatefulSet, ``batch/v1`` Job and CronJob, and
``rbac.authorization.k8s.io/v1`` Role and RoleBinding; anything else only when its exact
group/version/kind is among the policy's extra types (param ``extra_gvks``, items
``{group, version, kind}``). One message lists every other object in stream order as
``<group>/<version>.<Kind>`` (core group written ``core``), duplicates kept:
``unsupported types: ["autoscaling/v2.HorizontalPodAutoscaler" "networking.k8s.io/v1.Ingress"]``.

A supported kind whose fields do not fit its Go type (``replicas: three``, a label value that YAML
reads as a number) is decoded unstructured and is therefore unsupported too. CRDs from ``crds/``
are rendered and rejected as ``apiextensions.k8s.io/v1.CustomResourceDefinition``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...findings import Severity
from ...gofmt import go_quote_list
from ..base import ReleaseRule, RuleContext, Violation, params_schema
from .common import reval_view

ALLOWED_TYPES = frozenset({
    "core/v1.Pod", "apps/v1.Deployment", "apps/v1.ReplicaSet", "apps/v1.StatefulSet", "batch/v1.Job",
    "batch/v1.CronJob", "core/v1.Service", "core/v1.ConfigMap", "core/v1.Secret", "core/v1.PersistentVolumeClaim",
    "core/v1.ServiceAccount", "rbac/v1.RoleBinding", "rbac/v1.Role",
})  # fmt: skip


def type_string(api_version: str, kind: str) -> str:
    """helm-reval's ``createTypeString``: ``apps/v1.Deployment``, ``core/v1.Pod``."""
    group, _, version = api_version.rpartition("/")
    if group == "" and version == "v1":
        group = "core"
    return f"{group}/{version}.{kind}"


def extra_set(extras: Any) -> set[tuple[str, str, str]]:
    """Extra types as exact ``(group, version, kind)`` triples."""
    out = set()
    for item in extras or []:
        if isinstance(item, dict):
            out.add((str(item.get("group", "")), str(item.get("version", "")), str(item.get("kind", ""))))
        elif isinstance(item, (tuple, list)) and len(item) == 3:
            out.add((str(item[0]), str(item[1]), str(item[2])))
    return out


def unsupported(objects: Iterable[tuple[str | None, str, str]], extras: set[tuple[str, str, str]]) -> list[str]:
    """Type strings of the objects ``(Go type or None, apiVersion, kind)`` the allowlist refuses."""
    bad = []
    for type_name, api_version, kind in objects:
        if type_name in ALLOWED_TYPES:
            continue
        group, _, version = api_version.rpartition("/")
        if (group, version, kind) in extras:
            continue
        bad.append(type_string(api_version, kind))
    return bad


def message(bad: list[str]) -> str:
    return f"unsupported types: {go_quote_list(bad)}"


def check(ctx: RuleContext) -> Iterable[Violation]:
    extras = extra_set(ctx.params.get("extra_gvks"))
    views = [(m, reval_view(m)[0]) for m in ctx.manifests if m.api_version and m.kind]
    bad = unsupported(((t, m.api_version, m.kind) for m, t in views), extras)
    if bad:
        first = next(m for m, t in views if type_string(m.api_version, m.kind) == bad[0] and t not in ALLOWED_TYPES)
        yield Violation(manifest=first, detail=message(bad), pointer="/kind")


RULE = ReleaseRule(
    id="reval-object-types",
    title="helm-reval: supported object types",
    reason="unsupported object types",
    severity=Severity.ERROR,
    remediation="Remove the objects of other kinds, or deploy with a policy that lists them as extra types.",
    check=check,
    doc=__doc__ or "",
    params_schema=params_schema(
        extra_gvks={
            "type": "array",
            "description": "extra types allowed, exact group/version/kind",
            "items": {
                "type": "object",
                "required": ["version", "kind"],
                "properties": {"group": {"type": "string"}, "version": {"type": "string"}, "kind": {"type": "string"}},
            },
        }
    ),
    defaults={"extra_gvks": []},
    reference="helm-reval reval/serialize.go checkTypes",
    category="helm-reval",
)
