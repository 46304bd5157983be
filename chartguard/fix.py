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
from .manifests import Manifest
from .rules.base import Fix, Rule, RuleContext

__all__ = ["PatchError", "apply_fixes", "apply_patch", "plan_fixes"]


class PatchError(ValueError):
    """A JSON Patch operation that does not apply (a bug in a fix: fixes must always apply)."""


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
        working = copy.deepcopy(manifest.obj)
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
            working = apply_patch(working, fix.ops)
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
    """Apply RFC 6902 operations (add, remove, replace, test, copy, move) to a copy of ``obj``."""
    document: Any = copy.deepcopy(obj)
    for op in ops:
        document = _apply(document, op)
    return document


def _apply(document: Any, op: dict[str, Any]) -> Any:
    kind, path = op.get("op"), op.get("path", "")
    if kind == "add":
        return _add(document, path, copy.deepcopy(op["value"]))
    if kind == "remove":
        value = _get(document, path)
        del value  # existence check
        return _remove(document, path)
    if kind == "replace":
        _get(document, path)
        return _replace(document, path, copy.deepcopy(op["value"])) if path else copy.deepcopy(op["value"])
    if kind == "test":
        if _get(document, path) != op["value"]:
            raise PatchError(f"test failed at {path}")
        return document
    if kind == "copy":
        return _add(document, path, copy.deepcopy(_get(document, op["from"])))
    if kind == "move":
        value = _get(document, op["from"])
        return _add(_remove(document, op["from"]), path, value)
    raise PatchError(f"unknown operation {kind!r}")


def _tokens(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"invalid JSON pointer {path!r}")
    return [token.replace("~1", "/").replace("~0", "~") for token in path[1:].split("/")]


def _parent(document: Any, path: str) -> tuple[Any, str]:
    tokens = _tokens(path)
    if not tokens:
        raise PatchError("the root has no parent")
    target = document
    for token in tokens[:-1]:
        target = _child(target, token, path)
    return target, tokens[-1]


def _child(target: Any, token: str, path: str) -> Any:
    if isinstance(target, dict) and token in target:
        return target[token]
    if isinstance(target, list) and token.isdigit() and int(token) < len(target):
        return target[int(token)]
    raise PatchError(f"path {path} does not exist")


def _get(document: Any, path: str) -> Any:
    target = document
    for token in _tokens(path):
        target = _child(target, token, path)
    return target


def _add(document: Any, path: str, value: Any) -> Any:
    if path == "":
        return value
    parent, token = _parent(document, path)
    if isinstance(parent, dict):
        parent[token] = value
    elif isinstance(parent, list):
        if token == "-":
            parent.append(value)
        elif token.isdigit() and int(token) <= len(parent):
            parent.insert(int(token), value)
        else:
            raise PatchError(f"index {token} out of range at {path}")
    else:
        raise PatchError(f"cannot add under a scalar at {path}")
    return document


def _replace(document: Any, path: str, value: Any) -> Any:
    """Set an existing member in place (a mapping keeps its key order)."""
    parent, token = _parent(document, path)
    parent[int(token) if isinstance(parent, list) else token] = value
    return document


def _remove(document: Any, path: str) -> Any:
    parent, token = _parent(document, path)
    if isinstance(parent, dict) and token in parent:
        del parent[token]
    elif isinstance(parent, list) and token.isdigit() and int(token) < len(parent):
        del parent[int(token)]
    else:
        raise PatchError(f"path {path} does not exist")
    return document
