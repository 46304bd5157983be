"""Compiler-style text: ``file:line: severity: reason (object: detail) [rule-id]``, grouped by file
(a blank line after each file), then one ``PASS``/``FAIL`` summary line. Control characters from
the input (object names, paths, values) are shown escaped (``printable``): one finding, one line."""

from __future__ import annotations

from ..findings import Finding, Report, Severity
from ..printable import printable

_COLOURS = {Severity.ERROR: "\033[1;31m", Severity.WARNING: "\033[1;33m", Severity.INFO: "\033[1;36m"}
_BOLD, _DIM, _GREEN, _RESET = "\033[1m", "\033[2m", "\033[1;32m", "\033[0m"


def format_finding(finding: Finding, colour: bool = False, target: str = "") -> str:
    """One finding on one line; a finding with no location (a fact given on the command line)
    points at ``target``, the chart or input linted."""
    where = finding.location.path or target or "<input>"
    if finding.location.line:
        where += f":{finding.location.line}"
    detail = printable(f"{finding.object}: {finding.detail}" if finding.detail else str(finding.object))
    where, reason, severity = printable(where), printable(finding.reason), str(finding.severity)
    if colour:
        where = f"{_BOLD}{where}{_RESET}"
        severity = f"{_COLOURS[finding.severity]}{severity}{_RESET}"
        return f"{where}: {severity}: {reason} ({detail}) {_DIM}[{finding.rule_id}]{_RESET}"
    return f"{where}: {severity}: {reason} ({detail}) [{finding.rule_id}]"


def summary_line(report: Report, fail_on: Severity | None = Severity.ERROR) -> str:
    """``PASS: 0 errors, 1 warning, 0 infos in 3 objects (25 rules, profile nvcf, any backend)``;
    FAIL when a finding is at or above ``fail_on`` (never when it is None: ``--fail-on never``)."""
    counts = report.summary()
    parts = [
        _plural(counts["errors"], "error"),
        _plural(counts["warnings"], "warning"),
        _plural(counts["infos"], "info", "infos"),
    ]
    hooks = f" and {_plural(report.hooks, 'hook')}" if report.hooks else ""
    backend = report.backend or "any backend"
    verdict = "FAIL" if fail_on is not None and report.failed(fail_on) else "PASS"
    return printable(
        f"{verdict}: {', '.join(parts)} in {_plural(report.objects, 'object')}{hooks} "
        f"({report.rules_run} rules, profile {report.profile}{', strict' if report.strict else ''}, {backend})"
    )


def format_report(report: Report, fail_on: Severity | None = Severity.ERROR, colour: bool = False) -> str:
    by_file: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_file.setdefault(finding.location.path, []).append(finding)
    lines: list[str] = []
    for findings in by_file.values():
        lines.extend(format_finding(f, colour, report.target) for f in findings)
        lines.append("")
    summary = summary_line(report, fail_on)
    if colour:
        summary = f"{_COLOURS[Severity.ERROR] if summary.startswith('FAIL') else _GREEN}{summary}{_RESET}"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"
