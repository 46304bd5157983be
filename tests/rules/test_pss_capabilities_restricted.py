"""``pss-capabilities-restricted``: All capabilities dropped; only NET_BIND_SERVICE added."""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import lint, pss_insecure_rows

import chartguard


def test_capabilities_restricted() -> None:
    # every container must drop ALL, and may add NET_BIND_SERVICE only (so it is not named);
    # the finding points at the first container's missing drop
    assert pss_insecure_rows("pss-capabilities-restricted") == [
        (
            "warning",
            "unrestricted capabilities",
            'containers "setup", "worker", "sidecar" must set securityContext.capabilities.drop=["ALL"]; '
            'container "worker" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add',
            "templates/deployment.yaml:32 securityContext:",
        )
    ]
    assert found(lint("edge-cases"), "pss-capabilities-restricted") == []  # drop: [ALL], add: [NET_BIND_SERVICE]


#: The edge-cases init container as it was before the Pod Security Standards rules: privileged and
#: privilege escalation off, but capabilities kept, which Restricted forbids (the chart now drops ALL).
INIT_KEEPS_CAPABILITIES = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  initContainers:
    - name: init
      image: nvcr.io/myorg/init:1.0.0
      securityContext:
        allowPrivilegeEscalation: false
        privileged: false
  containers:
    - name: web
      image: nvcr.io/myorg/web:1.0.0
      securityContext:
        allowPrivilegeEscalation: false
        capabilities: {drop: [ALL]}
"""


def test_capabilities_restricted_needs_drop_all_in_init_containers() -> None:
    report = chartguard.lint_manifests(INIT_KEEPS_CAPABILITIES)
    assert [
        (f.rule_id, f.reason, f.detail, f.pointer, f.location.line) for f in report.findings if f.rule_id.startswith("pss-")
    ] == [
        (
            "pss-capabilities-restricted",
            "unrestricted capabilities",
            'container "init" must set securityContext.capabilities.drop=["ALL"]',
            "/spec/initContainers/0/securityContext/capabilities/drop",
            11,
        )
    ]
    assert chartguard.lint_manifests(INIT_KEEPS_CAPABILITIES, profile="pss-baseline").findings == []
