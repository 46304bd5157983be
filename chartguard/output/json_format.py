"""JSON: ``Report.to_dict()`` plus the verdict (``failed``, ``failOn``); schema ``schemaVersion`` 1
in docs/json-format.md and chartguard/schemas/report.schema.json."""

from __future__ import annotations

import json

from ..findings import Report, Severity


def format_report(report: Report, fail_on: Severity | None = Severity.ERROR, colour: bool = False) -> str:
    document = report.to_dict()
    document["failed"] = fail_on is not None and report.failed(fail_on)
    document["failOn"] = str(fail_on) if fail_on is not None else "never"
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
