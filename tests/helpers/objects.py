"""Kubernetes objects built in the tests."""

from __future__ import annotations

from typing import Any


def pod(
    *containers: dict[str, Any],
    name: str = "p",
    namespace: str | None = None,
    annotations: dict[str, Any] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    """A v1 Pod running ``containers``; the keywords besides ``name``, ``namespace`` and ``annotations``
    are further spec fields (``securityContext=...``, ``initContainers=[...]``; a ``containers=[...]``
    keyword, as in ``pod(**some_spec)``, replaces the positional containers)."""
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    if annotations is not None:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": {"containers": list(containers), **spec}}


def minimal_review(uid: str = "0b2d7c39-1111-4e0f-9a43-4d0d6b8f0001") -> dict[str, Any]:
    """An AdmissionReview of the CREATE of a one-container Pod ``default/p``."""
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "name": "p",
            "namespace": "default",
            "operation": "CREATE",
            "userInfo": {"username": "admin"},
            "object": pod({"name": "c", "image": "nginx"}, namespace="default"),
            "oldObject": None,
            "dryRun": False,
        },
    }
