"""The pure admission core: AdmissionReview v1 in, the response out (chartguard.admission.review).

Every saved sample of ../shared/admission-samples goes through both modes and two profiles; the
hand-written reviews cover denial messages, UPDATE (existing violations relaxed, new or changed ones
denied, GPU scaling), subresources and the Pod backstop of ``scale``, DELETE/CONNECT, dryRun,
Secrets, malformed bodies and the limits on warnings and messages. Patches are checked with the independent
``jsonpatch`` package.
"""

from __future__ import annotations

import base64
import copy
import json
import sys
from pathlib import Path
from typing import Any

import jsonpatch
import pytest
from helpers.objects import pod
from helpers.paths import SHARED
from hypothesis import given, settings
from test_fix_properties import workloads

from chartguard import admission
from chartguard.admission import ReviewError, review
from chartguard.findings import Severity
from chartguard.fixes import apply_patch
from chartguard.profile import Profile, RuleConfig, load_profile
from chartguard.rules.base import Fix, ObjectRule, Violation

SAMPLES = SHARED / "admission-samples"
SAMPLE_FILES = sorted(SAMPLES.glob("*.json")) if SAMPLES.is_dir() else []
RESPONSE_KEYS = {"uid", "allowed", "status", "patch", "patchType", "warnings", "auditAnnotations"}
SECRET_VALUE = "hunter2-very-secret-value"


@pytest.fixture(scope="module")
def nvcf():
    return load_profile("nvcf")


@pytest.fixture(scope="module")
def strict():
    return load_profile("nvcf-strict")


def make_review(
    obj: Any, operation: str = "CREATE", *, uid: str = "705ab4f5-6393-11e8-b7cc-42010a800002", **request: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"uid": uid, "operation": operation, "object": obj, "namespace": "default", **request}
    if isinstance(obj, dict) and "kind" not in request:
        group, _, version = str(obj.get("apiVersion", "")).rpartition("/")
        body["kind"] = {"group": group, "version": version, "kind": obj.get("kind")}
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": body}


def deployment(**pod: Any) -> dict[str, Any]:
    """A Deployment that passes nvcf-strict; keyword arguments replace pod spec fields."""
    spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [container("web")],
    }
    spec.update(pod)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": spec},
        },
    }


def container(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "image": "nvcr.io/acme/web:1.4.2",
        "resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1", "memory": "1Gi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        **fields,
    }


def bare_pod(**spec: Any) -> dict[str, Any]:
    """A bare Pod (no securityContext, unpinned image: many warnings under nvcf)."""
    return pod({"name": "c", "image": "busybox"}, namespace="default", **spec)


def check_shape(answer: dict[str, Any], body: dict[str, Any], mode: str) -> dict[str, Any]:
    """The response contract of admission-and-gpu.md 1.3; returns ``response``."""
    assert set(answer) == {"apiVersion", "kind", "response"}
    assert answer["apiVersion"] == "admission.k8s.io/v1" and answer["kind"] == "AdmissionReview"
    response = answer["response"]
    assert set(response) <= RESPONSE_KEYS
    assert response["uid"] == body["request"]["uid"]
    assert isinstance(response["allowed"], bool)
    assert ("patch" in response) == ("patchType" in response)
    if mode == "validate":
        assert "patch" not in response
    else:
        assert response["allowed"] is True  # mutating webhooks never deny for policy
    if "patch" in response:
        assert response["patchType"] == "JSONPatch"
        assert body["request"]["operation"] in ("CREATE", "UPDATE")
    if response["allowed"]:
        assert "status" not in response
    else:
        status = response["status"]
        assert isinstance(status["message"], str) and "\n" not in status["message"]
        assert status["status"] == "Failure"
        if status["message"].startswith("chartguard could not check "):
            assert (status["code"], status["reason"]) == (500, "InternalError")
        else:
            assert status["message"].startswith("chartguard denied ")
            assert (status["code"], status["reason"]) == (403, "Forbidden")
    for warning in response.get("warnings", []):
        assert isinstance(warning, str) and len(warning) <= admission.MAX_WARNING_CHARS and "\n" not in warning
    assert len(response.get("warnings", [])) <= 10
    json.dumps(answer, allow_nan=False)  # JSON-ready
    return response


def decoded_patch(response: dict[str, Any]) -> list[dict[str, Any]]:
    patch = json.loads(base64.b64decode(response["patch"], validate=True))
    assert isinstance(patch, list) and patch
    return patch


def apply_with_jsonpatch(obj: dict[str, Any], patch: list[dict[str, Any]]) -> dict[str, Any]:
    return jsonpatch.JsonPatch(patch).apply(copy.deepcopy(obj))


# --- the saved samples ------------------------------------------------------------------------


def _sample_ids() -> list[Any]:
    if not SAMPLE_FILES:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{SAMPLES} is absent (../shared is not beside this checkout)"))]
    return [pytest.param(path, id=path.name) for path in SAMPLE_FILES]


