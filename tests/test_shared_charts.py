"""chartguard on real charts from ../shared/charts (skipped when ../shared is absent).

NVIDIA's samples must pass the current rules (warnings only); third-party charts that break them
must fail naming the exact rules and objects; every chart must give a report or a one-line error,
never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cli import cli
from helpers.paths import SHARED, shared_path

import chartguard
from chartguard.errors import ChartguardError, RenderError
from chartguard.findings import Severity

CHARTS = (
    sorted(p.name for p in (SHARED / "charts").iterdir() if (p / "Chart.yaml").is_file()) if (SHARED / "charts").is_dir() else []
)
NVIDIA_SAMPLES = [c for c in CHARTS if c.startswith(("nvcf-", "nvca-")) and c != "nvcf-oss-dynamo-operator-test"]


def errors(report):
    return sorted({(f.rule_id, f.object.kind, f.object.name, f.detail) for f in report.findings if f.severity == Severity.ERROR})


@pytest.mark.parametrize("name", NVIDIA_SAMPLES or ["<absent>"])
def test_nvidia_samples_have_no_errors(name):
    chart = shared_path("charts", name)
    report = chartguard.lint_chart(chart)
    assert errors(report) == []
    assert report.objects > 0
    assert not report.failed()


def test_nvidia_packaged_samples_have_no_errors():
    for archive in sorted(shared_path("charts", "packaged").glob("*.tgz")):
        report = chartguard.lint_chart(archive)
        assert errors(report) == [], archive.name
        assert all(".tgz:" in f.location.path for f in report.findings if f.object.kind != "Chart")


def test_dynamo_sample_names_the_value_it_needs():
    with pytest.raises(RenderError, match="hfToken is required"):
        chartguard.lint_chart(shared_path("charts", "nvcf-oss-dynamo-operator-test"))
    report = chartguard.lint_chart(shared_path("charts", "nvcf-oss-dynamo-operator-test"), set_values=["hfToken=x"])
    assert report.objects > 0


def test_multi_node_sample_with_nvidia_overrides():
    chart = shared_path("charts", "nvcf-multi-node-test")
    for override in sorted(shared_path("charts", "values-overrides").glob("nvcf-multi-node-test.*.yaml")):
        report = chartguard.lint_chart(chart, value_files=[str(override)])
        assert errors(report) == [], override.name


def test_nvidia_device_plugin_fails_on_daemonsets_cluster_rbac_and_host_paths():
    chart = shared_path("charts", "nvidia-device-plugin")
    with pytest.raises(RenderError, match="Running in the 'default' namespace is not recommended"):
        chartguard.lint_chart(chart)
    report = chartguard.lint_chart(chart, namespace="nvidia-device-plugin")
    found = errors(report)
    assert ("allowed-kinds", "DaemonSet", "mini-service-nvidia-device-plugin", "apps/v1/DaemonSet") in found
    assert (
        "allowed-kinds",
        "ClusterRole",
        "mini-service-nvidia-device-plugin-role",
        "rbac.authorization.k8s.io/v1/ClusterRole",
    ) in found
    assert (
        "allowed-kinds",
        "ClusterRoleBinding",
        "mini-service-nvidia-device-plugin-role-binding",
        "rbac.authorization.k8s.io/v1/ClusterRoleBinding",
    ) in found
    assert (
        "volume-types",
        "DaemonSet",
        "mini-service-nvidia-device-plugin",
        'volume "kubelet-device-plugins-dir": hostPath',
    ) in found
    assert {rule for rule, *_ in found} == {"allowed-kinds", "volume-types"}
    strict = chartguard.lint_chart(chart, namespace="nvidia-device-plugin", strict=True)
    assert ("pss-privileged", "DaemonSet") in {
        (f.rule_id, f.object.kind) for f in strict.findings if f.severity == Severity.ERROR
    }


def test_prometheus_node_exporter_fails_on_daemonset_and_host_paths():
    report = chartguard.lint_chart(shared_path("charts", "prometheus-node-exporter"))
    found = errors(report)
    name = "mini-service-prometheus-node-exporter"
    assert found == [
        ("allowed-kinds", "DaemonSet", name, "apps/v1/DaemonSet"),
        ("volume-types", "DaemonSet", name, 'volume "proc": hostPath'),
        ("volume-types", "DaemonSet", name, 'volume "root": hostPath'),
        ("volume-types", "DaemonSet", name, 'volume "sys": hostPath'),
    ]
    located = {f.detail: (Path(f.location.path).name, f.location.line) for f in report.findings if f.rule_id == "volume-types"}
    assert located['volume "proc": hostPath'] == ("daemonset.yaml", 343)


def test_triton_fails_on_load_balancer_and_service_monitor():
    report = chartguard.lint_chart(shared_path("charts", "triton-aws"))
    name = "mini-service-triton-inference-server"
    assert errors(report) == [
        ("allowed-kinds", "ServiceMonitor", f"{name}-metrics-monitor", "monitoring.coreos.com/v1/ServiceMonitor"),
        ("service-type", "Service", name, "type: LoadBalancer"),
    ]
    service = next(f for f in report.findings if f.rule_id == "service-type")
    assert service.location.path.endswith("triton-aws/templates/service.yaml") and service.location.line == 38


def test_podinfo_needs_newer_kubernetes_and_has_test_hooks():
    chart = shared_path("charts", "podinfo")
    with pytest.raises(RenderError, match="incompatible with Kubernetes v1.20.0"):
        chartguard.lint_chart(chart)
    report = chartguard.lint_chart(chart, kube_version="v1.30.0")
    hooks = [f for f in report.findings if f.rule_id == "chart-hooks"]
    assert len(hooks) == report.hooks == 3 and all(f.reason == "test hooks are not run" for f in hooks)


@pytest.mark.parametrize("name", CHARTS or ["<absent>"])
def test_every_chart_gives_a_report_or_a_one_line_error(name):
    chart = shared_path("charts", name)
    result = cli("lint", str(chart), in_subprocess=True)
    assert "Traceback" not in result.stderr
    assert result.code in (0, 1, 2)
    if result.code == 2:
        lines = result.stderr.strip().splitlines()
        assert lines[0].startswith("chartguard: render error: ") and len(lines) <= 2
    else:
        assert result.stdout.strip().splitlines()[-1].startswith(("PASS", "FAIL"))


def test_library_errors_are_chartguard_errors():
    with pytest.raises(ChartguardError):
        chartguard.lint_chart(shared_path("charts") / "no-such-chart")
