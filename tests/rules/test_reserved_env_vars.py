"""``reserved-env-vars``: No reserved NVCF_* environment variables."""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import insecure_rows, lint


def test_reserved_env_vars() -> None:
    assert insecure_rows("reserved-env-vars") == [
        (
            "error",
            'container "worker": env NVCF_REQUEST_TIMEOUT',
            "templates/deployment.yaml:42 - name: NVCF_REQUEST_TIMEOUT",
        )
    ]
    assert found(lint("good"), "reserved-env-vars") == []
    # NVIDIA_VISIBLE_DEVICES is not reserved
    assert found(lint("edge-cases"), "reserved-env-vars") == []
