"""The GPU admission gate: gpu-node-affinity (G6), gpu-env-consistency (G8), the instance-type
consistency checks and partial information (admission-and-gpu.md 5.3), gpu-count-label, and the
nvcf-webhook profile.

Core cases use inline objects and testcharts/gpu-workloads; NVIDIA's multi-node sample chart and the
saved AdmissionReview samples (../shared) are the real cases, skipped when ../shared is absent.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from helpers.lint import found, lint_gpu_workloads, lint_objects
from helpers.paths import shared_path

import chartguard
from chartguard import admission, pss
from chartguard.findings import Report, Severity
from chartguard.profile import load_profile
from chartguard.rules.gpu.facts import PartialType, pinned_value, resolve_instance_type

NAME = "nvcf.nvidia.io/instance-type-name"
VALUE = "nvcf.nvidia.io/instance-type-value"
NODE = "nvca.nvcf.nvidia.io/instance-type"
SELECTOR_POINTER = "/spec/template/spec/nodeSelector/nvca.nvcf.nvidia.io~1instance-type"
TERMS_POINTER = "/spec/template/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms"


def term(*expressions: tuple[str, list[str]] | tuple[str, str, list[str]]) -> dict[str, Any]:
    """A node-selector term: ``(operator, values)`` on the instance-type label, or ``(key, operator, values)``."""
    entries = [e if len(e) == 3 else (NODE, *e) for e in expressions]
    return {"matchExpressions": [{"key": k, "operator": o, **({"values": v} if v else {})} for k, o, v in entries]}


def workload(
    instance_type: str | None = None,
    *,
    gpus: int = 1,
    resource: str = "nvidia.com/gpu",
    replicas: int = 1,
    selector: str | None = None,
    terms: list[dict[str, Any]] | None = None,
    env: list[dict[str, Any]] | None = None,
    value: str | None = None,
    gpu_count: str | None = None,
    product: str | None = None,
    kind: str = "StatefulSet",
) -> dict[str, Any]:
    """A GPU workload as NVCA stamps it (the instance type on the object and its pod template); the
    other arguments set the pod template's value annotation, nodeSelector, required affinity, env."""
    annotations = {NAME: instance_type} if instance_type else {}
    template_annotations = {**annotations, **({VALUE: value} if value else {})}
    labels = {"app": "rank", **({"GPU_COUNT": gpu_count} if gpu_count is not None else {})}
    container: dict[str, Any] = {
        "name": "rank",
        "image": "nvcr.io/org/rank:1.0",
        "resources": {"limits": {"cpu": "1", "memory": "1Gi", resource: gpus}},
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }
    if env is not None:
        container["env"] = env
    pod: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [container],
    }
    node_selector = {
        **({NODE: selector} if selector is not None else {}),
        **({"nvidia.com/gpu.product": product} if product else {}),
    }
    if node_selector:
        pod["nodeSelector"] = node_selector
    if terms is not None:
        pod["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}}
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": "rank", "namespace": "fn", "annotations": dict(annotations), "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "rank"}},
            "template": {"metadata": {"labels": {"app": "rank"}, "annotations": template_annotations}, "spec": pod},
        },
    }


def gpu(report: Report) -> list[tuple[str, str, str, str]]:
    """The GPU findings: (rule, severity, reason, detail)."""
    return sorted((f.rule_id, str(f.severity), f.reason, f.detail) for f in report.findings if f.rule_id.startswith("gpu-"))


CONTRADICTS = "node selector contradicts the instance type"
UNPINNED = "GPU pod does not select its instance type's nodes"
B200 = "ON-PREM.GPU.B200_8x.x2"

# --- the profiles --------------------------------------------------------------------------------------


