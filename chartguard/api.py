"""The library API: lint a chart or a manifest stream, render a chart.

    >>> import chartguard
    >>> report = chartguard.lint_chart("testcharts/good", values={"image": {"tag": "1.4.2"}})
    >>> report.failed(), report.summary()["errors"]

Both lint functions return a ``Report`` (``report.to_dict()`` is the JSON output format) and raise a
``ChartguardError`` subclass with a one-line message for input they cannot judge. They assemble the
release exactly as the CLI does (``chartguard.release``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, Unpack

from .findings import Report
from .function import FunctionSpec
from .profile import DEFAULT_PROFILE, Profile
from .release import PolicyOptions, RenderKeywords, chart_release, manifest_release, render_chart, resolve_policy

__all__ = ["lint_chart", "lint_manifests", "render_chart"]


def lint_chart(
    path: str | os.PathLike[str],
    values: dict[str, Any] | None = None,
    *,
    profile: str | Profile = DEFAULT_PROFILE,
    backend: str | None = None,
    strict: bool = False,
    function: FunctionSpec | None = None,
    instance_type: str | None = None,
    **render: Unpack[RenderKeywords],
) -> Report:
    """Render the chart at ``path`` (directory or ``.tgz``) with Helm and check it against
    ``profile`` for ``backend``; ``values`` and ``render`` as in ``RenderKeywords``.

    With a ``function`` definition, the rules check the chart against it too; its deployment's
    ``backend`` applies when ``backend`` is None, and its ``configuration`` when ``configuration``
    is not given (an explicit ``configuration`` replaces the deployment's). ``instance_type``
    (``ON-PREM.GPU.B200_8x.x2``) sets the deployment's instance type for the GPU rules.
    """
    policy = PolicyOptions(profile=profile, backend=backend, strict=strict, instance_type=instance_type)
    resolved, function = resolve_policy(policy, function)
    return chart_release(path, values, profile=resolved, function=function, **render).lint()


def lint_manifests(
    manifests: str | Iterable[dict[str, Any]],
    *,
    profile: str | Profile = DEFAULT_PROFILE,
    backend: str | None = None,
    strict: bool = False,
    source: str = "<input>",
    function: FunctionSpec | None = None,
    instance_type: str | None = None,
) -> Report:
    """Check already-rendered manifests: YAML text (``helm template`` output) or objects in order.

    Objects annotated ``helm.sh/hook`` are treated as hooks, as Helm does. A ``function``
    definition's deployment ``backend`` applies when ``backend`` is None (its ``configuration``
    cannot: the manifests are rendered already). ``instance_type`` as in ``lint_chart``.
    """
    policy = PolicyOptions(profile=profile, backend=backend, strict=strict, instance_type=instance_type)
    resolved, function = resolve_policy(policy, function)
    return manifest_release(manifests, profile=resolved, source=source, function=function).lint()
