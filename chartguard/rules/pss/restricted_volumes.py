"""Pods may only use ephemeral, projected and claim-based volume types (Restricted).

Every volume in ``spec.volumes`` must be one of ``configMap``, ``csi``, ``downwardAPI``,
``emptyDir``, ``ephemeral``, ``image``, ``persistentVolumeClaim``, ``projected`` or ``secret``.
Other inline sources (``hostPath``, ``nfs``, ``gitRepo``, ``iscsi``, cloud disks, ...) are forbidden:
mount the storage through a PersistentVolumeClaim instead. A volume with no source at all is
allowed, because the API server turns it into an ``emptyDir``.

Versions: from v1.0; at the Restricted level it replaces the Baseline hostPath volumes check.
"""

from __future__ import annotations

from typing import Any

from .base import Check, Denial, Pod, VersionedCheck, join_quote, pluralize, sorted_set
from .rule import declined, pss_rule

ALLOWED_SOURCES = (
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
)
#: Forbidden sources, in the order PSA names a volume's type.
RESTRICTED_SOURCES = (
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
)


_ALLOWED = frozenset(ALLOWED_SOURCES)


def _allowed(volume: Any) -> bool:
    """A volume with an allowed source, or no source at all (checked fast)."""
    if not isinstance(volume, dict):
        return True
    restricted = False
    for key, value in volume.items():
        if value is None or key == "name":
            continue
        if key in _ALLOWED:
            return True
        restricted = True
    return not restricted


def restricted_volumes_1_0(pod: Pod) -> Denial | None:
    volumes = pod.spec.get("volumes")
    if not isinstance(volumes, list) or all(_allowed(volume) for volume in volumes):
        return None
    bad_names: list[str] = []
    bad_types: list[str] = []
    pointer = ""
    for i, volume in enumerate(volumes if isinstance(volumes, list) else []):
        if not isinstance(volume, dict):
            continue
        if any(volume.get(source) is not None for source in ALLOWED_SOURCES):
            continue
        source = next((s for s in RESTRICTED_SOURCES if volume.get(s) is not None), None)
        if source is None:
            continue  # no source at all: the API server defaults it to emptyDir
        name = volume.get("name")
        bad_names.append(name if isinstance(name, str) else "")
        bad_types.append(source)
        pointer = pointer or f"{pod.spec_pointer}/volumes/{i}/{source}"
    if not bad_names:
        return None
    types = sorted_set(bad_types)
    count = len(bad_names)
    return Denial(
        reason="restricted volume types",
        detail=(
            f"{pluralize('volume', 'volumes', count)} {join_quote(bad_names)} {pluralize('uses', 'use', count)} "
            f"{pluralize('restricted volume type', 'restricted volume types', len(types))} {join_quote(types)}"
        ),
        pointer=pointer,
    )


CHECK = Check(
    id="restrictedVolumes",
    level="restricted",
    versions=(VersionedCheck(0, restricted_volumes_1_0, overrides=("hostPathVolumes",)),),
    doc=__doc__ or "",
)
RULE = pss_rule(
    "pss-restricted-volumes",
    CHECK,
    title="Only configMap, csi, downwardAPI, emptyDir, ephemeral, image, PVC, projected and secret volumes",
    remediation="Replace hostPath, nfs, gitRepo and other inline volume sources with a persistentVolumeClaim, "
    "configMap, secret, emptyDir or another allowed type.",
    fix=declined(
        "replacing these volumes changes where the pod's data lives (mount the storage through a PersistentVolumeClaim)"
    ),
)
