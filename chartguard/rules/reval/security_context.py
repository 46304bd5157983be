"""helm-reval: each container's security context, merged with the pod's, is locked down.

For each init container, then each container, helm-reval checks a copy of the container's
``securityContext`` in which ``runAsUser``, ``runAsNonRoot``, ``seccompProfile``,
``appArmorProfile`` and ``seLinuxOptions`` come from the pod's ``securityContext`` when the
container does not set them (the container's value wins as a whole). ``P`` below is
``containers["<name>"]`` or ``initContainers["<name>"]``:

- ``P.securityContext.capabilities must be set to drop=["ALL"] and optionally add=["NET_BIND_SERVICE"]``
  (no capabilities), ``….capabilities.drop must contain "ALL"``, ``….capabilities.add must be unset
  or set to ["NET_BIND_SERVICE"]`` (names compared case-insensitively);
- ``….privileged must not be true``, ``….allowPrivilegeEscalation must not be true``,
  ``….procMount must be unset or set to Default``, ``….readOnlyRootFilesystem must be set to true``;
- ``….runAsUser or podSpec.securityContext.runAsUser must not be 0``, ``….runAsNonRoot or
  podSpec.securityContext.runAsNonRoot must be set to true``;
- seccomp must be set (``…must have type=RuntimeDefault``) to RuntimeDefault or Localhost;
  AppArmor, when set, ``""``/RuntimeDefault/Localhost; SELinux type one of ``""``, container_t,
  container_init_t, container_kvm_t, container_engine_t, and no user or role.

AppArmor/seccomp annotations are not consulted; ephemeral containers are ignored (Default policy).

Fix: drops ALL capabilities, sets the pod's seccompProfile to RuntimeDefault when no profile is set,
``runAsNonRoot: true`` where the container runs as a known non-zero UID and, only when the profile
opts in with the param ``fix_read_only_root_filesystem: true``, ``readOnlyRootFilesystem: true``
(a container that writes outside its volumes breaks). Not safe when a container is privileged,
allows privilege escalation, unmasks /proc, runs as user 0, adds capabilities other than
NET_BIND_SERVICE, sets readOnlyRootFilesystem or runAsNonRoot to false, or picks its own seccomp,
AppArmor or SELinux settings; nor when the image's user is unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from ...findings import Severity
from ...manifests import Manifest
from ...workloads import Container, Pod, pod_under_test
from ..base import Fix, ObjectRule, RuleContext, Violation, params_schema
from ..repair import Patch, Unsafe, repair
from ..security_context_repairs import drop_all_capabilities, refuse_root, require_non_root, require_seccomp, set_context
from .common import POD_KINDS, POD_TEMPLATES, containers, mapping, pod_spec, text

POD_LEVEL = ("runAsUser", "runAsNonRoot", "seccompProfile", "appArmorProfile", "seLinuxOptions")
SELINUX_TYPES = ("", "container_t", "container_init_t", "container_kvm_t", "container_engine_t")


def merged_context(container_context: Any, pod_context: Any) -> dict[str, Any]:
    """helm-reval's ``mergeSecurityContexts``: the container's context, pod-level fields filled in."""
    merged = dict(container_context) if isinstance(container_context, dict) else {}
    if isinstance(pod_context, dict):
        for field in POD_LEVEL:
            if merged.get(field) is None:
                merged[field] = pod_context.get(field)
    return merged


def context_errors(sc: dict[str, Any], prefix: str) -> list[str]:
    """helm-reval's ``validateContainerSecurityContext`` messages for a merged context."""
    p = f"{prefix}.securityContext"
    errors = []
    capabilities = sc.get("capabilities")
    if capabilities is None:
        errors.append(f'{p}.capabilities must be set to drop=["ALL"] and optionally add=["NET_BIND_SERVICE"]')
    else:
        drop, add = mapping(capabilities).get("drop"), mapping(capabilities).get("add")
        drop = drop if isinstance(drop, list) else []
        add = add if isinstance(add, list) else []
        if not any(text(c).lower() == "all" for c in drop):
            errors.append(f'{p}.capabilities.drop must contain "ALL"')
        if add and (len(add) > 1 or text(add[0]).lower() != "net_bind_service"):
            errors.append(f'{p}.capabilities.add must be unset or set to ["NET_BIND_SERVICE"]')
    if sc.get("privileged") is True:
        errors.append(f"{p}.privileged must not be true")
    if sc.get("allowPrivilegeEscalation") is True:
        errors.append(f"{p}.allowPrivilegeEscalation must not be true")
    if sc.get("procMount") is not None and sc.get("procMount") != "Default":
        errors.append(f"{p}.procMount must be unset or set to Default")
    if sc.get("readOnlyRootFilesystem") is not True:
        errors.append(f"{p}.readOnlyRootFilesystem must be set to true")
    run_as_user = sc.get("runAsUser")
    if run_as_user == 0 and not isinstance(run_as_user, bool):
        errors.append(f"{p}.runAsUser or podSpec.securityContext.runAsUser must not be 0")
    if sc.get("runAsNonRoot") is not True:
        errors.append(f"{p}.runAsNonRoot or podSpec.securityContext.runAsNonRoot must be set to true")
    seccomp = sc.get("seccompProfile")
    if seccomp is None:
        errors.append(f"{p}.seccompProfile or podSpec.securityContext.seccompProfile must have type=RuntimeDefault")
    elif text(mapping(seccomp).get("type")) not in ("RuntimeDefault", "Localhost"):
        errors.append(
            f"{p}.seccompProfile.type or podSpec.securityContext.seccompProfile.type"
            " must be set to one of RuntimeDefault/Localhost"
        )
    apparmor = sc.get("appArmorProfile")
    if apparmor is not None and text(mapping(apparmor).get("type")) not in ("", "RuntimeDefault", "Localhost"):
        errors.append(
            f"{p}.appArmorProfile.type or podSpec.securityContext.appArmorProfile.type"
            ' must be set to one of ""/RuntimeDefault/Localhost'
        )
    selinux = sc.get("seLinuxOptions")
    if selinux is not None:
        selinux = mapping(selinux)
        if text(selinux.get("type")) not in SELINUX_TYPES:
            errors.append(
                f"{p}.seLinuxOptions.type or podSpec.securityContext.seLinuxOptions.type must be set to one of"
                ' ""/container_t/container_init_t/container_kvm_t/container_engine_t'
            )
        if text(selinux.get("user")):
            errors.append(f"{p}.seLinuxOptions.user or podSpec.securityContext.seLinuxOptions.user must be unset")
        if text(selinux.get("role")):
            errors.append(f"{p}.seLinuxOptions.role or podSpec.securityContext.seLinuxOptions.role must be unset")
    return errors


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    found = pod_spec(manifest)
    if found is None:
        return
    spec, pointer = found
    for list_name, i, container in containers(spec):
        prefix = f'{list_name}["{text(container.get("name"))}"]'
        merged = merged_context(container.get("securityContext"), spec.get("securityContext"))
        for message in context_errors(merged, prefix):
            yield Violation(detail=message, pointer=f"{pointer}/{list_name}/{i}/securityContext")