def test_nvcf_webhook_profile_is_nvcf_plus_the_gpu_gate_and_pss_baseline() -> None:
    nvcf, webhook = load_profile("nvcf"), load_profile("nvcf-webhook")
    assert webhook.extends == "nvcf" and webhook.render == nvcf.render
    assert nvcf.pod_security is not None and webhook.pod_security == replace(nvcf.pod_security, keep_replaced_baseline=True)
    configs = {c.rule.id: c for c in webhook.rules}
    differ = {c.rule.id for c in nvcf.rules if (c.severity, c.params) != (configs[c.rule.id].severity, configs[c.rule.id].params)}
    baseline = {rule.id for rule, check in pss.RULE_CHECKS if check.level == "baseline"}
    assert differ == {"gpu-instance-type", "gpu-node-affinity", "pss-capabilities-restricted", *baseline}
    assert set(configs) == {c.rule.id for c in nvcf.rules}
    assert all(configs[rule].severity == Severity.ERROR for rule in baseline)
    assert configs["pss-capabilities-restricted"].severity == Severity.WARNING
    instance = configs["gpu-instance-type"]
    assert instance.severity == Severity.ERROR
    assert (instance.params["allow_missing"], instance.params["allow_partial"], instance.params["allow_unknown"]) == (
        False,
        False,
        False,
    )
    assert (configs["gpu-node-affinity"].severity, configs["gpu-node-affinity"].params["require"]) == (Severity.ERROR, True)
    severities = {
        (name, strict): {c.rule.id: c.severity for c in load_profile(name, strict=strict).rules}
        for name in ("nvcf", "nvcf-webhook")
        for strict in (False, True)
    }
    for rule_id, normal, strict in (
        ("gpu-node-affinity", Severity.ERROR, Severity.ERROR),
        ("gpu-env-consistency", Severity.WARNING, Severity.ERROR),
        ("gpu-count-label", Severity.WARNING, Severity.WARNING),
    ):
        for name in ("nvcf", "nvcf-webhook"):
            assert (severities[name, False][rule_id], severities[name, True][rule_id]) == (normal, strict), (name, rule_id)
    assert {c.rule.id: c for c in nvcf.rules}["gpu-node-affinity"].params["require"] is False


def test_serve_defaults_to_the_webhook_profile() -> None:
    from click.testing import CliRunner

    from chartguard.cli import main

    help_text = CliRunner().invoke(main, ["serve", "--help"], terminal_width=200).output
    assert "[default: nvcf-webhook]" in " ".join(help_text.split())


# --- G6 gpu-node-affinity -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instance_type", "pin"),
    [
        ("DGXC.GPU.L40S_1x", {"selector": "DGXC.GPU.L40S"}),
        (B200, {"terms": [term(("In", ["ON-PREM.GPU.B200"]))]}),  # NVCA's form
        (B200, {"terms": [term(("In", ["ON-PREM.GPU.B200"])), term(("In", ["ON-PREM.GPU.B200"]), ("Exists", []))]}),
        ("OCI.GPU.H100_8x.x4", {"selector": "OCI.GPU.H100", "terms": [term(("In", ["OCI.GPU.H100"]))]}),
        ("OCI.GPU.H100_8x", {"selector": "OCI.GPU.H100", "terms": [term(("NotIn", ["OCI.GPU.A100"]))]}),
    ],
)
def test_pods_pinned_to_their_instance_type_pass_the_gate(instance_type: str, pin: dict[str, Any]) -> None:
    gpus = int(instance_type.split("_")[1].split("x")[0])
    nodes = int(instance_type.rsplit(".x", 1)[1]) if ".x" in instance_type else 1
    obj = workload(instance_type, gpus=gpus, replicas=nodes, **pin)
    for profile in ("nvcf", "nvcf-webhook"):
        report = lint_objects(obj, profile=profile, strict=True)
        assert gpu(report) == [], profile
        assert "gpu-node-affinity" in report.rule_ids


def test_contradicting_node_selector_is_an_error_in_every_profile() -> None:
    obj = workload(B200, gpus=8, replicas=2, selector="ON-PREM.GPU.H100")
    expected = "nodeSelector nvca.nvcf.nvidia.io/instance-type=ON-PREM.GPU.H100 ≠ ON-PREM.GPU.B200 (instance type ON-PREM.GPU.B200_8x.x2)"
    for profile in ("nvcf", "nvcf-webhook"):
        (finding,) = found(lint_objects(obj, profile=profile), "gpu-node-affinity")
        assert (finding.severity, finding.reason, finding.detail) == (Severity.ERROR, CONTRADICTS, expected)
        assert finding.pointer == SELECTOR_POINTER
    # the rule's params come from the profile only: an unknown instance type or no GPU is not checked
    assert found(lint_objects(workload("g6.full", selector="ON-PREM.GPU.H100")), "gpu-node-affinity") == []
    assert found(lint_objects(workload(B200, gpus=0, selector="ON-PREM.GPU.H100")), "gpu-node-affinity") == []


