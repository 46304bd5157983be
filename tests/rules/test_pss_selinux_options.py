"""``pss-selinux-options``: No custom SELinux type, user or role."""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import lint, pss_insecure_rows

import chartguard


def test_selinux_options() -> None:
    # the pod's type and user and the sidecar's role, in one finding
    assert pss_insecure_rows("pss-selinux-options") == [
        (
            "warning",
            "seLinuxOptions",
            'pod and container "sidecar" set forbidden securityContext.seLinuxOptions: '
            'type "spc_t"; user may not be set; role may not be set',
            "templates/deployment.yaml:27 type: spc_t",
        ),
    ]
    # container_t / container_init_t with a level are fine
    assert found(lint("edge-cases"), "pss-selinux-options") == []


def test_selinux_null_type_is_unset() -> None:
    stream = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  securityContext:
    seLinuxOptions:
      type:
      level: "s0:c1,c2"
  containers:
    - name: app
      image: app:1.0.0
"""
    assert found(chartguard.lint_manifests(stream), "pss-selinux-options") == []