#: (file prefix, profile) → allowed by the validating webhook
EXPECTED_ALLOWED = {
    ("01", "nvcf"): True,  # operation "operationValue" on subresource "subResourceValue": nothing to check
    ("01", "nvcf-strict"): True,
    ("02", "nvcf"): True,  # privileged nginx: PSS findings are warnings under nvcf
    ("02", "nvcf-strict"): False,  # ... and errors under nvcf-strict
    ("03", "nvcf"): True,
    ("03", "nvcf-strict"): False,
    ("04", "nvcf"): True,  # DELETE
    ("04", "nvcf-strict"): True,
}


@pytest.mark.parametrize("profile_name", ["nvcf", "nvcf-strict"])
@pytest.mark.parametrize("mode", ["validate", "mutate"])
@pytest.mark.parametrize("path", _sample_ids())
def test_samples(path: Path, mode: str, profile_name: str):
    body = json.loads(path.read_text(encoding="utf-8"))
    original = copy.deepcopy(body)
    answer = review(body, mode=mode, profile=load_profile(profile_name))
    assert body == original  # the request is not modified
    response = check_shape(answer, body, mode)
    expected = EXPECTED_ALLOWED.get((path.name[:2], profile_name), True)
    assert response["allowed"] is (expected if mode == "validate" else True)
    obj = body["request"].get("object")
    if "patch" in response:
        patched = apply_with_jsonpatch(obj, decoded_patch(response))
        again = review(make_review(patched), mode="mutate", profile=load_profile(profile_name))
        assert "patch" not in again["response"]  # idempotent: the patched object needs nothing more
    if body["request"]["operation"] == "DELETE":
        assert response == {"uid": body["request"]["uid"], "allowed": True}


def test_sample_deployment_messages(strict, nvcf):
    body = json.loads((_need(SAMPLES / "02-whorf-deployment-create-real.json")).read_text(encoding="utf-8"))
    denied = review(body, mode="validate", profile=strict)["response"]
    message = denied["status"]["message"]
    assert message.startswith("chartguard denied Deployment nginx/nginx: ")
    assert 'privileged (container "nginx" must not set securityContext.privileged=true)' in message
    assert message.endswith(" [profile nvcf-strict]") and len(message) <= 512
    assert "pss-privileged" in denied["auditAnnotations"]["rules"].split(",")
    warned = review(body, mode="validate", profile=nvcf)["response"]
    assert any(w.startswith("chartguard: privileged ") and w.endswith("[pss-privileged]") for w in warned["warnings"])
    patch = decoded_patch(review(body, mode="mutate", profile=nvcf)["response"])
    assert all(not op["path"].startswith("/metadata/managedFields") for op in patch)


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is not beside this checkout)")
    return path


# --- hand-written reviews -----------------------------------------------------------------------


def test_compliant_deployment_is_allowed_silently(strict):
    for mode in ("validate", "mutate"):
        body = make_review(deployment())
        assert check_shape(review(body, mode=mode, profile=strict), body, mode) == {
            "uid": body["request"]["uid"],
            "allowed": True,
        }


def test_violating_deployment_is_denied_with_one_psa_style_line(strict):
    body = make_review(deployment(hostNetwork=True, volumes=[{"name": "d", "hostPath": {"path": "/data"}}]))
    response = check_shape(review(body, mode="validate", profile=strict), body, "validate")
    assert response["allowed"] is False
    assert response["status"]["message"] == (
        "chartguard denied Deployment default/web: host namespaces (hostNetwork=true), "
        'restricted volume types (volume "d" uses restricted volume type "hostPath"), '
        'volume type not allowed (volume "d": hostPath) [profile nvcf-strict]'
    )
    assert response["auditAnnotations"] == {"rules": "pss-host-namespaces,pss-restricted-volumes,volume-types"}


def test_errors_deny_and_lower_severities_warn(nvcf):
    body = make_review(deployment(hostNetwork=True, volumes=[{"name": "d", "hostPath": {"path": "/data"}}]))
    response = check_shape(review(body, mode="validate", profile=nvcf), body, "validate")
    assert response["status"]["message"] == (
        'chartguard denied Deployment default/web: volume type not allowed (volume "d": hostPath) [profile nvcf]'
    )
    assert "chartguard: host namespaces (hostNetwork=true) [pss-host-namespaces]" in response["warnings"]


def test_service_denied_and_mutated(nvcf):
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"type": "NodePort", "ports": [{"port": 80}]},
    }
    body = make_review(service)
    denied = check_shape(review(body, mode="validate", profile=nvcf), body, "validate")
    # no metadata.namespace on CREATE: the request's namespace names the object
    assert (
        denied["status"]["message"]
        == "chartguard denied Service default/web: Service type is not ClusterIP (type: NodePort) [profile nvcf]"
    )
    mutated = check_shape(review(body, mode="mutate", profile=nvcf), body, "mutate")
    patched = apply_with_jsonpatch(service, decoded_patch(mutated))
    assert patched["spec"]["type"] == "ClusterIP"
    assert review(make_review(patched), mode="validate", profile=nvcf)["response"]["allowed"] is True


def test_warn_only_never_denies(strict):
    body = make_review(deployment(hostNetwork=True))
    response = check_shape(review(body, mode="validate", profile=strict, warn_only=True), body, "validate")
    assert response["allowed"] is True
    assert response["warnings"][0] == "chartguard error: host namespaces (hostNetwork=true) [pss-host-namespaces]"


