"""``pss-restricted-volumes``: Only configMap, csi, downwardAPI, emptyDir, ephemeral, image, PVC, projected
and secret volumes.
"""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import lint, pss_rows


def test_restricted_volumes() -> None:
    # one finding for the pod, naming every restricted volume; the NVCF volume-types rule says the same per volume
    report = lint("bad-volumes")
    assert pss_rows(report, "pss-restricted-volumes", "bad-volumes") == [
        ("warning", "Deployment mini-service-inference", "restricted volume types",
         'volumes "host-models", "shared" use restricted volume types "hostPath", "nfs"',
         "templates/deployment.yaml:48 hostPath:"),
    ]  # fmt: skip
    assert found(report, "pss-host-path-volumes") == []  # replaced at Restricted
    # configMap, secret, emptyDir, projected (and PVC) are fine
    for name in ("good", "edge-cases"):
        assert found(lint(name), "pss-restricted-volumes") == []
