"""Where CI tools (SARIF code scanning, GitHub annotations) should point a finding."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ..findings import Finding, Report


def ci_location(report: Report, finding: Finding) -> tuple[str, int, str]:
    """``(file, line, member)`` for a finding, as CI tools want them.

    ``file`` uses forward slashes and is relative to the working directory when it lies under it
    (CI runs from the checkout, and code scanning wants repository-relative paths). A finding in
    a packaged chart points at the archive itself (line 0, unknown), and ``member`` says where
    inside it (``mychart/templates/x.yaml:12``); ``member`` is empty otherwise.
    """
    path, line, member = finding.location.path or report.target, finding.location.line, ""
    archive = (report.chart or {}).get("path") or ""
    if archive and path.startswith(archive + ":"):  # chart.tgz:mychart/templates/x.yaml
        member = path[len(archive) + 1 :] + (f":{line}" if line else "")
        path, line = archive, 0
    path = path.replace("\\", "/")
    if os.path.isabs(path):
        with contextlib.suppress(ValueError, OSError):  # outside the working directory: keep it absolute
            path = Path(path).relative_to(Path.cwd()).as_posix()
    return path.removeprefix("./"), line, member