def test_generate_name_pods_are_not_denied_for_their_name(strict):
    obj = bare_pod()
    obj["metadata"] = {"generateName": "web-5d9f-", "namespace": "default"}
    obj["spec"] = deployment(hostNetwork=True)["spec"]["template"]["spec"]
    body = make_review(obj, name="")
    response = check_shape(review(body, mode="validate", profile=strict), body, "validate")
    assert response["status"]["message"] == (
        "chartguard denied Pod default/web-5d9f-*: host namespaces (hostNetwork=true) [profile nvcf-strict]"
    )
    assert "object-name" not in response["auditAnnotations"]["rules"]


def test_update_checks_the_new_object(strict):
    old, new = deployment(), deployment(hostPID=True)
    body = make_review(new, "UPDATE", oldObject=old)
    assert check_shape(review(body, mode="validate", profile=strict), body, "validate")["allowed"] is False
    body = make_review(old, "UPDATE", oldObject=new)  # fixing a bad object is allowed
    assert check_shape(review(body, mode="validate", profile=strict), body, "validate")["allowed"] is True


def test_existing_violation_on_update_warns_instead_of_denying(strict):
    old = deployment(hostPID=True)
    new = copy.deepcopy(old)
    new["metadata"]["labels"] = {"team": "gpu"}  # a relabel: the violation is the same
    body = make_review(new, "UPDATE", oldObject=old)
    response = check_shape(review(body, mode="validate", profile=strict), body, "validate")
    assert response["allowed"] is True
    assert response["warnings"] == ["chartguard error (existing): host namespaces (hostPID=true) [pss-host-namespaces]"]
    assert response["auditAnnotations"] == {"existing": "pss-host-namespaces"}
    off = check_shape(review(body, mode="validate", profile=strict, allow_existing_violations=False), body, "validate")
    assert off["allowed"] is False and off["auditAnnotations"] == {"rules": "pss-host-namespaces"}
    created = review(make_review(new), mode="validate", profile=strict)["response"]  # only UPDATE has a past
    assert created["allowed"] is False


def test_new_or_changed_violation_on_update_denies(strict):
    old = deployment(hostPID=True)
    added = deployment(hostPID=True, volumes=[{"name": "d", "hostPath": {"path": "/data"}}])
    body = make_review(added, "UPDATE", oldObject=old)
    response = check_shape(review(body, mode="validate", profile=strict), body, "validate")
    assert response["allowed"] is False
    assert "host namespaces" not in response["status"]["message"] and "hostPath" in response["status"]["message"]
    assert response["auditAnnotations"] == {"rules": "pss-restricted-volumes,volume-types", "existing": "pss-host-namespaces"}
    assert response["warnings"] == ["chartguard error (existing): host namespaces (hostPID=true) [pss-host-namespaces]"]
    changed = deployment(hostPID=True, hostNetwork=True)  # same rule, pointer; another detail
    body = make_review(changed, "UPDATE", oldObject=old)
    response = check_shape(review(body, mode="validate", profile=strict), body, "validate")
    assert response["status"]["message"] == (
        "chartguard denied Deployment default/web: host namespaces (hostNetwork=true, hostPID=true) [profile nvcf-strict]"
    )
    assert response["auditAnnotations"] == {"rules": "pss-host-namespaces"} and "warnings" not in response


def test_a_changed_value_behind_the_same_detail_denies(strict):
    """A detail need not show every value: the field itself must be unchanged to count as existing."""
    old = deployment(volumes=[{"name": "logs", "hostPath": {"path": "/var/log"}}])
    relabelled = copy.deepcopy(old)
    relabelled["metadata"]["labels"] = {"team": "gpu"}
    response = review(make_review(relabelled, "UPDATE", oldObject=old), mode="validate", profile=strict)["response"]
    assert response["allowed"] is True and "volume-types" in response["auditAnnotations"]["existing"]
    widened = deployment(volumes=[{"name": "logs", "hostPath": {"path": "/"}}])  # same rule, pointer and detail
    response = review(make_review(widened, "UPDATE", oldObject=old), mode="validate", profile=strict)["response"]
    assert response["allowed"] is False and "volume-types" in response["auditAnnotations"]["rules"]
    assert "existing" not in response["auditAnnotations"]


def test_gpu_request_without_instance_type_cannot_grow_as_an_existing_violation():
    gate = load_profile("nvcf-webhook")

    def gpu_deployment(gpus: int, replicas: int) -> dict[str, Any]:
        amount = {"nvidia.com/gpu": gpus, "cpu": "1", "memory": "1Gi"}
        obj = deployment(containers=[container("infer", resources={"limits": amount, "requests": amount})])
        obj["spec"]["replicas"] = replicas
        return obj

    old = gpu_deployment(1, 1)  # created before the gate: no instance type known
    relabelled = copy.deepcopy(old)
    relabelled["metadata"]["labels"] = {"team": "gpu"}
    response = review(make_review(relabelled, "UPDATE", oldObject=old), mode="validate", profile=gate)["response"]
    assert response["allowed"] is True and response["auditAnnotations"] == {"existing": "gpu-instance-type"}
    grown = gpu_deployment(8, 50)  # the pod spec changed: the gate applies again
    response = review(make_review(grown, "UPDATE", oldObject=old), mode="validate", profile=gate)["response"]
    assert response["allowed"] is False and response["auditAnnotations"] == {"rules": "gpu-instance-type"}


