"""The library API: typed, JSON-serialisable reports from charts and from manifests."""

from __future__ import annotations

import json

import chartguard
from chartguard import Report, Severity


def test_lint_chart_report_is_json_serialisable(testchart):
    report = chartguard.lint_chart(testchart("release-shape"))
    assert isinstance(report, Report)
    document = json.loads(json.dumps(report.to_dict()))
    assert document["schemaVersion"] == 1
    assert document["summary"]["objects"] == report.objects == 6
    assert document["summary"]["hooks"] == 2
    assert document["chart"] == {
        "name": "release-shape",
        "version": "1.0.0",
        "path": str(testchart("release-shape")),
        "notes": "Release mini-service installed in default.\n",
    }
    rules = {f["ruleId"] for f in document["findings"]}
    assert {"chart-hooks", "allowed-kinds"} <= rules


def test_lint_manifests_text_and_objects_agree():
    text = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: NodePort\n  ports: [{port: 80}]\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: hook\n  annotations: {helm.sh/hook: test}\n"
        "spec:\n  containers: [{name: t, image: 'busybox:1.36'}]\n"
    )
    from_text = chartguard.lint_manifests(text, source="stream.yaml")
    import yaml

    from_objects = chartguard.lint_manifests(list(yaml.safe_load_all(text)))
    key = lambda r: sorted((f.rule_id, f.object.name, f.detail) for f in r.findings)  # noqa: E731
    assert key(from_text) == key(from_objects)
    service = next(f for f in from_text.findings if f.rule_id == "service-type")
    assert (service.location.path, service.location.line, service.severity) == ("stream.yaml", 6, Severity.ERROR)
    assert from_text.hooks == 1 and from_text.objects == 1


def test_backend_and_strict_reach_the_rules():
    text = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n"
    assert chartguard.lint_manifests(text).findings[0].severity == Severity.WARNING
    assert chartguard.lint_manifests(text, backend="GFN").findings == []
    assert chartguard.lint_manifests(text, backend="OCI").findings[0].severity == Severity.ERROR


def test_unknown_render_keywords_are_refused(testchart):
    import pytest

    with pytest.raises(TypeError, match="set_value"):
        chartguard.lint_chart(testchart("release-shape"), set_value=["a=1"])


def test_public_names_exports_and_docs_agree():
    """``chartguard.__all__``, the lazily loaded names and the type-checking imports are the same
    set; each resolves; every ``chartguard.<name>`` the README shows is public (or a public module)."""
    import ast
    import re

    from helpers.paths import ROOT

    public = set(chartguard.__all__) - {"__version__"}
    assert public == set(chartguard._LAZY)
    source = (ROOT / "chartguard" / "__init__.py").read_text(encoding="utf-8")
    checked = next(n for n in ast.parse(source).body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    typed = {alias.asname or alias.name for node in checked.body for alias in node.names}  # type: ignore[attr-defined]
    assert typed == public
    for name in chartguard.__all__:
        assert getattr(chartguard, name) is not None
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"\bchartguard\.([A-Za-z_]\w*)", readme)) - {"sarif"}  # chartguard.sarif: a report file name
    modules = {"pss", "helmreval", "admission", "rules", "values", "policies", "schemas", "cli"}
    assert shown - public - modules == set()
