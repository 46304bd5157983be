"""``service-type``: Services are ClusterIP only."""

from __future__ import annotations

import pytest
from helpers.rules import lint, rows


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