@pytest.mark.parametrize(
    ("terms", "details", "pointers"),
    [
        (
            [term(("In", ["ON-PREM.GPU.H100"]))],
            ["required node affinity nvca.nvcf.nvidia.io/instance-type In [ON-PREM.GPU.H100] ≠ ON-PREM.GPU.B200"],
            [f"{TERMS_POINTER}/0/matchExpressions/0"],
        ),
        (  # the right value among others: the pod may land on another instance type's nodes
            [term(("In", ["ON-PREM.GPU.B200", "ON-PREM.GPU.H100"]))],
            [
                "required node affinity nvca.nvcf.nvidia.io/instance-type In [ON-PREM.GPU.B200, ON-PREM.GPU.H100]: ON-PREM.GPU.H100 ≠ ON-PREM.GPU.B200"
            ],
            [f"{TERMS_POINTER}/0/matchExpressions/0"],
        ),
        (  # one bad alternative among good ones is still flagged, at its own expression
            [term(("In", ["ON-PREM.GPU.B200"])), term(("key", "In", ["x"]), ("In", ["ON-PREM.GPU.A100"]))],
            ["required node affinity term 2 nvca.nvcf.nvidia.io/instance-type In [ON-PREM.GPU.A100] ≠ ON-PREM.GPU.B200"],
            [f"{TERMS_POINTER}/1/matchExpressions/1"],
        ),
        (
            [term(("NotIn", ["ON-PREM.GPU.A100", "ON-PREM.GPU.B200"]))],
            [
                "required node affinity nvca.nvcf.nvidia.io/instance-type NotIn [ON-PREM.GPU.A100, ON-PREM.GPU.B200] excludes ON-PREM.GPU.B200"
            ],
            [f"{TERMS_POINTER}/0/matchExpressions/0"],
        ),
        (
            [term(("DoesNotExist", []))],
            ["required node affinity nvca.nvcf.nvidia.io/instance-type DoesNotExist excludes ON-PREM.GPU.B200"],
            [f"{TERMS_POINTER}/0/matchExpressions/0"],
        ),
    ],
)
def test_contradicting_node_affinity(terms: list[dict[str, Any]], details: list[str], pointers: list[str]) -> None:
    report = lint_objects(workload(B200, gpus=8, replicas=2, terms=terms))
    findings = found(report, "gpu-node-affinity")
    assert [f.detail for f in findings] == [f"{d} (instance type {B200})" for d in details]
    assert [f.pointer for f in findings] == pointers
    assert {(f.severity, f.reason) for f in findings} == {(Severity.ERROR, CONTRADICTS)}


def test_missing_node_pin_is_denied_only_by_the_webhook_profile() -> None:
    bare = workload(B200, gpus=8, replicas=2)
    assert gpu(lint_objects(bare)) == []  # lint time: NVCA adds the affinity at deployment
    (finding,) = found(lint_objects(bare, profile="nvcf-webhook"), "gpu-node-affinity")
    assert (finding.severity, finding.reason, finding.pointer) == (Severity.ERROR, UNPINNED, "/spec/template/spec")
    assert finding.detail == (
        "no nodeSelector nvca.nvcf.nvidia.io/instance-type=ON-PREM.GPU.B200 or required node affinity "
        "nvca.nvcf.nvidia.io/instance-type In [ON-PREM.GPU.B200] (instance type ON-PREM.GPU.B200_8x.x2)"
    )
    # every term must pin it (terms are alternatives): the second one does not
    partly = workload(B200, gpus=8, replicas=2, terms=[term(("In", ["ON-PREM.GPU.B200"])), term(("zone", "In", ["a"]))])
    (finding,) = found(lint_objects(partly, profile="nvcf-webhook"), "gpu-node-affinity")
    assert finding.detail.startswith(
        "required node affinity term 2 of 2 has no nvca.nvcf.nvidia.io/instance-type In [ON-PREM.GPU.B200]"
    )
    assert finding.pointer == f"{TERMS_POINTER}/1"
    # NotIn alone pins nothing; a contradiction is reported once, not also as "not pinned"
    assert found(
        lint_objects(workload(B200, gpus=8, replicas=2, terms=[term(("NotIn", ["x"]))]), profile="nvcf-webhook"),
        "gpu-node-affinity",
    )
    contradiction = found(
        lint_objects(workload(B200, gpus=8, replicas=2, selector="ON-PREM.GPU.H100"), profile="nvcf-webhook"), "gpu-node-affinity"
    )
    assert [f.reason for f in contradiction] == [CONTRADICTS]


