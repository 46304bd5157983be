"""The NVCF function definition: payload loading and JSON Schemas, the pull-secret placeholder, the
function rules (function-service, inference-port-reserved, helm-chart-url, image-registry, the pull
secret rules, config-read-only), the CLI flags, and NVIDIA's samples (skipped without ../shared).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers.cli import cli
from helpers.lint import lint_testchart
from helpers.paths import TESTCHARTS, shared_path

import chartguard
from chartguard.errors import ConfigError, UsageError
from chartguard.findings import Report, Severity
from chartguard.function import DeploymentSpec, FunctionSpec, load_function
from chartguard.rules.function.config_read_only import under_config
from chartguard.rules.function.function_service import port_matches, selection, selects, target_port
from chartguard.rules.function.helm_chart_url import is_private_host, ngc_chart
from chartguard.rules.function.image_registry import ngc_image
from chartguard.values import NGC_PULL_SECRET_PLACEHOLDER, with_pull_secret_placeholder

PAYLOADS = TESTCHARTS / "functions"
NGC_URL = "https://helm.ngc.nvidia.com/myorg/myteam/charts/function-ngc-1.2.0.tgz"
FUNCTION_RULES = (
    "function-service", "inference-port-reserved", "helm-chart-url", "image-registry",
    "ngc-pull-secret-key", "image-pull-secret-reference", "image-pull-secret-empty", "config-read-only",
)  # fmt: skip


def rows(report: Report, rule_id: str) -> list[tuple[str, str, str]]:
    """``(severity, reason, detail)`` of one rule's findings."""
    return [(str(f.severity), f.reason, f.detail) for f in report.findings if f.rule_id == rule_id]


def errors(report: Report) -> list[tuple[str, str]]:
    return [(f.rule_id, f.detail) for f in report.findings if f.severity == Severity.ERROR]


def write(tmp_path: Path, name: str, document: Any) -> str:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document, indent=2), encoding="utf-8")
    return str(path)


def payload(**changes: Any) -> dict[str, Any]:
    """testcharts/functions/function-ngc.json with ``changes`` (None deletes a field)."""
    document = json.loads((PAYLOADS / "function-ngc.json").read_text())
    for key, value in changes.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    return document


# --- loading the function definition ------------------------------------------------------------


def test_load_function_payload_and_deployment() -> None:
    spec = load_function(str(PAYLOADS / "function-ngc.json"), str(PAYLOADS / "deployment.json"))
    assert (spec.name, spec.service_name, spec.inference_port, spec.helm_chart) == ("function-ngc", "entrypoint", 8000, NGC_URL)
    assert spec.deployment == DeploymentSpec(
        "L40S", "GFN", "gl40s_1.br25_2xlarge", 1, 2, {"image": "nvcr.io/myorg/myteam/api:1.2.1"}
    )
    assert spec.location("inferencePort").path == str(PAYLOADS / "function-ngc.json")
    assert spec.location("inferencePort").line == 4 and spec.location("helmChartServiceName").line == 6
    assert str(spec.ref) == "Function function-ngc"
    second = load_function(None, str(PAYLOADS / "deployment.json"), deployment_index=1)
    assert second.deployment == DeploymentSpec("T10", "OCI", None, 1, 1, None) and second.service_name is None


def test_flags_override_the_payload_and_point_nowhere() -> None:
    spec = load_function(str(PAYLOADS / "function-ngc.json"), service_name="other", inference_port=9000)
    assert (spec.service_name, spec.inference_port, spec.helm_chart) == ("other", 9000, NGC_URL)
    assert spec.location("inferencePort").path == "" and spec.location("helmChart").line == 5
    flags_only = load_function(service_name="entrypoint", inference_port=8000)
    assert flags_only.ref is None and flags_only.payload == {}  # findings name the chart instead


def test_payload_as_yaml_and_as_an_api_response(tmp_path: Path) -> None:
    as_yaml = write(tmp_path, "function.yaml", yaml.safe_dump(payload()))
    assert load_function(as_yaml).service_name == "entrypoint"
    response = write(tmp_path, "response.json", {"function": payload(helmChartServiceName="wrapped")})
    assert load_function(response).service_name == "wrapped"
    deployment = write(
        tmp_path,
        "deployment.json",
        {"deployment": {"deploymentSpecifications": [{"gpu": "L40", "minInstances": 0, "maxInstances": 1}]}},
    )
    assert load_function(None, deployment).deployment == DeploymentSpec("L40", None, None, 0, 1, None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": None}, "name: is required"),
        ({"inferenceUrl": None}, "inferenceUrl: is required"),
        ({"helmChart": None}, "helmChart: is required"),
        ({"helmChartServiceName": None}, "helmChartServiceName: is required with helmChart"),
        ({"containerImage": "nvcr.io/myorg/echo:1"}, "containerImage: not allowed together with helmChart"),
        (
            {"models": [{"name": "m", "version": "1", "uri": "v2/org/x/models/m/1/files"}]},
            "models: not allowed together with helmChart",
        ),
        ({"inferencePort": 70000}, "inferencePort: 70000 is greater than the maximum of 65535"),
        ({"inferencePort": 0}, "inferencePort: 0 is less than the minimum of 1"),
        ({"inferencePort": "8000"}, "inferencePort: '8000' is not of type 'integer'"),
        ({"inferencePort": True}, "inferencePort: True is not of type 'integer'"),
        ({"name": "my function!"}, "name: must start with a letter or digit and contain only letters, digits, '-' and '_'"),
        ({"helmChartServiceName": ""}, "helmChartServiceName: '' should be non-empty"),
        ({"apiBodyFormat": "XML"}, "apiBodyFormat: 'XML' is not one of ['PREDICT_V2', 'CUSTOM']"),
        (
            {"health": {"protocol": "HTTP", "uri": "/health", "port": 8000, "timeout": "PT10S"}},
            "health/expectedStatusCode: is required",
        ),
    ],
)
def test_invalid_function_payloads_name_the_field(tmp_path: Path, changes: dict[str, Any], message: str) -> None:
    path = write(tmp_path, "function.json", payload(**changes))
    with pytest.raises(ConfigError) as caught:
        load_function(path)
    assert str(caught.value).startswith(f"{path}: {message}")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"deploymentSpecifications": []}, "deploymentSpecifications: [] should be non-empty"),
        ({}, "deploymentSpecifications: is required"),
        ({"deploymentSpecifications": [{"minInstances": 1, "maxInstances": 1}]}, "deploymentSpecifications/0/gpu: is required"),
        ({"deploymentSpecifications": [{"gpu": "L40", "minInstances": 1, "maxInstances": 0}]}, "deploymentSpecifications/0/maxInstances: 0 is less than the minimum of 1"),
        ({"deploymentSpecifications": [{"gpu": "L40", "minInstances": 3, "maxInstances": 2}]}, "deploymentSpecifications/0: minInstances 3 is greater than maxInstances 2"),
        ({"deploymentSpecifications": [{"gpu": "L40", "minInstances": 1, "maxInstances": 1, "configuration": "a=1"}]}, "deploymentSpecifications/0/configuration: 'a=1' is not of type 'object'"),
        ({"deploymentSpecifications": [{"gpu": "L40", "minInstances": 1, "maxInstances": 1, "backend": ""}]}, "deploymentSpecifications/0/backend: '' should be non-empty"),
    ],
)  # fmt: skip
def test_invalid_deployment_payloads_name_the_field(tmp_path: Path, document: dict[str, Any], message: str) -> None:
    path = write(tmp_path, "deployment.json", document)
    with pytest.raises(ConfigError, match="^" + re.escape(f"{path}: {message}")):
        load_function(None, path)


