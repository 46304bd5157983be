"""``automount-service-account-token``: No service-account token mounted."""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import insecure_rows, lint


def test_automount_service_account_token() -> None:
    assert insecure_rows("automount-service-account-token") == [
        (
            "warning",
            "automountServiceAccountToken: true",
            "templates/deployment.yaml:21 automountServiceAccountToken: true",
        )
    ]
    assert found(lint("good"), "automount-service-account-token") == []  # set to false