def _reval_pod(obj: dict[str, Any]) -> Pod | None:
    """The pod helm-reval validates in ``obj`` (raw data: the fix patches the object as given)."""
    path = POD_TEMPLATES.get((text(obj.get("apiVersion")), text(obj.get("kind"))))
    template: Any = obj if path is not None else None
    for part in path or ():
        template = template.get(part) if isinstance(template, dict) else None
    if not isinstance(template, dict) or not isinstance(template.get("spec"), dict):
        return None
    return pod_under_test(template.get("metadata"), template["spec"], "".join(f"/{part}" for part in path or ()))


def _refuse(pod: Pod, container: Container, merged: dict[str, Any], errors: list[str]) -> None:
    """``Unsafe`` for what helm-reval forbids (``errors``) that only the chart's author can decide."""
    label = container.label
    if merged.get("privileged") is True:
        raise Unsafe(f"{label} is privileged: true; removing it could break the container")
    if merged.get("allowPrivilegeEscalation") is True:
        raise Unsafe(f"{label} sets allowPrivilegeEscalation: true explicitly; it may rely on set-user-ID binaries")
    if merged.get("procMount") not in (None, "Default"):
        raise Unsafe(f"{label} unmasks /proc (procMount) explicitly; masking it could break the container")
    refuse_root(pod, container)
    for field in ("appArmorProfile", "seLinuxOptions"):
        if any(f".{field}" in error for error in errors):
            raise Unsafe(f"{label} (or the pod) sets its own {field}; the workload may need it")
    if merged.get("readOnlyRootFilesystem") is False:
        raise Unsafe(f"{label} sets readOnlyRootFilesystem: false explicitly; it writes to its root filesystem")