def test_node_affinity_counts_only_whole_gpus_unless_the_profile_says_so(tmp_path: Path) -> None:
    mig = workload("ON-PREM.GPU.A100_1x", resource="nvidia.com/mig-1g.10gb", selector="ON-PREM.GPU.H100")
    # a MIG slice is not a whole GPU: the resource is flagged, the GPU-count rules do not apply
    assert {f.rule_id for f in lint_objects(mig, profile="nvcf-webhook").findings if f.rule_id.startswith("gpu-")} == {
        "gpu-resource-names"
    }
    profile = tmp_path / "mig.yaml"
    profile.write_text(
        "name: mig\ntitle: t\nfollows: tests\nextends: nvcf-webhook\nrules:\n"
        "  gpu-resource-names: {params: {allow_mig: true}}\n"
        "  gpu-node-affinity: {params: {gpu_resources: [nvidia.com/gpu, nvidia.com/mig-1g.10gb]}}\n",
        encoding="utf-8",
    )
    assert [f.reason for f in lint_objects(mig, profile=str(profile)).findings if f.rule_id.startswith("gpu-")] == [CONTRADICTS]


def test_pinned_value() -> None:
    def spec(**pod: Any) -> dict[str, Any]:
        return workload(**pod)["spec"]["template"]["spec"]

    assert pinned_value(spec()) is None
    assert pinned_value(spec(selector="A")) == "A"
    assert pinned_value(spec(selector="A", terms=[term(("In", ["B"]))])) == "A"  # the nodeSelector is checked first
    assert pinned_value(spec(terms=[term(("In", ["A"])), term(("In", ["A"]), ("key", "In", ["z"]))])) == "A"
    assert pinned_value(spec(terms=[term(("In", ["A"])), term(("In", ["B"]))])) is None
    assert pinned_value(spec(terms=[term(("In", ["A"])), term(("key", "In", ["z"]))])) is None
    assert pinned_value(spec(terms=[term(("In", ["A", "B"]))])) is None
    assert pinned_value(spec(terms=[term(("NotIn", ["B"]))])) is None


# --- G8 gpu-env-consistency -----------------------------------------------------------------------------


def env(**variables: Any) -> list[dict[str, Any]]:
    return [{"name": name, "value": value} for name, value in variables.items()]


def test_env_counts_that_match_pass() -> None:
    single = workload("DGXC.GPU.L40S_1x", env=env(NUM_GPUS="1", NUM_NODES="1", NODES_PER_INSTANCE="1", OTHER="7"))
    multi = workload(B200, gpus=8, replicas=2, env=env(NODES_PER_INSTANCE="2", NUM_GPUS="8", NUM_NODES="2"))
    for obj in (single, multi):
        assert gpu(lint_objects(obj, strict=True)) == []


def test_env_counts_that_differ() -> None:
    variables = env(POD_NAME="x", NODES_PER_INSTANCE="3", NUM_GPUS="4", NUM_NODES="2")
    report = lint_objects(workload(B200, gpus=8, replicas=2, env=variables))
    findings = found(report, "gpu-env-consistency")
    assert [(f.severity, f.detail, f.pointer) for f in findings] == [
        (
            Severity.WARNING,
            'container "rank": NODES_PER_INSTANCE=3; ON-PREM.GPU.B200_8x.x2 has 2 nodes',
            "/spec/template/spec/containers/0/env/1/value",
        ),
        (
            Severity.WARNING,
            'container "rank": NUM_GPUS=4; ON-PREM.GPU.B200_8x.x2 has 8 GPUs per node',
            "/spec/template/spec/containers/0/env/2/value",
        ),
    ]
    assert {
        f.severity
        for f in found(lint_objects(workload(B200, gpus=8, replicas=2, env=variables), strict=True), "gpu-env-consistency")
    } == {Severity.ERROR}
    webhook = found(
        lint_objects(workload(B200, gpus=8, replicas=2, env=variables), profile="nvcf-webhook", strict=True),
        "gpu-env-consistency",
    )
    assert len(webhook) == 2 and {f.severity for f in webhook} == {Severity.ERROR}
    # single node: one node, one GPU
    (single,) = found(lint_objects(workload("DGXC.GPU.L40S_1x", env=env(NUM_NODES="2"))), "gpu-env-consistency")
    assert single.detail == 'container "rank": NUM_NODES=2; DGXC.GPU.L40S_1x has 1 node'


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, ""), ("", ""), ("eight", "eight"), ("8.0", "8.0"), ("-8", "-8"), (" 8", " 8")],
)
def test_env_counts_that_are_not_numbers(value: Any, shown: str) -> None:
    (finding,) = found(lint_objects(workload(B200, gpus=8, replicas=2, env=env(NUM_GPUS=value))), "gpu-env-consistency")
    assert finding.detail == f'container "rank": NUM_GPUS="{shown}" is not a whole number; {B200} has 8 GPUs per node'


