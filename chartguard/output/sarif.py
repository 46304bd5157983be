"""SARIF 2.1.0 for GitHub code scanning: one result per finding, located in the chart's files.

``tool.driver.rules`` lists every rule that ran, in profile order, and each result's ``ruleIndex``
points into it. File URIs are relative to the working directory when the file lies under it (run
chartguard from the repository root in CI), ``file://`` URIs otherwise.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..findings import Finding, Report, Severity
from ..rules import BY_ID
from .locations import ci_location

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def format_report(report: Report, fail_on: Severity | None = Severity.ERROR, colour: bool = False) -> str:
    extra = sorted({f.rule_id for f in report.findings} - set(report.rule_ids))
    rule_ids = [*report.rule_ids, *extra]
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    driver = {
        "name": "chartguard",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": "https://github.com/chartguard/chartguard",
        "rules": [_rule(rule_id) for rule_id in rule_ids],
    }
    run = {
        "tool": {"driver": driver},
        "results": [_result(report, f, index[f.rule_id]) for f in report.findings],
        "properties": {"profile": report.profile, "backend": report.backend, "summary": report.summary()},
    }
    document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _result(report: Report, f: Finding, rule_index: int) -> dict[str, Any]:
    path, line, member = ci_location(report, f)
    text = f"{f.reason} ({f.object}: {f.detail})" if f.detail else f"{f.reason} ({f.object})"
    uri = Path(path).as_uri() if os.path.isabs(path) else quote(path)
    return {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVEL[f.severity],
        "message": {"text": f"{text} in {member}" if member else text},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": max(line, 1)}}}],
        "partialFingerprints": {"chartguard/v1": f"{path}:{f.rule_id}:{f.object}:{f.pointer}:{f.detail}"},
        "properties": {"object": f.object.to_dict(), "pointer": f.pointer, "template": f.location.template},
    }


def _rule(rule_id: str) -> dict[str, Any]:
    rule = BY_ID.get(rule_id)
    if rule is None:  # a finding from outside the registry (never expected)
        return {"id": rule_id, "shortDescription": {"text": rule_id}, "help": {"text": rule_id}}
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.summary},
        "help": {"text": f"{rule.summary}\n\nRemediation: {rule.remediation}", "markdown": rule.doc.strip()},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": ["security", "helm", "kubernetes", rule.category]},
    }
