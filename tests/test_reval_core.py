"""chartguard.helmreval on the project's own charts (testcharts/reval-*) and streams: request binding,
decoding limits, the type allowlist, the Default policy's messages, policies, sanitisation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers.paths import TESTCHARTS

import chartguard
from chartguard import helmreval as reval
from chartguard import quantity
from chartguard.rules.reval import gotypes, goyaml
from chartguard.rules.reval.decoder import MAX_OBJECT_BYTES, split_documents

BASIC = str(TESTCHARTS / "reval-basic")
CRDS = str(TESTCHARTS / "reval-crds")
NS = "sr-1234"


def req(chart: str = BASIC, **fields: Any) -> dict[str, Any]:
    return {"helmChart": chart, "namespace": NS, **fields}


def errors(result: dict[str, Any]) -> list[str]:
    return result["validationErrors"]


# --- request binding (HTTP 400 material) --------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "render", "messages"),
    [
        ({}, False, ["helmChart is required"]),
        ({"helmChart": ""}, True, ["helmChart is required"]),
        (
            {"helmChart": BASIC, "validationPolicies": [{"name": "Default"}, {"id": "b", "name": "Strict"}]},
            False,
            [
                "validation policy 0 is missing ID",
                'validation policy b: unexpected name "Strict" (expected "Default" or "Unrestricted")',
            ],
        ),
        (
            {
                "helmChart": BASIC,
                "validationPolicies": [{"id": "a", "name": "", "allowedExtraKubernetesTypes": [{"version": "v1"}]}],
            },
            False,
            [
                'validation policy a: unexpected name "" (expected "Default" or "Unrestricted")\n'
                "allowed extra Kubernetes type 0 group is unset\nallowed extra Kubernetes type 0 kind is unset"
            ],
        ),
        (
            {
                "helmChart": BASIC,
                "validationPolicy": {
                    "name": "Unrestricted",
                    "allowedExtraKubernetesTypes": [{"group": "", "version": "v1", "kind": "Pod"}],
                },
            },
            True,
            ["validation policy: allowed extra Kubernetes type 0 group is unset"],
        ),
        ({"helmChart": 5}, False, ["json: cannot unmarshal number into Go struct field RevalRequest.helmChart of type string"]),
    ],
)
def test_bind_errors(body: dict[str, Any], render: bool, messages: list[str]) -> None:
    with pytest.raises(reval.RequestError) as caught:
        (reval.render if render else reval.validate)(body)
    assert caught.value.messages == messages


def test_render_ignores_validation_policies_and_validate_ignores_the_render_policy() -> None:
    bad_policy = [{"name": "nope"}]
    assert reval.render(req(validationPolicies=bad_policy))["valid"] is True
    assert reval.validate(req(validationPolicy={"name": "nope"})) == {"valid": True, "validationErrors": []}


def test_field_names_match_case_insensitively_as_in_go() -> None:
    assert reval.validate({"HelmChart": BASIC, "HELMCHARTSERVICENAME": "mini-service-api", "helmChartServicePort": 8000})["valid"]


def test_input_errors_are_validation_errors() -> None:
    assert reval.validate(req(k8sVersion="one.two")) == {
        "valid": False,
        "validationErrors": ['invalid kube version "one.two": invalid semantic version'],
    }
    result = reval.render({"helmChart": "http://charts.example.com/x-1.0.0.tgz"})
    assert result == {
        "valid": False,
        "validationErrors": ['helm chart URL must use https or oci scheme, got "http"'],
        "output": [],
    }


def test_render_errors() -> None:
    assert errors(reval.validate(req(str(TESTCHARTS / "library")))) == ["run helm template: library charts are not installable"]
    result = reval.validate(req(configuration=["not", "a", "map"]))
    assert errors(result)[0].startswith("run helm template: failed to parse ")
    assert (
        errors(reval.validate(req("/nonexistent/chart")))[0] == "run helm template: /nonexistent/chart: no such file or directory"
    )


def test_kube_version_is_honoured() -> None:
    assert reval.validate(req(k8sVersion="v1.30")) == {"valid": True, "validationErrors": []}


# --- decoding ------------------------------------------------------------------------------------


def doc(name: str, kind: str = "ConfigMap", extra: str = "") -> str:
    return f"apiVersion: v1\nkind: {kind}\nmetadata:\n  name: {name}\n{extra}"


def stream(*docs: str) -> str:
    return "".join(f"---\n# Source: chart/templates/t.yaml\n{d}\n" for d in docs)


def test_split_like_kubernetes_document_decoder() -> None:
    assert list(split_documents(b"---\na: 1\n---x\nb: 2\n--- # c\n")) == [b"---\na: 1", b"b: 2"]
    assert list(split_documents(b"a\n---\n\n---\nb")) == [b"a", b"", b"b"]
    assert list(split_documents(b"a\n---")) == [b"a"]


def test_size_limit_counts_the_source_line() -> None:
    header = "# Source: chart/templates/t.yaml\n"
    base = doc("big", extra="data:\n  k: ''\n").rstrip("\n")
    pad = MAX_OBJECT_BYTES - len(header) - len(base)
    fits = doc("big", extra=f"data:\n  k: '{'x' * pad}'\n").rstrip("\n")
    text = "---\n" + doc("a") + "---\n" + header + fits + "\n---\n" + doc("z")  # the last document keeps its final newline
    assert len((header + fits).encode()) == MAX_OBJECT_BYTES
    assert reval.validate(req(), manifests=text) == {"valid": True, "validationErrors": []}
    too_big = text.replace("'x", "'xx")
    assert errors(reval.validate(req(), manifests=too_big)) == [
        "size of object at index 1 is larger than maximum 1049600 bytes (including object metadata)"
    ]


def test_301_documents_pass_and_302_fail() -> None:
    docs = [doc(f"c{i}") for i in range(301)]
    assert reval.validate(req(), manifests=stream(*docs))["valid"] is True
    typeless = ["# just a comment"] + docs  # documents without apiVersion/kind count too
    assert errors(reval.validate(req(), manifests=stream(*typeless))) == [
        "rendered chart contains more objects than the maximum allowed 300"
    ]


def test_decode_errors_in_document_order_and_before_the_type_check() -> None:
    text = stream(
        doc("ok"),
        "apiVersion: a/b/c\nkind: X\nmetadata: {name: x}",
        "apiVersion: v1\nkind: List\nitems: []",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: x-",
        "- a list",
        "kind: NoVersion",
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}",
    )
    assert errors(reval.validate(req(), manifests=text)) == [
        "decode object 1: unexpected GroupVersion string: a/b/c",
        "object 2 is not a valid Kubernetes type (does not implement metav1.Object)",
        "object 3 is missing required field metadata.name",
    ]


def test_limits_stop_decoding_and_keep_earlier_errors() -> None:
    big = doc("big", extra=f"data:\n  k: '{'x' * MAX_OBJECT_BYTES}'\n")
    text = stream("apiVersion: v1\nkind: Secret\nmetadata: {}", big, "apiVersion: a/b/c\nkind: X")
    assert errors(reval.validate(req(), manifests=text)) == [
        "object 0 is missing required field metadata.name",
        "size of object at index 1 is larger than maximum 1049600 bytes (including object metadata)",
    ]


def test_oversized_document_is_an_internal_error() -> None:
    with pytest.raises(reval.InternalError, match="token too long"):
        reval.validate(req(), manifests=stream(doc("x", extra=f"data:\n  k: '{'x' * (5 * 1024 * 1024)}'\n")))


def test_manifest_objects_and_hooks() -> None:
    hook = doc("hook", "Pod", "  annotations:\n    helm.sh/hook: test\n")
    assert reval.validate(req(), manifests=stream(doc("a"), hook))["valid"] is True
    assert (
        reval.validate(req(), manifests=[{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}])["valid"] is True
    )


# --- type allowlist ------------------------------------------------------------------------------


def test_unsupported_types_in_stream_order_with_duplicates() -> None:
    text = stream(
        "apiVersion: v1\nkind: Endpoints\nmetadata: {name: e}",
        "apiVersion: apps/v1beta2\nkind: Deployment\nmetadata: {name: d}",
        "apiVersion: v1\nkind: Endpoints\nmetadata: {name: e2}",
        "apiVersion: x-foo.mycompany.com/v1\nkind: MyKind\nmetadata: {name: m}",
    )
    assert errors(reval.validate(req(), manifests=text)) == [
        'unsupported types: ["core/v1.Endpoints" "apps/v1beta2.Deployment" "core/v1.Endpoints" "x-foo.mycompany.com/v1.MyKind"]'
    ]


def test_crds_are_rendered_and_rejected_unless_extra() -> None:
    assert errors(reval.validate(req(CRDS))) == [
        'unsupported types: ["apiextensions.k8s.io/v1.CustomResourceDefinition" "example.com/v1.Widget"]'
    ]
    extras = [
        {"group": "apiextensions.k8s.io", "version": "v1", "kind": "CustomResourceDefinition"},
        {"group": "example.com", "version": "v1", "kind": "Widget"},
    ]
    result = reval.render(req(CRDS, validationPolicy={"name": "Default", "allowedExtraKubernetesTypes": extras}))
    assert [o["kind"] for o in result["output"]] == ["CustomResourceDefinition", "Widget"]
    widget = result["output"][1]
    assert widget["metadata"] == {"annotations": {}, "labels": {}, "name": "mini-service-widget"}  # custom resources print {}
    assert list(widget["spec"]) == ["alpha", "size", "zeta"]  # unstructured: Go's sorted map keys


def test_typed_decode_fallback_fails_the_allowlist() -> None:
    assert errors(reval.validate(req(configuration={"replicas": "three"}))) == ['unsupported types: ["apps/v1.Deployment"]']
    # a label value YAML reads as a number: the Service selector and the pod template both fall back
    assert errors(reval.validate(req(configuration={"labelValue": 1.5}))) == [
        'unsupported types: ["core/v1.Service" "apps/v1.Deployment"]'
    ]
    extra = {"group": "apps", "version": "v1", "kind": "Deployment"}
    policies = [{"id": "x", "name": "Default", "allowedExtraKubernetesTypes": [extra]}]
    # accepted unvalidated when the GVK is an extra type
    assert reval.validate(req(configuration={"replicas": "three", "hostNetwork": True}, validationPolicies=policies))["valid"]


def test_unrestricted_still_applies_the_type_allowlist() -> None:
    unrestricted = {"name": "Unrestricted", "allowedExtraKubernetesTypes": []}
    result = reval.render(req(configuration={"hpa": True}, validationPolicy=unrestricted))
    assert errors(result) == ['unsupported types: ["autoscaling/v2.HorizontalPodAutoscaler"]']


# --- the Default policy's object rules -----------------------------------------------------------

INSECURE = {
    "hostNetwork": True,
    "hostPort": 9090,
    "automount": True,
    "securityContext": {"privileged": True, "capabilities": {"add": ["SYS_ADMIN"]}, "procMount": "Unmasked"},
    "podSecurityContext": {
        "runAsUser": 0,
        "seccompProfile": {"type": "Unconfined"},
        "seLinuxOptions": {"user": "admin", "type": "spc_t"},
    },
    "extraVolumes": [
        {"name": "host", "hostPath": {"path": "/"}},
        {
            "name": "proj",
            "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}, {"configMap": {"name": "c"}}, {"downwardAPI": {}}]},
        },
    ],
    "serviceType": "NodePort",
    "image": " ",
}


def test_default_policy_messages_sorted_bytewise() -> None:
    result = reval.validate(req(configuration=INSECURE))
    p = 'containers["echo"].securityContext.'
    q = 'containers["cleanup"].securityContext.'
    allowed = (
        '["emptyDir" "configMap" "projected.sources[*].configMap" "secret" "projected.sources[*].secret" "persistentVolumeClaim"]'
    )
    # the configuration is coalesced over values.yaml (drop ALL, readOnlyRootFilesystem and runAsNonRoot stay)
    context = [
        'capabilities.add must be unset or set to ["NET_BIND_SERVICE"]',
        "privileged must not be true",
        "procMount must be unset or set to Default",
        "runAsUser or podSpec.securityContext.runAsUser must not be 0",
        "seccompProfile.type or podSpec.securityContext.seccompProfile.type must be set to one of RuntimeDefault/Localhost",
        'seLinuxOptions.type or podSpec.securityContext.seLinuxOptions.type must be set to one of ""/container_t/container_init_t/container_kvm_t/container_engine_t',
        "seLinuxOptions.user or podSpec.securityContext.seLinuxOptions.user must be unset",
    ]
    expected = [
        'container "cleanup" has no image',
        'container "echo" has no image',
        *(q + c for c in context),
        *(p + c for c in context),
        "automountServiceAccountToken must be false",
        'host ports not allowed: ["http"]',
        "hostNetwork must be false",
        "service is not ClusterIP",
        f'volumes not of allowed types {allowed}: ["host" "proj" "proj"]',
    ]
    assert errors(result) == sorted(expected, key=str.encode)
    assert result["valid"] is False


def test_skip_validate_objects_keeps_the_type_allowlist() -> None:
    assert reval.validate(req(configuration=INSECURE), skip_validate_objects=True)["valid"] is True
    assert not reval.validate(req(configuration={**INSECURE, "hpa": True}), skip_validate_objects=True)["valid"]


def test_target_service_checks() -> None:
    ok = reval.validate(req(helmChartServiceName="mini-service-api", helmChartServicePort=8000))
    assert ok == {"valid": True, "validationErrors": []}
    # only when both name and port are given
    assert reval.validate(req(helmChartServiceName="nope"))["valid"] is True
    assert errors(reval.validate(req(helmChartServiceName="nope", helmChartServicePort=8000))) == [
        'helm chart service name "nope" not found'
    ]
    # targetPort by number matches any unnamed container port (helm-reval's comparison), but here the port is named
    assert errors(
        reval.validate(
            req(configuration={"targetPort": 9999}, helmChartServiceName="mini-service-api", helmChartServicePort=8000)
        )
    ) == ['provided helm chart service "mini-service-api" has no port 8000 matching selected pod specs']


def test_extra_gvks_relax_the_service_checks() -> None:
    policy = [{"id": "x", "name": "Default", "allowedExtraKubernetesTypes": [{"group": "a", "version": "v1", "kind": "B"}]}]
    result = reval.validate(req(helmChartServiceName="nope", helmChartServicePort=1, validationPolicies=policy))
    assert result["valid"] is True


def test_policies_are_any_of_with_per_policy_results() -> None:
    hpa = {"group": "autoscaling", "version": "v2", "kind": "HorizontalPodAutoscaler"}
    policies = [
        {"id": "default", "name": "Default", "allowedExtraKubernetesTypes": [hpa]},
        {"id": "plain", "name": "Unrestricted", "allowedExtraKubernetesTypes": []},
        {"id": "open", "name": "Unrestricted", "allowedExtraKubernetesTypes": [hpa]},
    ]
    result = reval.validate(req(configuration={"hpa": True, "hostNetwork": True}, validationPolicies=policies))
    assert result == {
        "valid": True,
        "validationErrors": [],
        "validationPolicies": [
            {"id": "default", "valid": False, "validationErrors": ["hostNetwork must be false"]},
            {
                "id": "plain",
                "valid": False,
                "validationErrors": ['unsupported types: ["autoscaling/v2.HorizontalPodAutoscaler"]'],
            },
            {"id": "open", "valid": True, "validationErrors": []},
        ],
    }


# --- render: sanitisation and encoding -----------------------------------------------------------


def by_kind(result: dict[str, Any]) -> dict[str, Any]:
    return {o["kind"]: o for o in result["output"]}


def test_render_sanitises() -> None:
    result = reval.render(
        req(configuration={"nodeSelector": {"gpu": "a100"}, "ownerReferences": True, "annotations": {"team": "x", "keep": "1"}}),
        preserve_annotations=["keep"],
    )
    assert result["valid"] is True
    objects = by_kind(result)
    deployment = objects["Deployment"]
    assert deployment["metadata"] == {"name": "mini-service-echo", "creationTimestamp": None, "annotations": {"keep": "1"}}
    spec = deployment["spec"]["template"]["spec"]
    assert "nodeSelector" not in spec and "serviceAccountName" not in spec and "priorityClassName" not in spec
    assert spec["automountServiceAccountToken"] is False
    assert spec["containers"][0]["securityContext"]["allowPrivilegeEscalation"] is False
    assert spec["containers"][0]["resources"] == {"limits": {"cpu": "1", "memory": "1Gi"}}  # canonical quantities
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    controller = deployment["spec"]["selector"]["matchLabels"]["autogen-label-controller"]
    assert labels["autogen-label-controller"] == controller and controller.startswith("x") and controller.endswith("x")
    service = objects["Service"]
    key = next(k for k in service["spec"]["selector"])
    assert key.startswith("autogen-label-service-") and labels[key] == service["spec"]["selector"][key]
    assert deployment["spec"]["template"]["metadata"]["annotations"] == {"checksum": "abc"}  # pod template metadata kept
    cron = objects["CronJob"]["spec"]["jobTemplate"]
    assert "selector" not in cron["spec"] and "labels" not in cron["spec"]["template"]["metadata"]
    assert [o["kind"] for o in result["output"]] == ["ConfigMap", "Service", "Deployment", "CronJob"]  # hook, NOTES gone


def test_random_label_values_differ() -> None:
    first = by_kind(reval.render(req()))["Deployment"]["spec"]["selector"]["matchLabels"]
    second = by_kind(reval.render(req()))["Deployment"]["spec"]["selector"]["matchLabels"]
    assert first != second


def test_unrestricted_render_mutates_nothing() -> None:
    result = reval.render(req(validationPolicy={"name": "Unrestricted", "allowedExtraKubernetesTypes": []}))
    deployment = by_kind(result)["Deployment"]
    assert deployment["metadata"]["labels"] == {"app": "echo"}
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == "default"
    assert deployment["spec"]["selector"] == {"matchLabels": {"app": "echo"}}


def test_invalid_render_has_empty_output() -> None:
    assert reval.render(req(configuration={"hostNetwork": True})) == {
        "valid": False,
        "validationErrors": ["hostNetwork must be false"],
        "output": [],
    }


# --- Go semantics helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "canonical"),
    [("1000", "1k"), ("0.5", "500m"), ("1024Mi", "1Gi"), ("500Mi", "500Mi"), ("1.5Gi", "1536Mi"), ("1e3", "1e3"), ("0", "0"),
     ("100m", "100m"), ("1500", "1500"), ("2", "2"), ("1.0", "1"), ("0.1Ki", "102400m")],
)  # fmt: skip
def test_quantities(given: str, canonical: str) -> None:
    assert quantity.canonical(given) == canonical


@pytest.mark.parametrize("bad", ["1GB", "abc", "", "1.2.3", "--1"])
def test_bad_quantities(bad: str) -> None:
    with pytest.raises(ValueError):
        quantity.canonical(bad)


def test_go_yaml_resolution() -> None:
    assert goyaml.load("a: y\nb: on\nc: 2020-01-01\nd: 1.0\ne: 0x1F\nf: 017\ng: 1_000\nh: '1'\n1: x\nn: 08") == {
        "a": True, "b": True, "c": "2020-01-01", "d": 1, "e": 31, "f": 15, "g": 1000, "h": "1", "1": "x", "false": 8,  # key n is false in YAML 1.1
    }  # fmt: skip
    with pytest.raises(goyaml.GoYAMLError):
        goyaml.load("a: .nan")


def test_typed_encoding_writes_go_zero_values() -> None:
    pod = gotypes.normalize(
        "core/v1.Pod",
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}, "bogus": 1},
    )
    assert pod == {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"name": "p", "creationTimestamp": None},
        "spec": {"containers": [{"name": "c", "resources": {}}]},
        "status": {},
    }
    with pytest.raises(gotypes.Mismatch):
        gotypes.normalize("apps/v1.Deployment", {"spec": {"replicas": "three"}})


# --- the same checks from `chartguard lint --profile reval-default` ------------------------------


def test_lint_profile_reports_helm_revals_messages() -> None:
    report = chartguard.lint_chart(BASIC, {"hostNetwork": True, "hpa": True}, profile="reval-default")
    details = sorted(f.detail for f in report.findings)
    assert details == ["hostNetwork must be false", 'unsupported types: ["autoscaling/v2.HorizontalPodAutoscaler"]']
    clean = chartguard.lint_chart(BASIC, profile="reval-default")
    assert clean.findings == []
    assert chartguard.lint_chart(CRDS, profile="reval-unrestricted").failed()


def test_lint_profile_target_service() -> None:
    from chartguard.function import FunctionSpec

    report = chartguard.lint_chart(
        BASIC, profile="reval-default", function=FunctionSpec(service_name="mini-service-api", inference_port=81)
    )
    assert sorted(f.detail for f in report.findings) == [
        'helm chart service "mini-service-api" has no port 81',
        'provided helm chart service "mini-service-api" has no port 81 matching selected pod specs',
    ]


def test_no_traceback_on_bad_manifests() -> None:
    result = reval.validate(req(), manifests="{{{ not yaml\n---\n: : :\n")
    assert result == {"valid": True, "validationErrors": []}
    assert json.dumps(result)