def test_unreadable_payloads_and_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="nope.json: --function file not found"):
        load_function(str(tmp_path / "nope.json"))
    with pytest.raises(
        ConfigError, match=r"invalid JSON \(Expecting property name enclosed in double quotes at line 1 column 2\)"
    ):
        load_function(write(tmp_path, "bad.json", "{{{"))
    with pytest.raises(ConfigError, match="expected a JSON object .*got a JSON list"):
        load_function(write(tmp_path, "list.json", "[1, 2]"))
    with pytest.raises(ConfigError, match="got an empty file"):
        load_function(write(tmp_path, "empty.json", ""))
    with pytest.raises(UsageError, match="--deployment-index needs --deployment"):
        load_function(deployment_index=1)
    with pytest.raises(UsageError, match=r"--deployment-index 2: .* has 2 deploymentSpecifications \(0 to 1\)"):
        load_function(None, str(PAYLOADS / "deployment.json"), deployment_index=2)
    for port in (0, 65536, True, "8000"):
        with pytest.raises(UsageError, match="expected an integer from 1 to 65535"):
            FunctionSpec(inference_port=port)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="expected a non-empty string"):
        FunctionSpec(service_name=" ")


def test_schemas_are_valid_draft_2020_12() -> None:
    import importlib.resources

    import jsonschema

    for name in ("function", "deployment"):
        schema = json.loads(importlib.resources.files("chartguard.schemas").joinpath(f"{name}.schema.json").read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    # the seeds' own examples are valid payloads
    seed = {"name": "function_name", "inferenceUrl": "v2/models/model_name/versions/model_version/infer", "inferencePort": 8001,
            "helmChart": "https://helm.ngc.nvidia.com/myorg/charts/inference-test-1.0.tgz", "helmChartServiceName": "service_name",
            "apiBodyFormat": "CUSTOM"}  # fmt: skip
    deployment = {"deploymentSpecifications": [{"gpu": "L40", "backend": "OCI", "maxInstances": 2, "minInstances": 1, "configuration": {"key_one": "v"}},
                                               {"gpu": "T10", "backend": "GFN", "maxInstances": 2, "minInstances": 1}]}  # fmt: skip
    from chartguard.function import _validate

    _validate(seed, "function", "seed")
    _validate(deployment, "deployment", "seed")


def test_function_spec_is_hashable_and_public() -> None:
    spec = load_function(str(PAYLOADS / "function-ngc.json"), str(PAYLOADS / "deployment.json"))
    assert hash(spec) == hash(load_function(str(PAYLOADS / "function-ngc.json"), str(PAYLOADS / "deployment.json")))
    assert chartguard.load_function is load_function and chartguard.FunctionSpec is FunctionSpec
    assert {"load_function", "FunctionSpec", "DeploymentSpec"} <= set(chartguard.__all__)


# --- the deployment feeds the render and the backend ----------------------------------------------


def test_deployment_configuration_and_backend_apply() -> None:
    spec = FunctionSpec(deployment=DeploymentSpec(backend="GFN", configuration={"writableConfig": True}))
    report = lint_testchart("function-ngc", function=spec)
    assert report.backend == "GFN"
    assert [f.rule_id for f in report.findings] == ["config-read-only"]  # the configuration was rendered
    # an explicit configuration replaces the deployment's, an explicit backend wins
    explicit = lint_testchart("function-ngc", function=spec, configuration={"pullSecret": True}, backend="OCI")
    assert explicit.findings == [] and explicit.backend == "OCI"


def test_deployment_backend_applies_to_manifests() -> None:
    text = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n"
    assert chartguard.lint_manifests(text).findings[0].severity == Severity.WARNING
    assert chartguard.lint_manifests(text, function=FunctionSpec(deployment=DeploymentSpec(backend="GFN"))).findings == []


# --- the pull-secret placeholder --------------------------------------------------------------------


def test_placeholder_is_rendered_where_values_yaml_defines_the_key() -> None:
    rendered = chartguard.render_chart(TESTCHARTS / "function-ngc")
    assert rendered.values == {
        "ngcImagePullSecretName": NGC_PULL_SECRET_PLACEHOLDER,
        "global": {"ngcImagePullSecretName": NGC_PULL_SECRET_PLACEHOLDER},
    }
    pods = [m.obj["spec"]["template"]["spec"] for m in rendered.manifests if m.kind == "Deployment"]
    assert [p["imagePullSecrets"] for p in pods] == [[{"name": "nvcf-image-pull-secret"}]] * 2  # the subchart too
    assert chartguard.render_chart(TESTCHARTS / "function-nokey").values == {}  # no key, no placeholder


def test_user_values_win_over_the_placeholder() -> None:
    rendered = chartguard.render_chart(TESTCHARTS / "function-ngc", set_values=["ngcImagePullSecretName=my-secret"])
    assert rendered.values["ngcImagePullSecretName"] == "my-secret"
    assert "name: my-secret" in rendered.stream() and "name: nvcf-image-pull-secret" in rendered.stream()  # the global one
    assert lint_testchart("function-ngc", set_values=["ngcImagePullSecretName=my-secret"]).findings == []
    # an explicit "" wins too, and renders the empty entry NVCF would get
    report = lint_testchart("edge-cases", {"ngcImagePullSecretName": ""})
    assert rows(report, "image-pull-secret-empty") == [
        ("error", "imagePullSecrets entry has no name", "imagePullSecrets[0] has a null name")
    ]


def test_placeholder_can_be_switched_off() -> None:
    rendered = chartguard.render_chart(TESTCHARTS / "edge-cases", pull_secret_placeholder=None)
    pod = next(m.obj for m in rendered.manifests if m.kind == "Pod")
    assert rendered.values == {} and pod["spec"]["imagePullSecrets"] == [{"name": None}]
    report = lint_testchart("edge-cases", pull_secret_placeholder=None)
    assert [f.rule_id for f in report.findings] == ["image-pull-secret-empty"]
    assert "name: other" in chartguard.render_chart(TESTCHARTS / "edge-cases", pull_secret_placeholder="other").stream()


def test_with_pull_secret_placeholder_layers_under_user_values() -> None:
    defaults = {"ngcImagePullSecretName": "", "global": {"ngcImagePullSecretName": "", "x": 1}}
    assert with_pull_secret_placeholder({}, defaults) == {
        "ngcImagePullSecretName": "nvcf-image-pull-secret",
        "global": {"ngcImagePullSecretName": "nvcf-image-pull-secret"},
    }
    user = {"ngcImagePullSecretName": None, "global": {"other": 2}}
    assert with_pull_secret_placeholder(user, defaults, "p") == {
        "ngcImagePullSecretName": None,
        "global": {"ngcImagePullSecretName": "p", "other": 2},
    }
    assert with_pull_secret_placeholder({"a": 1}, {"global": "not a map"}) == {"a": 1}


# --- function-service -----------------------------------------------------------------------------

#: (service name, port) on testcharts/function-service → the finding (reason, detail, template line), or None.
SERVICE_CASES = {
    ("entrypoint", 8000): None,  # targetPort "http" → the container port named http
    ("by-number", 9000): None,  # targetPort 9001 → the unnamed container port 9001
    ("leader", 8000): None,  # pod-index selector → pod 0 of the StatefulSet; no targetPort → 8000
    ("everything", 4000): None,  # no selector: every workload, here the CronJob's port "metrics"
    ("entrypoint", None): None,  # a name alone: the Service exists
    ("unnamed-quirk", 7000): (
        "helm chart service port reaches no container",
        'helm chart service "unnamed-quirk" port 7000 targets port 7001, which no container of Deployment api exposes',
        36,
    ),
    ("init-only", 5000): (
        "helm chart service port reaches no container",
        'helm chart service "init-only" port 5000 targets port 5000, which no container of Deployment api exposes '
        "(only an init container does)",
        47,
    ),
    ("helper-leader", 6000): (
        "helm chart service selects no pod",
        'helm chart service "helper-leader" selects no StatefulSet workload; selector: {"app": "helper"}',
        67,
    ),
    ("orphan", 8000): (
        "helm chart service selects no pod",
        'helm chart service "orphan" selects no workload; selector: {"app": "nothing"}',
        101,
    ),
    ("entrypoint", 9000): (
        "helm chart service lacks the inference port",
        'helm chart service "entrypoint" has no port 9000; its ports: 8000',
        9,
    ),
}


@pytest.mark.parametrize(("service", "port"), list(SERVICE_CASES))
def test_function_service_matching(service: str, port: int | None) -> None:
    report = lint_testchart("function-service", function=FunctionSpec(service_name=service, inference_port=port))
    expected = SERVICE_CASES[service, port]
    found = [(f.reason, f.detail, f.location.line) for f in report.findings]
    assert found == ([expected] if expected else [])
    for finding in report.findings:
        assert finding.location.path.endswith("function-service/templates/services.yaml")
        assert str(finding.object) == f"Service {service}"


def test_function_service_name_not_found_or_templated(tmp_path: Path) -> None:
    report = lint_testchart("function-service", function=FunctionSpec(service_name="nope", inference_port=8000))
    assert rows(report, "function-service") == [
        (
            "error",
            "helm chart service not found",
            'helm chart service name "nope" not found; Services in the release: by-number, entrypoint, everything, '
            "helper-leader, init-only, leader, orphan, unnamed-quirk, worker-peers",
        )
    ]
    assert report.findings[0].location.path == "" and str(report.findings[0].object) == "Chart function-service"
    # from a payload, the finding points at its helmChartServiceName line and names the function
    path = write(tmp_path, "function.json", payload(helmChartServiceName="{{ .Release.Name }}-svc"))
    templated = lint_testchart("function-service", function=load_function(path))
    assert rows(templated, "function-service") == [
        (
            "error",
            "helm chart service name is templated",
            'helmChartServiceName "{{ .Release.Name }}-svc" is a template; NVCF needs the literal name of the Service',
        )
    ]
    finding = next(f for f in templated.findings if f.rule_id == "function-service")
    assert (finding.location.path, finding.location.line, str(finding.object)) == (path, 6, "Function function-ngc")


def test_function_service_needs_the_name() -> None:
    assert rows(lint_testchart("function-service", function=FunctionSpec(inference_port=1234)), "function-service") == []
    assert rows(lint_testchart("function-service"), "function-service") == []


def _service(name: str, ports: list[dict[str, Any]], selector: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"ports": ports}
    if selector is not None:
        spec["selector"] = selector
    return {"apiVersion": extra.pop("apiVersion", "v1"), "kind": "Service", "metadata": {"name": name, **extra}, "spec": spec}


def _deployment(labels: dict[str, str], ports: list[dict[str, Any]], kind: str = "Deployment") -> dict[str, Any]:
    pod = {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "image": "nvcr.io/o/i:1", "ports": ports}]}}
    api = {"Deployment": "apps/v1", "StatefulSet": "apps/v1", "Pod": "v1"}[kind]
    if kind == "Pod":
        return {"apiVersion": api, "kind": kind, "metadata": {"name": "p", **pod["metadata"]}, "spec": pod["spec"]}
    return {"apiVersion": api, "kind": kind, "metadata": {"name": "w"}, "spec": {"template": pod}}


