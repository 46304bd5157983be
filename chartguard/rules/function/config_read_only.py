"""Containers must not write under ``/config``: a volume mounted there must be ``readOnly: true``.

NVCF docs: "Cloud Functions also expects the following directories in the container to remain
read-only for caching purposes: /config/ directory; nested directories created inside /config/"
(NVCF mounts models and resources under ``/config/models`` and ``/config/resources``). A
``volumeMounts`` entry at ``/config`` or below without ``readOnly: true`` lets the container write
there. Init, regular and ephemeral containers are checked.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest
from ..base import ObjectRule, RuleContext, Violation


def under_config(mount_path: str) -> bool:
    """Whether a mount path is ``/config`` or below it (``/config2`` is not)."""
    if "config" not in mount_path:
        return False
    path = "/" + posixpath.normpath(mount_path).lstrip("/")
    return path == "/config" or path.startswith("/config/")


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    for pod in ctx.pods(manifest):
        for container in pod.containers:
            mounts = container.spec.get("volumeMounts")
            for i, mount in enumerate(mounts if isinstance(mounts, list) else []):
                path = mount.get("mountPath") if isinstance(mount, dict) else None
                if not isinstance(path, str) or not under_config(path) or mount.get("readOnly") is True:
                    continue
                yield Violation(
                    detail=f'{container.label}: volume "{mount.get("name", "")}" is mounted writable at {path}',
                    pointer=f"{container.pointer}/volumeMounts/{i}/{'readOnly' if 'readOnly' in mount else 'mountPath'}",
                )


RULE = ObjectRule(
    id="config-read-only",
    title="/config stays read-only",
    reason="writable mount under /config",
    severity=Severity.ERROR,
    remediation="Set `readOnly: true` on the mount, or mount writable data elsewhere (e.g. an emptyDir at /tmp or /cache).",
    check=check,
    doc=__doc__ or "",
    pods=True,
    reference="NVCF docs, Container-Based Function Creation > Container Endpoints (read-only /config)",
)
