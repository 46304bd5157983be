"""``pss-seccomp-profile-baseline``: Seccomp is not disabled. Before policy version v1.19 it reads the
legacy annotations only.
"""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import WORKER, lint, lint_at, pss_insecure_rows, pss_rows


def test_seccomp_profile_baseline() -> None:
    assert pss_insecure_rows("pss-seccomp-profile-baseline", profile="pss-baseline") == [
        (
            "error",
            "seccompProfile",
            'pod must not set securityContext.seccompProfile.type to "Unconfined"',
            "templates/deployment.yaml:25 type: Unconfined",
        )
    ]
    assert found(lint("insecure"), "pss-seccomp-profile-baseline") == []  # replaced at Restricted
    assert found(lint("edge-cases", profile="pss-baseline"), "pss-seccomp-profile-baseline") == []


def test_seccomp_legacy_annotations_before_v1_19() -> None:
    # policy versions before v1.19 read the annotations only (the Unconfined field is not seen)
    report = lint_at("insecure", "v1.18")
    assert pss_rows(report, "pss-seccomp-profile-baseline", "insecure") == [
        (
            "warning",
            WORKER,
            "seccompProfile",
            'forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined"',
            "templates/deployment.yaml:15 seccomp.security.alpha.kubernetes.io/pod: unconfined",
        )
    ]
    assert found(report, "pss-seccomp-profile-restricted") == []  # from v1.19
    assert found(lint_at("insecure", "v1.18", {"legacyAnnotations": False}), "pss-seccomp-profile-baseline") == []
    # runtime/default annotation on the edge-cases pod
    assert found(lint_at("edge-cases", "v1.18"), "pss-seccomp-profile-baseline") == []