def _service_findings(objects: list[dict[str, Any]], name: str = "svc", port: int = 80) -> list[str]:
    report = chartguard.lint_manifests(objects, function=FunctionSpec(service_name=name, inference_port=port))
    return [f.detail for f in report.findings if f.rule_id == "function-service"]


def test_function_service_on_manifests() -> None:
    ok = _deployment({"app": "a"}, [{"name": "web", "containerPort": 8080}])
    assert _service_findings([_service("svc", [{"port": 80, "targetPort": "web"}], {"app": "a"}), ok]) == []
    # a hook Service is never installed; another API's "Service" kind (Knative) is not a v1 Service
    hook = _service("svc", [{"port": 80}], {"app": "a"}, annotations={"helm.sh/hook": "pre-install"})
    knative = _service("svc", [{"port": 80}], {"app": "a"}, apiVersion="serving.knative.dev/v1")
    for other in (hook, knative):
        assert _service_findings([other, ok]) == ['helm chart service name "svc" not found; Services in the release: none']
    # a port given as a string is not the number NVCF uses
    assert _service_findings([_service("svc", [{"port": "80"}], {"app": "a"}), ok]) == [
        'helm chart service "svc" has no port 80; its ports: "80"'
    ]
    # a Pod is selected by its own labels; an empty pod-index value is an ordinary selector entry
    pod = _deployment({"app": "a"}, [{"containerPort": 80}], kind="Pod")
    assert _service_findings([_service("svc", [{"port": 80}], {"app": "a"}), pod]) == []
    empty_index = _service("svc", [{"port": 80}], {"app": "a", "apps.kubernetes.io/pod-index": ""})
    assert _service_findings([empty_index, pod]) == [
        'helm chart service "svc" selects no workload; selector: {"app": "a", "apps.kubernetes.io/pod-index": ""}'
    ]


