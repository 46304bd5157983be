"""Safe repairs as RFC 6902 JSON Patches: plan them from a lint's findings, apply them to objects.

For each object with findings from rules that have a ``fix``, the rules' fixes run in profile
order on a working copy of the object, each seeing the result of the previous ones; their
operations, concatenated, form the object's patch (JSON Patch applies operations in order, so the
patch applies to the object as rendered). A rule may instead drop the object from the release
(hooks, CRDs) or decline with the reason the repair would not be safe.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from .findings import Finding, ObjectFix, Report
from .json_patch import PatchError, patched
from .manifests import Manifest
from .rules.base import Fix, Rule, RuleContext

__all__ = ["PatchError", "apply_fixes", "apply_patch", "plan_fixes"]


def plan_fixes(
    objects: Sequence[Manifest],
    findings: list[Finding],
    rules: Sequence[Rule],
    context_for: Callable[[Rule], RuleContext],
) -> tuple[list[Finding], list[ObjectFix]]:
    """The findings marked fixable/unfixable and the per-object fixes, in stream order."""
    by_index = {manifest.index: manifest for manifest in objects}
    flagged: dict[int, set[str]] = {}
    for finding in findings:
        if finding.index >= 0:
            flagged.setdefault(finding.index, set()).add(finding.rule_id)
    outcome: dict[tuple[int, str], str] = {}  # (index, rule) → "" fixed, or the unsafe reason
    fixes = []
    for index in sorted(flagged):
        manifest = by_index.get(index)
        if manifest is None:
            continue
        working = manifest.obj  # patched copy-on-write: the rendered object is never modified
        ops: list[dict[str, Any]] = []
        fixed: list[str] = []
        drop = False
        for rule in rules:
            if rule.fix is None or rule.id not in flagged[index]:
                continue
            fix: Fix = rule.fix(working, context_for(rule))
            if fix.unsafe:
                outcome[(index, rule.id)] = fix.unsafe
                continue
            outcome[(index, rule.id)] = ""
            fixed.append(rule.id)
            if fix.drop:
                drop = True
                break
            working = patched(working, fix.ops)
            ops.extend(fix.ops)
        if fixed:
            fixes.append(ObjectFix(index, manifest.ref, tuple(ops) if not drop else (), drop, tuple(fixed)))
    marked = [_mark(finding, outcome) for finding in findings]
    return marked, fixes


def _mark(finding: Finding, outcome: dict[tuple[int, str], str]) -> Finding:
    reason = outcome.get((finding.index, finding.rule_id))
    if reason is None:
        return finding
    return replace(finding, fixable=not reason, unfixable_reason=reason)


def apply_fixes(objects: Sequence[dict[str, Any]], report: Report) -> list[dict[str, Any]]:
    """``objects`` (indexed as in the report: the release stream, hooks after the release) with
    ``report.fixes`` applied; dropped objects are left out. The inputs are not modified."""
    by_index = {fix.index: fix for fix in report.fixes}
    patched = []
    for index, obj in enumerate(objects):
        fix = by_index.get(index)
        if fix is None:
            patched.append(obj)
        elif not fix.drop:
            patched.append(apply_patch(obj, fix.ops))
    return patched


def apply_patch(obj: dict[str, Any], ops: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Apply RFC 6902 operations (add, remove, replace, test, copy, move) to a copy of ``obj`` (the
    result shares nothing with ``obj``)."""
    result: dict[str, Any] = patched(copy.deepcopy(obj), ops)
    return result
