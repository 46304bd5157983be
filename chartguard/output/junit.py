"""JUnit XML for CI test reports: one test case per rule run; findings at or above ``--fail-on``
are failures, lower ones are written to the case's system-out. Every text and attribute is
``xml_text`` (characters XML 1.0 cannot hold shown as escapes), so the report is always well-formed."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from ..findings import Finding, Report, Severity
from ..printable import xml_text
from .text import format_finding


def format_report(report: Report, fail_on: Severity | None = Severity.ERROR, colour: bool = False) -> str:
    by_rule: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    rule_ids = [*report.rule_ids, *sorted(set(by_rule) - set(report.rule_ids))]
    suites = ET.Element("testsuites", name="chartguard")
    suite = ET.SubElement(suites, "testsuite", name=f"chartguard {report.target}", hostname="chartguard")
    failures = 0
    for rule_id in rule_ids:
        case = ET.SubElement(suite, "testcase", classname=f"chartguard.{report.profile}", name=rule_id)
        findings = by_rule.get(rule_id, [])
        failing = [f for f in findings if fail_on is not None and f.severity >= fail_on]
        if failing:
            failures += 1
            failure = ET.SubElement(case, "failure", type=rule_id, message=f"{len(failing)} finding(s): {failing[0].reason}")
            failure.text = "\n".join(format_finding(f, target=report.target) for f in failing)
        others = [f for f in findings if f not in failing]
        if others:
            ET.SubElement(case, "system-out").text = "\n".join(format_finding(f, target=report.target) for f in others)
    for element in (suites, suite):
        element.set("tests", str(len(rule_ids)))
        element.set("failures", str(failures))
        element.set("errors", "0")
    for element in suites.iter():
        element.text = xml_text(element.text) if element.text else element.text
        element.attrib = {key: xml_text(value) for key, value in element.attrib.items()}
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