def test_function_service_helpers() -> None:
    from chartguard.manifests import Manifest

    indexed = Manifest(obj=_service("s", [], {"apps.kubernetes.io/pod-index": "0", "app": "x"}), text="")
    assert selection(indexed) == ({"app": "x"}, frozenset({"StatefulSet"}))
    assert selection(Manifest(obj=_service("s", []), text="")) == ({}, None)
    assert selects({}, None) and selects({"a": "1"}, {"a": "1", "b": "2"}) and not selects({"a": "1"}, {"a": "2"})
    assert target_port({"port": 80}) == 80 and target_port({"port": 80, "targetPort": 0}) == 80
    assert target_port({"port": 80, "targetPort": ""}) == 80 and target_port({"port": 80, "targetPort": "http"}) == "http"
    assert port_matches("http", {"name": "http", "containerPort": 1}) and not port_matches("http", {"containerPort": 80})
    # the deliberate difference from helm-reval: an integer target does not match any unnamed port
    assert port_matches(8000, {"containerPort": 8000}) and not port_matches(8000, {"containerPort": 9000})
    assert not port_matches(None, {"containerPort": 8000}) and not port_matches(8000, {"containerPort": True})


# --- inference-port-reserved ----------------------------------------------------------------------


@pytest.mark.parametrize("port", [8080, 8010])
def test_reserved_inference_ports(tmp_path: Path, port: int) -> None:
    path = write(tmp_path, "function.json", payload(inferencePort=port))
    report = lint_testchart("function-ngc", function=load_function(path))
    assert rows(report, "inference-port-reserved") == [("error", "inference port is reserved by NVCF", f"inferencePort {port}")]
    finding = next(f for f in report.findings if f.rule_id == "inference-port-reserved")
    assert (finding.location.path, finding.location.line) == (path, 4)


def test_unreserved_or_absent_inference_port() -> None:
    assert rows(lint_testchart("function-ngc", function=FunctionSpec(inference_port=8000)), "inference-port-reserved") == []
    assert rows(lint_testchart("function-ngc", function=FunctionSpec(service_name="entrypoint")), "inference-port-reserved") == []


# --- helm-chart-url ---------------------------------------------------------------------------------

