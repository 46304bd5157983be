"""Run a profile's rules over a release and build the Report.

Each violation becomes a Finding with the object it is about and its location: the chart template
and line (best effort, see sourcemap.py) when the release came from a chart, the line in the input
file otherwise, and always the line in the rendered stream.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .chart import ChartSource
from .findings import Finding, Location, ObjectFix, ObjectRef, Report, Severity
from .fixes import plan_fixes
from .function import FunctionSpec
from .manifests import Manifest
from .profile import Profile
from .redact import scrub, secret_values
from .rules.base import ObjectRule, ReleaseRule, Rule, RuleContext, Violation
from .rules.pss.evaluate import checks_for
from .sourcemap import template_line
from .workloads import Pod, is_pod_bearing


def run_rules(
    manifests: list[Manifest],
    profile: Profile,
    *,
    hooks: list[Manifest] | None = None,
    chart: ChartSource | None = None,
    target: str = "",
    input_path: str = "",
    function: FunctionSpec | None = None,
    values: dict[str, Any] | None = None,
    fixes: bool = True,
    live: bool = False,
) -> Report:
    """Check ``manifests`` (and ``hooks``, ``chart``) against ``profile``; ``values`` are those the
    chart was rendered with, ``function`` the NVCF function definition (both optional); ``live``:
    one object being admitted (``RuleContext.live``). With ``fixes=False`` no repair is planned
    (``Report.fixes`` empty, no finding marked fixable)."""
    hooks = hooks or []
    locate = _locator(chart, input_path)
    findings: list[Finding] = []
    pod_bearing = [is_pod_bearing(m.obj) for m in manifests]
    pod_cache: dict[int, list[Pod]] = {}
    params = {config.rule.id: config.params for config in profile.rules}

    shared = RuleContext(
        manifests=manifests,
        hooks=hooks,
        chart=chart,
        backend=profile.backend,
        pod_security=profile.pod_security,
        pss_checks=checks_for(profile.pod_security),
        pod_cache=pod_cache,
        function=function,
        values=values,
        live=live,
    )

    def context_for(rule: Rule) -> RuleContext:
        """The run's one context, with ``rule``'s params (rules run one at a time)."""
        shared.params = params[rule.id]
        return shared

    subjects = [(manifest, manifest.kind, pods) for manifest, pods in zip(manifests, pod_bearing, strict=True)]
    for config in profile.rules:
        rule = config.rule
        context = context_for(rule)
        results: list[tuple[Violation, Manifest | None]] = []
        if isinstance(rule, ReleaseRule):
            results.extend((v, None) for v in rule.check(context))
        elif isinstance(rule, ObjectRule):
            for checked, kind, pods in subjects:
                if rule.applies_to(kind, pods):
                    results.extend((violation, checked) for violation in rule.check(checked, context))
        findings.extend(_finding(rule, config.severity, violation, manifest, chart, locate) for violation, manifest in results)
    planned: list[ObjectFix] = []
    if fixes:
        findings, planned = plan_fixes(manifests + hooks, findings, [c.rule for c in profile.rules], context_for)
    findings = _scrubbed(findings, manifests + hooks)
    findings.sort(key=lambda f: (f.location.path, f.location.line, -f.severity, f.rule_id))
    return Report(
        target=target,
        profile=profile.name,
        backend=profile.backend,
        strict=profile.strict,
        chart=_chart_summary(chart),
        findings=findings,
        objects=len(manifests),
        hooks=len(hooks),
        rule_ids=[config.rule.id for config in profile.rules],
        fixes=planned,
    )


def _finding(
    rule: Rule,
    severity: Severity,
    violation: Violation,
    manifest: Manifest | None,
    chart: ChartSource | None,
    locate: Callable[[Manifest, str], Location],
) -> Finding:
    """The finding of one violation: the rule's defaults where the violation says nothing."""
    subject = violation.manifest or manifest
    return Finding(
        rule_id=rule.id,
        severity=violation.severity or severity,
        reason=violation.reason or rule.reason,
        detail=violation.detail,
        object=violation.object or (subject.ref if subject else _chart_ref(chart)),
        pointer=violation.pointer,
        location=violation.location or (locate(subject, violation.pointer) if subject else Location()),
        remediation=rule.remediation,
        index=subject.index if subject is not None and violation.object is None else -1,
    )


def _scrubbed(findings: list[Finding], manifests: list[Manifest]) -> list[Finding]:
    """``findings`` with the release's Secret data and credential values taken out of their texts
    (``redact.scrub``): a rule that quotes an object's value cannot print a secret."""
    values = secret_values(m.obj for m in manifests) if findings else frozenset()
    if not values:
        return findings
    scrubbed = []
    for f in findings:
        texts = scrub(f.reason, values), scrub(f.detail, values), scrub(f.unfixable_reason, values)
        if texts != (f.reason, f.detail, f.unfixable_reason):
            f = replace(f, reason=texts[0], detail=texts[1], unfixable_reason=texts[2])
        scrubbed.append(f)
    return scrubbed


def _locator(chart: ChartSource | None, input_path: str) -> Callable[[Manifest, str], Location]:
    def locate(manifest: Manifest, pointer: str) -> Location:
        doc_line = manifest.line_of(pointer)
        stream_line = manifest.stream_line + doc_line - 1 if manifest.stream_line else 0
        if chart is not None and manifest.template:
            source = chart.template_source(manifest.template)
            line = template_line(manifest.text, doc_line, source) if source is not None else 0
            return Location(chart.display_path(manifest.template), line, stream_line, manifest.template)
        return Location(input_path or manifest.template, stream_line, stream_line, manifest.template)

    return locate


def _chart_ref(chart: ChartSource | None) -> ObjectRef:
    return ObjectRef(kind="Chart", name=chart.name) if chart else ObjectRef()


def _chart_summary(chart: ChartSource | None) -> dict[str, Any] | None:
    if chart is None:
        return None
    return {"name": chart.name, "version": chart.version, "path": chart.display}


__all__ = ["run_rules", "Violation"]
