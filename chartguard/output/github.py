"""GitHub Actions workflow commands: one ``::error file=...,line=...`` annotation per finding.

Control characters from the input are shown escaped (``printable``) before GitHub's own escaping,
so no text can end an annotation or start another workflow command."""

from __future__ import annotations

from ..findings import Report, Severity
from ..printable import printable
from .locations import ci_location
from .text import summary_line

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape(value: str, in_property: bool = False) -> str:
    value = printable(value).replace("%", "%25")  # no newline is left to encode as %0A
    return value.replace(":", "%3A").replace(",", "%2C") if in_property else value


def format_report(report: Report, fail_on: Severity | None = Severity.ERROR, colour: bool = False) -> str:
    lines = []
    for finding in report.findings:
        path, line, member = ci_location(report, finding)
        properties = []
        if not path.startswith("<"):  # "<stdin>" is no file to annotate
            properties.append(f"file={_escape(path, True)}")
            if line:
                properties.append(f"line={line}")
        properties.append(f"title={_escape(finding.rule_id, True)}")
        detail = f"{finding.object}: {finding.detail}" if finding.detail else str(finding.object)
        message = f"{finding.reason} ({detail})" + (f" in {member}" if member else "")
        lines.append(f"::{_LEVEL[finding.severity]} {','.join(properties)}::{_escape(message)}")
    lines.append(summary_line(report, fail_on))
    return "\n".join(lines) + "\n"