REJECTED = "helm chart URL rejected by NVCF"
MALFORMED = "NGC helm chart URL malformed"
OTHER_CHART = "helm chart URL names another chart"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (NGC_URL, []),
        ("https://helm.ngc.nvidia.com/myorg/charts/function-ngc-1.2.0.tgz", []),
        ("https://helm.stg.ngc.nvidia.com/myorg/myteam/charts/function-ngc-1.2.0.tgz", []),
        ("oci://nvcr.io/myorg/myteam/function-ngc:1.2.0", []),
        ("oci://registry.example.com/charts/function-ngc", []),
        ("https://charts.example.com/function-ngc-1.2.0.tgz", []),
        ("http://helm.ngc.nvidia.com/myorg/charts/function-ngc-1.2.0.tgz", [("error", REJECTED, 'helm chart URL must use https or oci scheme, got "http"')]),
        ("file:///charts/function-ngc-1.2.0.tgz", [("error", REJECTED, 'helm chart URL must use https or oci scheme, got "file"'),
                                                   ("error", REJECTED, "helm chart URL must have a host")]),
        ("https://:443/function-ngc-1.2.0.tgz", [("error", REJECTED, "helm chart URL must have a host")]),
        ("https://127.0.0.1/function-ngc-1.2.0.tgz", [("error", REJECTED, "helm chart URL must not point to private networks (127.0.0.1)")]),
        ("https://[::ffff:10.0.0.1]/function-ngc-1.2.0.tgz", [("error", REJECTED, "helm chart URL must not point to private networks (::ffff:10.0.0.1)")]),
        ("https://[::1", [("error", REJECTED, "invalid helm chart URL: Invalid IPv6 URL")]),
        ("https://helm.ngc.nvidia.com/myorg/myteam/charts/function-ngc-1.2.0-hello.tgz",
         [("error", MALFORMED, 'chart file "function-ngc-1.2.0-hello.tgz": version 1.2.0-hello is not a release version X.Y.Z')]),
        ("https://helm.ngc.nvidia.com/myorg/a/b/charts/function-ngc-1.2.0.tgz",
         [("error", MALFORMED, "https://helm.ngc.nvidia.com/myorg/a/b/charts/function-ngc-1.2.0.tgz is not of the form "
                               "https://helm.ngc.nvidia.com/<org>/[<team>/]charts/<name>-<X.Y.Z>.tgz")]),
        ("https://helm.ngc.nvidia.com/myorg/charts/function-ngc.tgz", [("error", MALFORMED, 'chart file "function-ngc.tgz" is not <name>-<X.Y.Z>.tgz')]),
        ("https://helm.ngc.nvidia.com/myorg/charts/function-ngc-1.2.0+b1.tgz",  # build metadata is a release
         [("warning", OTHER_CHART, "the URL names function-ngc-1.2.0+b1.tgz; the linted chart is function-ngc 1.2.0 (function-ngc-1.2.0.tgz)")]),
        ("https://helm.ngc.nvidia.com/myorg/charts/function-ngc-1.1.0.tgz",
         [("warning", OTHER_CHART, "the URL names function-ngc-1.1.0.tgz; the linted chart is function-ngc 1.2.0 (function-ngc-1.2.0.tgz)")]),
        ("oci://nvcr.io/myorg/myteam/inference-test:1.2.0",
         [("warning", OTHER_CHART, "the URL names chart inference-test 1.2.0; the linted chart is function-ngc 1.2.0")]),
    ],
)  # fmt: skip
def test_helm_chart_url(url: str, expected: list[tuple[str, str, str]]) -> None:
    assert rows(lint_testchart("function-ngc", function=FunctionSpec(helm_chart=url)), "helm-chart-url") == expected


def test_helm_chart_url_seed_example_and_hosts() -> None:
    # the seeds' example (X.Y version) is well formed; in manifests mode there is no chart to compare
    seed = "https://helm.ngc.nvidia.com/plq9i6ygkfzp/charts/inference-test-1.0.tgz"
    assert chartguard.lint_manifests([], function=FunctionSpec(helm_chart=seed)).findings == []
    assert ngc_chart(seed) == ("plq9i6ygkfzp", None, "inference-test", "1.0")
    assert ngc_chart("https://example.com/org/charts/x-1.0.0.tgz") is None and ngc_chart(None) is None
    for host in (
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1%eth0",
        "fd00::1",
        "224.0.0.1",
    ):
        assert is_private_host(host), host
    for host in ("8.8.8.8", "2001:4860:4860::8888", "helm.ngc.nvidia.com", "localhost"):
        assert not is_private_host(host), host


# --- image-registry -------------------------------------------------------------------------------


def test_image_registry_same_org_and_team() -> None:
    assert rows(lint_testchart("function-ngc", function=FunctionSpec(helm_chart=NGC_URL)), "image-registry") == []
    sidecar = {"sidecarImage": "nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04"}
    assert rows(lint_testchart("function-ngc", sidecar, function=FunctionSpec(helm_chart=NGC_URL)), "image-registry") == [
        ("warning", "image not in the helm chart's NGC org/team",
         'container "sidecar": nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04 is in NGC org "nvidia", the helm chart in "myorg"'),
    ]  # fmt: skip
    other_team = FunctionSpec(helm_chart=NGC_URL.replace("/myteam/", "/otherteam/"))
    assert [d for _, _, d in rows(lint_testchart("function-ngc", function=other_team), "image-registry")] == [
        'container "worker": nvcr.io/myorg/myteam/worker:1.2.0 is in team "myteam", the helm chart in team "otherteam"',
        'container "api": nvcr.io/myorg/myteam/api:1.2.0 is in team "myteam", the helm chart in team "otherteam"',
    ]  # the subchart's template path sorts first
    # an org-level chart accepts the org's team images; a team chart wants its team
    assert (
        rows(lint_testchart("function-ngc", function=FunctionSpec(helm_chart=NGC_URL.replace("/myteam/", "/"))), "image-registry")
        == []
    )
    org_image = lint_testchart("function-ngc", {"image": "nvcr.io/myorg/api:1.2.0"}, function=FunctionSpec(helm_chart=NGC_URL))
    assert [d for _, _, d in rows(org_image, "image-registry")] == [
        'container "api": nvcr.io/myorg/api:1.2.0 is in no team, the helm chart in team "myteam"'
    ]