def test_env_not_checked() -> None:
    from_field = [{"name": "NUM_GPUS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.annotations['gpus']"}}}]
    assert gpu(lint_objects(workload(B200, gpus=8, replicas=2, env=from_field))) == []
    wrong = env(NUM_GPUS="3")
    assert gpu(lint_objects(workload(B200, gpus=0, replicas=2, env=wrong))) == []  # not a GPU pod
    assert {r for r, *_ in gpu(lint_objects(workload("g6.full", gpus=8, env=wrong)))} == {"gpu-instance-type"}  # unknown type
    assert gpu(lint_objects(workload(None, gpus=8, env=wrong))) == []  # no instance type (nvcf lint)


def test_env_variable_names_are_params(tmp_path: Path) -> None:
    profile = tmp_path / "env.yaml"
    profile.write_text(
        "name: env\ntitle: t\nfollows: tests\nextends: nvcf\nrules:\n"
        "  gpu-env-consistency: {params: {node_count_vars: [WORLD_NODES], gpus_per_node_vars: []}}\n",
        encoding="utf-8",
    )
    obj = workload(B200, gpus=8, replicas=2, env=env(WORLD_NODES="4", NUM_GPUS="1"))
    assert [f.detail for f in found(lint_objects(obj, profile=str(profile)), "gpu-env-consistency")] == [
        f'container "rank": WORLD_NODES=4; {B200} has 2 nodes'
    ]


# --- consistency: instance-type-value annotation, GPU_COUNT label -----------------------------------------


def test_value_annotation_must_match_the_instance_type() -> None:
    assert resolve_instance_type(workload(B200, value="ON-PREM.GPU.B200")).conflicts == ()
    (conflict,) = resolve_instance_type(workload(B200, value="ON-PREM.GPU.H100")).conflicts
    assert conflict.detail == (
        "annotation nvcf.nvidia.io/instance-type-value=ON-PREM.GPU.H100 on its pod template ≠ ON-PREM.GPU.B200 "
        "(instance type ON-PREM.GPU.B200_8x.x2)"
    )
    assert conflict.pointer == "/spec/template/metadata/annotations/nvcf.nvidia.io~1instance-type-value"
    pod = {"kind": "Pod", "metadata": {"annotations": {NAME: B200, VALUE: "ON-PREM.GPU.A100"}}, "spec": {}}
    (conflict,) = resolve_instance_type(pod).conflicts
    assert "on the object" in conflict.detail and conflict.pointer == "/metadata/annotations/nvcf.nvidia.io~1instance-type-value"
    # the rule: inconsistent instance type, a warning at lint time and a denial at admission
    obj = workload(B200, gpus=8, replicas=2, value="ON-PREM.GPU.H100", selector="ON-PREM.GPU.B200")
    assert [(s, r) for _, s, r, _ in gpu(lint_objects(obj))] == [("warning", "inconsistent instance type")]
    assert [(s, r) for _, s, r, _ in gpu(lint_objects(obj, profile="nvcf-webhook"))] == [("error", "inconsistent instance type")]
    # --instance-type comes first: the chart's own value annotation must agree with it too
    flagged = chartguard.lint_manifests([workload(None, gpus=8, replicas=2, value="ON-PREM.GPU.H100")], instance_type=B200)
    assert [f.reason for f in found(flagged, "gpu-instance-type")] == ["inconsistent instance type"]


@pytest.mark.parametrize(
    ("instance_type", "label", "flagged"),
    [
        (B200, "16", False),
        ("DGXC.GPU.L40S_1x", "1", False),
        (B200, "8", True),  # per node, not per instance
        (B200, "2", True),
        (B200, "sixteen", True),
        (B200, "", True),
        ("g6.full", "3", False),  # unknown: not checked
    ],
)
def test_gpu_count_label(instance_type: str, label: str, flagged: bool) -> None:
    obj = workload(
        instance_type, gpus=8 if instance_type == B200 else 1, replicas=2 if instance_type == B200 else 1, gpu_count=label
    )
    for profile in ("nvcf", "nvcf-webhook"):
        findings = found(lint_objects(obj, profile=profile, strict=True), "gpu-count-label")
        assert bool(findings) is flagged
        if flagged:
            (finding,) = findings
            assert finding.severity == Severity.WARNING and finding.pointer == "/metadata/labels/GPU_COUNT"
            assert finding.detail == f"label GPU_COUNT={label} on the object ≠ 16 (ON-PREM.GPU.B200_8x.x2: 8 per node × 2)"


