"""Every rule of the registry against hand-written charts in testcharts/, rendered by the embedded
Helm engine through ``chartguard.lint_chart`` (and ``lint_manifests`` for streams no chart renders).

Findings are compared as rows ``(severity, object, detail, where)`` where ``where`` is
``<path inside the chart>:<line> <that template line, stripped>``: the row shows which line of
the template source the finding points at, and the test fails when the line moves. The Pod Security
Standards rows (``pss-*``) add the finding's ``reason``: PSA's forbidden reason, next to its detail.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import chartguard
from chartguard.findings import Finding, Report, Severity
from chartguard.function import FunctionSpec
from chartguard.profile import load_profile, with_pod_security
from chartguard.rules import RULES
from chartguard.rules.pss import RULES as PSS_REGISTRY

CHARTS = Path(__file__).resolve().parent.parent / "testcharts"

#: The Pod Security Standards rules, one per PSA check: the Baseline checks, then the Restricted ones.
PSS_RULES = (
    "pss-apparmor-profile", "pss-capabilities-baseline", "pss-host-namespaces", "pss-host-path-volumes",
    "pss-host-ports", "pss-host-probes-and-lifecycle", "pss-privileged", "pss-proc-mount", "pss-selinux-options",
    "pss-seccomp-profile-baseline", "pss-sysctls", "pss-windows-host-process",
    "pss-allow-privilege-escalation", "pss-capabilities-restricted", "pss-proc-mount-restricted",
    "pss-restricted-volumes", "pss-run-as-non-root", "pss-run-as-user", "pss-seccomp-profile-restricted",
)  # fmt: skip
#: Baseline checks that a Restricted check replaces at the latest policy version (as in PSA): they
#: never report under the nvcf profiles, only under pss-baseline (or an older --pss-version).
REPLACED_AT_RESTRICTED = ("pss-capabilities-baseline", "pss-host-path-volumes", "pss-proc-mount", "pss-seccomp-profile-baseline")
#: The rules NVCF "will enforce at a later date": warnings by default, errors with strict=True.
SHOULD_RULES = ("resource-limits", "automount-service-account-token", *PSS_RULES)
#: The rules the NVCF profiles run: all but helm-reval's (tests/test_reval_rules.py covers those).
NVCF_RULES = tuple(rule for rule in RULES if rule.category != "helm-reval")


# --- helpers ---------------------------------------------------------------------------------


def chart_path(name: str) -> Path:
    """The path of a chart under testcharts/."""
    path = CHARTS / name
    assert (path / "Chart.yaml").is_file(), f"no test chart {name}"
    return path


@cache
def _lint_cached(name: str, values_json: str, options: tuple[tuple[str, Any], ...]) -> Report:
    return chartguard.lint_chart(chart_path(name), json.loads(values_json), **dict(options))


def lint(name: str, values: dict[str, Any] | None = None, **options: Any) -> Report:
    """Lint testcharts/<name> (reports are cached: tests only read them)."""
    return _lint_cached(name, json.dumps(values or {}, sort_keys=True), tuple(sorted(options.items())))


def found(report: Report, rule_id: str) -> list[Finding]:
    return [f for f in report.findings if f.rule_id == rule_id]


def where(finding: Finding, chart_dir: Path | None = None) -> str:
    """``templates/x.yaml:12 <source line 12, stripped>`` for a finding located in a chart."""
    location = finding.location
    prefix = f"{chart_dir}/" if chart_dir is not None else ""
    assert location.path.startswith(prefix), location.path
    relative = location.path[len(prefix) :]
    source = Path(location.path).read_text(encoding="utf-8").splitlines() if chart_dir is not None else []
    assert location.line >= 1, finding
    text = source[location.line - 1].strip() if source else ""
    return f"{relative}:{location.line} {text}".rstrip()


def rows(report: Report, rule_id: str, chart: str | None = None) -> list[tuple[str, str, str, str]]:
    """The findings of one rule as ``(severity, object, detail, where)``, in report order."""
    chart_dir = chart_path(chart) if chart else None
    return [(str(f.severity), str(f.object), f.detail, where(f, chart_dir)) for f in found(report, rule_id)]


def pss_rows(report: Report, rule_id: str, chart: str) -> list[tuple[str, str, str, str, str]]:
    """The findings of one rule as ``(severity, object, reason, detail, where)``, in report order."""
    return [(str(f.severity), str(f.object), f.reason, f.detail, where(f, chart_path(chart))) for f in found(report, rule_id)]


def lint_at(name: str, version: str, values: dict[str, Any] | None = None, profile: str = "nvcf") -> Report:
    """Lint testcharts/<name> with ``profile`` at Pod Security Standards version ``version`` (--pss-version)."""
    return chartguard.lint_chart(chart_path(name), values, profile=with_pod_security(load_profile(profile), version=version))


def copy_chart(chart: str, tmp_path: Path, **chart_yaml: str) -> Path:
    """Copy testcharts/<chart> to tmp_path and replace top-level keys of its Chart.yaml."""
    target = tmp_path / chart
    shutil.copytree(chart_path(chart), target)
    lines = (target / "Chart.yaml").read_text(encoding="utf-8").splitlines()
    for key, value in chart_yaml.items():
        lines = [f"{key}: {value}" if line.startswith(f"{key}:") else line for line in lines]
    (target / "Chart.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


# --- every rule passes somewhere and fails somewhere -----------------------------------------

#: rule id → (chart, values, lint options) that makes the rule report at least one finding.
FAILING = {
    "object-count": ("many-objects", {"shards": 300}, {}),
    "object-size": ("many-objects", {"blobBytes": 1024 * 1024}, {}),
    "object-kind": ("bad-objects", {}, {}),
    "object-name": ("bad-objects", {}, {}),
    "chart-name": ("bad-name", {}, {}),
    "chart-version": ("prerelease", {}, {}),
    "chart-version-semver": ("short-version", {}, {}),
    "chart-type": ("library", {}, {}),
    "chart-hooks": ("hooks", {}, {}),
    "allowed-kinds": ("bad-kinds", {}, {}),
    "service-type": ("bad-service", {}, {}),
    "volume-types": ("bad-volumes", {}, {}),
    "reserved-env-vars": ("insecure", {}, {}),
    "resource-limits": ("insecure", {}, {}),
    "automount-service-account-token": ("insecure", {}, {}),
    "image-tag": ("insecure", {}, {}),
    "env-literal-secrets": ("insecure", {}, {}),
    # the NVCF function definition and pull secrets (tests/test_function.py has the details)
    "function-service": ("function-service", {}, {"function": FunctionSpec(service_name="orphan", inference_port=8000)}),
    "inference-port-reserved": ("function-service", {}, {"function": FunctionSpec(inference_port=8080)}),
    "helm-chart-url": (
        "function-service",
        {},
        {"function": FunctionSpec(helm_chart="http://127.0.0.1/function-service-1.0.0.tgz")},
    ),
    "image-registry": (
        "function-ngc",
        {"sidecarImage": "nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04"},
        {"function": FunctionSpec(helm_chart="https://helm.ngc.nvidia.com/myorg/myteam/charts/function-ngc-1.2.0.tgz")},
    ),
    "ngc-pull-secret-key": ("function-nokey", {}, {}),
    "image-pull-secret-reference": ("function-ngc", {"pullSecret": False}, {}),
    "image-pull-secret-empty": ("function-ngc", {"ngcImagePullSecretName": ""}, {}),
    "config-read-only": ("function-ngc", {"writableConfig": True}, {}),
    # GPU gating (tests/test_gpu.py has the details)
    "gpu-resource-names": ("gpu-workloads", {"gpuResource": "nvidia.com/mig-1g.10gb"}, {}),
    "gpu-request-limit": ("insecure", {}, {}),
    "gpu-instance-type": ("gpu-workloads", {}, {"instance_type": "g6.full"}),
    "gpu-pod-fits-node": ("gpu-workloads", {"gpuLimit": 2, "gpuRequest": 2}, {"instance_type": "DGXC.GPU.L40S_1x"}),
    "gpu-whole-node": ("gpu-workloads", {"replicas": 2}, {"instance_type": "ON-PREM.GPU.B200_8x.x2"}),
    "gpu-pod-count": ("gpu-workloads", {"gpuLimit": 8, "gpuRequest": 8}, {"instance_type": "ON-PREM.GPU.B200_8x.x2"}),
    "gpu-node-total": ("gpu-workloads", {"replicas": 2}, {"instance_type": "DGXC.GPU.L40S_1x"}),
    "gpu-product-selector": ("gpu-workloads", {"gpuProduct": "NVIDIA-A100"}, {"instance_type": "OCI.GPU.H100_8x"}),
    "gpu-count-label": ("gpu-workloads", {"gpuCountLabel": "8"}, {"instance_type": "DGXC.GPU.L40S_1x"}),
    "gpu-node-affinity": ("gpu-workloads", {"instanceTypeSelector": "OCI.GPU.H100"}, {"instance_type": "DGXC.GPU.L40S_1x"}),
    "gpu-env-consistency": ("gpu-workloads", {"env": {"NUM_GPUS": "2"}}, {"instance_type": "DGXC.GPU.L40S_1x"}),
    # Pod Security Standards, Baseline (the ones Restricted replaces need the pss-baseline profile)
    "pss-apparmor-profile": ("insecure", {}, {}),
    "pss-capabilities-baseline": ("insecure", {}, {"profile": "pss-baseline"}),
    "pss-host-namespaces": ("insecure", {}, {}),
    "pss-host-path-volumes": ("bad-volumes", {}, {"profile": "pss-baseline"}),
    "pss-host-ports": ("pss-violations", {}, {}),
    "pss-host-probes-and-lifecycle": ("pss-violations", {}, {}),
    "pss-privileged": ("insecure", {}, {}),
    "pss-proc-mount": ("pss-violations", {}, {"profile": "pss-baseline"}),
    "pss-selinux-options": ("insecure", {}, {}),
    "pss-seccomp-profile-baseline": ("insecure", {}, {"profile": "pss-baseline"}),
    "pss-sysctls": ("pss-violations", {}, {}),
    "pss-windows-host-process": ("pss-violations", {}, {}),
    # Pod Security Standards, Restricted
    "pss-allow-privilege-escalation": ("insecure", {}, {}),
    "pss-capabilities-restricted": ("insecure", {}, {}),
    "pss-proc-mount-restricted": ("pss-violations", {}, {}),
    "pss-restricted-volumes": ("bad-volumes", {}, {}),
    "pss-run-as-non-root": ("insecure", {}, {}),
    "pss-run-as-user": ("pss-violations", {}, {}),
    "pss-seccomp-profile-restricted": ("insecure", {}, {}),
}


def test_every_registered_rule_has_a_failing_case() -> None:
    assert sorted(FAILING) == sorted(rule.id for rule in NVCF_RULES)
    assert len(NVCF_RULES) == 55
    # every PSA check is registered as a rule, in the pss registry's order, at the end
    assert tuple(rule.id for rule in PSS_REGISTRY) == PSS_RULES
    assert tuple(rule.id for rule in RULES[-len(PSS_RULES) :]) == PSS_RULES


@pytest.mark.parametrize("rule_id", sorted(FAILING))
def test_rule_fails_on_its_bad_chart(rule_id: str) -> None:
    name, values, options = FAILING[rule_id]
    report = lint(name, values, **options)
    assert found(report, rule_id), f"{rule_id} found nothing in {name}"


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("name", ["good", "edge-cases"])
def test_clean_charts_have_no_findings(name: str, strict: bool) -> None:
    report = lint(name, strict=strict)
    assert [f.to_dict() for f in report.findings] == []
    assert report.rule_ids == [rule.id for rule in NVCF_RULES]  # every rule ran
    assert report.strict is strict
    assert not report.failed(Severity.INFO)


@pytest.mark.parametrize("profile", ["pss-restricted", "pss-baseline"])
@pytest.mark.parametrize("name", ["good", "edge-cases"])
def test_clean_charts_meet_the_pod_security_standards(name: str, profile: str) -> None:
    report = lint(name, profile=profile)
    assert [f.to_dict() for f in report.findings] == []
    assert report.rule_ids == list(PSS_RULES)


def test_good_chart_release() -> None:
    report = lint("good")
    assert report.summary() == {"objects": 4, "hooks": 0, "rules": len(NVCF_RULES), "errors": 0, "warnings": 0, "infos": 0}
    assert report.chart == {"name": "good", "version": "1.0.0", "path": str(chart_path("good")), "notes": ""}


# --- object-count, object-size ---------------------------------------------------------------


def test_object_count_limit_is_300() -> None:
    at_limit = lint("many-objects", {"shards": 299})  # 299 shards + the blob
    assert at_limit.objects == 300
    assert found(at_limit, "object-count") == []

    over = lint("many-objects", {"shards": 300})
    assert over.objects == 301
    assert rows(over, "object-count", "many-objects") == [
        (
            "error",
            "ConfigMap mini-service-shard-299",
            "301 objects, limit 300; the first over the limit is ConfigMap mini-service-shard-299",
            "templates/shards.yaml:3 apiVersion: v1",
        )
    ]
    assert over.failed()


def test_hooks_do_not_count_as_objects(tmp_path: Path) -> None:
    profile = tmp_path / "one-object.yaml"
    profile.write_text(
        "name: one-object\ntitle: at most one object\nfollows: this test\nextends: nvcf\n"
        "rules:\n  object-count:\n    params: {max_objects: 1}\n"
    )
    report = chartguard.lint_chart(chart_path("hooks"), profile=str(profile))
    assert (report.objects, report.hooks) == (1, 3)
    assert found(report, "object-count") == []
    two = chartguard.lint_chart(chart_path("many-objects"), {"shards": 1}, profile=str(profile))
    assert [f.detail for f in found(two, "object-count")] == [
        "2 objects, limit 1; the first over the limit is ConfigMap mini-service-shard-0"
    ]


# blob.yaml renders "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mini-service-blob\ndata:\n  payload: "
# followed by the payload: 84 bytes besides it.
BLOB_OVERHEAD = len("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mini-service-blob\ndata:\n  payload: ")


def test_object_size_limit_is_one_mebibyte() -> None:
    exactly = lint("many-objects", {"blobBytes": 1024 * 1024 - BLOB_OVERHEAD})
    assert found(exactly, "object-size") == []

    over = lint("many-objects", {"blobBytes": 1024 * 1024 - BLOB_OVERHEAD + 1})
    assert rows(over, "object-size", "many-objects") == [
        (
            "error",
            "ConfigMap mini-service-blob",
            "1,048,577 bytes, limit 1,048,576",
            "templates/blob.yaml:1 apiVersion: v1",
        )
    ]
    assert [f.rule_id for f in over.findings] == ["object-size"]


# --- object-kind, object-name ----------------------------------------------------------------


def test_stray_fragment_is_not_an_object() -> None:
    report = lint("bad-objects")
    assert rows(report, "object-kind", "bad-objects") == [
        ("warning", "<document>", "no apiVersion and no kind", "templates/stray.yaml:3 replicas: 3")
    ]
    # the fragment is left to object-kind: no object-name or allowed-kinds finding about it
    assert [str(f.object) for f in report.findings if f.rule_id != "object-kind"] == [
        "ConfigMap <unnamed>",
        "Secret <unnamed>",
    ]


def test_object_name_generate_name_and_empty_name() -> None:
    report = lint("bad-objects")
    assert rows(report, "object-name", "bad-objects") == [
        (
            "error",
            "ConfigMap <unnamed>",
            "metadata.name is empty",
            "templates/configmap.yaml:4 "
            'name: {{ .Values.configName | default (ternary (printf "%s-settings" .Release.Name) "" .Values.fixed) }}',
        ),
        (
            "error",
            "Secret <unnamed>",
            "generateName: mini-service-token- (NVCF needs a fixed name)",
            "templates/secret.yaml:3 metadata:",
        ),
    ]


def test_bad_objects_fixed_by_values() -> None:
    report = lint("bad-objects", {"fixed": True})
    assert report.findings == []
    assert report.objects == 2
    named = lint("bad-objects", {"fixed": True, "configName": "settings"})
    assert named.findings == []


STREAM = """\
# Source: app/templates/a.yaml
apiVersion: v1
metadata:
  name: no-kind