def test_image_registry_needs_an_ngc_chart_url() -> None:
    sidecar = {"sidecarImage": "nvcr.io/nvidia/cuda:12.4.1-base-ubuntu22.04"}
    assert rows(lint_testchart("function-ngc", sidecar), "image-registry") == []
    assert (
        rows(
            lint_testchart("function-ngc", sidecar, function=FunctionSpec(helm_chart="oci://nvcr.io/myorg/function-ngc")),
            "image-registry",
        )
        == []
    )
    assert ngc_image("stg.nvcr.io/nv-cf/guineapig-1/echo:latest") == ngc_image("stg.nvcr.io/nv-cf/guineapig-1/echo:latest")
    image = ngc_image(" stg.nvcr.io/NV-CF/guineapig-1/echo:latest ")
    assert image is not None and (image.org, image.team) == ("nv-cf", "guineapig-1")
    assert ngc_image("docker.io/nvcr.io/x:1") is None and ngc_image("nvcr.io.evil.com/o/i:1") is None and ngc_image(None) is None


# --- pull secrets ---------------------------------------------------------------------------------


def test_ngc_pull_secret_key_missing() -> None:
    report = lint_testchart("function-nokey")
    assert rows(report, "ngc-pull-secret-key") == [
        ("warning", "no ngcImagePullSecretName for NGC images",
         'values.yaml defines no ngcImagePullSecretName for nvcr.io/myorg/api:1.0.0 (Deployment api, container "api"); needed if private'),
        ("warning", "no ngcImagePullSecretName for NGC images",
         'values.yaml defines no global.ngcImagePullSecretName for nvcr.io/myorg/worker:1.0.0 (Deployment worker, container "worker"); '
         "needed if private"),
    ]  # fmt: skip
    assert {(f.location.path, f.location.line) for f in report.findings} == {(f"{TESTCHARTS}/function-nokey/values.yaml", 1)}
    # the function's own NGC org is its private registry: an error
    private = lint_testchart(
        "function-nokey", function=FunctionSpec(helm_chart="https://helm.ngc.nvidia.com/myorg/charts/function-nokey-1.0.0.tgz")
    )
    assert [s for s, _, _ in rows(private, "ngc-pull-secret-key")] == ["error", "error"]
    assert private.failed()


def test_ngc_pull_secret_key_subcharts_need_the_global_key(tmp_path: Path) -> None:
    chart = tmp_path / "function-nokey"
    shutil.copytree(TESTCHARTS / "function-nokey", chart)
    values = chart / "values.yaml"
    values.write_text(values.read_text() + 'ngcImagePullSecretName: ""\n')
    report = chartguard.lint_chart(chart)
    assert [d.split(" for ")[0] for _, _, d in rows(report, "ngc-pull-secret-key")] == [
        "values.yaml defines no global.ngcImagePullSecretName"
    ]
    values.write_text('image: nvcr.io/myorg/api:1.0.0\nglobal:\n  ngcImagePullSecretName: ""\n')
    assert rows(chartguard.lint_chart(chart), "ngc-pull-secret-key") == []  # the global key serves both


def test_ngc_pull_secret_key_ignores_other_registries_and_manifests() -> None:
    assert rows(lint_testchart("function-service"), "ngc-pull-secret-key") == []
    assert rows(lint_testchart("edge-cases"), "ngc-pull-secret-key") == []
    stream = chartguard.render_chart(TESTCHARTS / "function-nokey").stream()
    assert rows(chartguard.lint_manifests(stream), "ngc-pull-secret-key") == []  # no values.yaml to read


def test_image_pull_secret_reference() -> None:
    report = lint_testchart("function-ngc", {"pullSecret": False})
    assert rows(report, "image-pull-secret-reference") == [
        ("warning", "NGC image without NVCF's pull secret",
         'container "api" pulls nvcr.io/myorg/myteam/api:1.2.0, but imagePullSecrets does not list "nvcf-image-pull-secret"'),
    ]  # fmt: skip
    finding = next(f for f in report.findings if f.rule_id == "image-pull-secret-reference")
    assert finding.location.path.endswith("function-ngc/templates/deployment.yaml") and finding.pointer == "/spec/template/spec"
    private = lint_testchart("function-ngc", {"pullSecret": False}, function=FunctionSpec(helm_chart=NGC_URL))
    assert [s for s, _, _ in rows(private, "image-pull-secret-reference")] == ["error"]
    # the user's own secret names are the ones to reference: the subchart renders the global "mine"
    assert (
        rows(lint_testchart("function-ngc", {"global": {"ngcImagePullSecretName": "mine"}}), "image-pull-secret-reference") == []
    )
    mine = lint_testchart("function-ngc", {"ngcImagePullSecretName": "mine", "pullSecret": False})
    assert [d for _, _, d in rows(mine, "image-pull-secret-reference")] == [
        'container "api" pulls nvcr.io/myorg/myteam/api:1.2.0, but imagePullSecrets does not list "mine" or "nvcf-image-pull-secret"'
    ]


def test_image_pull_secret_reference_needs_a_defined_key() -> None:
    assert rows(lint_testchart("function-nokey"), "image-pull-secret-reference") == []  # ngc-pull-secret-key reports
    assert (
        rows(lint_testchart("function-ngc", {"pullSecret": False}, pull_secret_placeholder=None), "image-pull-secret-reference")
        == []
    )


