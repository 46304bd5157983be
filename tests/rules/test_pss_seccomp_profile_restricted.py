"""``pss-seccomp-profile-restricted``: Seccomp profile RuntimeDefault or Localhost."""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import lint, pss_insecure_rows


def test_seccomp_profile_restricted() -> None:
    seccomp = [
        (
            "warning",
            "seccompProfile",
            'pod must not set securityContext.seccompProfile.type to "Unconfined"',
            "templates/deployment.yaml:25 type: Unconfined",
        )
    ]
    assert pss_insecure_rows("pss-seccomp-profile-restricted") == seccomp
    # from v1.19 the legacy annotations are not read: switching them off changes nothing
    assert pss_insecure_rows("pss-seccomp-profile-restricted", {"legacyAnnotations": False}) == seccomp
    # RuntimeDefault on the pod, Localhost on the pod, RuntimeDefault in the shared pod template
    assert found(lint("good"), "pss-seccomp-profile-restricted") == []
    assert found(lint("edge-cases"), "pss-seccomp-profile-restricted") == []