---
# Source: app/templates/b.yaml
kind: ConfigMap
metadata:
  name: no-api-version
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: "  "
---
apiVersion: batch/v1
kind: Job
metadata:
  generateName: migrate-
spec:
  template:
    spec:
      restartPolicy: Never
      containers: []
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: fine
"""


def test_object_kind_and_name_in_a_manifest_stream() -> None:
    report = chartguard.lint_manifests(STREAM, source="release.yaml")
    assert rows(report, "object-kind") == [
        ("warning", "no-kind", "no kind", "release.yaml:2"),
        ("warning", "ConfigMap no-api-version", "no apiVersion", "release.yaml:7"),
    ]
    templates = [f.location.template for f in found(report, "object-kind")]
    assert templates == ["app/templates/a.yaml", "app/templates/b.yaml"]  # from the "# Source:" comments
    assert rows(report, "object-name") == [
        ("error", "ConfigMap <unnamed>", "metadata.name is empty", "release.yaml:14"),  # a blank name is no name
        ("error", "Job <unnamed>", "generateName: migrate- (NVCF needs a fixed name)", "release.yaml:18"),
    ]
    assert {f.rule_id for f in report.findings} == {"object-kind", "object-name"}


def test_object_rules_pass_on_complete_objects() -> None:
    report = chartguard.lint_manifests([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}])
    assert report.findings == []


# --- chart-name, chart-version, chart-version-semver, chart-type -----------------------------


def test_chart_name_with_special_characters() -> None:
    report = lint("bad-name")
    assert rows(report, "chart-name", "bad-name") == [
        ("error", "Chart Echo_Server", "name: Echo_Server (characters 'E' 'S' '_')", "Chart.yaml:3 name: Echo_Server")
    ]
    assert [f.rule_id for f in report.findings] == ["chart-name"]


@pytest.mark.parametrize(
    ("name", "detail"),
    [("echo-", "name: echo-"), ("-echo", "name: -echo"), ("echo.v2", "name: echo.v2 (characters '.')")],
)
def test_chart_name_edges(tmp_path: Path, name: str, detail: str) -> None:
    report = chartguard.lint_chart(copy_chart("good", tmp_path, name=name))
    assert [(f.severity, f.detail, f.location.line) for f in found(report, "chart-name")] == [(Severity.ERROR, detail, 2)]


def test_chart_name_digits_and_dashes_pass(tmp_path: Path) -> None:
    report = chartguard.lint_chart(copy_chart("good", tmp_path, name="echo-2"))
    assert report.findings == []


def test_chart_version_with_prerelease() -> None:
    report = lint("prerelease")
    assert rows(report, "chart-version", "prerelease") == [
        ("error", "Chart prerelease", "version: 1.0.0-rc1 has a pre-release part", "Chart.yaml:5 version: 1.0.0-rc1")
    ]
    assert found(report, "chart-version-semver") == []  # 1.0.0-rc1 is full SemVer 2


VERSION_ERROR, SEMVER_WARNING = ("chart-version", "error"), ("chart-version-semver", "warning")


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.0.0+build-7", [(*VERSION_ERROR, "version: 1.0.0+build-7 has a '-' in its build metadata")]),
        # NVCF's own example of a bad version; not SemVer 2 either
        (
            "v1-test",
            [(*VERSION_ERROR, "version: v1-test has a pre-release part"), (*SEMVER_WARNING, "version: v1-test")],
        ),
        ("v1.2.3", [(*SEMVER_WARNING, "version: v1.2.3")]),
        ("v1", [(*SEMVER_WARNING, "version: v1")]),
        ("01.2.3", [(*SEMVER_WARNING, "version: 01.2.3")]),
    ],
)
def test_chart_version_variants(tmp_path: Path, version: str, expected: list[tuple[str, str, str]]) -> None:
    report = chartguard.lint_chart(copy_chart("good", tmp_path, version=f'"{version}"'))
    assert [(f.rule_id, str(f.severity), f.detail) for f in report.findings] == expected
    for finding in report.findings:
        assert (finding.location.path, finding.location.line) == (f"{tmp_path}/good/Chart.yaml", 5)
        assert str(finding.object) == "Chart good"


@pytest.mark.parametrize("version", ["1.0.0", "0.1.0", "2.10.3+build.7", "10.0.0"])
def test_chart_version_release_versions_pass(tmp_path: Path, version: str) -> None:
    report = chartguard.lint_chart(copy_chart("good", tmp_path, version=f'"{version}"'))
    assert report.findings == []


def test_chart_version_short() -> None:
    report = lint("short-version")
    assert rows(report, "chart-version-semver", "short-version") == [
        ("warning", "Chart short-version", "version: 0.1", 'Chart.yaml:4 version: "0.1"')
    ]
    assert found(report, "chart-version") == []
    assert not report.failed()  # a warning only


def test_library_chart_is_not_installable() -> None:
    report = lint("library")
    assert rows(report, "chart-type", "library") == [("error", "Chart library", "type: library", "Chart.yaml:4 type: library")]
    assert report.objects == 0
    assert report.failed()


def test_application_chart_type_passes(tmp_path: Path) -> None:
    chart = copy_chart("library", tmp_path, type="application")
    assert chartguard.lint_chart(chart).findings == []


# --- chart-hooks -----------------------------------------------------------------------------


def test_chart_hooks_and_test_hooks() -> None:
    report = lint("hooks")
    hooks = [(f.reason, str(f.object), f.detail, where(f, chart_path("hooks"))) for f in found(report, "chart-hooks")]
    assert hooks == [
        (
            "chart hooks are not run",
            "Job mini-service-migrate",
            "helm.sh/hook: pre-install,pre-upgrade",
            'templates/migrate-job.yaml:6 "helm.sh/hook": pre-install,pre-upgrade',
        ),
        (
            "test hooks are not run",
            "Pod mini-service-test-connection",
            "helm.sh/hook: test",
            'templates/tests/test-connection.yaml:6 "helm.sh/hook": test',
        ),
        (
            "chart hooks are not run",
            "ConfigMap mini-service-seed",
            "helm.sh/hook: post-instal (unknown hook type post-instal: Helm drops this object)",
            "templates/typo-hook.yaml:7 helm.sh/hook: post-instal",
        ),
    ]
    assert {f.severity for f in report.findings} == {Severity.ERROR}
    # hooks are not part of the release: the pod rules do not look at the hooks' insecure pods
    assert [f.rule_id for f in report.findings] == ["chart-hooks"] * 3


def test_hooks_in_a_manifest_stream() -> None:
    stream = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test-success\n"
    report = chartguard.lint_manifests(stream)
    assert [(f.reason, f.detail, f.location.line) for f in report.findings] == [
        ("test hooks are not run", "helm.sh/hook: test-success", 6)
    ]


# --- allowed-kinds ---------------------------------------------------------------------------

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


# --- service-type ----------------------------------------------------------------------------


@pytest.mark.parametrize("service_type", ["NodePort", "LoadBalancer", "ExternalName"])
def test_service_type_not_cluster_ip(service_type: str) -> None:
    report = lint("bad-service", {"service": {"type": service_type}})
    assert rows(report, "service-type", "bad-service") == [
        ("error", "Service mini-service-api", f"type: {service_type}", "templates/service.yaml:7 type: {{ . }}")
    ]
    assert report.failed()


@pytest.mark.parametrize("service_type", ["ClusterIP", ""])
def test_service_type_cluster_ip_or_unset(service_type: str) -> None:
    report = lint("bad-service", {"service": {"type": service_type}})
    assert report.findings == []
    assert report.objects == 2  # the headless Service is always there, and always fine


# --- volume-types ----------------------------------------------------------------------------

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


# --- the pod rules on the insecure chart ------------------------------------------------------

WORKER = "Deployment mini-service-worker"


def insecure_rows(rule_id: str, values: dict[str, Any] | None = None, **options: Any) -> list[tuple[str, str, str]]:
    found_rows = rows(lint("insecure", values, **options), rule_id, "insecure")
    assert {obj for _, obj, _, _ in found_rows} <= {WORKER}
    return [(severity, detail, at) for severity, _, detail, at in found_rows]


def test_insecure_chart_findings_per_rule() -> None:
    report = lint("insecure")
    # one Pod Security Standards finding per check and pod, naming every offender (as PSA does)
    assert Counter(f.rule_id for f in report.findings) == {
        "pss-host-namespaces": 1, "automount-service-account-token": 1, "pss-run-as-non-root": 1,
        "pss-seccomp-profile-restricted": 1, "pss-selinux-options": 1, "image-tag": 3,
        "pss-capabilities-restricted": 1, "resource-limits": 3, "reserved-env-vars": 1, "env-literal-secrets": 1,
        "pss-privileged": 1, "pss-allow-privilege-escalation": 1, "pss-apparmor-profile": 1,
        "gpu-request-limit": 1,
    }  # fmt: skip
    # the reserved variable, the container without image and the GPU request without a limit
    assert report.summary()["errors"] == 3
    assert report.summary()["warnings"] == 15
    assert all(f.location.template == "insecure/templates/deployment.yaml" for f in report.findings)
    lines = [f.location.line for f in report.findings]
    assert lines == sorted(lines)  # findings come in template order


def test_reserved_env_vars() -> None:
    assert insecure_rows("reserved-env-vars") == [
        (
            "error",
            'container "worker": env NVCF_REQUEST_TIMEOUT',
            "templates/deployment.yaml:42 - name: NVCF_REQUEST_TIMEOUT",
        )
    ]
    assert found(lint("good"), "reserved-env-vars") == []
    # NVIDIA_VISIBLE_DEVICES is not reserved
    assert found(lint("edge-cases"), "reserved-env-vars") == []


def test_resource_limits() -> None:
    assert insecure_rows("resource-limits") == [
        ("warning", 'initContainer "setup": no limit for memory', "templates/deployment.yaml:36 limits:"),
        ("warning", 'container "worker": no limit for nvidia.com/gpu', "templates/deployment.yaml:58 limits:"),
        ("warning", 'container "sidecar": no limit for cpu, memory', "templates/deployment.yaml:61 - name: sidecar"),
    ]


def test_resource_limits_gpu_request_needs_gpu_limit() -> None:
    # the good chart requests a GPU and limits it; without the GPU limit it is reported
    assert found(lint("good"), "resource-limits") == []
    report = lint("good", {"resources": {"limits": {"nvidia.com/gpu": None}}})
    assert rows(report, "resource-limits", "good") == [
        ("warning", "Deployment mini-service-good", 'container "echo": no limit for nvidia.com/gpu',
         "templates/deployment.yaml:42 {{- toYaml .Values.resources | nindent 12 }}")
    ]  # fmt: skip
    no_resources = lint("good", {"resources": None})
    assert [f.detail for f in found(no_resources, "resource-limits")] == ['container "echo": no limit for cpu, memory']


def test_automount_service_account_token() -> None:
    assert insecure_rows("automount-service-account-token") == [
        (
            "warning",
            "automountServiceAccountToken: true",
            "templates/deployment.yaml:21 automountServiceAccountToken: true",
        )
    ]
    assert found(lint("good"), "automount-service-account-token") == []  # set to false


def pss_insecure_rows(rule_id: str, values: dict[str, Any] | None = None, **options: Any) -> list[tuple[str, str, str, str]]:
    """``(severity, reason, detail, where)`` of one pss rule on the insecure chart's worker Deployment."""
    found_rows = pss_rows(lint("insecure", values, **options), rule_id, "insecure")
    assert {obj for _, obj, _, _, _ in found_rows} <= {WORKER}
    return [(severity, reason, detail, at) for severity, _, reason, detail, at in found_rows]