@pytest.mark.parametrize(
    ("entry", "detail"),
    [
        (None, "imagePullSecrets[0] is null"),
        ({}, "imagePullSecrets[0] has no name"),
        ({"name": None}, "imagePullSecrets[0] has a null name"),
        ({"name": ""}, "imagePullSecrets[0] has an empty name ('')"),
        ({"name": "  "}, "imagePullSecrets[0] has an empty name ('  ')"),
        ({"name": 5}, "imagePullSecrets[0] has a non-string name (5)"),
        ("secret", "imagePullSecrets[0] is not a mapping ('secret')"),
        ({"name": "ok"}, None),
    ],
)
def test_image_pull_secret_empty(entry: Any, detail: str | None) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"imagePullSecrets": [entry], "containers": [{"name": "c", "image": "busybox:1.36"}]}}  # fmt: skip
    report = chartguard.lint_manifests([pod])
    assert rows(report, "image-pull-secret-empty") == (
        [("error", "imagePullSecrets entry has no name", detail)] if detail else []
    )
    if detail:
        assert next(f.pointer for f in report.findings if f.rule_id == "image-pull-secret-empty") == "/spec/imagePullSecrets/0"


# --- config-read-only -----------------------------------------------------------------------------


def test_config_read_only() -> None:
    report = lint_testchart("function-ngc", {"writableConfig": True})
    assert rows(report, "config-read-only") == [
        ("error", "writable mount under /config", 'container "api": volume "cache" is mounted writable at /config/cache')
    ]
    assert report.findings[0].location.line == 43  # the mountPath line
    assert rows(lint_testchart("function-ngc"), "config-read-only") == []  # /config itself, readOnly: true


@pytest.mark.parametrize(
    ("mount", "reported"),
    [
        ({"mountPath": "/config"}, True),
        ({"mountPath": "/config/", "readOnly": False}, True),
        ({"mountPath": "//config/models"}, True),
        ({"mountPath": "/config/models", "readOnly": "true"}, True),  # a string is not true
        ({"mountPath": "/config", "readOnly": True}, False),
        ({"mountPath": "/configs"}, False),
        ({"mountPath": "/etc/config"}, False),
    ],
)
def test_config_read_only_paths(mount: dict[str, Any], reported: bool) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"initContainers": [{"name": "init", "image": "busybox:1.36", "volumeMounts": [{"name": "v", **mount}]}],
                    "containers": [{"name": "c", "image": "busybox:1.36"}], "volumes": [{"name": "v", "emptyDir": {}}]}}  # fmt: skip
    found = rows(chartguard.lint_manifests([pod]), "config-read-only")
    assert bool(found) is reported
    if reported:
        assert found[0][2].startswith('initContainer "init": volume "v" is mounted writable at ')
    assert under_config("/config/a/../b") and not under_config("/config/../etc")


# --- the profile and the CLI -----------------------------------------------------------------------


def test_function_rules_run_in_the_nvcf_profiles() -> None:
    from chartguard.profile import load_profile

    for name in ("nvcf", "nvcf-strict", "nvcf-2025"):
        assert set(FUNCTION_RULES) <= {c.rule.id for c in load_profile(name).rules}, name
    assert set(FUNCTION_RULES) - {c.rule.id for c in load_profile("nvcf-2024").rules} == {"config-read-only"}
    # without a function definition the clean charts stay clean
    for chart in ("good", "edge-cases", "function-service", "function-ngc"):
        assert lint_testchart(chart).findings == [], chart


def test_cli_function_and_deployment() -> None:
    chart = str(TESTCHARTS / "function-ngc")
    function, deployment = str(PAYLOADS / "function-ngc.json"), str(PAYLOADS / "deployment.json")
    result = cli("lint", chart, "--function", function, "--deployment", deployment, in_subprocess=True)
    assert result.code == 0, result.stdout + result.stderr
    assert (
        result.stdout.strip().splitlines()[-1] == "PASS: 0 errors, 0 warnings, 0 infos in 4 objects (55 rules, profile nvcf, GFN)"
    )
    second = cli("lint", chart, "--deployment", deployment, "--deployment-index", "1", "--backend", "GFN", in_subprocess=True)
    assert "GFN)" in second.stdout  # --backend wins over the deployment's OCI
    wrong = cli("lint", chart, "--function", function, "--inference-port", "8080", in_subprocess=True)
    assert wrong.code == 1
    assert (
        f"{chart}: error: inference port is reserved by NVCF (Function function-ngc: inferencePort 8080) [inference-port-reserved]"
        in wrong.stdout
    )
    assert 'helm chart service "entrypoint" has no port 8080; its ports: 8000' in wrong.stdout


def test_cli_service_flags_on_manifests() -> None:
    stream = chartguard.render_chart(TESTCHARTS / "function-service").stream()
    result = cli("lint", "-", "--service-name", "orphan", "--inference-port", "8000", stdin=stream, in_subprocess=True)
    assert result.code == 1
    assert result.stdout.splitlines()[0].startswith("<stdin>:")
    assert 'helm chart service "orphan" selects no workload' in result.stdout


#: Bad function-definition input → the one line on stderr (docs/exit-codes.md lists the same).
BAD_FUNCTION_INPUT = [
    (["--inference-port", "70000"], "chartguard: usage error: Invalid value for '--inference-port': 70000 is not in the range 1<=x<=65535."),
    (["--deployment-index", "0"], "chartguard: usage error: --deployment-index needs --deployment"),
    (["--function", "missing.json"], "chartguard: usage error: missing.json: --function file not found"),
    (["--function", "not-json.json"], "chartguard: config error: not-json.json: invalid JSON (Expecting value at line 1 column 1)"),
    (["--function", "no-name.json"], "chartguard: config error: no-name.json: name: is required"),
    (["--function", "no-service.json"], "chartguard: config error: no-service.json: helmChartServiceName: is required with helmChart"),
    (["--function", "with-image.json"],
     "chartguard: config error: with-image.json: containerImage: not allowed together with helmChart (a helm-based function has no containerImage)"),
    (["--function", "port.json"], "chartguard: config error: port.json: inferencePort: 70000 is greater than the maximum of 65535"),
    (["--deployment", "instances.json"],
     "chartguard: config error: instances.json: deploymentSpecifications/0: minInstances 3 is greater than maxInstances 2"),
    (["--deployment", "deployment.json", "--deployment-index", "2"],
     "chartguard: usage error: --deployment-index 2: deployment.json has 2 deploymentSpecifications (0 to 1)"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), BAD_FUNCTION_INPUT)
