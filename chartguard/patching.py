"""What the rules' fixes share: a JSON Patch builder that creates missing parents, and the
security-context repairs the Pod Security Standards and helm-reval rules both make.

A fix builds its operations with a ``Patch`` (``set`` a field, ``append`` to a list) and hands it
to ``repair``; when a repair would not be safe, the helper raises ``Unsafe`` with the reason and
``repair`` turns it into ``Fix.not_safe``. Operations are RFC 6902 ``add`` only, against the
object root; each is computed on the result of the previous ones, so a parent map is created once
and a list entry is never appended twice.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .manifests import pointer
from .patch_ops import MISSING, CowDocument, child, is_index, value_at
from .patch_ops import tokens as _tokens
from .workloads import Container, Pod

if TYPE_CHECKING:
    from .rules.base import Fix

__all__ = [
    "Patch",
    "Unsafe",
    "added_capabilities",
    "disallow_escalation",
    "drop_all_capabilities",
    "effective_user",
    "pointer",
    "refuse_on_windows",
    "refuse_pod_root_allowed",
    "refuse_root",
    "repair",
    "require_non_root",
    "require_seccomp",
    "set_context",
]


class Unsafe(Exception):
    """A repair that could break the chart; ``reason`` says why (reported as the finding's
    ``unfixable_reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def repair(obj: dict[str, Any], build: Callable[[Patch], None]) -> Fix:
    """Run ``build`` on a ``Patch`` of ``obj``: its operations, or ``Fix.not_safe`` when it raises
    ``Unsafe``."""
    from .rules.base import Fix  # the rules import this module: import late

    patch = Patch(obj)
    try:
        build(patch)
    except Unsafe as unsafe:
        return Fix.not_safe(unsafe.reason)
    return Fix.patch(*patch.ops)


def _same(a: Any, b: Any) -> bool:
    """JSON equality (``True`` is not ``1``)."""
    return type(a) is type(b) and a == b


def _kind(value: Any) -> str:
    return {str: "a string", list: "a list", dict: "a mapping", bool: "a boolean"}.get(type(value), f"{value!r}")


class Patch:
    """RFC 6902 ``add`` operations against ``obj``, built on a private copy so that each operation
    sees the previous ones (``obj`` itself is never modified)."""

    def __init__(self, obj: dict[str, Any]) -> None:
        self._document = CowDocument(obj)
        self.ops: list[dict[str, Any]] = []

    def get(self, path: str, default: Any = None) -> Any:
        """The current value at ``path``, or ``default`` when it does not exist."""
        value = value_at(self._document.root, path)
        return default if value is MISSING else value

    def set(self, path: str, value: Any) -> None:
        """Make the value at ``path`` equal ``value``; missing or null parent maps are created (in the
        same operation), a parent that is neither a map nor null is ``Unsafe`` (it is not ours to
        replace). Nothing is added when the value is already there."""
        tokens = _tokens(path)
        node = self._document.root
        for depth, token in enumerate(tokens[:-1]):
            member = child(node, token)
            if member is MISSING or member is None:
                if not isinstance(node, dict):
                    raise Unsafe(f"{pointer(*tokens[: depth + 1])} does not exist")
                for name in reversed(tokens[depth + 1 :]):
                    value = {name: value}
                self._add(tokens[: depth + 1], value)
                return
            if not (isinstance(member, dict) or (isinstance(member, list) and is_index(tokens[depth + 1]))):
                raise Unsafe(f"{pointer(*tokens[: depth + 1])} is {_kind(member)}, not a mapping: fix it by hand")
            node = member
        if not _same(child(node, tokens[-1]), value):
            if isinstance(node, list):
                raise Unsafe(f"{path} is a list entry: fix it by hand")
            self._add(tokens, value)

    def append(self, path: str, value: Any) -> None:
        """Make the list at ``path`` contain ``value``: appended when absent, ``[value]`` when the list is
        missing or null; a value that is not a list is ``Unsafe``."""
        current = self.get(path)
        if current is None:
            self.set(path, [value])
        elif not isinstance(current, list):
            raise Unsafe(f"{path} is {_kind(current)}, not a list: fix it by hand")
        elif not any(_same(entry, value) for entry in current):
            self._add([*_tokens(path), "-"], value)

    def _add(self, tokens: list[str], value: Any) -> None:
        path = pointer(*tokens)
        self.ops.append({"op": "add", "path": path, "value": value})
        self._document.add(path, copy.deepcopy(value))


# --- security contexts --------------------------------------------------------------------------


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