GPU_KEY = "nvcf.nvidia.io/instance-type-name"


def gpu_statefulset(replicas: int, instance_type: str = "ON-PREM.GPU.B200_8x.x2") -> dict[str, Any]:
    """A StatefulSet of whole-node GPU pods (8 GPUs each) annotated with ``instance_type``."""
    gpus = {"nvidia.com/gpu": 8, "cpu": "1", "memory": "1Gi"}
    obj = deployment(containers=[container("rank", resources={"limits": gpus, "requests": gpus})])
    obj.update(kind="StatefulSet", metadata={"name": "rank", "namespace": "fn", "annotations": {GPU_KEY: instance_type}})
    obj["spec"].update(replicas=replicas, serviceName="rank")
    return obj


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        (3, 3, True),  # an existing wrong count, relabelled: warned
        (3, 4, False),  # scaled further away: "4 GPU pods" is a new detail
        (4, 3, False),  # toward the node count but still wrong: a changed violation denies too
        (4, 2, True),  # the right count: nothing to relax
    ],
)
def test_multi_node_gpu_scaling_of_an_existing_violation(nvcf, old, new, allowed):
    updated = gpu_statefulset(new)
    updated["metadata"]["labels"] = {"release": "2"}
    body = make_review(updated, "UPDATE", oldObject=gpu_statefulset(old), namespace="fn")
    response = check_shape(review(body, mode="validate", profile=nvcf), body, "validate")
    assert response["allowed"] is allowed
    if not allowed:
        assert response["status"]["message"] == (
            f"chartguard denied StatefulSet fn/rank: GPU pods do not match the node count ({new} GPU pods; "
            "ON-PREM.GPU.B200_8x.x2 has 2 nodes) [profile nvcf]"
        )
        assert response["auditAnnotations"] == {"rules": "gpu-pod-count"}
    elif old != new:
        assert "auditAnnotations" not in response
    else:
        assert response["auditAnnotations"] == {"existing": "gpu-pod-count"}
        assert response["warnings"][0].startswith("chartguard error (existing): GPU pods do not match the node count (3 GPU")
        assert response["warnings"][0].endswith("[gpu-pod-count]") and len(response["warnings"][0]) <= 120


def test_gpu_pod_count_is_backstopped_on_pods(nvcf):
    """The ``scale`` subresource passes unchecked; the StatefulSet's Pod beyond the node count is denied."""
    gpus = {"nvidia.com/gpu": 8}
    obj = pod(container("rank", resources={"limits": gpus, "requests": gpus}), namespace="default")
    obj["metadata"].update(name="rank-2", annotations={GPU_KEY: "ON-PREM.GPU.B200_8x.x2"})
    for index, allowed in (("²", True), ("1", True), ("2", False)):  # "²" is no index (and no crash)
        obj["metadata"]["labels"] = {"apps.kubernetes.io/pod-index": index}
        body = make_review(obj)
        response = check_shape(review(body, mode="validate", profile=nvcf), body, "validate")
        assert response["allowed"] is allowed, response
        assert "internal error" not in json.dumps(response)
    assert response["status"]["message"] == (
        "chartguard denied Pod default/rank-2: GPU pods do not match the node count "
        "(apps.kubernetes.io/pod-index 2 ≥ 2 nodes of ON-PREM.GPU.B200_8x.x2) [profile nvcf]"
    )
    assert response["auditAnnotations"] == {"rules": "gpu-pod-count"}


def counting_profile(seen: list[str], fixed: list[str]) -> Profile:
    """One error rule on ConfigMaps labelled ``bad``, recording the names it checks and fixes."""

    def check(manifest: Any, context: Any) -> Any:
        seen.append(manifest.obj["metadata"]["name"])
        if "bad" in manifest.obj["metadata"].get("labels", {}):
            yield Violation(detail="labelled bad", pointer="/metadata/labels/bad")

    def fix(obj: dict[str, Any], context: Any) -> Fix:
        fixed.append(obj["metadata"]["name"])
        return Fix.patch({"op": "remove", "path": "/metadata/labels/bad"})

    rule = ObjectRule(
        id="no-bad-label",
        title="no bad label",
        reason="bad label",
        severity=Severity.ERROR,
        remediation="remove it",
        check=check,
        kinds=frozenset({"ConfigMap"}),
        fix=fix,
    )
    return Profile(name="counting", title="", follows="tests", description="", rules=[RuleConfig(rule, Severity.ERROR, {})])