# --- partial information -------------------------------------------------------------------------------


def test_partial_information_resolution() -> None:
    by_value = resolve_instance_type(workload(None, value="ON-PREM.GPU.A100"))
    assert (by_value.name, by_value.instance_type) == (None, None)
    assert by_value.partial == PartialType("ON-PREM.GPU.A100", "A100", f"pod template annotation {VALUE}")
    assert by_value.model == ("ON-PREM.GPU.A100", "A100")
    by_selector = resolve_instance_type(workload(None, selector="OCI.GPU.H100"))
    assert by_selector.partial == PartialType("OCI.GPU.H100", "H100", f"node selector {NODE}")
    by_affinity = resolve_instance_type(workload(None, terms=[term(("In", ["AWS.GPU.GB200"]))] * 2))
    assert by_affinity.partial == PartialType("AWS.GPU.GB200", "GB200", f"node selector {NODE}")
    # the annotation comes first; an unknown instance-type name keeps its partial information
    both = resolve_instance_type(workload("g6.full", value="ON-PREM.GPU.A100", selector="OCI.GPU.H100"))
    assert (both.name, both.instance_type, both.partial.value if both.partial else None) == ("g6.full", None, "ON-PREM.GPU.A100")
    # nothing partial: several values, a value in another format, or a full instance type
    assert (
        resolve_instance_type(workload(None, terms=[term(("In", ["OCI.GPU.H100"])), term(("In", ["OCI.GPU.A100"]))])).partial
        is None
    )
    assert resolve_instance_type(workload(None, value="gl40_1.br20")).partial is None
    assert resolve_instance_type(workload(None, value="ON-PREM.GPU.A100_2x")).partial is None
    full = resolve_instance_type(workload(B200, value="ON-PREM.GPU.B200"))
    assert full.partial is None and full.model == (B200, "B200")


def test_partial_information_checks_the_model_only() -> None:
    # 16 GPUs in one pod and 3 replicas: no count rule can run without the counts
    obj = workload(None, gpus=16, replicas=3, value="ON-PREM.GPU.A100", product="NVIDIA-H100-80GB-HBM3", env=env(NUM_GPUS="3"))
    assert gpu(lint_objects(obj)) == [
        (
            "gpu-product-selector",
            "warning",
            "gpu.product selector contradicts the instance type",
            "nodeSelector nvidia.com/gpu.product=NVIDIA-H100-80GB-HBM3; ON-PREM.GPU.A100 has A100 GPUs",
        )
    ]
    assert gpu(lint_objects(workload(None, gpus=16, replicas=3, value="ON-PREM.GPU.A100", product="NVIDIA-A100-SXM4-80GB"))) == []
    # the same from NVCA's node affinity alone
    pinned = workload(
        None, gpus=16, terms=[term(("In", ["ON-PREM.GPU.A100"]), ("nvidia.com/gpu.product", "In", ["NVIDIA-L40S"]))]
    )
    assert [d for *_, d in gpu(lint_objects(pinned))] == [
        "required node affinity nvidia.com/gpu.product in NVIDIA-L40S; ON-PREM.GPU.A100 has A100 GPUs"
    ]


def test_partial_information_at_the_gate(tmp_path: Path) -> None:
    obj = workload(None, gpus=8, value="ON-PREM.GPU.A100")
    (finding,) = found(lint_objects(obj, profile="nvcf-webhook"), "gpu-instance-type")
    assert (finding.severity, finding.reason) == (Severity.ERROR, "GPU request with a partly known instance type")
    assert finding.detail == (
        "only the value ON-PREM.GPU.A100 of the instance type is known "
        "(pod template annotation nvcf.nvidia.io/instance-type-value): GPU counts not checked"
    )
    assert finding.pointer == "/spec/template/spec"
    pinned = workload(None, gpus=8, terms=[term(("In", ["ON-PREM.GPU.A100"]))])
    assert (
        "(node selector nvca.nvcf.nvidia.io/instance-type)"
        in found(lint_objects(pinned, profile="nvcf-webhook"), "gpu-instance-type")[0].detail
    )
    # nothing at all is "no instance type"
    (missing,) = found(lint_objects(workload(None, gpus=8), profile="nvcf-webhook"), "gpu-instance-type")
    assert (missing.reason, missing.detail) == (
        "GPU request with no known instance type",
        "no instance type: GPU rules not checked",
    )
    # the nvcf lint profile lets both pass; a profile can allow partial information only
    assert (
        found(lint_objects(obj), "gpu-instance-type") == []
        and found(lint_objects(workload(None, gpus=8)), "gpu-instance-type") == []
    )
    profile = tmp_path / "partial.yaml"
    profile.write_text(
        "name: partial\ntitle: t\nfollows: tests\nextends: nvcf-webhook\nrules:\n  gpu-instance-type: {params: {allow_partial: true}}\n",
        encoding="utf-8",
    )
    assert found(lint_objects(obj, profile=str(profile)), "gpu-instance-type") == []
    assert [f.detail for f in found(lint_objects(workload(None, gpus=8), profile=str(profile)), "gpu-instance-type")] == [
        "no instance type: GPU rules not checked"
    ]
    # a CPU-only pod is never gated
    assert found(lint_objects(workload(None, gpus=0), profile="nvcf-webhook"), "gpu-instance-type") == []