def _lock_container(patch: Patch, pod: Pod, container: Container, merged: dict[str, Any], read_only: bool) -> None:
    """Drop ALL capabilities and make the root filesystem read-only (when opted in)."""
    _refuse(pod, container, merged, context_errors(merged, ""))
    drop_all_capabilities(
        patch,
        container,
        dropped=lambda drop: any(text(c).lower() == "all" for c in drop),
        allowed_add=lambda add: not add or (len(add) == 1 and text(add[0]).lower() == "net_bind_service"),
    )
    if merged.get("readOnlyRootFilesystem") is not True:
        if not read_only:
            raise Unsafe(
                "readOnlyRootFilesystem: true breaks a container that writes outside its volumes; opt in with the "
                "rule param fix_read_only_root_filesystem: true"
            )
        set_context(patch, container.pointer, "readOnlyRootFilesystem", True)


def _lock_down(patch: Patch, pod: Pod, read_only: bool) -> None:
    """Repair every container helm-reval checks; ``Unsafe`` with every reason found (one rule
    covers a dozen settings: the report should name all that stand in the way)."""
    for list_name in ("initContainers", "containers"):
        entries = pod.spec.get(list_name)
        if isinstance(entries, list) and not all(isinstance(entry, dict) for entry in entries):
            raise Unsafe(f"an entry of {list_name} is not a mapping: fix it by hand")
    reasons: list[str] = []

    def attempt(step: Callable[[], None]) -> None:
        try:
            step()
        except Unsafe as unsafe:
            if unsafe.reason not in reasons:
                reasons.append(unsafe.reason)

    checked = [c for c in pod.containers if c.list_name != "ephemeralContainers"]
    needs_non_root = []
    for container in checked:
        merged = merged_context(container.security_context, pod.security_context)
        if context_errors(merged, ""):
            attempt(partial(_lock_container, patch, pod, container, merged, read_only))
            if merged.get("runAsNonRoot") is not True:
                needs_non_root.append(container)
    attempt(partial(require_seccomp, patch, pod, checked, True))
    attempt(partial(require_non_root, patch, pod, needs_non_root, True))
    if reasons:
        raise Unsafe("; ".join(reasons))


def fix(obj: dict[str, Any], ctx: RuleContext) -> Fix:
    pod = _reval_pod(obj)
    if pod is None:
        return Fix.patch()
    return repair(obj, lambda patch: _lock_down(patch, pod, ctx.params["fix_read_only_root_filesystem"]))


RULE = ObjectRule(
    id="reval-security-context",
    title="helm-reval: locked-down container security context",
    reason="container security context not locked down",
    severity=Severity.ERROR,
    remediation="Set readOnlyRootFilesystem: true, runAsNonRoot: true, seccompProfile RuntimeDefault and "
    'capabilities drop ["ALL"] (add at most NET_BIND_SERVICE) on every container or the pod.',
    check=check,
    doc=__doc__ or "",
    kinds=POD_KINDS,
    reference="helm-reval reval/run.go validateContainerSecurityContext",
    category="helm-reval",
    params_schema=params_schema(
        fix_read_only_root_filesystem={
            "type": "boolean",
            "description": "let the fix set readOnlyRootFilesystem: true (off by default: it breaks containers "
            "that write outside their volumes)",
        }
    ),
    defaults={"fix_read_only_root_filesystem": False},
    fix=fix,
)
