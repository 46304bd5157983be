"""``allowed-kinds``: Only supported Kubernetes kinds. Per backend, and in the nvcf-2024 and nvcf-2025
profiles.
"""

from __future__ import annotations

import pytest
from helpers.lint import found
from helpers.paths import chart_path
from helpers.rules import NVCF_RULES, lint, rows, where

from chartguard.findings import Report, Severity

BACKEND_ONLY_KINDS = [
    ("ServiceAccount mini-service-runner", "v1/ServiceAccount", "templates/rbac.yaml:2 kind: ServiceAccount"),
    ("Role mini-service-reader", "rbac.authorization.k8s.io/v1/Role", "templates/rbac.yaml:7 kind: Role"),
    (
        "RoleBinding mini-service-reader",
        "rbac.authorization.k8s.io/v1/RoleBinding",
        "templates/rbac.yaml:16 kind: RoleBinding",
    ),
    (
        "PersistentVolumeClaim mini-service-cache",
        "v1/PersistentVolumeClaim",
        "templates/pvc.yaml:2 kind: PersistentVolumeClaim",
    ),
]


def _by_object(report: Report, rule_id: str, chart: str) -> dict[str, tuple[str, str, str]]:
    return {obj: (severity, detail, at) for severity, obj, detail, at in rows(report, rule_id, chart)}


def test_unsupported_kinds_are_errors_on_every_backend() -> None:
    for backend in (None, "GFN", "OCI"):
        report = lint("bad-kinds", backend=backend)
        on = ""  # "on backend X" is said only of kinds some backend allows
        kinds = _by_object(report, "allowed-kinds", "bad-kinds")
        assert kinds["DaemonSet mini-service-agent"] == (
            "error",
            f"apps/v1/DaemonSet{on}",
            "templates/daemonset.yaml:2 kind: DaemonSet",
        )
        assert kinds["Ingress mini-service-web"] == (
            "error",
            f"networking.k8s.io/v1/Ingress{on}",
            "templates/ingress.yaml:2 kind: Ingress",
        )
        assert kinds["ClusterRole mini-service-node-reader"] == (
            "error",
            f"rbac.authorization.k8s.io/v1/ClusterRole{on}",
            "templates/rbac.yaml:28 kind: ClusterRole",
        )
        # the same kind exists in another API version: the detail names the supported one
        assert kinds["CronJob mini-service-nightly"] == (
            "error",
            f"batch/v1beta1/CronJob{on}; supported: batch/v1/CronJob",
            "templates/cronjob.yaml:3 kind: CronJob",
        )
        # StatefulSet and Job are supported everywhere in the current rules
        assert "StatefulSet mini-service-store" not in kinds
        assert "Job mini-service-warmup" not in kinds


def test_backend_only_kinds_without_backend_are_warnings() -> None:
    report = lint("bad-kinds")
    kinds = _by_object(report, "allowed-kinds", "bad-kinds")
    for obj, gvk, at in BACKEND_ONLY_KINDS:
        assert kinds[obj] == ("warning", f"{gvk} is allowed only on backend GFN; pass --backend to check", at)
    assert {f.reason for f in found(report, "allowed-kinds") if f.severity == Severity.WARNING} == {
        "kind allowed only on some backends"
    }


@pytest.mark.parametrize("backend", ["GFN", "gfn"])
def test_backend_only_kinds_allowed_on_gfn(backend: str) -> None:
    report = lint("bad-kinds", backend=backend)
    assert report.backend == "GFN"
    kinds = _by_object(report, "allowed-kinds", "bad-kinds")
    for obj, _, _ in BACKEND_ONLY_KINDS:
        assert obj not in kinds
    assert report.summary()["warnings"] == 0


def test_backend_only_kinds_on_another_backend_are_errors() -> None:
    report = lint("bad-kinds", backend="OCI")
    kinds = _by_object(report, "allowed-kinds", "bad-kinds")
    for obj, gvk, at in BACKEND_ONLY_KINDS:
        assert kinds[obj] == ("error", f"{gvk} on backend OCI", at)
    assert report.summary() == {"objects": 11, "hooks": 0, "rules": len(NVCF_RULES), "errors": 8, "warnings": 0, "infos": 1}


def test_crds_are_skipped_on_installation() -> None:
    report = lint("bad-kinds")
    crd = [f for f in found(report, "allowed-kinds") if f.object.kind == "CustomResourceDefinition"]
    assert [(str(f.severity), f.reason, f.detail, where(f, chart_path("bad-kinds"))) for f in crd] == [
        (
            "info",
            "kind skipped on installation",
            "apiextensions.k8s.io/v1/CustomResourceDefinition is skipped on installation",
            "crds/widgets.yaml:2 kind: CustomResourceDefinition",
        )
    ]
    assert str(crd[0].object) == "CustomResourceDefinition widgets.example.com"
    assert report.summary()["infos"] == 1


def test_only_allowed_kinds_reported() -> None:
    report = lint("bad-kinds")
    assert [f.rule_id for f in report.findings] == ["allowed-kinds"] * 9  # the pods themselves are clean
    assert report.summary() == {"objects": 11, "hooks": 0, "rules": len(NVCF_RULES), "errors": 4, "warnings": 4, "infos": 1}


def test_profile_nvcf_2024_kinds() -> None:
    report = lint("bad-kinds", profile="nvcf-2024")
    assert report.profile == "nvcf-2024"
    kinds = _by_object(report, "allowed-kinds", "bad-kinds")
    assert kinds["StatefulSet mini-service-store"] == (
        "error",
        "apps/v1/StatefulSet",
        "templates/statefulset.yaml:2 kind: StatefulSet",
    )
    assert kinds["Job mini-service-warmup"] == ("error", "batch/v1/Job", "templates/job.yaml:2 kind: Job")
    # no "skipped" kinds in that generation: the CRD is rejected like any other kind
    assert kinds["CustomResourceDefinition widgets.example.com"][0] == "error"
    assert kinds["PersistentVolumeClaim mini-service-cache"][0] == "error"
    # ServiceAccount, Role and RoleBinding were allowed on every backend
    for obj in ("ServiceAccount mini-service-runner", "Role mini-service-reader", "RoleBinding mini-service-reader"):
        assert obj not in kinds
    assert len(kinds) == 8


def test_profile_nvcf_2025_kinds() -> None:
    report = lint("bad-kinds", profile="nvcf-2025", backend="OCI")
    kinds = _by_object(report, "allowed-kinds", "bad-kinds")
    assert sorted(kinds) == [
        "ClusterRole mini-service-node-reader",
        "CronJob mini-service-nightly",
        "CustomResourceDefinition widgets.example.com",
        "DaemonSet mini-service-agent",
        "Ingress mini-service-web",
    ]