def test_old_object_is_linted_only_when_the_new_one_has_an_error():
    seen: list[str] = []
    fixed: list[str] = []
    profile = counting_profile(seen, fixed)

    def config_map(name: str, **labels: str) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}, "data": {}}

    clean = make_review(config_map("new"), "UPDATE", oldObject=config_map("old", bad="1"))
    assert review(clean, mode="validate", profile=profile)["response"] == {"uid": clean["request"]["uid"], "allowed": True}
    assert seen == ["new"]
    seen.clear()
    relabelled = make_review(config_map("new", bad="1", team="a"), "UPDATE", oldObject=config_map("old", bad="1"))
    response = review(relabelled, mode="validate", profile=profile)["response"]
    assert response["allowed"] is True and response["warnings"] == [
        "chartguard error (existing): bad label (labelled bad) [no-bad-label]"
    ]
    assert seen == ["new", "old"] and fixed == []  # the old object's lint plans no fixes
    assert "patch" in review(relabelled, mode="mutate", profile=profile)["response"] and fixed == ["new"]


def test_update_of_an_object_being_deleted_passes(strict):
    bad = deployment(hostPID=True)
    bad["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    body = make_review(bad, "UPDATE", oldObject=bad)
    assert check_shape(review(body, mode="validate", profile=strict), body, "validate")["allowed"] is True


def test_scale_subresource_passes(strict):
    scale = {
        "apiVersion": "autoscaling/v1",
        "kind": "Scale",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 5},
        "status": {"replicas": 1, "selector": "app=web"},
    }
    body = make_review(
        scale,
        "UPDATE",
        oldObject={**scale, "spec": {"replicas": 1}},
        subResource="scale",
        resource={"group": "apps", "version": "v1", "resource": "deployments"},
    )
    for mode in ("validate", "mutate"):
        assert check_shape(review(body, mode=mode, profile=strict), body, mode) == {
            "uid": body["request"]["uid"],
            "allowed": True,
        }


def test_status_subresource_passes_but_ephemeral_containers_are_checked(strict):
    bad = bare_pod(hostNetwork=True)
    status = make_review(bad, "UPDATE", oldObject=bare_pod(), subResource="status")  # even a new violation
    assert review(status, mode="validate", profile=strict, allow_existing_violations=False)["response"]["allowed"] is True
    debug = {"name": "debug", "image": "busybox", "securityContext": {"privileged": True}}
    with_debug = {**bad, "spec": {**bad["spec"], "ephemeralContainers": [debug]}}
    ephemeral = make_review(with_debug, "UPDATE", oldObject=bad, subResource="ephemeralcontainers")
    response = review(ephemeral, mode="validate", profile=strict)["response"]
    assert response["allowed"] is False and "pss-privileged" in response["auditAnnotations"]["rules"]


@pytest.mark.parametrize("operation", ["DELETE", "CONNECT"])
def test_delete_and_connect_pass(strict, operation):
    bad = bare_pod(hostNetwork=True)
    body = make_review(
        None, operation, oldObject=bad if operation == "DELETE" else None, kind={"group": "", "version": "v1", "kind": "Pod"}
    )
    for mode in ("validate", "mutate"):
        assert check_shape(review(body, mode=mode, profile=strict), body, mode) == {
            "uid": body["request"]["uid"],
            "allowed": True,
        }


def test_dry_run_answers_like_a_real_request(strict):
    bad = deployment(hostIPC=True)
    for mode in ("validate", "mutate"):
        real = review(make_review(bad, dryRun=False), mode=mode, profile=strict)
        dry = review(make_review(bad, dryRun=True), mode=mode, profile=strict)
        assert dry == real


def test_kinds_no_rule_cares_about_pass_fast(monkeypatch):
    profile = load_profile("pss-restricted")  # pod rules only

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("linted an object no rule applies to")

    monkeypatch.setattr("chartguard.admission.object_release", boom)
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}
    body = make_review(config_map)
    assert check_shape(review(body, mode="validate", profile=profile), body, "validate")["allowed"] is True


