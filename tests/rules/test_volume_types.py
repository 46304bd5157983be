"""``volume-types``: Only allowed pod volume types. Per backend, and in the nvcf-2025 profile."""

from __future__ import annotations

import pytest
from helpers.lint import found
from helpers.rules import lint, rows

from chartguard.findings import Report

VOLUME_ERRORS = [
    ("error", 'volume "host-models": hostPath', "templates/deployment.yaml:48 hostPath:"),
    ("error", 'volume "shared": nfs', "templates/deployment.yaml:51 nfs:"),
    (
        "error",
        'volume "token": projected source serviceAccountToken',
        "templates/deployment.yaml:59 - serviceAccountToken:",
    ),
    ("error", 'volume "token": projected source downwardAPI', "templates/deployment.yaml:61 - downwardAPI:"),
]


def _volumes(report: Report) -> list[tuple[str, str, str]]:
    found_rows = rows(report, "volume-types", "bad-volumes")
    assert {obj for _, obj, _, _ in found_rows} <= {"Deployment mini-service-inference"}
    return [(severity, detail, at) for severity, _, detail, at in found_rows]


def test_volume_types_without_backend() -> None:
    report = lint("bad-volumes")
    assert _volumes(report) == VOLUME_ERRORS + [
        (
            "warning",
            'volume "models": persistentVolumeClaim is allowed only on backend GFN; pass --backend to check',
            "templates/deployment.yaml:66 - name: models",
        )
    ]
    assert [f.reason for f in found(report, "volume-types")][-1] == "volume type allowed only on some backends"
    # the PVC object itself: same verdict from allowed-kinds
    assert [(s, d) for s, _, d, _ in rows(report, "allowed-kinds", "bad-volumes")] == [
        ("warning", "v1/PersistentVolumeClaim is allowed only on backend GFN; pass --backend to check")
    ]


def test_volume_types_on_gfn() -> None:
    report = lint("bad-volumes", backend="GFN")
    assert _volumes(report) == VOLUME_ERRORS
    assert found(report, "allowed-kinds") == []


def test_volume_types_on_oci() -> None:
    report = lint("bad-volumes", backend="OCI")
    assert _volumes(report) == VOLUME_ERRORS + [
        (
            "error",
            'volume "models": persistentVolumeClaim on backend OCI',
            "templates/deployment.yaml:67 persistentVolumeClaim:",
        )
    ]
    assert [(s, d) for s, _, d, _ in rows(report, "allowed-kinds", "bad-volumes")] == [
        ("error", "v1/PersistentVolumeClaim on backend OCI")
    ]


@pytest.mark.parametrize("backend", [None, "OCI", "GFN"])
def test_profile_nvcf_2025_volumes(backend: str | None) -> None:
    report = lint("bad-volumes", profile="nvcf-2025", backend=backend)
    # no emptyDir and no projected volumes at all; PVC volumes and objects on every backend
    assert _volumes(report) == [
        ("error", 'volume "scratch": emptyDir', "templates/deployment.yaml:38 emptyDir:"),
        ("error", 'volume "bundle": projected', "templates/deployment.yaml:41 projected:"),
        ("error", 'volume "host-models": hostPath', "templates/deployment.yaml:48 hostPath:"),
        ("error", 'volume "shared": nfs', "templates/deployment.yaml:51 nfs:"),
        ("error", 'volume "token": projected', "templates/deployment.yaml:55 projected:"),
    ]
    assert found(report, "allowed-kinds") == []


def test_allowed_volumes_pass() -> None:
    # configMap, secret, emptyDir and projected configMap+secret volumes
    assert found(lint("good"), "volume-types") == []
    assert found(lint("edge-cases"), "volume-types") == []
