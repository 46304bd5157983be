"""``resource-limits``: Containers set cpu, memory (and GPU) limits."""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import insecure_rows, lint, rows


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