def test_internal_rule_error_denies_unless_fail_open(monkeypatch, nvcf, strict):
    """Fail closed whatever the profile's strictness (and warn_only); only fail_open allows, with a
    warning; the mutating answer never denies (the validating webhook is the gate)."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(SECRET_VALUE)

    monkeypatch.setattr("chartguard.admission.object_release", broken)
    body = make_review(deployment())
    problem = "chartguard could not check Deployment default/web: internal error (RuntimeError)"
    for profile in (nvcf, strict):
        for extra in ({}, {"warn_only": True}):
            denied = check_shape(review(body, mode="validate", profile=profile, **extra), body, "validate")
            assert denied["allowed"] is False and SECRET_VALUE not in json.dumps(denied)
            assert denied["status"] == {"code": 500, "status": "Failure", "reason": "InternalError", "message": problem}
            assert denied["auditAnnotations"] == {"rules": "internal-error"}
        allowed = check_shape(review(body, mode="validate", profile=profile, fail_open=True), body, "validate")
        assert allowed["allowed"] is True and allowed["warnings"] == [problem]
        mutated = check_shape(review(body, mode="mutate", profile=profile), body, "mutate")
        assert mutated["allowed"] is True and mutated["warnings"] == [problem] and "patch" not in mutated


def test_secret_data_is_never_echoed(nvcf, strict):
    encoded = base64.b64encode(SECRET_VALUE.encode()).decode()
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "creds",
            "namespace": "default",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": json.dumps({"data": {"password": encoded}})},
        },
        "type": "Opaque",
        "data": {"password": encoded, "blob": base64.b64encode(b"x" * 1_100_000).decode()},
        "stringData": {"token": SECRET_VALUE},
    }
    for profile in (nvcf, strict):
        for mode in ("validate", "mutate"):
            body = make_review(secret)
            answer = review(body, mode=mode, profile=profile)
            response = check_shape(answer, body, mode)
            text = json.dumps(answer)
            assert SECRET_VALUE not in text and encoded not in text
            if mode == "validate":  # too large: denied, with the reason only
                assert (
                    response["status"]["message"]
                    == f"chartguard denied Secret default/creds: object too large [profile {profile.name}]"
                )
    # a warning about a Secret carries no detail either
    odd = {**secret, "apiVersion": "v2", "data": {"password": encoded}}
    answer = review(make_review(odd), mode="validate", profile=nvcf)
    assert SECRET_VALUE not in json.dumps(answer) and encoded not in json.dumps(answer)


def test_literal_credentials_in_env_are_not_echoed(nvcf):
    obj = deployment(containers=[container("web", env=[{"name": "DB_PASSWORD", "value": SECRET_VALUE}])])
    answer = review(make_review(obj), mode="validate", profile=nvcf)
    warnings = answer["response"]["warnings"]
    assert any("[env-literal-secrets]" in w for w in warnings)
    assert SECRET_VALUE not in json.dumps(answer)


def test_many_findings_are_truncated(nvcf, strict):
    many = pod(*({"name": f"c{i:02d}-" + "x" * 60, "image": "busybox"} for i in range(30)), namespace="default")
    body = make_review(many)
    response = check_shape(review(body, mode="validate", profile=nvcf), body, "validate")
    warnings = response["warnings"]
    assert len(warnings) == 10 and all(len(w) <= 120 for w in warnings)
    assert warnings[-1].startswith("chartguard: ") and warnings[-1].endswith("more findings (run chartguard lint for all)")
    assert len(review(body, mode="validate", profile=nvcf, max_warnings=3)["response"]["warnings"]) == 3
    denied = review(body, mode="validate", profile=strict, max_message_chars=300)["response"]
    message = denied["status"]["message"]
    assert len(message) <= 300 and message.endswith(" more [profile nvcf-strict]") and ", and " in message
    default = review(body, mode="validate", profile=strict)["response"]["status"]["message"]
    assert len(default) <= 512


def test_mutation_patch_applies_and_creates_missing_parents(nvcf):
    bare = bare_pod()  # no securityContext anywhere: fixes must add the parent maps
    body = make_review(bare)
    response = check_shape(review(body, mode="mutate", profile=nvcf), body, "mutate")
    patch = decoded_patch(response)
    patched = apply_with_jsonpatch(bare, patch)
    assert patched["spec"]["containers"][0]["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert "patch" not in review(make_review(patched), mode="mutate", profile=nvcf)["response"]


def test_mutation_that_would_drop_the_object_is_a_warning(nvcf):
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "names": {"kind": "Widget", "plural": "widgets"}, "scope": "Namespaced", "versions": []},
    }
    body = make_review(crd)
    response = check_shape(review(body, mode="mutate", profile=nvcf), body, "mutate")
    assert "patch" not in response
    assert response["warnings"] == [
        "chartguard cannot remove CustomResourceDefinition default/widgets.example.com by mutation (allowed-kinds)"
    ]
    validated = check_shape(review(body, mode="validate", profile=nvcf), body, "validate")
    assert validated["allowed"] is True and any("[allowed-kinds]" in w for w in validated["warnings"])


def test_a_patch_that_does_not_apply_is_never_sent(monkeypatch, nvcf):
    from chartguard.json_patch import PatchError

    def failing(obj: Any, ops: Any) -> Any:
        raise PatchError("path /spec/x does not exist")

    monkeypatch.setattr(admission, "patched", failing)
    body = make_review(bare_pod())
    response = check_shape(review(body, mode="mutate", profile=nvcf), body, "mutate")
    assert "patch" not in response
    assert response["warnings"][0].startswith("chartguard: fixes for Pod default/p not applied")


def test_no_yaml_serialisation_on_the_hot_path(monkeypatch, nvcf):
    import yaml

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("YAML serialisation in review()")

    for name in ("safe_dump", "dump", "compose", "safe_load", "load"):
        monkeypatch.setattr(yaml, name, refuse)
    for mode in ("validate", "mutate"):
        body = make_review(deployment(hostNetwork=True, containers=[{"name": "c", "image": "busybox"}]))
        check_shape(review(body, mode=mode, profile=nvcf), body, mode)


# --- malformed reviews --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ([], "the body is an array, not an AdmissionReview object"),
        ("review", "the body is a string"),
        (None, "the body is null"),
        (
            {"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview", "request": {"uid": "u"}},
            "apiVersion is 'admission.k8s.io/v1beta1'",
        ),
        ({"kind": "AdmissionReview", "request": {"uid": "u"}}, "apiVersion is missing"),
        (
            {"apiVersion": "admission.k8s.io/v1", "kind": "Pod", "request": {"uid": "u"}},
            "kind is 'Pod', expected AdmissionReview",
        ),
        ({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}, "request is null, expected an object"),
        ({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": [1]}, "request is an array"),
        (
            {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"operation": "CREATE"}},
            "request.uid is missing",
        ),
        (
            {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "", "operation": "CREATE"}},
            "request.uid is missing",
        ),
        (
            {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": 7, "operation": "CREATE"}},
            "request.uid",
        ),
        (
            {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "u"}},
            "request.operation is missing",
        ),
        (
            {
                "apiVersion": "admission.k8s.io/v1",
                "kind": "AdmissionReview",
                "request": {"uid": "u", "operation": "CREATE", "object": "x"},
            },
            "request.object is a string",
        ),
        (
            {
                "apiVersion": "admission.k8s.io/v1",
                "kind": "AdmissionReview",
                "request": {"uid": "u", "operation": "UPDATE", "object": None},
            },
            "request.object is missing on UPDATE",
        ),
    ],
)
def test_malformed_reviews_raise_review_error(nvcf, body, reason):
    for mode in ("validate", "mutate"):
        with pytest.raises(ReviewError, match=None) as caught:
            review(body, mode=mode, profile=nvcf)  # type: ignore[arg-type]
        assert reason in str(caught.value)
        assert "\n" not in str(caught.value)


def test_bad_arguments_are_programming_errors(nvcf):
    body = make_review(deployment())
    with pytest.raises(ValueError, match="mode must be"):
        review(body, mode="audit", profile=nvcf)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unexpected setting"):
        review(body, mode="validate", profile=nvcf, fail_sideways=True)
    with pytest.raises(ValueError, match="max_warnings"):
        review(body, mode="validate", profile=nvcf, max_warnings=0)
    with pytest.raises(ValueError, match="max_object_depth must be a positive number"):
        review(body, mode="validate", profile=nvcf, max_object_depth=0)


def test_object_release_finds_what_lint_manifests_finds(strict):
    from chartguard.api import lint_manifests
    from chartguard.release import object_release

    obj = deployment(hostNetwork=True, containers=[{"name": "c", "image": "busybox", "env": [{"name": "TOKEN", "value": "x"}]}])

    def key(report: Any) -> list[tuple[str, str, str, str]]:
        return sorted((f.rule_id, str(f.severity), f.reason, f.detail) for f in report.findings)

    reference = lint_manifests([obj], profile=strict)
    fast = object_release(obj, profile=strict).lint()
    assert key(fast) == key(reference)
    assert [fix.ops for fix in fast.fixes] == [fix.ops for fix in reference.fixes]
    unplanned = object_release(obj, profile=strict).lint(fixes=False)
    assert key(unplanned) == key(reference) and unplanned.fixes == []


NVCF_STRICT = load_profile("nvcf-strict")


@settings(max_examples=60, deadline=None)
@given(obj=workloads())
def test_every_mutation_applies_and_every_answer_keeps_the_contract(obj: dict[str, Any]) -> None:
    """Over generated pods and workloads (CREATE and UPDATE): the answers keep the contract, a patch
    applies with jsonpatch exactly as with chartguard, and the patched object needs no second patch."""
    for operation in ("CREATE", "UPDATE"):
        extra = {"oldObject": obj} if operation == "UPDATE" else {}
        body = make_review(obj, operation, **extra)
        check_shape(review(body, mode="validate", profile=NVCF_STRICT), body, "validate")
        response = check_shape(review(body, mode="mutate", profile=NVCF_STRICT), body, "mutate")
        if "patch" in response:
            patch = decoded_patch(response)
            patched = apply_with_jsonpatch(obj, patch)
            assert patched == apply_patch(obj, patch)
            assert "patch" not in review(make_review(patched), mode="mutate", profile=NVCF_STRICT)["response"]


# --- work limits and request field types (fail closed on crafted input) ----------------------------


def nested(depth: int) -> Any:
    """A value of ``depth`` objects inside one another."""
    value: Any = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


def widget(**spec: Any) -> dict[str, Any]:
    """A custom resource of a kind the nvcf profiles do not allow."""
    return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "default"}, "spec": spec}


@pytest.mark.parametrize(
    ("obj", "limits", "limit"),
    [
        (widget(deep=nested(200)), {}, "max-object-depth"),
        (deployment(volumes=[{"name": "h", "hostPath": {"path": "/"}}], nodeSelector={"x": nested(150)}), {}, "max-object-depth"),
        (widget(deep=nested(9)), {"max_object_depth": 8}, "max-object-depth"),
        (deployment(containers=[container(f"c{i}") for i in range(6)]), {"max_containers": 5}, "max-containers"),
        (widget(items=list(range(500))), {"max_object_nodes": 400}, "max-object-nodes"),
        (widget(blob="x" * 5000), {"max_object_bytes": 4096}, "max-object-bytes"),
    ],
)
def test_objects_over_a_limit_are_denied_naming_it(nvcf, obj, limits, limit):
    """Crafted objects (a Widget the profile denies, a hostPath Deployment) nested deeper than the
    limit used to be allowed with "could not check ... (RecursionError)": now a clean denial, before
    any rule runs, whatever fail_open says; the mutating answer carries no patch."""
    body = make_review(obj)
    for fail_open in (False, True):
        response = check_shape(review(body, mode="validate", profile=nvcf, fail_open=fail_open, **limits), body, "validate")
        assert response["allowed"] is False and response["status"]["code"] == 403
        assert (
            "over the webhook's limits (" in response["status"]["message"] and f"limit {limit})" in response["status"]["message"]
        )
        assert response["auditAnnotations"] == {"rules": limit}
    mutated = check_shape(review(body, mode="mutate", profile=nvcf, **limits), body, "mutate")
    assert "patch" not in mutated and mutated["warnings"][0].startswith("chartguard: not mutated, over the webhook's limits")


def test_deep_objects_deny_even_at_the_bottom_of_a_deep_stack(nvcf):
    """985 levels used to overflow the recursion limit inside the server's frames."""

    def at_depth(frames: int) -> dict[str, Any]:
        if frames:
            return at_depth(frames - 1)
        return review(make_review(widget(deep=nested(985))), mode="validate", profile=nvcf)

    assert at_depth(sys.getrecursionlimit() - 150)["response"]["allowed"] is False


