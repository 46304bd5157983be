"""Report formatters: one module per format, each ``format_report(report, fail_on, colour) -> str``.

``fail_on`` is the lowest severity that fails the run (None for ``--fail-on never``); ``colour``
asks for ANSI colour, which only the text format uses.
"""

from __future__ import annotations

from collections.abc import Callable

from ..findings import Report, Severity
from . import github, json_format, junit, sarif, text

Formatter = Callable[[Report, Severity | None, bool], str]

FORMATTERS: dict[str, Formatter] = {
    "text": text.format_report,
    "json": json_format.format_report,
    "sarif": sarif.format_report,
    "junit": junit.format_report,
    "github": github.format_report,
}

__all__ = ["FORMATTERS", "Formatter"]