def test_run_as_non_root() -> None:
    # the pod says false: forbidden even though "setup" says true for itself (one finding per pod)
    assert pss_insecure_rows("pss-run-as-non-root") == [
        (
            "warning",
            "runAsNonRoot != true",
            "pod must not set securityContext.runAsNonRoot=false",
            "templates/deployment.yaml:23 runAsNonRoot: false",
        )
    ]


def test_run_as_non_root_container_overrides_pod() -> None:
    assert found(lint("edge-cases"), "pss-run-as-non-root") == []  # inherited from the pod
    report = lint("edge-cases", {"rootOverride": True})
    assert pss_rows(report, "pss-run-as-non-root", "edge-cases") == [
        (
            "warning",
            "Pod mini-service-web",
            "runAsNonRoot != true",
            'container "web" must not set securityContext.runAsNonRoot=false',
            "templates/pod.yaml:58 runAsNonRoot: false",
        )
    ]
    assert [f.rule_id for f in report.findings] == ["pss-run-as-non-root"]


#: A pod that sets no securityContext at all.
BARE_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: app
      image: app:1.0.0
"""


def test_run_as_non_root_not_set() -> None:
    report = chartguard.lint_manifests(BARE_POD)
    assert [(f.reason, f.detail, f.pointer, f.location.line) for f in found(report, "pss-run-as-non-root")] == [
        (
            "runAsNonRoot != true",
            'pod or container "app" must set securityContext.runAsNonRoot=true',
            "/spec/containers/0/securityContext/runAsNonRoot",
            6,
        )
    ]


def test_bare_pod_fails_restricted_but_passes_baseline() -> None:
    # nothing set: every Restricted check that needs a setting reports, no Baseline check does
    report = chartguard.lint_manifests(BARE_POD)
    assert [(f.rule_id, str(f.severity), f.reason, f.detail) for f in report.findings if f.rule_id.startswith("pss-")] == [
        ("pss-allow-privilege-escalation", "warning", "allowPrivilegeEscalation != false",
         'container "app" must set securityContext.allowPrivilegeEscalation=false'),
        ("pss-capabilities-restricted", "warning", "unrestricted capabilities",
         'container "app" must set securityContext.capabilities.drop=["ALL"]'),
        ("pss-run-as-non-root", "warning", "runAsNonRoot != true",
         'pod or container "app" must set securityContext.runAsNonRoot=true'),
        ("pss-seccomp-profile-restricted", "warning", "seccompProfile",
         'pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'),
    ]  # fmt: skip
    assert chartguard.lint_manifests(BARE_POD, profile="pss-baseline").findings == []


def test_host_namespaces() -> None:
    # one finding for the pod, naming every shared namespace; it points at the first one
    assert pss_insecure_rows("pss-host-namespaces") == [
        ("warning", "host namespaces", "hostNetwork=true, hostPID=true", "templates/deployment.yaml:19 hostNetwork: true"),
    ]
    assert pss_insecure_rows("pss-host-namespaces", {"hostPID": False}) == [
        ("warning", "host namespaces", "hostNetwork=true", "templates/deployment.yaml:19 hostNetwork: true"),
    ]
    # explicit false is fine
    assert found(lint("edge-cases"), "pss-host-namespaces") == []


def test_host_namespaces_in_a_cronjob() -> None:
    report = lint("insecure", {"cronjob": {"enabled": True}})
    cron = [f for f in report.findings if f.object.kind == "CronJob"]
    assert [(f.rule_id, f.reason, f.detail, f.pointer, where(f, chart_path("insecure"))) for f in cron] == [
        (
            "pss-host-namespaces",
            "host namespaces",
            "hostIPC=true",
            "/spec/jobTemplate/spec/template/spec/hostIPC",
            "templates/cronjob.yaml:13 hostIPC: true",
        )
    ]  # the CronJob's pod is otherwise clean: restricted security context, image pinned by digest


def test_privileged() -> None:
    assert pss_insecure_rows("pss-privileged") == [
        (
            "warning",
            "privileged",
            'container "worker" must not set securityContext.privileged=true',
            "templates/deployment.yaml:49 privileged: true",
        )
    ]
    assert found(lint("edge-cases"), "pss-privileged") == []  # privileged: false


def test_allow_privilege_escalation() -> None:
    # "setup" and "sidecar" set false; "worker" sets true
    assert pss_insecure_rows("pss-allow-privilege-escalation") == [
        (
            "warning",
            "allowPrivilegeEscalation != false",
            'container "worker" must set securityContext.allowPrivilegeEscalation=false',
            "templates/deployment.yaml:50 allowPrivilegeEscalation: true",
        )
    ]
    report = lint("bad-service")  # no pods
    assert found(report, "pss-allow-privilege-escalation") == []
    unset = chartguard.lint_manifests(BARE_POD)
    assert [f.detail for f in found(unset, "pss-allow-privilege-escalation")] == [
        'container "app" must set securityContext.allowPrivilegeEscalation=false'
    ]


def test_capabilities_restricted() -> None:
    # every container must drop ALL, and may add NET_BIND_SERVICE only (so it is not named);
    # the finding points at the first container's missing drop
    assert pss_insecure_rows("pss-capabilities-restricted") == [
        (
            "warning",
            "unrestricted capabilities",
            'containers "setup", "worker", "sidecar" must set securityContext.capabilities.drop=["ALL"]; '
            'container "worker" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add',
            "templates/deployment.yaml:32 securityContext:",
        )
    ]
    assert found(lint("edge-cases"), "pss-capabilities-restricted") == []  # drop: [ALL], add: [NET_BIND_SERVICE]


#: The edge-cases init container as it was before the Pod Security Standards rules: privileged and
#: privilege escalation off, but capabilities kept, which Restricted forbids (the chart now drops ALL).
INIT_KEEPS_CAPABILITIES = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  initContainers:
    - name: init
      image: nvcr.io/myorg/init:1.0.0
      securityContext:
        allowPrivilegeEscalation: false
        privileged: false
  containers:
    - name: web
      image: nvcr.io/myorg/web:1.0.0
      securityContext:
        allowPrivilegeEscalation: false
        capabilities: {drop: [ALL]}
"""


