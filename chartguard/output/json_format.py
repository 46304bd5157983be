"""JSON: exactly ``Report.to_dict()`` (schema in docs/json-format.md, ``schemaVersion`` 1)."""

from __future__ import annotations

import json

from ..findings import Report, Severity


def format_report(report: Report, fail_on: Severity = Severity.ERROR, colour: bool = False) -> str:
    document = report.to_dict()
    document["failed"] = report.failed(fail_on)
    document["failOn"] = str(fail_on)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
