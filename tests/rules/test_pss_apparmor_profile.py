"""``pss-apparmor-profile``: AppArmor is not disabled or overridden."""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import lint, pss_insecure_rows


def test_apparmor_profile() -> None:
    # the container field and the legacy annotation, in one finding
    assert pss_insecure_rows("pss-apparmor-profile") == [
        (
            "warning",
            "forbidden AppArmor profiles",
            'container "worker" and annotation must not set AppArmor profile type to '
            '"Unconfined", "container.apparmor.security.beta.kubernetes.io/worker="unconfined""',
            "templates/deployment.yaml:54 type: Unconfined",
        ),
    ]
    assert pss_insecure_rows("pss-apparmor-profile", {"legacyAnnotations": False}) == [
        (
            "warning",
            "forbidden AppArmor profile",
            'container "worker" must not set AppArmor profile type to "Unconfined"',
            "templates/deployment.yaml:54 type: Unconfined",
        ),
    ]
    # RuntimeDefault, Localhost, runtime/default and localhost/<profile> are fine
    assert found(lint("edge-cases"), "pss-apparmor-profile") == []