def test_capabilities_restricted_needs_drop_all_in_init_containers() -> None:
    report = chartguard.lint_manifests(INIT_KEEPS_CAPABILITIES)
    assert [
        (f.rule_id, f.reason, f.detail, f.pointer, f.location.line) for f in report.findings if f.rule_id.startswith("pss-")
    ] == [
        (
            "pss-capabilities-restricted",
            "unrestricted capabilities",
            'container "init" must set securityContext.capabilities.drop=["ALL"]',
            "/spec/initContainers/0/securityContext/capabilities/drop",
            11,
        )
    ]
    assert chartguard.lint_manifests(INIT_KEEPS_CAPABILITIES, profile="pss-baseline").findings == []


def test_capabilities_baseline() -> None:
    # Baseline allows the runtime's default set (NET_BIND_SERVICE is not named) and ignores drop
    assert pss_insecure_rows("pss-capabilities-baseline", profile="pss-baseline") == [
        (
            "error",
            "non-default capabilities",
            'container "worker" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add',
            'templates/deployment.yaml:52 add: ["NET_BIND_SERVICE", "SYS_ADMIN", "NET_RAW"]',
        )
    ]
    # at Restricted, capabilities_restricted replaces it (see test_capabilities_restricted)
    assert found(lint("insecure"), "pss-capabilities-baseline") == []
    assert found(lint("edge-cases", profile="pss-baseline"), "pss-capabilities-baseline") == []
    # CHOWN is in the default set: fine at Baseline, forbidden at Restricted
    assert found(lint("pss-violations", profile="pss-baseline"), "pss-capabilities-baseline") == []
    assert pss_rows(lint("pss-violations"), "pss-capabilities-restricted", "pss-violations") == [
        ("warning", AGENT, "unrestricted capabilities",
         'container "chown" must not include "CHOWN" in securityContext.capabilities.add',
         'templates/agent.yaml:39 add: ["CHOWN"]'),
    ]  # fmt: skip


