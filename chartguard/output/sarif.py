"""SARIF 2.1.0 for GitHub code scanning: one result per finding, located in the chart's files."""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from ..findings import Report, Severity
from ..rules import BY_ID

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def format_report(report: Report, fail_on: Severity = Severity.ERROR, colour: bool = False) -> str:
    rule_ids = sorted({f.rule_id for f in report.findings})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    results = [
        {
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": _LEVEL[f.severity],
            "message": {"text": f"{f.reason} ({f.object}: {f.detail})" if f.detail else f"{f.reason} ({f.object})"},
            "locations": [_location(f.location.path or report.target, f.location.line)],
            "partialFingerprints": {"chartguard/v1": f"{f.rule_id}:{f.object}:{f.pointer}:{f.detail}"},
            "properties": {"object": f.object.to_dict(), "pointer": f.pointer},
        }
        for f in report.findings
    ]
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "chartguard",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://github.com/chartguard/chartguard",
                        "rules": [_rule(rule_id) for rule_id in rule_ids],
                    }
                },
                "results": results,
                "properties": {"profile": report.profile, "backend": report.backend, "summary": report.summary()},
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _location(path: str, line: int) -> dict[str, Any]:
    # Code scanning wants repository-relative URIs with forward slashes; archive members
    # ("chart.tgz:chart/templates/x.yaml") point at the archive itself.
    uri = path.split(":", 1)[0] if ".tgz:" in path else path
    uri = uri.replace("\\", "/").removeprefix("./")
    return {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": max(line, 1)}}}


def _rule(rule_id: str) -> dict[str, Any]:
    rule = BY_ID.get(rule_id)
    if rule is None:  # a finding from outside the registry (never expected)
        return {"id": rule_id, "shortDescription": {"text": rule_id}}
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.summary},
        "help": {"text": f"{rule.summary}\n\nRemediation: {rule.remediation}", "markdown": rule.doc.strip()},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": ["security", "helm", "kubernetes", rule.category]},
    }