def test_limits_bound_the_work_of_a_huge_review(nvcf):
    """A 10 MiB Deployment with 132k containers used to keep a worker busy for seconds."""
    import time

    huge = deployment(containers=[{"name": f"c{i}", "image": "nginx"} for i in range(132_000)])
    started = time.perf_counter()
    response = review(make_review(huge), mode="validate", profile=nvcf)["response"]
    assert time.perf_counter() - started < 0.5
    assert response["auditAnnotations"] == {"rules": "max-containers"}
    many = widget(items=[{"k": i} for i in range(300_000)])
    started = time.perf_counter()
    assert review(make_review(many), mode="validate", profile=nvcf)["response"]["auditAnnotations"] == {
        "rules": "max-object-nodes"
    }
    assert time.perf_counter() - started < 0.5


def test_an_old_object_over_a_limit_relaxes_nothing(nvcf):
    hostpath = deployment(volumes=[{"name": "h", "hostPath": {"path": "/"}}])
    old = copy.deepcopy(hostpath)
    old["metadata"]["annotations"] = {"deep": nested(150)}
    body = make_review(hostpath, "UPDATE", oldObject=old)
    response = review(body, mode="validate", profile=nvcf)["response"]
    assert response["allowed"] is False and "volume-types" in response["auditAnnotations"]["rules"]
    body = make_review(hostpath, "UPDATE", oldObject=copy.deepcopy(hostpath))
    assert review(body, mode="validate", profile=nvcf)["response"]["allowed"] is True  # the same old object, within limits


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("subResource", ["status"], "request.subResource is an array, expected a string"),
        ("subResource", {"a": 1}, "request.subResource is an object, expected a string"),
        ("requestSubResource", 7, "request.requestSubResource is a number, expected a string"),
        ("operation", ["CREATE"], "request.operation is missing or not a string"),
        ("kind", "Deployment", "request.kind is a string, expected an object"),
        ("kind", {"group": "apps", "version": "v1", "kind": ["Deployment"]}, "request.kind.kind is an array, expected a string"),
        ("requestKind", [], "request.requestKind is an array, expected an object"),
        ("resource", {"resource": 3}, "request.resource.resource is a number, expected a string"),
        ("uid", ["x"], "request.uid is missing or not a non-empty string"),
        ("namespace", {"a": 1}, "request.namespace is an object, expected a string"),
        ("name", 3, "request.name is a number, expected a string"),
        ("userInfo", "admin", "request.userInfo is a string, expected an object"),
        ("userInfo", {"username": ["a"]}, "request.userInfo.username is an array, expected a string"),
        ("userInfo", {"groups": "system:masters"}, "request.userInfo.groups is a string, expected an array"),
        ("userInfo", {"groups": ["a", 1]}, "request.userInfo.groups[1] is a number, expected a string"),
        ("userInfo", {"extra": {"k": "v"}}, "request.userInfo.extra.k is a string, expected an array"),
        ("dryRun", "false", "request.dryRun is a string, expected a boolean"),
        ("options", "CreateOptions", "request.options is a string, expected an object"),
        ("oldObject", [], "request.oldObject is an array, expected an object"),
    ],
)
def test_request_fields_of_the_wrong_type_are_review_errors(nvcf, field, value, reason):
    """A list as subResource was "allowed with a TypeError warning": now a ReviewError (HTTP 400)."""
    body = make_review(deployment(volumes=[{"name": "h", "hostPath": {"path": "/"}}]))
    body["request"][field] = value
    for mode in ("validate", "mutate"):
        with pytest.raises(admission.ReviewError) as raised:
            review(body, mode=mode, profile=nvcf)
        assert str(raised.value) == reason


def test_request_fields_may_be_null_or_absent(nvcf):
    body = make_review(deployment())
    for field in ("subResource", "requestKind", "userInfo", "dryRun", "options", "name"):
        body["request"][field] = None
    assert review(body, mode="validate", profile=nvcf)["response"]["allowed"] is True