def test_seccomp_profile_restricted() -> None:
    seccomp = [
        (
            "warning",
            "seccompProfile",
            'pod must not set securityContext.seccompProfile.type to "Unconfined"',
            "templates/deployment.yaml:25 type: Unconfined",
        )
    ]
    assert pss_insecure_rows("pss-seccomp-profile-restricted") == seccomp
    # from v1.19 the legacy annotations are not read: switching them off changes nothing
    assert pss_insecure_rows("pss-seccomp-profile-restricted", {"legacyAnnotations": False}) == seccomp
    # RuntimeDefault on the pod, Localhost on the pod, RuntimeDefault in the shared pod template
    assert found(lint("good"), "pss-seccomp-profile-restricted") == []
    assert found(lint("edge-cases"), "pss-seccomp-profile-restricted") == []


def test_seccomp_profile_baseline() -> None:
    assert pss_insecure_rows("pss-seccomp-profile-baseline", profile="pss-baseline") == [
        (
            "error",
            "seccompProfile",
            'pod must not set securityContext.seccompProfile.type to "Unconfined"',
            "templates/deployment.yaml:25 type: Unconfined",
        )
    ]
    assert found(lint("insecure"), "pss-seccomp-profile-baseline") == []  # replaced at Restricted
    assert found(lint("edge-cases", profile="pss-baseline"), "pss-seccomp-profile-baseline") == []


