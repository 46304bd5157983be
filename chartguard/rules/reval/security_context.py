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
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...findings import Severity
from ...manifests import Manifest
from ..base import Rule, RuleContext, Violation
from .common import POD_KINDS, containers, mapping, pod_spec, text

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


RULE = Rule(
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
)
