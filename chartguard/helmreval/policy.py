"""helm-reval's policies over decoded objects: the verdict (run by the engine with the reval
profiles, ``chartguard/policies/reval-*.yaml``, whose rules live in ``chartguard/rules/reval/``) and
the Default policy's mutations.

Validation reads the objects as rendered: the mutations never change a verdict (an unset
``automountServiceAccountToken`` or ``allowPrivilegeEscalation`` is what they set, to false, and
both rules only refuse an explicit ``true``; the Service checks use the original selectors and
labels), so validation runs first and the mutations are applied only when objects are written out.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache
from typing import Any

from ..function import FunctionSpec
from ..manifests import Manifest
from ..profile import Profile, load_profile
from ..release import Release
from ..rules.reval import gotypes
from ..rules.reval.common import POD_TEMPLATES
from ..rules.reval.decoder import DecodedObject
from ..rules.reval.target_service import selector_matcher, selects

POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
_CONTROLLERS = frozenset({("apps/v1", "Deployment"), ("apps/v1", "ReplicaSet"), ("apps/v1", "StatefulSet")})


def manifests_of(objects: Sequence[DecodedObject]) -> list[Manifest]:
    """The decoded objects as chartguard manifests (the rules see helm-reval's decoding)."""
    return [Manifest(obj=obj.data, text="", index=obj.index, go_view=(obj.type_name, obj.data)) for obj in objects]


def type_errors(objects: Sequence[DecodedObject], extras: Sequence[tuple[str, str, str]]) -> list[str]:
    """What every helm-reval policy checks (decoding limits, the type allowlist), as the
    ``reval-unrestricted`` profile runs it: at most one ``unsupported types`` message."""
    return _run(manifests_of(objects), _profiles(tuple(extras))[0], None)


def object_errors(
    objects: Sequence[DecodedObject], extras: Sequence[tuple[str, str, str]], service_name: str, service_port: int
) -> list[str]:
    """The Default policy's object rules (``reval-default`` beyond the checks of every policy),
    their messages sorted byte-wise, duplicates kept."""
    function = FunctionSpec(service_name=service_name or None, inference_port=service_port or None)
    messages = _run(manifests_of(objects), _profiles(tuple(extras))[1], function)
    return sorted(messages, key=lambda m: m.encode("utf-8"))


def _run(manifests: list[Manifest], profile: Profile, function: FunctionSpec | None) -> list[str]:
    """The details (helm-reval's messages) of the profile's findings on ``manifests``."""
    report = Release(manifests, [], profile, function=function).lint(fixes=False)
    return [finding.detail for finding in report.findings]


@cache
def _profiles(extras: tuple[tuple[str, str, str], ...]) -> tuple[Profile, Profile]:
    """``(the checks of every policy, the Default policy's object rules)`` with the policy's extra
    types given to every rule that takes them (param ``extra_gvks``)."""
    unrestricted, default = load_profile("reval-unrestricted"), load_profile("reval-default")
    always = {config.rule.id for config in unrestricted.rules}
    gvks = [list(gvk) for gvk in extras]

    def given(profile: Profile, keep: Callable[[str], bool]) -> Profile:
        rules = [
            replace(c, params={**c.params, "extra_gvks": gvks}) if "extra_gvks" in c.params else c
            for c in profile.rules
            if keep(c.rule.id)
        ]
        return replace(profile, rules=rules)

    return given(unrestricted, lambda _: True), given(default, lambda rule_id: rule_id not in always)


def sanitize(
    objects: Sequence[DecodedObject],
    *,
    skip_metadata: bool,
    preserve_labels: Sequence[str],
    preserve_annotations: Sequence[str],
    random_value: Callable[[], str] | None = None,
) -> None:
    """The Default policy's mutations (helm-reval section 6), in place, in helm-reval's order."""
    value = random_value or (lambda: f"x{secrets.randbelow(1_000_000_000)}x")
    manifests = manifests_of(objects)
    services = [(obj, m) for obj, m in zip(objects, manifests, strict=True) if obj.typed and _is(obj, "v1", "Service")]
    matchers = [(obj, selector_matcher(obj.data)) for obj, _ in services]  # original selectors
    selected = {
        id(obj): [w for w, wm in zip(objects, manifests, strict=True) if selects(selector, only_sts, wm)]
        for obj, (selector, only_sts) in matchers
    }  # original labels
    for obj in objects:
        if not skip_metadata:
            _sanitize_metadata(obj, preserve_labels, preserve_annotations)
        if not obj.typed:
            continue
        key = (obj.api_version, obj.kind)
        template = _path(obj.data, POD_TEMPLATES[key]) if key in POD_TEMPLATES else None
        if template is not None:
            _sanitize_pod_spec(template.setdefault("spec", {}))
        if skip_metadata:
            continue
        if key in _CONTROLLERS and template is not None:
            label = {"autogen-label-controller": value()}
            obj.data.setdefault("spec", {})["selector"] = {"matchLabels": dict(label)}
            template.setdefault("metadata", {})["labels"] = dict(label)
        elif key == ("batch/v1", "CronJob"):
            job_spec = _path(obj.data, ("spec", "jobTemplate", "spec"))
            if job_spec is not None:
                job_spec.pop("selector", None)
                job_spec.pop("manualSelector", None)
                if template is not None:
                    template.setdefault("metadata", {}).pop("labels", None)
        elif key == ("v1", "Service"):
            spec = obj.data.setdefault("spec", {})
            if spec.get("selector") is not None:
                spec["selector"] = {k: spec["selector"][k] for k in preserve_labels if k in spec["selector"]}
    if skip_metadata:
        return
    for service, _ in sorted(services, key=lambda s: s[0].data["metadata"]["name"]):
        name = service.data["metadata"]["name"]
        label_key = f"autogen-label-service-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:10]}"
        label_value = value()
        spec = service.data.setdefault("spec", {})
        if spec.get("selector") is None:
            spec["selector"] = {}
        spec["selector"][label_key] = label_value
        for workload in selected[id(service)]:
            template = _path(workload.data, POD_TEMPLATES[(workload.api_version, workload.kind)])
            if template is not None:
                labels = template.setdefault("metadata", {})
                if labels.get("labels") is None:
                    labels["labels"] = {}
                labels["labels"][label_key] = label_value


def encode(objects: Sequence[DecodedObject]) -> list[Any]:
    """The objects as helm-reval writes them: typed ones re-encoded as Go's JSON encoder writes
    their Go type, unstructured ones as plain JSON with sorted keys."""
    return [gotypes.normalize(obj.type_name, obj.data) if obj.type_name else _sorted(obj.data) for obj in objects]


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def _is(obj: DecodedObject, api_version: str, kind: str) -> bool:
    return obj.api_version == api_version and obj.kind == kind


def _path(data: dict[str, Any], path: Sequence[str]) -> dict[str, Any] | None:
    node: Any = data
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.setdefault(part, {}) if node.get(part) is None else node.get(part)
    return node if isinstance(node, dict) else None


def _sanitize_metadata(obj: DecodedObject, preserve_labels: Sequence[str], preserve_annotations: Sequence[str]) -> None:
    """``sanitizeObjectMeta``: labels/annotations reduced to the preserved keys, no owner references."""
    metadata = obj.data.get("metadata")
    if not isinstance(metadata, dict):
        return
    for field, keep in (("labels", preserve_labels), ("annotations", preserve_annotations)):
        current = metadata.get(field)
        if obj.typed:
            if current is not None:
                metadata[field] = {k: current[k] for k in keep if k in current}
            continue
        # unstructured: GetLabels is nil unless the field is a map of strings; SetLabels(nil) removes it
        if isinstance(current, dict) and all(isinstance(v, str) for v in current.values()):
            metadata[field] = {k: current[k] for k in keep if k in current}
        else:
            metadata.pop(field, None)
    metadata.pop("ownerReferences", None)


def _sanitize_pod_spec(spec: dict[str, Any]) -> None:
    """``sanitizePodSpec`` (runs even with skip-sanitize-object-metadata)."""
    affinity = spec.get("affinity")
    if isinstance(affinity, dict):
        affinity.pop("nodeAffinity", None)
        if affinity.get("podAffinity") is None and affinity.get("podAntiAffinity") is None:
            spec.pop("affinity", None)
    spec.pop("nodeSelector", None)
    spec.pop("nodeName", None)
    if spec.get("automountServiceAccountToken") is None:
        spec["automountServiceAccountToken"] = False
    spec.pop("serviceAccountName", None)
    spec.pop("priorityClassName", None)
    for list_name in ("initContainers", "containers"):
        for container in spec.get(list_name) or []:
            context = container.get("securityContext")
            if not context:  # nil or the empty struct
                continue
            if context.get("allowPrivilegeEscalation") is not None or context.get("privileged") is True:
                continue
            added = (context.get("capabilities") or {}).get("add") or []
            if any(isinstance(c, str) and c.lower() == "cap_sys_admin" for c in added):
                continue
            context["allowPrivilegeEscalation"] = False