def test_seccomp_legacy_annotations_before_v1_19() -> None:
    # policy versions before v1.19 read the annotations only (the Unconfined field is not seen)
    report = lint_at("insecure", "v1.18")
    assert pss_rows(report, "pss-seccomp-profile-baseline", "insecure") == [
        (
            "warning",
            WORKER,
            "seccompProfile",
            'forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined"',
            "templates/deployment.yaml:15 seccomp.security.alpha.kubernetes.io/pod: unconfined",
        )
    ]
    assert found(report, "pss-seccomp-profile-restricted") == []  # from v1.19
    assert found(lint_at("insecure", "v1.18", {"legacyAnnotations": False}), "pss-seccomp-profile-baseline") == []
    # runtime/default annotation on the edge-cases pod
    assert found(lint_at("edge-cases", "v1.18"), "pss-seccomp-profile-baseline") == []


def test_apparmor_profile() -> None:
    # the container field and the legacy annotation, in one finding
    assert pss_insecure_rows("pss-apparmor-profile") == [
        (
            "warning",
            "forbidden AppArmor profiles",
            'container "worker" and annotation must not set AppArmor profile type to '
            '"Unconfined", "container.apparmor.security.beta.kubernetes.io/worker="unconfined""',
            "templates/deployment.yaml:54 type: Unconfined",
        ),
    ]
    assert pss_insecure_rows("pss-apparmor-profile", {"legacyAnnotations": False}) == [
        (
            "warning",
            "forbidden AppArmor profile",
            'container "worker" must not set AppArmor profile type to "Unconfined"',
            "templates/deployment.yaml:54 type: Unconfined",
        ),
    ]
    # RuntimeDefault, Localhost, runtime/default and localhost/<profile> are fine
    assert found(lint("edge-cases"), "pss-apparmor-profile") == []


def test_selinux_options() -> None:
    # the pod's type and user and the sidecar's role, in one finding
    assert pss_insecure_rows("pss-selinux-options") == [
        (
            "warning",
            "seLinuxOptions",
            'pod and container "sidecar" set forbidden securityContext.seLinuxOptions: '
            'type "spc_t"; user may not be set; role may not be set',
            "templates/deployment.yaml:27 type: spc_t",
        ),
    ]
    # container_t / container_init_t with a level are fine
    assert found(lint("edge-cases"), "pss-selinux-options") == []


def test_selinux_null_type_is_unset() -> None:
    stream = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  securityContext:
    seLinuxOptions:
      type:
      level: "s0:c1,c2"
  containers:
    - name: app
      image: app:1.0.0
