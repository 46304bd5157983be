"""chartguard: Helm chart admission and security-policy linter for NVIDIA Cloud Functions.

Public API::

    lint_chart(path, values=..., profile=..., backend=...) -> Report
    lint_manifests(text_or_objects, profile=..., backend=...) -> Report
    render_chart(path, values=...) -> Rendered
    load_function(function_path, deployment_path, ...) -> FunctionSpec   (lint_*(..., function=...))

Names are imported lazily so that ``import chartguard`` stays cheap on the CLI path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "ObjectFix",
    "apply_fixes",
    "ChartguardError",
    "ConfigError",
    "DeploymentSpec",
    "Finding",
    "FunctionSpec",
    "InputError",
    "Location",
    "ObjectRef",
    "Profile",
    "RenderError",
    "Rendered",
    "Report",
    "Severity",
    "UsageError",
    "__version__",
    "lint_chart",
    "lint_manifests",
    "load_function",
    "load_profile",
    "render_chart",
]

_LAZY = {
    "lint_chart": "api",
    "apply_fixes": "fixes",
    "ObjectFix": "findings",
    "lint_manifests": "api",
    "render_chart": "api",
    "Report": "findings",
    "Finding": "findings",
    "Location": "findings",
    "ObjectRef": "findings",
    "Severity": "findings",
    "ChartguardError": "errors",
    "ConfigError": "errors",
    "InputError": "errors",
    "RenderError": "errors",
    "UsageError": "errors",
    "Profile": "profile",
    "load_profile": "profile",
    "Rendered": "render",
    "FunctionSpec": "function",
    "DeploymentSpec": "function",
    "load_function": "function",
}

if TYPE_CHECKING:
    from .api import lint_chart, lint_manifests, render_chart
    from .errors import ChartguardError, ConfigError, InputError, RenderError, UsageError
    from .findings import Finding, Location, ObjectFix, ObjectRef, Report, Severity
    from .fixes import apply_fixes
    from .function import DeploymentSpec, FunctionSpec, load_function
    from .profile import Profile, load_profile
    from .render import Rendered


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'chartguard' has no attribute {name!r}")
    from importlib import import_module  # deferred: the public names load on first use, so `import chartguard` stays cheap

    return getattr(import_module(f".{module}", __name__), name)
