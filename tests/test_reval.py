"""helm-reval's own end-to-end table (reval/run_test.go TestRun, reference section 11.1) through
``chartguard.helmreval``, on helm-reval's test charts in ../shared/charts/reval-test-*.

helm-reval serves each chart over HTTP with Basic auth; chartguard reads the same chart from disk
(the fetching cases belong to chartguard.helmreval.fetch's tests). Release ``mini-service``, namespace
``sr-1234``. Outputs must equal helm-reval's expected files except the random label values
(``x<digits>x``). The image-checking case cannot run: chartguard never pulls images.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from helpers.paths import SHARED

from chartguard import helmreval as reval

SHARED_CHARTS = SHARED / "charts"
TEST_CHART = SHARED_CHARTS / "reval-test-chart"
MULTI = SHARED_CHARTS / "reval-test-chart-multi-service"
EXTRA_GVKS = SHARED_CHARTS / "reval-test-chart-extra-gvks-only"

pytestmark = pytest.mark.skipif(
    not TEST_CHART.is_dir(), reason="../shared/charts/reval-test-* (helm-reval's test charts) not present"
)

BAD_TYPES = ['unsupported types: ["autoscaling/v2.HorizontalPodAutoscaler" "networking.k8s.io/v1.Ingress"]']
DYNAMO = {"group": "nvidia.com", "version": "v1alpha1", "kind": "DynamoGraphDeployment"}


def request(chart: Path = TEST_CHART, **fields: Any) -> dict[str, Any]:
    return {"helmChart": str(chart), "releaseName": "sr-1234", **fields}


def normalised(value: Any) -> Any:
    """JSON with the random label values replaced (``x123x`` → ``xNx``)."""
    return json.loads(re.sub(r'"x\d+x"', '"xNx"', json.dumps(value)))


def expected(path: Path) -> Any:
    return normalised(json.loads(path.read_text(encoding="utf-8")))


def assert_output(result: dict[str, Any], path: Path) -> None:
    assert result["valid"] is True, result["validationErrors"]
    assert result["validationErrors"] == []
    assert normalised(result["output"]) == expected(path)


def test_pass_basic() -> None:
    result = reval.render(request(configuration={"podLabels": {"shouldnotexist": "val"}}))
    assert_output(result, TEST_CHART / "exp_pass_basic.json")


def test_pass_basic_key_order_is_gos() -> None:
    """Typed objects come out in Go's field order, exactly as helm-reval's file has them."""
    result = reval.render(request(configuration={"podLabels": {"shouldnotexist": "val"}}))
    exp = json.loads((TEST_CHART / "exp_pass_basic.json").read_text(encoding="utf-8"))
    strip = re.compile(r'"x\d+x"')
    assert strip.sub("", json.dumps(result["output"])) == strip.sub("", json.dumps(exp))


def test_pass_multi_service() -> None:
    result = reval.render(
        request(MULTI, helmChartServiceName="mychart-service", helmChartServicePort=8000),
        preserve_labels=["apps.kubernetes.io/pod-index"],
        preserve_annotations=["preserved-annotation"],
    )
    assert_output(result, MULTI / "exp.json")
    service = next(o for o in result["output"] if o["metadata"]["name"] == "mychart-service")
    assert service["spec"]["selector"]["apps.kubernetes.io/pod-index"] == "0"


def test_pass_extras() -> None:
    result = reval.render(request(k8sVersion="1.30.0", apiVersions=["monitoring.coreos.com/v1beta1"]))
    assert_output(result, TEST_CHART / "exp_pass_extras.json")


def test_pass_render_extra_gvks_only() -> None:
    result = reval.render(request(EXTRA_GVKS, validationPolicy={"name": "Default", "allowedExtraKubernetesTypes": [DYNAMO]}))
    assert_output(result, EXTRA_GVKS / "exp.json")


def test_pass_validate_extra_gvks_only() -> None:
    # helm-reval's test calls the handler with an empty policy id; over HTTP (as here) an id is required
    body = request(EXTRA_GVKS, validationPolicies=[{"id": "p", "name": "Default", "allowedExtraKubernetesTypes": [DYNAMO]}])
    assert reval.validate(body) == {
        "valid": True,
        "validationErrors": [],
        "validationPolicies": [{"id": "p", "valid": True, "validationErrors": []}],
    }


def test_pass_extras_validate() -> None:
    body = request(k8sVersion="1.30.0", apiVersions=["monitoring.coreos.com/v1beta1"])
    assert reval.validate(body) == {"valid": True, "validationErrors": []}


def test_pass_health() -> None:
    body = request(
        k8sVersion="1.30.0",
        apiVersions=["monitoring.coreos.com/v1beta1"],
        helmChartServiceName="mini-service-test-chart-pod-sel",
        helmChartServicePort=80,
        helmChartHTTPHealthEndpoint="/",
    )
    assert_output(reval.render(body), TEST_CHART / "exp_pass_extras.json")


def test_pass_skip_sanitize_object_metadata() -> None:
    result = reval.render(request(configuration={"podLabels": {"shouldnotexist": "val"}}), skip_sanitize_object_metadata=True)
    assert result["valid"] is True
    by_kind = {o["kind"]: o for o in result["output"]}
    assert by_kind["Secret"]["metadata"]["labels"]["app.kubernetes.io/name"] == "test-chart"
    assert by_kind["Pod"]["metadata"]["labels"]["pod"] == "sel"
    assert "autogen-label-controller" not in json.dumps(result["output"])
    assert "autogen-label-service" not in json.dumps(result["output"])
    assert by_kind["Deployment"]["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/instance": "mini-service",
        "app.kubernetes.io/name": "test-chart",
    }
    job_spec = by_kind["CronJob"]["spec"]["jobTemplate"]["spec"]
    assert job_spec["template"]["metadata"]["labels"]["not"] == "me"
    # pod-spec sanitisation still runs
    assert by_kind["Deployment"]["spec"]["template"]["spec"]["automountServiceAccountToken"] is False


BAD_TYPE_VALUES = {"serviceAccount": {"create": True}, "autoscaling": {"enabled": True}, "ingress": {"enabled": True}}


def test_fail_bad_types_on_skip_validate() -> None:
    result = reval.render(request(k8sVersion="1.29.5", configuration=BAD_TYPE_VALUES), skip_validate_objects=True)
    assert result == {"valid": False, "validationErrors": BAD_TYPES, "output": []}


def test_fail_bad_types() -> None:
    result = reval.render(request(k8sVersion="1.29.5", configuration=BAD_TYPE_VALUES))
    assert result == {"valid": False, "validationErrors": BAD_TYPES, "output": []}


def test_fail_validate_bad_types() -> None:
    result = reval.validate(request(k8sVersion="1.29.5", configuration=BAD_TYPE_VALUES))
    assert result == {"valid": False, "validationErrors": BAD_TYPES}


def test_fail_no_matching_port() -> None:
    result = reval.render(request(helmChartServiceName="mini-service-test-chart-pod-sel", helmChartServicePort=81))
    assert result == {
        "valid": False,
        "validationErrors": [
            'helm chart service "mini-service-test-chart-pod-sel" has no port 81',
            'provided helm chart service "mini-service-test-chart-pod-sel" has no port 81 matching selected pod specs',
        ],
        "output": [],
    }


def test_fail_security() -> None:
    result = reval.render(request(configuration={"securityContext": None, "podSecurityContext": None}))
    prefix = 'containers["test-chart"].securityContext.'
    messages = [
        prefix + 'capabilities must be set to drop=["ALL"] and optionally add=["NET_BIND_SERVICE"]',
        prefix + "readOnlyRootFilesystem must be set to true",
        prefix + "runAsNonRoot or podSpec.securityContext.runAsNonRoot must be set to true",
        prefix + "seccompProfile or podSpec.securityContext.seccompProfile must have type=RuntimeDefault",
    ]
    assert result == {"valid": False, "validationErrors": [m for m in messages for _ in range(5)], "output": []}


@pytest.mark.skip(reason="chartguard never checks that images exist (docs/helm-reval.md); helm-reval's case uses a fake checker")
def test_fail_bad_images() -> None:  # pragma: no cover
    raise AssertionError


def test_namespace_defaults_to_release_name() -> None:
    """NVCA sends releaseName = the instance namespace; it becomes .Release.Namespace."""
    with_ns = reval.render(request(MULTI, namespace="sr-1234"), preserve_labels=["apps.kubernetes.io/pod-index"])
    without = reval.render(request(MULTI), preserve_labels=["apps.kubernetes.io/pod-index"])
    assert normalised(with_ns) == normalised(without)