"""
    assert found(chartguard.lint_manifests(stream), "pss-selinux-options") == []


def test_image_tag() -> None:
    report = lint("insecure")
    assert rows(report, "image-tag", "insecure") == [
        ("error", WORKER, 'initContainer "setup": no image', "templates/deployment.yaml:30 - name: setup"),
        ("warning", WORKER, 'container "worker": nvcr.io/myorg/worker:latest (tag latest)',
         "templates/deployment.yaml:40 image: {{ .Values.image }}"),
        (
            "warning",
            WORKER,
            'container "sidecar": busybox (no tag, so latest)',
            "templates/deployment.yaml:62 image: busybox",
        ),
    ]  # fmt: skip
    reasons = [f.reason for f in found(report, "image-tag")]
    assert reasons == ["container has no image", "image not pinned", "image not pinned"]


@pytest.mark.parametrize("image", ["nvcr.io/myorg/worker:1.2.3", "localhost:5000/worker:v2", "worker@sha256:" + "ab" * 32])
def test_image_tag_pinned_images_pass(image: str) -> None:
    details = [f.detail for f in found(lint("insecure", {"image": image}), "image-tag")]
    assert not any('"worker"' in d for d in details)
    assert len(details) == 2  # setup and sidecar still


@pytest.mark.parametrize(
    ("image", "state"),
    [
        ("localhost:5000/worker", "no tag, so latest"),  # the port is not a tag
        ("nvcr.io/myorg/worker", "no tag, so latest"),
        ("worker:latest", "tag latest"),
    ],
)
def test_image_tag_unpinned_variants(image: str, state: str) -> None:
    details = [f.detail for f in found(lint("insecure", {"image": image}), "image-tag")]
    assert f'container "worker": {image} ({state})' in details


def test_image_tag_empty_tag_value() -> None:
    # a common slip: image: "repo:{{ .Values.image.tag }}" with no tag set renders "repo:"
    report = lint("good", {"image": {"tag": ""}})
    assert rows(report, "image-tag", "good") == [
        ("warning", "Deployment mini-service-good", 'container "echo": nvcr.io/myorg/echo: (empty tag)',
         'templates/deployment.yaml:25 image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"')
    ]  # fmt: skip


def test_env_literal_secrets() -> None:
    # DB_PASSWORD_FILE only points at a credential; the value of DB_PASSWORD is never printed
    assert insecure_rows("env-literal-secrets") == [
        (
            "warning",
            'container "worker": env DB_PASSWORD has a literal value',
            "templates/deployment.yaml:45 value: hunter2",
        )
    ]
    assert all("hunter2" not in f.detail for f in lint("insecure").findings)
    # secretKeyRef, *_FILE / *_NAME pointers and empty values are fine
    assert found(lint("good"), "env-literal-secrets") == []
    assert found(lint("edge-cases"), "env-literal-secrets") == []


# --- the Pod Security Standards checks the insecure chart leaves alone: pss-violations ---------

AGENT, EXPORTER = "Deployment mini-service-agent", "Pod mini-service-windows-exporter"


def test_pss_violations_chart_findings_per_rule() -> None:
    report = lint("pss-violations")
    assert Counter(f.rule_id for f in report.findings) == {
        "pss-sysctls": 1, "pss-run-as-user": 1, "pss-run-as-non-root": 1, "pss-capabilities-restricted": 1,
        "pss-host-ports": 1, "pss-host-probes-and-lifecycle": 1, "pss-proc-mount-restricted": 1,
        "pss-host-namespaces": 1, "pss-windows-host-process": 1,
    }  # fmt: skip
    # the NVCF restrictions and best practices accept the chart: only pod-security warnings
    assert report.summary() == {"objects": 2, "hooks": 0, "rules": len(NVCF_RULES), "errors": 0, "warnings": 9, "infos": 0}
    lines = [(f.location.template, f.location.line) for f in report.findings]
    assert lines == sorted(lines)


def test_sysctls() -> None:
    # net.ipv4.tcp_keepalive_time is safe from v1.29; the values are not checked
    assert pss_rows(lint("pss-violations"), "pss-sysctls", "pss-violations") == [
        ("warning", AGENT, "forbidden sysctls", "net.core.somaxconn, kernel.msgmax",
         "templates/agent.yaml:25 - name: net.core.somaxconn"),
    ]  # fmt: skip
    assert pss_rows(lint_at("pss-violations", "v1.28"), "pss-sysctls", "pss-violations") == [
        ("warning", AGENT, "forbidden sysctls", "net.ipv4.tcp_keepalive_time, net.core.somaxconn, kernel.msgmax",
         "templates/agent.yaml:23 - name: net.ipv4.tcp_keepalive_time"),
    ]  # fmt: skip
    assert found(lint("good"), "pss-sysctls") == []


def test_host_ports() -> None:
    assert pss_rows(lint("pss-violations"), "pss-host-ports", "pss-violations") == [
        ("warning", AGENT, "hostPort", 'container "agent" uses hostPort 9100', "templates/agent.yaml:53 hostPort: 9100")
    ]
    # containerPort alone is fine
    assert found(lint("edge-cases"), "pss-host-ports") == []
    assert found(lint("good"), "pss-host-ports") == []


def test_host_probes_and_lifecycle() -> None:
    # the liveness probe's and the preStop hook's hosts; a check from policy version v1.34
    assert pss_rows(lint("pss-violations"), "pss-host-probes-and-lifecycle", "pss-violations") == [
        ("warning", AGENT, "probe or lifecycle host", 'container "agent" uses probe or lifecycle hosts "127.0.0.1", "localhost"',
         "templates/agent.yaml:56 host: 127.0.0.1"),
    ]  # fmt: skip
    assert found(lint_at("pss-violations", "v1.33"), "pss-host-probes-and-lifecycle") == []
    assert found(lint_at("pss-violations", "v1.34"), "pss-host-probes-and-lifecycle") != []


def test_proc_mount() -> None:
    unmasked = 'container "agent" must not set securityContext.procMount to "Unmasked"'
    at = "templates/agent.yaml:68 procMount: Unmasked"
    restricted = lint("pss-violations")
    assert pss_rows(restricted, "pss-proc-mount-restricted", "pss-violations") == [("warning", AGENT, "procMount", unmasked, at)]
    assert found(restricted, "pss-proc-mount") == []  # replaced at Restricted from v1.35
    baseline = lint("pss-violations", profile="pss-baseline")
    assert pss_rows(baseline, "pss-proc-mount", "pss-violations") == [("error", AGENT, "procMount", unmasked, at)]
    # before v1.35 the Baseline check runs at Restricted too
    assert pss_rows(lint_at("pss-violations", "v1.34"), "pss-proc-mount", "pss-violations") == [
        ("warning", AGENT, "procMount", unmasked, at)
    ]
    assert found(lint_at("pss-violations", "v1.34"), "pss-proc-mount-restricted") == []


def test_run_as_user() -> None:
    assert pss_rows(lint("pss-violations"), "pss-run-as-user", "pss-violations") == [
        ("warning", AGENT, "runAsUser=0", 'container "chown" must not set runAsUser=0', "templates/agent.yaml:34 runAsUser: 0")
    ]
    assert found(lint_at("pss-violations", "v1.22"), "pss-run-as-user") == []  # a check from v1.23
    assert found(lint("edge-cases"), "pss-run-as-user") == []  # runAsUser: 10001
    assert found(lint("good"), "pss-run-as-user") == []  # runAsUser: 1000


def test_user_namespace_relaxations() -> None:
    # hostUsers: false (v1.35) lifts runAsNonRoot, runAsUser and Baseline's procMount, not procMount_restricted
    report = lint("pss-violations", {"userNamespace": True})
    assert {f.rule_id for f in report.findings} == {
        "pss-sysctls", "pss-capabilities-restricted", "pss-host-ports", "pss-host-probes-and-lifecycle",
        "pss-proc-mount-restricted", "pss-host-namespaces", "pss-windows-host-process",
    }  # fmt: skip
    assert found(lint("pss-violations", {"userNamespace": True}, profile="pss-baseline"), "pss-proc-mount") == []
    assert found(lint_at("pss-violations", "v1.34", {"userNamespace": True}), "pss-run-as-user") != []


def test_windows_host_process() -> None:
    report = lint("pss-violations")
    assert pss_rows(report, "pss-windows-host-process", "pss-violations") == [
        ("warning", EXPORTER, "hostProcess", "pod must not set securityContext.windowsOptions.hostProcess=true",
         "templates/windows-exporter.yaml:14 hostProcess: true"),
    ]  # fmt: skip
    # HostProcess pods need the host network; the Restricted checks Windows pods skip do not report
    assert [(f.rule_id, f.detail) for f in report.findings if str(f.object) == EXPORTER] == [
        ("pss-host-namespaces", "hostNetwork=true"),
        ("pss-windows-host-process", "pod must not set securityContext.windowsOptions.hostProcess=true"),
    ]
    assert [str(f.object) for f in lint("pss-violations", {"windows": {"enabled": False}}).findings] == [AGENT] * 7


def test_restricted_volumes() -> None:
    # one finding for the pod, naming every restricted volume; the NVCF volume-types rule says the same per volume
    report = lint("bad-volumes")
    assert pss_rows(report, "pss-restricted-volumes", "bad-volumes") == [
        ("warning", "Deployment mini-service-inference", "restricted volume types",
         'volumes "host-models", "shared" use restricted volume types "hostPath", "nfs"',
         "templates/deployment.yaml:48 hostPath:"),
    ]  # fmt: skip
    assert found(report, "pss-host-path-volumes") == []  # replaced at Restricted
    # configMap, secret, emptyDir, projected (and PVC) are fine
    for name in ("good", "edge-cases"):
        assert found(lint(name), "pss-restricted-volumes") == []


def test_host_path_volumes() -> None:
    report = lint("bad-volumes", profile="pss-baseline")
    assert pss_rows(report, "pss-host-path-volumes", "bad-volumes") == [
        ("error", "Deployment mini-service-inference", "hostPath volumes", 'volume "host-models"',
         "templates/deployment.yaml:48 hostPath:"),
    ]  # fmt: skip
    assert [f.rule_id for f in report.findings] == ["pss-host-path-volumes"]  # nfs is fine at Baseline


@pytest.mark.parametrize("rule_id", REPLACED_AT_RESTRICTED)
def test_restricted_replaces_baseline_checks(rule_id: str) -> None:
    # the chart that fails the Baseline check passes it under the Restricted nvcf profiles
    name, values, options = FAILING[rule_id]
    assert options == {"profile": "pss-baseline"}
    for profile in ("nvcf", "nvcf-strict", "nvcf-2025", "pss-restricted"):
        assert found(lint(name, values, profile=profile), rule_id) == []


# --- strict mode and the other profiles -------------------------------------------------------


#: chart → (errors by default, errors with strict=True): strict adds one error per "should" finding.
STRICT_ERRORS = {"insecure": (3, 3 + 12), "pss-violations": (0, 9), "bad-volumes": (4, 4 + 1)}


@pytest.mark.parametrize("name", sorted(STRICT_ERRORS))
def test_strict_turns_should_rules_into_errors(name: str) -> None:
    default, strict = lint(name), lint(name, strict=True)
    # the same findings; on a shared line an error sorts first, so compare them in (rule, detail) order
    pairs = zip(
        sorted(default.findings, key=lambda f: (f.rule_id, f.detail)),
        sorted(strict.findings, key=lambda f: (f.rule_id, f.detail)),
        strict=True,
    )
    for plain, hard in pairs:
        assert (plain.rule_id, plain.detail, plain.location) == (hard.rule_id, hard.detail, hard.location)
        if plain.rule_id in SHOULD_RULES:
            assert (plain.severity, hard.severity) == (Severity.WARNING, Severity.ERROR), plain
        else:  # enforced rules and best practices keep their severity
            assert plain.severity == hard.severity, plain
    assert (default.summary()["errors"], strict.summary()["errors"]) == STRICT_ERRORS[name]


def test_strict_charts_cover_every_should_rule() -> None:
    # every should rule that can report under nvcf (Restricted, latest) does on one of these charts
    seen = {f.rule_id for name in STRICT_ERRORS for f in lint(name).findings if f.rule_id in SHOULD_RULES}
    assert seen == set(SHOULD_RULES) - set(REPLACED_AT_RESTRICTED)


def test_strict_profile_equals_strict_flag() -> None:
    for name in ("insecure", "pss-violations"):
        flag = lint(name, strict=True)
        profile = lint(name, profile="nvcf-strict")
        assert [(f.rule_id, f.severity, f.detail) for f in profile.findings] == [
            (f.rule_id, f.severity, f.detail) for f in flag.findings
        ]
        assert profile.strict


def test_strict_on_edge_case() -> None:
    report = lint("edge-cases", {"rootOverride": True}, strict=True)
    assert [(f.rule_id, f.severity) for f in report.findings] == [("pss-run-as-non-root", Severity.ERROR)]
    assert report.failed()


@pytest.mark.parametrize("name", sorted(STRICT_ERRORS))
def test_profile_nvcf_2025_requires_pod_security(name: str) -> None:
    report = lint(name, profile="nvcf-2025")
    should = [(f.rule_id, f.detail) for f in report.findings if f.rule_id in SHOULD_RULES]
    assert should == [(f.rule_id, f.detail) for f in lint(name).findings if f.rule_id in SHOULD_RULES]
    # "must conform to the Pod Security Standards": errors without strict; limits stay a should
    for finding in report.findings:
        if finding.rule_id == "resource-limits":
            assert finding.severity == Severity.WARNING
        elif finding.rule_id in SHOULD_RULES:
            assert finding.severity == Severity.ERROR, finding


def test_profile_nvcf_2025_pod_security_errors() -> None:
    severities = {
        f.rule_id: f.severity
        for name in STRICT_ERRORS
        for f in lint(name, profile="nvcf-2025").findings
        if f.rule_id in SHOULD_RULES
    }
    assert severities.pop("resource-limits") == Severity.WARNING
    assert severities == dict.fromkeys(set(SHOULD_RULES) - set(REPLACED_AT_RESTRICTED) - {"resource-limits"}, Severity.ERROR)


def test_profile_nvcf_2024_has_no_security_rules() -> None:
    report = lint("insecure", profile="nvcf-2024")
    assert report.rule_ids == [c.rule.id for c in load_profile("nvcf-2024").rules]
    assert not set(report.rule_ids) & {*SHOULD_RULES, "chart-hooks", "volume-types", "service-type"}
    expected = {"image-tag": 3, "env-literal-secrets": 1}
    if "reserved-env-vars" in report.rule_ids:
        expected["reserved-env-vars"] = 1
    assert Counter(f.rule_id for f in report.findings) == expected
    assert found(lint("hooks", profile="nvcf-2024"), "chart-hooks") == []  # not a rule then
    # the PVC, and the nvcr.io image without ngcImagePullSecretName (documented since 2024)
    assert [f.rule_id for f in lint("bad-volumes", profile="nvcf-2024").findings] == ["allowed-kinds", "ngc-pull-secret-key"]


def test_profiles_load_with_expected_rules() -> None:
    assert [c.rule.id for c in load_profile("nvcf").rules] == [rule.id for rule in NVCF_RULES]
    strict = {c.rule.id: c.severity for c in load_profile("nvcf", strict=True).rules}
    assert {rule_id: strict[rule_id] for rule_id in SHOULD_RULES} == dict.fromkeys(SHOULD_RULES, Severity.ERROR)
