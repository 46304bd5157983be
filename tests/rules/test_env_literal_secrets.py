"""``env-literal-secrets``: Credentials come from Secrets."""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import insecure_rows, lint


def test_env_literal_secrets() -> None:
    # DB_PASSWORD_FILE only points at a credential; the value of DB_PASSWORD is never printed
    assert insecure_rows("env-literal-secrets") == [
        (
            "warning",
            'container "worker": env DB_PASSWORD has a literal value',
            "templates/deployment.yaml:45 value: hunter2",
        )
    ]
    assert all("hunter2" not in f.detail for f in lint("insecure").findings)
    # secretKeyRef, *_FILE / *_NAME pointers and empty values are fine
    assert found(lint("good"), "env-literal-secrets") == []
    assert found(lint("edge-cases"), "env-literal-secrets") == []
