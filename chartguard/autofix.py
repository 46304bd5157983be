"""``chartguard fix`` and ``chartguard post-render``: lint a release, apply the report's fixes,
write the patched manifest stream and lint it again.

Objects no fix touched keep their rendered text; a patched object is written again with
``yaml.safe_dump`` (key order kept, multi-line strings as ``|`` blocks) under its ``# Source:``
comment, so the stream reads like ``helm template`` output.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, replace
from typing import Any

import yaml

from .api import Release
from .findings import Report
from .fix import apply_fixes
from .manifests import Manifest
from .render import Rendered, number_manifests

__all__ = ["Fixed", "change_lines", "dump_object", "fix_release", "jsonpatch_document", "unified_diff"]


@dataclass
class Fixed:
    """A release before and after its fixes."""

    report: Report  # the release's lint: ``report.fixes`` were applied, ``finding.unfixable_reason`` says why not
    patched: Release  # the release after the fixes
    relint: Report  # the patched release's lint
    before: str  # the stream as rendered or read (``helm template`` format, hooks last)
    after: str  # the patched stream


def fix_release(release: Release, patched_name: str = "") -> Fixed:
    """Lint ``release``, apply the fixes (``chartguard.apply_fixes``), lint the result.

    ``patched_name`` names the patched stream in the re-lint's findings when the release has no
    chart (whose templates the findings point at otherwise)."""
    report = release.lint()
    ordered = release.ordered
    patched_objects = apply_fixes(release.objects, report)
    dropped = {fix.index for fix in report.fixes if fix.drop}
    kept = [manifest for manifest in ordered if manifest.index not in dropped]
    manifests = [
        replace(manifest) if obj is manifest.obj or obj == manifest.obj else _rewritten(manifest, obj)
        for manifest, obj in zip(kept, patched_objects, strict=True)
    ]
    number_manifests(manifests)
    name = patched_name or f"{release.target or '<input>'} (fixed)"
    patched = replace(
        release,
        manifests=[m for m in manifests if m.hook is None],
        hooks=[m for m in manifests if m.hook is not None],
        target=release.target if release.chart is not None else name,
        input_path=release.input_path if release.chart is not None else name,
    )
    return Fixed(report, patched, patched.lint(), _stream(ordered), _stream(manifests))


def _rewritten(manifest: Manifest, obj: dict[str, Any]) -> Manifest:
    return Manifest(obj=obj, text=dump_object(obj), template=manifest.template)


def _stream(manifests: list[Manifest]) -> str:
    return Rendered(manifests=manifests, hooks=[]).stream()


class _Dumper(yaml.SafeDumper):
    """SafeDumper that indents lists under their key, writes multi-line strings as blocks and
    nulls as nothing."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value.rstrip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _null(dumper: yaml.SafeDumper, value: None) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:null", "")  # `key:` as Helm templates write it


_Dumper.add_representer(str, _str)
_Dumper.add_representer(type(None), _null)


def dump_object(obj: dict[str, Any]) -> str:
    """One object as YAML (keys in their order), without a trailing newline."""
    text: str = yaml.dump(obj, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1 << 16)
    return text.rstrip("\n")


def change_lines(report: Report) -> list[str]:
    """What the fixes change, one line per object, then what they could not fix and why."""
    lines = []
    for fix in report.fixes:
        rules = ", ".join(fix.rules)
        if fix.drop:
            lines.append(f"dropped: {fix.object} [{rules}]")
        else:
            count = len(fix.ops)
            lines.append(f"fixed: {fix.object}: {count} operation{'' if count == 1 else 's'} [{rules}]")
    seen = set()
    for finding in report.findings:
        key = (finding.index, finding.rule_id)
        if finding.unfixable_reason and key not in seen:
            seen.add(key)
            lines.append(f"not fixed: {finding.object}: {finding.unfixable_reason} [{finding.rule_id}]")
    return lines


def jsonpatch_document(report: Report) -> str:
    """The per-object patches as JSON: ``[{index, object, drop, rules, patch}]``."""
    return json.dumps([fix.to_dict() for fix in report.fixes], indent=2, default=str) + "\n"


def unified_diff(fixed: Fixed, name: str) -> str:
    """The rendered stream before and after the fixes as a unified diff.

    As ``difflib.unified_diff``, without its "popular line" heuristic, which in a stream of many
    objects treats repeated lines (labels) as junk and shows unchanged lines as removed and added."""
    before, after = fixed.before.splitlines(keepends=True), fixed.after.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    lines: list[str] = []
    for group in matcher.get_grouped_opcodes(3):
        if not lines:
            lines += [f"--- {name} (rendered)\n", f"+++ {name} (fixed)\n"]
        lines.append(f"@@ -{_span(group[0][1], group[-1][2])} +{_span(group[0][3], group[-1][4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [f" {line}" for line in before[i1:i2]]
                continue
            lines += [f"-{line}" for line in before[i1:i2]]
            lines += [f"+{line}" for line in after[j1:j2]]
    return "".join(lines)


def _span(start: int, stop: int) -> str:
    """A unified diff range: 1-based start and length (``start,0`` names the line before)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"
