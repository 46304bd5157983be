"""GPU gating: instance-type parsing and resolution (chartguard.rules.gpu.facts) and the gpu-* rules.

The rules run over testcharts/gpu-workloads (a GPU StatefulSet/Deployment/Job, a headless Service
and a CPU-only helper Deployment) with single-node, multi-node, MIG, unknown and mismatching
instance types, and over NVIDIA's multi-node sample chart with its override files (skipped when
../shared is absent).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from helpers.lint import lint_gpu_workloads
from helpers.paths import TESTCHARTS, shared_path

import chartguard
from chartguard.cli import main
from chartguard.findings import Report, Severity
from chartguard.function import DeploymentSpec, FunctionSpec, with_instance_type
from chartguard.profile import load_profile
from chartguard.rules.gpu.facts import (
    InstanceType,
    explain_instance_type,
    gpu_resource_kind,
    parse_instance_type,
    pod_count,
    pod_gpus,
    product_matches,
    resolve_instance_type,
)
from chartguard.workloads import pods_of

GPU_RULES = (
    "gpu-resource-names",
    "gpu-request-limit",
    "gpu-instance-type",
    "gpu-count-label",
    "gpu-pod-fits-node",
    "gpu-whole-node",
    "gpu-pod-count",
    "gpu-node-total",
    "gpu-node-affinity",
    "gpu-product-selector",
    "gpu-env-consistency",
)

# --- parsing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("DGXC.GPU.L40S_1x", ("DGXC", "L40S", 1, 1, "DGXC.GPU.L40S")),
        ("ON-PREM.GPU.B200_8x.x2", ("ON-PREM", "B200", 8, 2, "ON-PREM.GPU.B200")),
        ("AWS.GPU.GB200_4x.x2", ("AWS", "GB200", 4, 2, "AWS.GPU.GB200")),
        ("OCI.GPU.H100_8x.x4", ("OCI", "H100", 8, 4, "OCI.GPU.H100")),
        ("DGX-CLOUD.GPU.AD102GL_8x", ("DGX-CLOUD", "AD102GL", 8, 1, "DGX-CLOUD.GPU.AD102GL")),
        ("ON-PREM.GPU.A100_7x", ("ON-PREM", "A100", 7, 1, "ON-PREM.GPU.A100")),
        ("NCP.GPU.a10g_1x", ("NCP", "a10g", 1, 1, "NCP.GPU.a10g")),  # the GPU name may be any case
        ("ON-PREM.GPU.A100_16x.x64", ("ON-PREM", "A100", 16, 64, "ON-PREM.GPU.A100")),  # at the caps
    ],
)
def test_parse_instance_types(name: str, expected: tuple[Any, ...]) -> None:
    parsed = parse_instance_type(name)
    assert parsed is not None
    assert (parsed.csp, parsed.gpu, parsed.gpus_per_node, parsed.nodes, parsed.value) == expected
    assert parsed.name == name
    assert parsed.total_gpus == expected[2] * expected[3]
    assert parsed.multi_node is (expected[3] > 1)


@pytest.mark.parametrize(
    "name",
    [
        "gl40_1.br20_2xlarge",  # GFN
        "g6.full",  # GFN
        "GFN.GPU.L40",  # no suffix
        "ON-PREM.GPU.A100",  # a node's base name
        "on-prem.GPU.A100_1x",  # lower-case CSP
        "ON-PREM.gpu.A100_1x",  # GPU is literal upper case
        "ON-PREM.GPU.A100_1X",  # x is lower case
        "ON-PREM.GPU.A100_0x",  # no zero GPUs
        "ON-PREM.GPU.A100_2x.x0",  # no zero nodes (NVCA reads .x0 as 1)
        "ON-PREM.GPU.A100_01x",
        "ON-PREM.GPU.A100_2x.x",
        "ON-PREM.GPU.A100_2x.2",
        "ON-PREM.GPU.A100-MIG_1x",  # no dashes in the GPU name
        "ON-PREM.GPU.A100_1g.10gb",  # MIG profile names are not instance types
        "ON-PREM.GPU.A100_2x.x212314212",  # NVCA accepts it; above the node cap
        "ON-PREM.GPU.A100_17x",  # above the per-node cap
        " DGXC.GPU.L40S_1x",
        "DGXC.GPU.L40S_1x\n",
        "-X.GPU.L40S_1x",
        "",
        None,
        8,
    ],
)
def test_unknown_instance_types_are_none_not_errors(name: Any) -> None:
    assert parse_instance_type(name) is None
    assert explain_instance_type(name)[1]


def test_caps_are_configurable() -> None:
    assert parse_instance_type("ON-PREM.GPU.A100_2x.x212314212", max_nodes=10**9) is not None
    assert parse_instance_type("ON-PREM.GPU.A100_8x", max_gpus_per_node=4) is None
    assert "above the cap" in explain_instance_type("ON-PREM.GPU.A100_8x.x3", max_nodes=2)[1]


def test_gpu_resource_kinds() -> None:
    assert gpu_resource_kind("nvidia.com/gpu") == "gpu"
    assert gpu_resource_kind("nvidia.com/mig-1g.10gb") == "mig"
    assert gpu_resource_kind("nvidia.com/mig-3g.40gb") == "mig"
    assert gpu_resource_kind("nvidia.com/gpu.shared") == "shared"
    assert gpu_resource_kind("nvidia.com/pgpu") == "shared"
    assert gpu_resource_kind("amd.com/gpu") == "other"
    assert gpu_resource_kind("cpu") is None
    assert gpu_resource_kind("vpc.amazonaws.com/efa") is None


def test_product_matching_is_conservative() -> None:
    assert product_matches("H100", "NVIDIA-H100-80GB-HBM3")
    assert product_matches("A100", "A100-SXM4-40GB-MIG-1g.5gb")
    assert product_matches("l40s", "NVIDIA-L40S")
    assert product_matches("AD102GL", "NVIDIA-L40")
    assert product_matches("AD102GL", "AD102GL")
    assert not product_matches("H100", "NVIDIA-A100-SXM4-80GB")
    assert not product_matches("B200", "NVIDIA-H100-80GB-HBM3")


# --- resolution -------------------------------------------------------------------------------------

KEY = "nvcf.nvidia.io/instance-type-name"


def sts(own: str | None = None, template: str | None = None, gpus: int = 8, replicas: int = 2) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "rank", "annotations": {KEY: own}} if own else {"name": "rank"}
    pod_meta = {"annotations": {KEY: template}} if template else {}
    container = {"name": "c", "image": "x", "resources": {"limits": {"nvidia.com/gpu": gpus}}}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": meta,
        "spec": {"replicas": replicas, "template": {"metadata": pod_meta, "spec": {"containers": [container]}}},
    }


def test_resolution_order() -> None:
    assert resolve_instance_type(sts()).name is None
    assert resolve_instance_type(sts(own="DGXC.GPU.L40S_1x")).source == f"annotation {KEY}"
    template = resolve_instance_type(sts(template="ON-PREM.GPU.B200_8x.x2"))
    assert template.source == f"pod template annotation {KEY}"
    assert template.instance_type == InstanceType("ON-PREM.GPU.B200_8x.x2", "ON-PREM.GPU.B200", "ON-PREM", "B200", 8, 2)
    # the lint-time instance type (--instance-type / the deployment) comes first: NVCA overwrites the chart's
    function = with_instance_type(None, "AWS.GPU.GB200_4x.x2")
    first = resolve_instance_type(sts(own="DGXC.GPU.L40S_1x"), function)
    assert (first.name, first.source) == ("AWS.GPU.GB200_4x.x2", "--instance-type")
    # configured keys, first match wins, in both places
    params = {"instance_type_annotations": ["gpu-gate.nvcf.io/instance-type", KEY]}
    obj = sts(own="DGXC.GPU.L40S_1x")
    obj["spec"]["template"]["metadata"] = {"annotations": {"gpu-gate.nvcf.io/instance-type": "OCI.GPU.H100_8x"}}
    assert resolve_instance_type(obj, None, params).name == "OCI.GPU.H100_8x"
    # an unknown string is found, but unknown
    gfn = resolve_instance_type(sts(own="g6.full"))
    assert (gfn.name, gfn.instance_type) == ("g6.full", None)
    assert "format" in gfn.why
    # object and template disagree
    (conflict,) = resolve_instance_type(sts(own="DGXC.GPU.L40S_1x", template="OCI.GPU.H100_8x")).conflicts
    assert (
        "on its pod template" in conflict.detail
        and conflict.pointer == "/metadata/annotations/nvcf.nvidia.io~1instance-type-name"
    )
    assert resolve_instance_type(sts(own="DGXC.GPU.L40S_1x", template="DGXC.GPU.L40S_1x")).conflicts == ()


def test_cronjob_and_pod_resolution() -> None:
    cron = {
        "kind": "CronJob",
        "metadata": {"name": "c"},
        "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"annotations": {KEY: "DGXC.GPU.L40S_1x"}}}}}},
    }
    assert resolve_instance_type(cron).source == f"pod template annotation {KEY}"
    pod = {"kind": "Pod", "metadata": {"annotations": {KEY: "DGXC.GPU.L40S_1x"}}, "spec": {}}
    assert resolve_instance_type(pod).source == f"annotation {KEY}"


def test_with_instance_type_keeps_the_function() -> None:
    function = FunctionSpec(service_name="svc", deployment=DeploymentSpec(backend="GFN", instance_type="x"))
    updated = with_instance_type(function, "DGXC.GPU.L40S_1x")
    assert updated is not None and updated.deployment is not None
    assert (updated.service_name, updated.deployment.backend, updated.deployment.instance_type) == (
        "svc",
        "GFN",
        "DGXC.GPU.L40S_1x",
    )
    assert with_instance_type(function, None) is function


def test_pod_gpus_follow_the_pod_resource_model() -> None:
    def pod(init: list[tuple[int, bool]], app: list[int]) -> dict[str, Any]:
        def c(n: int, sidecar: bool = False) -> dict[str, Any]:
            spec: dict[str, Any] = {"name": "x", "resources": {"limits": {"nvidia.com/gpu": n}}}
            if sidecar:
                spec["restartPolicy"] = "Always"
            return spec

        return {"kind": "Pod", "spec": {"initContainers": [c(n, s) for n, s in init], "containers": [c(n) for n in app]}}

    def gpus(obj: dict[str, Any]) -> int:
        return pod_gpus(next(pods_of(obj)))

    assert gpus(pod([], [1, 2])) == 3
    assert gpus(pod([(4, False)], [1])) == 4  # a regular init container runs alone
    assert gpus(pod([(1, True)], [2])) == 3  # a sidecar runs beside the app
    assert gpus(pod([(2, False), (1, True)], [1])) == 2
    request_only = {"kind": "Pod", "spec": {"containers": [{"name": "x", "resources": {"requests": {"nvidia.com/gpu": "2"}}}]}}
    assert gpus(request_only) == 2


def test_pod_counts() -> None:
    assert pod_count(sts(replicas=3)) == 3
    assert pod_count({"kind": "Deployment", "spec": {}}) == 1
    assert pod_count({"kind": "Job", "spec": {"parallelism": 4}}) == 4
    assert pod_count({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"parallelism": 2}}}}) == 2
    assert pod_count({"kind": "LeaderWorkerSet", "spec": {"replicas": 2, "leaderWorkerTemplate": {"size": 4}}}) == 8
    assert pod_count({"kind": "DaemonSet", "spec": {}}) is None
    assert pod_count({"kind": "StatefulSet", "spec": {"replicas": "{{ x }}"}}) is None


# --- the rules over testcharts/gpu-workloads ----------------------------------------------------------


def gpu(report: Report) -> list[tuple[str, str, str, str]]:
    """The GPU findings: (rule, severity, object name, detail)."""
    return sorted((f.rule_id, str(f.severity), f.object.name, f.detail) for f in report.findings if f.rule_id.startswith("gpu-"))


def rules(report: Report) -> set[str]:
    return {f.rule_id for f in report.findings if f.rule_id.startswith("gpu-")}


@pytest.mark.parametrize(
    ("instance_type", "values"),
    [
        ("DGXC.GPU.L40S_1x", {}),
        ("OCI.GPU.H100_8x", {"replicas": 2, "gpuLimit": 4, "gpuRequest": 4}),
        ("ON-PREM.GPU.B200_8x.x2", {"replicas": 2, "gpuLimit": 8, "gpuRequest": 8}),
        ("AWS.GPU.GB200_4x.x2", {"replicas": 2, "gpuLimit": 4, "gpuRequest": None}),  # limit only
        ("ON-PREM.GPU.A100_8x.x4", {"kind": "Deployment", "replicas": 4, "gpuLimit": 8, "gpuRequest": 8}),
        ("ON-PREM.GPU.A100_2x.x2", {"kind": "Job", "replicas": 2, "gpuLimit": 2, "gpuRequest": 2}),
        ("OCI.GPU.H100_8x", {"gpuLimit": 8, "gpuRequest": 8, "gpuProduct": "NVIDIA-H100-80GB-HBM3"}),
        ("DGX-CLOUD.GPU.AD102GL_1x", {"gpuProductAffinity": ["NVIDIA-L40", "NVIDIA-L40S"]}),
        ("DGXC.GPU.L40S_1x", {"gpuLimit": 0, "gpuRequest": 0}),  # no GPU at all
    ],
)
def test_clean_gpu_shapes(instance_type: str, values: dict[str, Any]) -> None:
    for strict in (False, True):
        report = lint_gpu_workloads(instance_type, strict=strict, **values)
        assert [f.to_dict() for f in report.findings] == []
        assert set(GPU_RULES) <= set(report.rule_ids)


def test_no_instance_type_in_the_nvcf_profile_is_quiet_and_an_error_by_default(tmp_path) -> None:
    assert lint_gpu_workloads().findings == []
    nvcf = {c.rule.id: c for c in load_profile("nvcf").rules}["gpu-instance-type"]
    assert (nvcf.severity, nvcf.params["allow_missing"], nvcf.rule.severity) == (Severity.WARNING, True, Severity.ERROR)
    # the rule's own default (a GPU admission gate): a GPU request with no instance type is denied
    gate = tmp_path / "gate.yaml"
    gate.write_text(
        "name: gate\ntitle: t\nfollows: tests\nextends: nvcf\nrules:\n  gpu-instance-type:\n    severity: error\n"
        "    params: {allow_missing: false}\n",
        encoding="utf-8",
    )
    report = chartguard.lint_chart(TESTCHARTS / "gpu-workloads", profile=str(gate))
    assert gpu(report) == [("gpu-instance-type", "error", "mini-service-gpu", "no instance type: GPU rules not checked")]


def test_unknown_instance_type_is_a_warning_in_the_nvcf_profile() -> None:
    for name in ("g6.full", "gl40_1.br20_2xlarge", "ON-PREM.GPU.A100", "dgxc.GPU.L40S_1x"):
        findings = gpu(lint_gpu_workloads(name))
        assert [(rule, severity, obj) for rule, severity, obj, _ in findings] == [
            ("gpu-instance-type", "warning", "mini-service-gpu")
        ]
        assert "format" in findings[0][3]
    # the CPU-only helper is never flagged; with no GPU at all nothing is
    assert gpu(lint_gpu_workloads("g6.full", gpuLimit=0, gpuRequest=0)) == []


def test_annotation_instance_type_and_inconsistency() -> None:
    # NVCA stamps the annotation on the object and its template: the rules use it without --instance-type
    both = {"instanceTypeAnnotation": "DGXC.GPU.L40S_1x", "templateInstanceTypeAnnotation": "DGXC.GPU.L40S_1x"}
    assert gpu(lint_gpu_workloads(**both)) == []
    assert rules(lint_gpu_workloads(**{**both, "replicas": 2})) == {"gpu-node-total"}
    template_only = lint_gpu_workloads(
        templateInstanceTypeAnnotation="ON-PREM.GPU.B200_8x.x2", replicas=2, gpuLimit=4, gpuRequest=4
    )
    assert rules(template_only) == {"gpu-whole-node"}
    mismatch = gpu(
        lint_gpu_workloads(instanceTypeAnnotation="DGXC.GPU.L40S_1x", templateInstanceTypeAnnotation="OCI.GPU.H100_8x")
    )
    assert [(r, s) for r, s, _, _ in mismatch] == [("gpu-instance-type", "warning")]
    assert "on its pod template" in mismatch[0][3]


def test_resource_names_mig_shared_and_other_vendors() -> None:
    for resource, what in (
        ("nvidia.com/mig-1g.10gb", "a MIG slice"),
        ("nvidia.com/gpu.shared", "a shared (time-sliced) GPU"),
        ("amd.com/gpu", "another vendor's GPU"),
    ):
        report = lint_gpu_workloads("DGXC.GPU.L40S_1x", gpuResource=resource)
        assert gpu(report) == [("gpu-resource-names", "error", "mini-service-gpu", f'container "worker": {resource} is {what}')]
        assert not any(f.rule_id == "gpu-instance-type" for f in report.findings)
    # MIG without an instance type: the resource is flagged, and the GPU request is seen
    assert rules(lint_gpu_workloads("g6.full", gpuResource="nvidia.com/mig-3g.40gb")) == {
        "gpu-resource-names",
        "gpu-instance-type",
    }


def test_mig_and_shared_allowed_by_params(tmp_path) -> None:
    profile = tmp_path / "mig.yaml"
    profile.write_text(
        "name: mig\ntitle: t\nfollows: tests\nextends: nvcf\nrules:\n  gpu-resource-names:\n    params: {allow_mig: true, allow_shared: true}\n",
        encoding="utf-8",
    )
    for resource in ("nvidia.com/mig-1g.10gb", "nvidia.com/gpu.shared"):
        assert gpu(lint_gpu_workloads("DGXC.GPU.L40S_1x", profile=str(profile), gpuResource=resource)) == []
    assert rules(lint_gpu_workloads("DGXC.GPU.L40S_1x", profile=str(profile), gpuResource="amd.com/gpu")) == {
        "gpu-resource-names"
    }


@pytest.mark.parametrize(
    ("values", "reason", "detail"),
    [
        ({"gpuLimit": 2, "gpuRequest": 1}, "GPU request differs from its limit", "request 1 != limit 2"),
        ({"gpuLimit": None, "gpuRequest": 1}, "GPU request without a limit", "request 1 has no limit"),
        ({"gpuLimit": "500m", "gpuRequest": "500m"}, "GPU quantity is not an integer", "'500m'"),
        ({"gpuLimit": 0.5, "gpuRequest": 0.5}, "GPU quantity is not an integer", "0.5"),
    ],
)
def test_request_limit(values: dict[str, Any], reason: str, detail: str) -> None:
    report = lint_gpu_workloads("DGXC.GPU.L40S_1x", **values)
    found = [f for f in report.findings if f.rule_id == "gpu-request-limit"]
    assert len(found) == 1 and found[0].reason == reason and detail in found[0].detail
    assert found[0].severity == Severity.ERROR
    assert found[0].location.template == "gpu-workloads/templates/workload.yaml"


def test_pod_fits_node_single_and_multi_node() -> None:
    assert gpu(lint_gpu_workloads("DGXC.GPU.L40S_1x", gpuLimit=2, gpuRequest=2)) == [
        ("gpu-node-total", "error", "mini-service-gpu", "2 GPUs in the release (1 pods × 2); DGXC.GPU.L40S_1x has 1"),
        ("gpu-pod-fits-node", "error", "mini-service-gpu", "pod asks for 2 GPUs; DGXC.GPU.L40S_1x has 1 per node"),
    ]
    multi = lint_gpu_workloads("AWS.GPU.GB200_4x.x2", replicas=2, gpuLimit=8, gpuRequest=8)
    assert gpu(multi) == [
        ("gpu-pod-fits-node", "error", "mini-service-gpu", "pod asks for 8 GPUs; AWS.GPU.GB200_4x.x2 has 4 per node")
    ]
    # init containers count on their own, sidecars with the app
    assert rules(lint_gpu_workloads("OCI.GPU.H100_4x", initGpus=8)) == {"gpu-pod-fits-node", "gpu-node-total"}
    assert rules(lint_gpu_workloads("OCI.GPU.H100_4x", initGpus=4)) == set()
    assert rules(lint_gpu_workloads("OCI.GPU.H100_4x", gpuLimit=4, gpuRequest=4, sidecarGpus=1)) == {
        "gpu-pod-fits-node",
        "gpu-node-total",
    }


def test_multi_node_whole_nodes_and_pod_count() -> None:
    assert gpu(lint_gpu_workloads("ON-PREM.GPU.B200_8x.x2", replicas=2, gpuLimit=4, gpuRequest=4)) == [
        (
            "gpu-whole-node",
            "error",
            "mini-service-gpu",
            "pod asks for 4 GPUs; multi-node ON-PREM.GPU.B200_8x.x2 needs 8 per GPU pod",
        )
    ]
    assert gpu(lint_gpu_workloads("ON-PREM.GPU.B200_8x.x2", replicas=3, gpuLimit=8, gpuRequest=8)) == [
        ("gpu-pod-count", "error", "mini-service-gpu", "3 GPU pods; ON-PREM.GPU.B200_8x.x2 has 2 nodes")
    ]
    job = lint_gpu_workloads("ON-PREM.GPU.A100_2x.x3", kind="Job", replicas=2, gpuLimit=2, gpuRequest=2)
    assert gpu(job) == [("gpu-pod-count", "error", "mini-service-gpu", "2 GPU pods; ON-PREM.GPU.A100_2x.x3 has 3 nodes")]
    # the CPU-only helper (3 replicas) is not a GPU pod
    assert gpu(lint_gpu_workloads("ON-PREM.GPU.B200_8x.x3", replicas=3, gpuLimit=8, gpuRequest=8)) == []


def test_pod_count_backstop_for_pods_and_leader_worker_sets() -> None:
    def pod(labels: dict[str, str]) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "labels": labels, "annotations": {KEY: "ON-PREM.GPU.B200_8x.x2"}},
            "spec": {"containers": [{"name": "c", "image": "x:1", "resources": {"limits": {"nvidia.com/gpu": 8}}}]},
        }

    def count(objects: list[dict[str, Any]]) -> list[str]:
        report = chartguard.lint_manifests(objects)
        return [f.detail for f in report.findings if f.rule_id == "gpu-pod-count"]

    assert count([pod({"apps.kubernetes.io/pod-index": "1"})]) == []
    assert count([pod({"apps.kubernetes.io/pod-index": "2"})]) == [
        "apps.kubernetes.io/pod-index 2 ≥ 2 nodes of ON-PREM.GPU.B200_8x.x2"
    ]
    assert count([pod({"leaderworkerset.sigs.k8s.io/group-index": "1"})]) == [
        "LeaderWorkerSet group 1: one ON-PREM.GPU.B200_8x.x2 instance is one group"
    ]
    template = {"metadata": {}, "spec": pod({})["spec"]}
    lws = {
        "apiVersion": "leaderworkerset.x-k8s.io/v1",
        "kind": "LeaderWorkerSet",
        "metadata": {"name": "lws", "annotations": {KEY: "ON-PREM.GPU.B200_8x.x2"}},
        "spec": {"replicas": 1, "leaderWorkerTemplate": {"size": 2, "leaderTemplate": template, "workerTemplate": template}},
    }
    assert count([lws]) == []
    lws["spec"]["replicas"] = 2
    assert count([lws])[0] == "replicas 2, size 2; ON-PREM.GPU.B200_8x.x2 needs 1 group of 2"


def test_node_total_across_workloads() -> None:
    objects = [sts(replicas=1, gpus=4), {**sts(replicas=1, gpus=4), "metadata": {"name": "second"}}]
    report = chartguard.lint_manifests(objects, instance_type="OCI.GPU.H100_4x")
    totals = [f for f in report.findings if f.rule_id == "gpu-node-total"]
    assert {f.object.name for f in totals} == {"rank", "second"}
    assert totals[0].detail == "8 GPUs in the release (StatefulSet rank: 1×4, StatefulSet second: 1×4); OCI.GPU.H100_4x has 4"
    assert not [
        f for f in chartguard.lint_manifests(objects, instance_type="OCI.GPU.H100_8x").findings if f.rule_id == "gpu-node-total"
    ]


def test_product_selector_contradictions() -> None:
    assert gpu(lint_gpu_workloads("OCI.GPU.H100_8x", gpuProduct="NVIDIA-A100-SXM4-80GB")) == [
        (
            "gpu-product-selector",
            "warning",
            "mini-service-gpu",
            "nodeSelector nvidia.com/gpu.product=NVIDIA-A100-SXM4-80GB; OCI.GPU.H100_8x has H100 GPUs",
        )
    ]
    affinity = lint_gpu_workloads("ON-PREM.GPU.B200_8x", gpuProductAffinity=["NVIDIA-H100-80GB-HBM3", "NVIDIA-A100"])
    assert [d for r, _, _, d in gpu(affinity)] == [
        "required node affinity nvidia.com/gpu.product in NVIDIA-H100-80GB-HBM3, NVIDIA-A100; ON-PREM.GPU.B200_8x has B200 GPUs"
    ]
    # one matching value is not a contradiction
    assert gpu(lint_gpu_workloads("ON-PREM.GPU.B200_8x", gpuProductAffinity=["NVIDIA-H100-80GB-HBM3", "NVIDIA-B200"])) == []
    assert rules(lint_gpu_workloads("OCI.GPU.H100_8x", strict=True, gpuProduct="NVIDIA-A100")) == {"gpu-product-selector"}
    assert lint_gpu_workloads("OCI.GPU.H100_8x", strict=True, gpuProduct="NVIDIA-A100").findings[0].severity == Severity.ERROR
    # no GPU, no instance type: not checked
    assert gpu(lint_gpu_workloads("OCI.GPU.H100_8x", gpuProduct="NVIDIA-A100", gpuLimit=0, gpuRequest=0)) == []


def test_cli_instance_type() -> None:
    chart = str(TESTCHARTS / "gpu-workloads")
    runner = CliRunner()
    ok = runner.invoke(main, ["lint", chart, "--instance-type", "DGXC.GPU.L40S_1x"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(main, ["lint", chart, "--instance-type", "ON-PREM.GPU.B200_8x.x2", "--format", "json"])
    assert bad.exit_code == 1
    assert {f["ruleId"] for f in json.loads(bad.output)["findings"]} == {"gpu-whole-node", "gpu-pod-count"}
    gfn = runner.invoke(main, ["lint", chart, "--instance-type", "g6.full"])
    assert gfn.exit_code == 0 and "[gpu-instance-type]" in gfn.output


# --- NVIDIA's multi-node sample (../shared) -------------------------------------------------------------


def test_nvidia_multi_node_sample() -> None:
    chart = shared_path("charts", "nvcf-multi-node-test")
    overrides = shared_path("charts", "values-overrides")
    gb200 = [str(overrides / "nvcf-multi-node-test.gb200-override.yaml")]
    eight = [str(overrides / "nvcf-multi-node-test.override.yaml")]

    def gpu_of(instance_type: str | None, files: list[str], **kw: Any) -> set[str]:
        return rules(chartguard.lint_chart(chart, value_files=files, instance_type=instance_type, **kw))

    # no instance type: no GPU findings (the sample's own shape), and no errors
    for files in ([], gb200, eight):
        report = chartguard.lint_chart(chart, value_files=files)
        assert rules(report) == set() and not report.failed()
    # the shapes NVIDIA deploys it on: 2 nodes × 8 B200 (default, override) and 2 × 4 GB200 (gb200 override)
    assert gpu_of("ON-PREM.GPU.B200_8x.x2", []) == set()
    assert gpu_of("ON-PREM.GPU.B200_8x.x2", eight) == set()
    assert gpu_of("AWS.GPU.GB200_4x.x2", gb200) == set()
    # mismatches
    assert gpu_of("ON-PREM.GPU.B200_8x.x2", gb200) == {"gpu-whole-node"}  # 4 GPUs per pod on 8-GPU nodes
    assert gpu_of("AWS.GPU.GB200_4x.x2", []) == {"gpu-pod-fits-node"}  # 8 GPUs per pod on 4-GPU nodes
    # nodesPerInstance 2 on 3 nodes: 2 pods, and NODES_PER_INSTANCE=2 in their env
    assert gpu_of("ON-PREM.GPU.B200_8x.x3", []) == {"gpu-pod-count", "gpu-env-consistency"}
    assert gpu_of("ON-PREM.GPU.B200_8x.x3", [], set_values=["nodesPerInstance=3"]) == set()
    assert gpu_of("AWS.GPU.GB200_4x.x4", gb200, set_values=["nodesPerInstance=4"]) == set()  # aws-gb200 profile
    assert gpu_of("DGXC.GPU.L40S_1x", []) == {"gpu-pod-fits-node", "gpu-node-total", "gpu-env-consistency"}
    assert gpu_of("g6.full", []) == {"gpu-instance-type"}
    report = chartguard.lint_chart(chart, value_files=gb200, instance_type="ON-PREM.GPU.B200_8x.x2")
    (whole,) = [f for f in report.findings if f.rule_id == "gpu-whole-node"]
    assert whole.detail == "pod asks for 4 GPUs; multi-node ON-PREM.GPU.B200_8x.x2 needs 8 per GPU pod"
    assert whole.location.template == "multi-node-test/templates/statefulset.yaml"


def test_other_nvidia_multi_node_samples() -> None:
    oss = shared_path("charts", "nvcf-oss-multi-node-test")  # clusterProfile aws-gb200 by default: 4 nodes × 4 GPUs
    assert rules(chartguard.lint_chart(oss, instance_type="AWS.GPU.GB200_4x.x4")) == set()
    assert rules(chartguard.lint_chart(oss, instance_type="ON-PREM.GPU.B200_8x.x2")) == {
        "gpu-whole-node",
        "gpu-pod-count",
        "gpu-env-consistency",  # NODES_PER_INSTANCE=4
    }
    # the task variant: 1 GPU per pod, nodesPerInstance 2, and NUM_GPUS from gpusPerNode, which neither its
    # values nor the gb200 override set (NUM_GPUS renders empty: gpu-env-consistency)
    task = shared_path("charts", "nvcf-multi-node-task-test")
    override = [str(shared_path("charts", "values-overrides", "nvcf-multi-node-task-test.gb200-override.yaml"))]

    def task_rules(instance_type: str, gpus_per_node: int | None, files: tuple[str, ...] = ()) -> set[str]:
        set_values = [f"gpusPerNode={gpus_per_node}"] if gpus_per_node else []
        return rules(chartguard.lint_chart(task, value_files=list(files), set_values=set_values, instance_type=instance_type))

    assert task_rules("ON-PREM.GPU.A100_1x.x2", 1) == set()
    assert task_rules("ON-PREM.GPU.A100_1x.x2", None) == {"gpu-env-consistency"}
    assert task_rules("ON-PREM.GPU.B200_8x.x2", 8) == {"gpu-whole-node"}
    # the gb200 override sets nodesPerInstance 4: it fits GB200_4x.x4, not the GB200_4x.x2 of NVIDIA's deploy command
    assert task_rules("AWS.GPU.GB200_4x.x4", 4, tuple(override)) == set()
    assert task_rules("AWS.GPU.GB200_4x.x2", 4, tuple(override)) == {"gpu-pod-count", "gpu-env-consistency"}


def test_nvidia_samples_have_no_gpu_errors_without_instance_type() -> None:
    charts = shared_path("charts")
    for chart in sorted(charts.iterdir()):
        if not chart.name.startswith(("nvcf-", "nvca-")) or chart.name == "nvcf-oss-dynamo-operator-test":
            continue
        report = chartguard.lint_chart(chart)
        assert not [f for f in report.findings if f.rule_id.startswith("gpu-") and f.severity == Severity.ERROR], chart.name