def test_cli_bad_function_input_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    write(tmp_path, "not-json.json", "function: [")
    write(tmp_path, "no-name.json", payload(name=None))
    write(tmp_path, "no-service.json", payload(helmChartServiceName=None))
    write(tmp_path, "with-image.json", payload(containerImage="nvcr.io/myorg/echo:1"))
    write(tmp_path, "port.json", payload(inferencePort=70000))
    write(tmp_path, "instances.json", {"deploymentSpecifications": [{"gpu": "L40", "minInstances": 3, "maxInstances": 2}]})
    shutil.copy(PAYLOADS / "deployment.json", tmp_path)
    result = cli("lint", str(TESTCHARTS / "good"), *args, cwd=tmp_path, in_subprocess=True)
    assert result.code == 2
    assert result.stderr.splitlines()[0] == message
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) <= 2 and result.stdout == ""


# --- NVIDIA's samples (../shared) -----------------------------------------------------------------

#: The Service and port each NVIDIA function sample is created with (their templates; multi-node:
#: values.yaml's helmChartServiceName "multi-node-test", the pod-index 0 Service on port 8000).
SAMPLES = {
    "nvcf-inference-test": ("entrypoint", 8000),
    "nvcf-oss-inference-test": ("entrypoint", 8000),
    "nvcf-multi-node-test": ("multi-node-test", 8000),
    "nvcf-oss-multi-node-test": ("multi-node-test", 8000),
    "nvcf-oss-ray-serve": ("entrypoint", 8000),
    "nvca-example-inference-test": ("entrypoint", 80),
    "nvca-example-image-segmentation": ("endpoint", 50000),
    "nvca-testdata-goodchart": ("entrypoint", 80),
}


@pytest.mark.parametrize("name", list(SAMPLES))
def test_nvidia_samples_pass_with_their_service(name: str) -> None:
    service, port = SAMPLES[name]
    report = chartguard.lint_chart(shared_path("charts", name), function=FunctionSpec(service_name=service, inference_port=port))
    assert errors(report) == []
    assert [f for f in report.findings if f.rule_id in FUNCTION_RULES] == []


@pytest.mark.parametrize("name", ["nvcf-inference-test", "nvcf-multi-node-test"])
def test_nvidia_samples_fail_with_a_wrong_service_or_port(name: str) -> None:
    chart = shared_path("charts", name)
    service, port = SAMPLES[name]
    wrong_name = chartguard.lint_chart(chart, function=FunctionSpec(service_name="inference", inference_port=port))
    assert [d for rule, d in errors(wrong_name) if rule == "function-service"] == [
        'helm chart service name "inference" not found; Services in the release: '
        + ("entrypoint" if name == "nvcf-inference-test" else "multi-node-test, multi-node-test-headless")
    ]
    wrong_port = chartguard.lint_chart(chart, function=FunctionSpec(service_name=service, inference_port=8001))
    assert errors(wrong_port) == [("function-service", f'helm chart service "{service}" has no port 8001; its ports: 8000')]
    assert wrong_port.failed()


def test_multi_node_sample_selects_pod_zero_of_its_statefulset() -> None:
    chart = shared_path("charts", "nvcf-multi-node-test")
    # the headless Service selects the same StatefulSet without the pod-index entry
    assert (
        errors(chartguard.lint_chart(chart, function=FunctionSpec(service_name="multi-node-test-headless", inference_port=8000)))
        == []
    )
    # the chart takes its Service name from values (helmChartServiceName): a renamed Service is found under the new name
    renamed = chartguard.lint_chart(
        chart, {"helmChartServiceName": "mini"}, function=FunctionSpec(service_name="mini", inference_port=8000)
    )
    assert errors(renamed) == []


def test_inference_sample_with_its_full_function_definition(tmp_path: Path) -> None:
    chart = shared_path("charts", "nvcf-inference-test")
    definition = {"name": "inference-test", "inferenceUrl": "/echo", "inferencePort": 8000, "helmChartServiceName": "entrypoint",
                  "helmChart": "https://helm.ngc.nvidia.com/nv-cf/guineapig-1/charts/inference-test-0.1.tgz"}  # fmt: skip
    report = chartguard.lint_chart(chart, function=load_function(write(tmp_path, "function.json", definition)))
    assert errors(report) == [] and [f for f in report.findings if f.rule_id in FUNCTION_RULES] == []
    # the image stg.nvcr.io/nv-cf/guineapig-1/echo is in the chart's org and team; elsewhere it is not
    elsewhere = FunctionSpec(helm_chart="https://helm.ngc.nvidia.com/myorg/charts/inference-test-0.1.tgz")
    assert [f.rule_id for f in chartguard.lint_chart(chart, function=elsewhere).findings if f.rule_id in FUNCTION_RULES] == [
        "image-registry"
    ]


def test_nvidia_samples_need_the_placeholder() -> None:
    # `- name: {{ .Values.ngcImagePullSecretName }}` with its "" default renders a nameless entry: NVCF fills it
    chart = shared_path("charts", "nvcf-inference-test")
    assert errors(chartguard.lint_chart(chart)) == []
    assert errors(chartguard.lint_chart(chart, pull_secret_placeholder=None)) == [
        ("image-pull-secret-empty", "imagePullSecrets[0] has a null name")
    ]
