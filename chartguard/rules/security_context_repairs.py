"""The security-context repairs that the Pod Security Standards and helm-reval rules both make:
allowPrivilegeEscalation false, capabilities drop ALL, seccomp RuntimeDefault, runAsNonRoot, each
refusing (``Unsafe``) where the change could break the pod."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..workloads import Container, Pod
from .repair import Patch, Unsafe

__all__ = [
    "added_capabilities",
    "disallow_escalation",
    "drop_all_capabilities",
    "effective_user",
    "refuse_on_windows",
    "refuse_pod_root_allowed",
    "refuse_root",
    "require_non_root",
    "require_seccomp",
    "set_context",
]


def set_context(patch: Patch, owner: str, field: str, value: Any) -> None:
    """Set ``securityContext.<field>`` of the container or pod spec at pointer ``owner``."""
    patch.set(f"{owner}/securityContext/{field}", value)


def refuse_on_windows(pod: Pod, what: str) -> None:
    """``Unsafe`` for a Windows pod, where the API forbids ``what`` (older policy versions check it)."""
    if pod.is_windows:
        raise Unsafe(f"the pod runs on Windows (spec.os.name: windows), where the API forbids {what}")


def _entries(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def added_capabilities(container: Container) -> list[Any]:
    """The entries of the container's ``securityContext.capabilities.add`` (a list or nothing)."""
    capabilities = container.context.get("capabilities")
    return _entries(capabilities.get("add")) if isinstance(capabilities, dict) else []


def _quoted(values: Iterable[Any]) -> str:
    return ", ".join(f'"{value}"' for value in values)


def disallow_escalation(patch: Patch, pod: Pod, containers: Sequence[Container]) -> None:
    """Set ``allowPrivilegeEscalation: false`` on ``containers``; ``Unsafe`` when one escalates on
    purpose (``true`` set explicitly) or cannot do without it (privileged, or adding SYS_ADMIN: the
    API rejects ``false`` with either)."""
    refuse_on_windows(pod, "allowPrivilegeEscalation")
    for container in containers:
        context = container.context
        if context.get("privileged") is True:
            raise Unsafe(
                f"{container.label} is privileged: true, which the API does not allow together with "
                "allowPrivilegeEscalation: false; decide whether it needs to be privileged"
            )
        sys_admin = [c for c in added_capabilities(container) if c in ("CAP_SYS_ADMIN", "SYS_ADMIN")]
        if sys_admin:
            raise Unsafe(
                f"{container.label} adds {_quoted(sys_admin)}, which implies privilege escalation (the API rejects "
                "allowPrivilegeEscalation: false with CAP_SYS_ADMIN)"
            )
        if context.get("allowPrivilegeEscalation") is True:
            raise Unsafe(
                f"{container.label} sets allowPrivilegeEscalation: true explicitly; it may rely on set-user-ID "
                "binaries (sudo, ping): set it to false yourself if it does not"
            )
        set_context(patch, container.pointer, "allowPrivilegeEscalation", False)


def drop_all_capabilities(
    patch: Patch, container: Container, dropped: Callable[[list[Any]], bool], allowed_add: Callable[[list[Any]], bool]
) -> None:
    """Make the container drop ``ALL`` capabilities (appended; existing entries stay) unless
    ``dropped(drop)`` says it does already; ``Unsafe`` when ``allowed_add(add)`` refuses what it
    adds, since removing capabilities it asked for could break it."""
    added = added_capabilities(container)
    if not allowed_add(added):
        others = [c for c in added if c != "NET_BIND_SERVICE"] or added
        raise Unsafe(
            f"{container.label} adds capabilities {_quoted(others)}; removing them could break it "
            "(only NET_BIND_SERVICE may be added back)"
        )
    capabilities = container.context.get("capabilities")
    if not dropped(_entries(capabilities.get("drop")) if isinstance(capabilities, dict) else []):
        patch.append(f"{container.pointer}/securityContext/capabilities/drop", "ALL")


