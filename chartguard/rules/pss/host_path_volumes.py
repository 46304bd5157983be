"""Pods must not mount hostPath volumes (Baseline).

A hostPath volume exposes the node's file system to the pod. No entry of ``spec.volumes`` may have
a ``hostPath`` source (``hostPath: {}`` counts; ``hostPath: null`` does not). At the restricted
level ``restrictedVolumes`` replaces this check.
"""

from __future__ import annotations

from ...gofmt import go_string
from .base import Check, Denial, Pod, VersionedCheck, join_quote, pluralize
from .rule import declined, pss_rule


def host_path_volumes_1_0(pod: Pod) -> Denial | None:
    volumes = pod.spec.get("volumes")
    if not isinstance(volumes, list):
        return None
    found = [
        (i, go_string(volume.get("name")))
        for i, volume in enumerate(volumes)
        if isinstance(volume, dict) and volume.get("hostPath") is not None
    ]
    if not found:
        return None
    names = [name for _, name in found]
    return Denial(
        reason="hostPath volumes",
        detail=f"{pluralize('volume', 'volumes', len(names))} {join_quote(names)}",
        pointer=f"{pod.spec_pointer}/volumes/{found[0][0]}/hostPath",
    )


CHECK = Check(
    id="hostPathVolumes",
    level="baseline",
    versions=(VersionedCheck(0, host_path_volumes_1_0),),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-host-path-volumes",
    CHECK,
    title="No hostPath volumes",
    remediation="Replace hostPath volumes with emptyDir, configMap, secret, projected or persistent volume claims.",
    fix=declined("replacing a hostPath volume loses the node's files the pod reads or writes"),
)
