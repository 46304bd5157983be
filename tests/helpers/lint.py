"""Linting through the library: test charts (``chartguard.lint_chart``) and objects (``lint_manifests``)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import chartguard
from chartguard.findings import Finding, Report
from helpers.paths import chart_path


def lint_testchart(name: str, values: dict[str, Any] | None = None, **options: Any) -> Report:
    """Lint testcharts/<name> with ``values``; ``options`` are ``chartguard.lint_chart``'s."""
    return chartguard.lint_chart(chart_path(name), values, **options)


@cache
def _lint_testchart_cached(name: str, values_json: str, options: tuple[tuple[str, Any], ...]) -> Report:
    return lint_testchart(name, json.loads(values_json), **dict(options))


def lint_testchart_cached(name: str, values: dict[str, Any] | None = None, **options: Any) -> Report:
    """``lint_testchart``, one report per (chart, values, options), for tests that only read reports
    (the option values must be hashable and compare equal only when they lint alike)."""
    return _lint_testchart_cached(name, json.dumps(values or {}, sort_keys=True), tuple(sorted(options.items())))


def lint_gpu_workloads(instance_type: str | None = None, profile: str = "nvcf", strict: bool = False, **values: Any) -> Report:
    """testcharts/gpu-workloads with ``values``, for ``instance_type`` (cached)."""
    return lint_testchart_cached("gpu-workloads", values, instance_type=instance_type, profile=profile, strict=strict)


def lint_objects(*objects: dict[str, Any], **options: Any) -> Report:
    """Lint rendered objects, in this order; ``options`` are ``chartguard.lint_manifests``'s."""
    return chartguard.lint_manifests(list(objects), **options)


def found(report: Report, rule_id: str) -> list[Finding]:
    """The findings of one rule, in report order."""
    return [f for f in report.findings if f.rule_id == rule_id]