# --- testcharts/gpu-workloads ------------------------------------------------------------------------------


def test_gpu_workloads_chart_gate() -> None:
    multi = {"replicas": 2, "gpuLimit": 8, "gpuRequest": 8}
    assert gpu(lint_gpu_workloads(B200, **multi)) == []
    (unpinned,) = gpu(lint_gpu_workloads(B200, "nvcf-webhook", **multi))
    assert unpinned[:3] == ("gpu-node-affinity", "error", UNPINNED)
    pinned = {**multi, "instanceTypeSelector": "ON-PREM.GPU.B200", "gpuCountLabel": "16"}
    pinned["env"] = {"NODES_PER_INSTANCE": "2", "NUM_GPUS": "8"}
    assert gpu(lint_gpu_workloads(B200, "nvcf-webhook", **pinned)) == []
    nvca = {**multi, "nodeAffinityTerms": [term(("In", ["ON-PREM.GPU.B200"]))], "instanceTypeValueAnnotation": "ON-PREM.GPU.B200"}
    assert gpu(lint_gpu_workloads(B200, "nvcf-webhook", **nvca)) == []
    wrong = {
        **pinned,
        "instanceTypeSelector": "ON-PREM.GPU.H100",
        "gpuCountLabel": "8",
        "env": {"NODES_PER_INSTANCE": "3", "NUM_GPUS": None},
    }
    wrong["instanceTypeValueAnnotation"] = "ON-PREM.GPU.H100"
    report = lint_gpu_workloads(B200, **wrong)
    assert [(r, s) for r, s, _, _ in gpu(report)] == [
        ("gpu-count-label", "warning"),
        ("gpu-env-consistency", "warning"),
        ("gpu-env-consistency", "warning"),
        ("gpu-instance-type", "warning"),
        ("gpu-node-affinity", "error"),
    ]
    for finding in report.findings:
        if finding.rule_id.startswith("gpu-"):
            assert finding.location.template == "gpu-workloads/templates/workload.yaml" and finding.location.line > 0
    # partial information from the chart's own value annotation: the model only
    partial = lint_gpu_workloads(
        None, instanceTypeValueAnnotation="OCI.GPU.H100", gpuProduct="NVIDIA-A100", gpuLimit=16, gpuRequest=16
    )
    assert [(r, s) for r, s, _, _ in gpu(partial)] == [("gpu-product-selector", "warning")]
    assert [
        (r, s) for r, s, _, _ in gpu(lint_gpu_workloads(None, "nvcf-webhook", instanceTypeValueAnnotation="OCI.GPU.H100"))
    ] == [("gpu-instance-type", "error")]


# --- NVIDIA's multi-node sample (../shared) ---------------------------------------------------------------


