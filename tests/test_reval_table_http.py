"""helm-reval's end-to-end table (reference section 11.1) through chartguard's HTTP API, the way
helm-reval runs it: each test chart packaged as ``<dir>-1.0.0.tgz`` on a local HTTPS chart host with
Basic auth ``$oauthtoken:blah``, and ``chartguard serve`` on 127.0.0.1 over TLS fetching it (the
test-only private-host switch lets it reach 127.0.0.1). Outputs must equal helm-reval's expected
files except the random label values. Skipped when ../shared (helm-reval's test charts) is absent.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from helpers.chart_server import CHART_PASSWORD, CHART_USER, ChartServer, basic, package_chart
from helpers.paths import SHARED
from helpers.pki import write_pki
from helpers.serve import Served, start_reval_api

SHARED_CHARTS = SHARED / "charts"
TOKEN = "table-token"

pytestmark = pytest.mark.skipif(
    not (SHARED_CHARTS / "reval-test-chart").is_dir(), reason="../shared/charts/reval-test-* not present"
)


def normalised(value: Any) -> Any:
    return json.loads(re.sub(r'"x\d+x"', '"xNx"', json.dumps(value)))


def expected(name: str, file: str) -> Any:
    return normalised(json.loads((SHARED_CHARTS / name / file).read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def pki(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_pki(ca, tmp_path_factory.mktemp("pki"), token=TOKEN)


@pytest.fixture(scope="module")
def hosts(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ChartServer]]:
    """One HTTPS chart host per helm-reval test chart, serving /charts/<dir>-1.0.0.tgz."""
    servers = {}
    for directory in ("test-chart", "test-chart-multi-service"):
        copy = tmp_path_factory.mktemp("charts") / directory  # the archive's top folder is the chart dir name
        shutil.copytree(SHARED_CHARTS / f"reval-{directory}", copy)
        servers[directory] = ChartServer(package_chart(copy), ca.issue_cert("localhost"), name=directory).__enter__()
    yield servers
    for server in servers.values():
        server.__exit__()


def serve(pki: dict[str, Path], *settings: str) -> Served:
    return start_reval_api(pki, "--allow-private-chart-hosts", *settings)


@pytest.fixture(scope="module")
def server(pki: dict[str, Path]) -> Iterator[Served]:
    served = serve(pki)
    yield served
    served.stop()


@pytest.fixture(scope="module")
def preserving_server(pki: dict[str, Path]) -> Iterator[Served]:
    served = serve(pki, "--preserve-label", "apps.kubernetes.io/pod-index", "--preserve-annotation", "preserved-annotation")
    yield served
    served.stop()


def post(server: Served, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    status, _, answer = server.request("POST", f"/v1/{endpoint}", body, token=TOKEN)
    assert status == 200, answer
    return json.loads(answer)


def chart_request(
    host: ChartServer, directory: str, secrets: list[tuple[str, str]] | None = None, **fields: Any
) -> dict[str, Any]:
    auths = secrets if secrets is not None else [(CHART_USER, CHART_PASSWORD)]
    return {
        "helmChart": host.url(f"/charts/{directory}-1.0.0.tgz"),
        "releaseName": "sr-1234",
        "helmRegistryAuthConfig": {
            "k8sSecrets": [{"auths": {f"localhost:{host.port}": {"auth": basic(user, password)}}} for user, password in auths]
        },
        **fields,
    }


BAD_TYPE_VALUES = {"serviceAccount": {"create": True}, "autoscaling": {"enabled": True}, "ingress": {"enabled": True}}


def test_pass_basic(server: Served, hosts: dict[str, ChartServer]) -> None:
    body = chart_request(hosts["test-chart"], "test-chart", configuration={"podLabels": {"shouldnotexist": "val"}})
    result = post(server, "render", body)
    assert (result["valid"], result["validationErrors"]) == (True, [])
    assert normalised(result["output"]) == expected("reval-test-chart", "exp_pass_basic.json")


def test_pass_extras_render_and_validate(server: Served, hosts: dict[str, ChartServer]) -> None:
    fields = {"k8sVersion": "1.30.0", "apiVersions": ["monitoring.coreos.com/v1beta1"]}
    rendered = post(server, "render", chart_request(hosts["test-chart"], "test-chart", **fields))
    assert normalised(rendered["output"]) == expected("reval-test-chart", "exp_pass_extras.json")
    assert post(server, "validate", chart_request(hosts["test-chart"], "test-chart", **fields)) == {
        "valid": True,
        "validationErrors": [],
    }


def test_pass_multi_service(preserving_server: Served, hosts: dict[str, ChartServer]) -> None:
    body = chart_request(
        hosts["test-chart-multi-service"],
        "test-chart-multi-service",
        helmChartServiceName="mychart-service",
        helmChartServicePort=8000,
    )
    result = post(preserving_server, "render", body)
    assert (result["valid"], result["validationErrors"]) == (True, [])
    assert normalised(result["output"]) == expected("reval-test-chart-multi-service", "exp.json")


def test_pass_health(server: Served, hosts: dict[str, ChartServer]) -> None:
    fields = {
        "k8sVersion": "1.30.0",
        "apiVersions": ["monitoring.coreos.com/v1beta1"],
        "helmChartServiceName": "mini-service-test-chart-pod-sel",
        "helmChartServicePort": 80,
        "helmChartHTTPHealthEndpoint": "/",
    }
    rendered = post(server, "render", chart_request(hosts["test-chart"], "test-chart", **fields))
    assert normalised(rendered["output"]) == expected("reval-test-chart", "exp_pass_extras.json")


def test_pass_multi_auth_first_secret_wins(server: Served, hosts: dict[str, ChartServer]) -> None:
    host = hosts["test-chart"]
    before = len(host.log)
    result = post(server, "validate", chart_request(host, "test-chart", [(CHART_USER, CHART_PASSWORD), ("$oauthtoken", "wrong")]))
    assert result["valid"] is True, result
    assert host.log[before][1] == "Basic " + basic(CHART_USER, CHART_PASSWORD)


def test_fail_bad_types(server: Served, hosts: dict[str, ChartServer]) -> None:
    body = chart_request(hosts["test-chart"], "test-chart", k8sVersion="1.29.5", configuration=BAD_TYPE_VALUES)
    for endpoint in ("render", "validate"):
        result = post(server, endpoint, body)
        assert result["valid"] is False
        assert result["validationErrors"] == [
            'unsupported types: ["autoscaling/v2.HorizontalPodAutoscaler" "networking.k8s.io/v1.Ingress"]'
        ]


def test_fail_no_matching_port(server: Served, hosts: dict[str, ChartServer]) -> None:
    body = chart_request(
        hosts["test-chart"], "test-chart", helmChartServiceName="mini-service-test-chart-pod-sel", helmChartServicePort=81
    )
    result = post(server, "render", body)
    assert result == {
        "valid": False,
        "validationErrors": [
            'helm chart service "mini-service-test-chart-pod-sel" has no port 81',
            'provided helm chart service "mini-service-test-chart-pod-sel" has no port 81 matching selected pod specs',
        ],
        "output": [],
    }


def test_fail_security(server: Served, hosts: dict[str, ChartServer]) -> None:
    body = chart_request(hosts["test-chart"], "test-chart", configuration={"securityContext": None, "podSecurityContext": None})
    errors = post(server, "render", body)["validationErrors"]
    prefix = 'containers["test-chart"].securityContext.'
    assert errors == sorted(errors) and len(errors) == 20
    assert sorted(set(errors)) == [
        prefix + 'capabilities must be set to drop=["ALL"] and optionally add=["NET_BIND_SERVICE"]',
        prefix + "readOnlyRootFilesystem must be set to true",
        prefix + "runAsNonRoot or podSpec.securityContext.runAsNonRoot must be set to true",
        prefix + "seccompProfile or podSpec.securityContext.seccompProfile must have type=RuntimeDefault",
    ]


def test_fail_not_found(server: Served, hosts: dict[str, ChartServer]) -> None:
    host = hosts["test-chart"]
    body = {**chart_request(host, "test-chart"), "helmChart": host.url("/charts/test-chart-1.0.1.tgz")}
    assert post(server, "validate", body) == {
        "valid": False,
        "validationErrors": [f"run helm template: failed to fetch {host.url('/charts/test-chart-1.0.1.tgz')} : 404 Not Found"],
    }


def test_fail_bad_auth(server: Served, hosts: dict[str, ChartServer]) -> None:
    host = hosts["test-chart"]
    body = chart_request(host, "test-chart", [("$oauthtoken", "wrong"), ("someone", "else")])
    url = host.url("/charts/test-chart-1.0.0.tgz")
    assert post(server, "validate", body) == {
        "valid": False,
        "validationErrors": [
            f'run helm template: no credential was valid to pull chart "{url}", manually verify credentials are valid'
        ],
    }
