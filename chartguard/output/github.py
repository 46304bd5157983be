"""GitHub Actions workflow commands: one ``::error file=...,line=...`` annotation per finding."""

from __future__ import annotations

from ..findings import Report, Severity
from .text import summary_line

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape(value: str, in_property: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if in_property else value


def format_report(report: Report, fail_on: Severity = Severity.ERROR, colour: bool = False) -> str:
    lines = []
    for finding in report.findings:
        properties = [f"title={_escape(finding.rule_id, True)}"]
        if finding.location.path:
            properties.insert(0, f"file={_escape(finding.location.path, True)}")
            if finding.location.line:
                properties.insert(1, f"line={finding.location.line}")
        message = f"{finding.reason} ({finding.object}: {finding.detail})" if finding.detail else finding.reason
        lines.append(f"::{_LEVEL[finding.severity]} {','.join(properties)}::{_escape(message)}")
    lines.append(summary_line(report, fail_on))
    return "\n".join(lines) + "\n"
