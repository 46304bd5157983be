"""helm-reval: containers do not bind host ports.

Per container (init and regular), every port with a non-zero ``hostPort`` is collected into one
message, named by the port's ``name`` or, when unnamed, by its host port number:
``host ports not allowed: ["http" "9090"]`` (Default policy).
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...gofmt import go_quote_list
from ...manifests import Manifest
from ..base import ObjectRule, RuleContext, Violation
from .common import POD_KINDS, containers, mapping, pod_spec, text


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    found = pod_spec(manifest)
    if found is None:
        return
    spec, pointer = found
    for list_name, i, container in containers(spec):
        ports = container.get("ports")
        names = []
        for port in ports if isinstance(ports, list) else []:
            host_port = mapping(port).get("hostPort")
            if isinstance(host_port, int) and not isinstance(host_port, bool) and host_port != 0:
                names.append(text(mapping(port).get("name")) or str(host_port))
        if names:
            yield Violation(detail=f"host ports not allowed: {go_quote_list(names)}", pointer=f"{pointer}/{list_name}/{i}/ports")


RULE = ObjectRule(
    id="reval-host-ports",
    title="helm-reval: no host ports",
    reason="host ports used",
    severity=Severity.ERROR,
    remediation="Remove `hostPort` from the container ports; expose the port through a ClusterIP Service.",
    check=check,
    doc=__doc__ or "",
    kinds=POD_KINDS,
    reference="helm-reval reval/run.go validatePorts",
    category="helm-reval",
)
