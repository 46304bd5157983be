"""Probes and lifecycle handlers must not target another host (Baseline, from v1.34).

The kubelet runs HTTP and TCP probes and lifecycle hooks from the node; a ``host`` other than the
pod's own IP turns them into a way to reach the node itself (``127.0.0.1``, ``localhost``) or any
other address. For every container (init, regular and ephemeral), ``host`` must be unset or empty
in ``livenessProbe``, ``readinessProbe`` and ``startupProbe`` (their ``httpGet`` and ``tcpSocket``)
and in ``lifecycle.postStart`` and ``lifecycle.preStop`` (``httpGet`` and the deprecated
``tcpSocket``). ``exec``, ``grpc`` and ``sleep`` handlers are not affected. Policy versions before
v1.34 do not have this check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...gofmt import go_string
from .base import Check, Container, Denial, Pod, VersionedCheck, containers_phrase, join_quote, pluralize, sorted_set
from .rule import declined, pss_rule

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
LIFECYCLE_HANDLERS = ("postStart", "preStop")
ACTIONS = ("httpGet", "tcpSocket")
PROBES_AND_LIFECYCLE = (*PROBES, "lifecycle")


def _hosts(container: Container) -> Iterator[tuple[str, str]]:
    """(host, pointer) of every non-empty host in the container's probes and lifecycle handlers,
    in PSA's order (pointers are built only for offenders: this runs for every container)."""
    spec = container.spec
    for path, handler in _handler_paths(spec):
        for action in ACTIONS:
            target = handler.get(action)
            if isinstance(target, dict):
                host = go_string(target.get("host"))
                if host:
                    yield host, f"{container.pointer}/{path}/{action}/host"


def _handler_paths(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name in PROBES:
        handler = spec.get(name)
        if isinstance(handler, dict):
            yield name, handler
    lifecycle = spec.get("lifecycle")
    if isinstance(lifecycle, dict):
        for name in LIFECYCLE_HANDLERS:
            handler = lifecycle.get(name)
            if isinstance(handler, dict):
                yield f"lifecycle/{name}", handler


def _sets_host(handler: dict[str, Any]) -> bool:
    http, tcp = handler.get("httpGet"), handler.get("tcpSocket")
    return (isinstance(http, dict) and http.get("host") not in (None, "")) or (
        isinstance(tcp, dict) and tcp.get("host") not in (None, "")
    )


def _any_host(pod: Pod) -> bool:
    """Whether any container's probe or lifecycle handler sets a host (a fast pre-check)."""
    for container in pod.containers:
        spec = container.spec
        for name in PROBES_AND_LIFECYCLE:
            handler = spec.get(name)
            if handler is None:
                continue
            if name == "lifecycle":
                if isinstance(handler, dict) and any(
                    isinstance(h, dict) and _sets_host(h) for h in (handler.get("postStart"), handler.get("preStop"))
                ):
                    return True
            elif isinstance(handler, dict) and _sets_host(handler):
                return True
    return False


def host_probes_and_lifecycle_1_34(pod: Pod) -> Denial | None:
    if not _any_host(pod):
        return None
    names: set[str] = set()
    hosts: set[str] = set()
    pointer = ""
    for container in pod.containers:
        for host, where in _hosts(container):
            names.add(container.name)
            hosts.add(host)
            pointer = pointer or where
    if not names:
        return None
    return Denial(
        reason="probe or lifecycle host",
        detail=(
            f"{containers_phrase(sorted_set(names))} {pluralize('uses', 'use', len(names))} "
            f"{pluralize('probe or lifecycle host', 'probe or lifecycle hosts', len(hosts))} {join_quote(sorted_set(hosts))}"
        ),
        pointer=pointer,
    )


CHECK = Check(
    id="hostProbesAndHostLifecycle",
    level="baseline",
    versions=(VersionedCheck(34, host_probes_and_lifecycle_1_34),),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-host-probes-and-lifecycle",
    CHECK,
    title="Probes and lifecycle hooks do not target other hosts",
    remediation="Remove host from the probes' and lifecycle handlers' httpGet and tcpSocket (they default to the pod IP).",
    fix=declined("removing the host makes the probe or lifecycle hook reach the pod instead of the host it names"),
)
