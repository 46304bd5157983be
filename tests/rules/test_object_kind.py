"""``object-kind``: Documents are Kubernetes objects. The manifest-stream case checks object-name's findings
on the same stream.
"""

from __future__ import annotations

from helpers.lint import found
from helpers.rules import lint, rows

import chartguard


def test_stray_fragment_is_not_an_object() -> None:
    report = lint("bad-objects")
    assert rows(report, "object-kind", "bad-objects") == [
        ("warning", "<document>", "no apiVersion and no kind", "templates/stray.yaml:3 replicas: 3")
    ]
    # the fragment is left to object-kind: no object-name or allowed-kinds finding about it
    assert [str(f.object) for f in report.findings if f.rule_id != "object-kind"] == [
        "ConfigMap <unnamed>",
        "Secret <unnamed>",
    ]


STREAM = """\
# Source: app/templates/a.yaml
apiVersion: v1
metadata:
  name: no-kind
---
# Source: app/templates/b.yaml
kind: ConfigMap
metadata:
  name: no-api-version
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: "  "
---
apiVersion: batch/v1
kind: Job
metadata:
  generateName: migrate-
spec:
  template:
    spec:
      restartPolicy: Never
      containers: []
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: fine
"""


def test_object_kind_and_name_in_a_manifest_stream() -> None:
    report = chartguard.lint_manifests(STREAM, source="release.yaml")
    assert rows(report, "object-kind") == [
        ("warning", "no-kind", "no kind", "release.yaml:2"),
        ("warning", "ConfigMap no-api-version", "no apiVersion", "release.yaml:7"),
    ]
    templates = [f.location.template for f in found(report, "object-kind")]
    assert templates == ["app/templates/a.yaml", "app/templates/b.yaml"]  # from the "# Source:" comments
    assert rows(report, "object-name") == [
        ("error", "ConfigMap <unnamed>", "metadata.name is empty", "release.yaml:14"),  # a blank name is no name
        ("error", "Job <unnamed>", "generateName: migrate- (NVCF needs a fixed name)", "release.yaml:18"),
    ]
    assert {f.rule_id for f in report.findings} == {"object-kind", "object-name"}


def test_object_rules_pass_on_complete_objects() -> None:
    report = chartguard.lint_manifests([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}])
    assert report.findings == []
