"""Errors that stop a run before any rule can judge it (CLI exit code 2).

Each carries a one-line, user-facing message naming the file, object or field at fault.
Policy findings are never exceptions: they are ``Finding`` objects in a ``Report``.
"""

from __future__ import annotations


class ChartguardError(Exception):
    """Base class: a clear one-line message; the CLI prints it and exits 2."""

    kind = "error"

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(ChartguardError):
    """Bad command-line or library arguments (unknown rule id, bad --set, missing file)."""

    kind = "usage error"


class ConfigError(ChartguardError):
    """An invalid profile or rule parameters."""

    kind = "config error"


class InputError(ChartguardError):
    """Unreadable or unsafe input: bad archive, malformed YAML, oversized documents."""

    kind = "input error"


class RenderError(ChartguardError):
    """Helm could not render the chart (template error, schema error, missing dependency)."""

    kind = "render error"