def test_nvidia_multi_node_sample_at_the_gate() -> None:
    chart = shared_path("charts", "nvcf-multi-node-test")
    gb200 = [str(shared_path("charts", "values-overrides", "nvcf-multi-node-test.gb200-override.yaml"))]

    def found(instance_type: str, profile: str, files: tuple[str, ...] = (), **values: Any) -> list[tuple[str, str, str]]:
        report = chartguard.lint_chart(chart, values, value_files=list(files), instance_type=instance_type, profile=profile)
        return [(f.rule_id, str(f.severity), f.detail) for f in report.findings if f.rule_id.startswith("gpu-")]

    # as NVIDIA ships it (no node pin: NVCA adds it): clean at lint time, denied at the gate
    assert found(B200, "nvcf") == []
    assert [(r, s) for r, s, _ in found(B200, "nvcf-webhook")] == [("gpu-node-affinity", "error")]
    # as NVCA deploys it: the required node affinity on the instance type's value
    nvca = {
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term(("In", ["ON-PREM.GPU.B200"]))]}
            }
        }
    }
    assert found(B200, "nvcf-webhook", **nvca) == []
    assert found("AWS.GPU.GB200_4x.x2", "nvcf-webhook", tuple(gb200), nodeSelector={NODE: "AWS.GPU.GB200"}) == []
    # pinned to another instance type: an error in both profiles, with the exact values
    for profile in ("nvcf", "nvcf-webhook"):
        assert found(B200, profile, nodeSelector={NODE: "ON-PREM.GPU.H100"}) == [
            (
                "gpu-node-affinity",
                "error",
                "nodeSelector nvca.nvcf.nvidia.io/instance-type=ON-PREM.GPU.H100 ≠ ON-PREM.GPU.B200 "
                "(instance type ON-PREM.GPU.B200_8x.x2)",
            )
        ]
    # three nodes: NODES_PER_INSTANCE (nodesPerInstance) still says 2
    assert (
        "gpu-env-consistency",
        "warning",
        'container "multi-node-test": NODES_PER_INSTANCE=2; ON-PREM.GPU.B200_8x.x3 has 3 nodes',
    ) in found("ON-PREM.GPU.B200_8x.x3", "nvcf")
    assert found("ON-PREM.GPU.B200_8x.x3", "nvcf", nodesPerInstance=3) == []


# --- AdmissionReviews ---------------------------------------------------------------------------------------


def review(obj: dict[str, Any], profile: str) -> dict[str, Any]:
    group, _, version = obj["apiVersion"].rpartition("/")
    body = {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "b2f6c1de-0000-4000-8000-000000000001",
            "kind": {"group": group, "version": version, "kind": obj["kind"]},
            "operation": "CREATE",
            "namespace": "fn",
            "object": obj,
        },
    }
    return admission.review(body, mode="validate", profile=load_profile(profile))["response"]  # type: ignore[no-any-return]


def test_webhook_gate_on_admission_reviews() -> None:
    stamped = workload(B200, gpus=8, replicas=2, terms=[term(("In", ["ON-PREM.GPU.B200"]))])
    assert review(stamped, "nvcf-webhook")["allowed"] is True
    unpinned = review(workload(B200, gpus=8, replicas=2), "nvcf-webhook")
    assert unpinned["allowed"] is False and "GPU pod does not select its instance type's nodes" in unpinned["status"]["message"]
    unknown = review(workload(None, gpus=8, replicas=2, terms=[term(("In", ["ON-PREM.GPU.B200"]))]), "nvcf-webhook")
    assert unknown["allowed"] is False and "only the value ON-PREM.GPU.B200" in unknown["status"]["message"]
    # the nvcf profile lets both through
    assert review(workload(B200, gpus=8, replicas=2), "nvcf")["allowed"] is True
    assert review(workload(None, gpus=8, replicas=2), "nvcf")["allowed"] is True


@pytest.mark.parametrize("sample", ["01", "02", "03", "04"])
def test_saved_admission_samples_answer_as_under_nvcf(sample: str) -> None:
    """None of the saved samples asks for GPUs: nvcf-webhook answers them as nvcf does, except that
    it denies what breaks Pod Security Baseline (sample 02's privileged nginx), which nvcf warns of."""
    (path,) = shared_path("admission-samples").glob(f"{sample}-*.json")
    body = json.loads(path.read_text(encoding="utf-8"))
    answers = {}
    for profile in ("nvcf", "nvcf-webhook"):
        answer = admission.review(json.loads(json.dumps(body)), mode="validate", profile=load_profile(profile))["response"]
        answers[profile] = json.loads(json.dumps(answer).replace("[profile nvcf-webhook]", "[profile nvcf]"))
    obj = body["request"].get("object")
    broken = pss.evaluate(obj, "baseline", "latest") if body["request"]["operation"] in ("CREATE", "UPDATE") else []
    if not broken:
        assert answers["nvcf"] == answers["nvcf-webhook"]
        return
    rule_of = {check.id: rule.id for rule, check in pss.RULE_CHECKS}
    denied = answers["nvcf-webhook"]
    assert answers["nvcf"]["allowed"] is True and denied["allowed"] is False
    assert denied["auditAnnotations"] == {"rules": ",".join(sorted({rule_of[v.check] for v in broken}))}