SECCOMP_TYPES = ("RuntimeDefault", "Localhost")
RUNTIME_DEFAULT = {"type": "RuntimeDefault"}


def _seccomp_type(context: dict[str, Any]) -> str | None:
    """None when no seccompProfile is set, else its type as text ("" when it has none)."""
    profile = context.get("seccompProfile")
    if not isinstance(profile, dict):
        return None
    value = profile.get("type")
    return "" if value is None else str(value)


def require_seccomp(patch: Patch, pod: Pod, containers: Sequence[Container], pod_wide: bool) -> None:
    """Give ``containers`` a ``RuntimeDefault`` seccomp profile: on the pod when it sets none and
    ``pod_wide`` (no other container would be affected unchecked), else on each container without
    one. ``Unsafe`` when the pod or a container chose another profile (Unconfined, no type)."""
    refuse_on_windows(pod, "seccompProfile")
    pod_type = _seccomp_type(pod.context)
    if pod_type is not None and pod_type not in SECCOMP_TYPES:
        raise Unsafe(f'the pod sets seccompProfile type "{pod_type}" explicitly; choose RuntimeDefault yourself')
    for container in containers:
        value = _seccomp_type(container.context)
        if value is not None and value not in SECCOMP_TYPES:
            raise Unsafe(f'{container.label} sets seccompProfile type "{value}" explicitly; choose RuntimeDefault yourself')
    if pod_type is not None:
        return  # a valid pod profile: every container without its own inherits it
    implicit = [c for c in containers if _seccomp_type(c.context) is None]
    if implicit and pod_wide:
        set_context(patch, pod.spec_pointer, "seccompProfile", dict(RUNTIME_DEFAULT))
        return
    for container in implicit:
        set_context(patch, container.pointer, "seccompProfile", dict(RUNTIME_DEFAULT))


def effective_user(pod: Pod, container: Container) -> Any:
    """The user the container runs as when it is set: its own ``runAsUser``, else the pod's."""
    user = container.context.get("runAsUser")
    return pod.context.get("runAsUser") if user is None else user


def refuse_root(pod: Pod, container: Container) -> None:
    """``Unsafe`` when the container runs as user 0 explicitly (its own ``runAsUser`` or the pod's)."""
    user = effective_user(pod, container)
    if type(user) is int and user == 0:
        raise Unsafe(f"{container.label} runs as root (runAsUser: 0) on purpose; choose a non-root UID yourself")


def refuse_pod_root_allowed(pod: Pod) -> None:
    """``Unsafe`` when the pod sets ``runAsNonRoot: false`` explicitly."""
    if pod.context.get("runAsNonRoot") is False:
        raise Unsafe("the pod sets runAsNonRoot: false explicitly; set it to true yourself if the image allows it")


def require_non_root(patch: Patch, pod: Pod, containers: Sequence[Container], pod_wide: bool) -> None:
    """Set ``runAsNonRoot: true`` for ``containers``, each of which must run as a known non-zero
    UID (otherwise the kubelet may refuse to start it: ``Unsafe``); on the pod when they are all
    its containers, none sets the field and ``pod_wide``, else on each container. ``Unsafe`` too
    when the pod or one of them sets ``runAsNonRoot: false`` explicitly."""
    if not containers:
        return
    refuse_pod_root_allowed(pod)
    for container in containers:
        if container.context.get("runAsNonRoot") is False:
            raise Unsafe(f"{container.label} sets runAsNonRoot: false explicitly; set it to true yourself if the image allows it")
        refuse_root(pod, container)
        if type(effective_user(pod, container)) is not int:
            raise Unsafe(
                f"{container.label}: the image's user is unknown; set runAsUser to a non-root UID or runAsNonRoot: true yourself"
            )
    if pod_wide and len(containers) == len(pod.containers) and all(c.context.get("runAsNonRoot") is None for c in containers):
        set_context(patch, pod.spec_pointer, "runAsNonRoot", True)
        return
    for container in containers:
        set_context(patch, container.pointer, "runAsNonRoot", True)
