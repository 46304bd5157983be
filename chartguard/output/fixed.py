"""What ``chartguard fix`` and ``post-render`` write: patched objects as YAML, the change lines,
the per-object JSON Patches and the unified diff of the rendered stream.

Objects no fix touched keep their rendered text; a patched object is written again with
``yaml.safe_dump`` (key order kept, multi-line strings as ``|`` blocks) under its ``# Source:``
comment, so the stream reads like ``helm template`` output.

The patched stream and the JSON Patches are products to apply and keep every value. The diff is
for reading: both sides are ``redacted_stream``s, in which an object holding Secret data or a
credential (``redact.redact_object``) is written again with those values as ``<redacted>``. The
change lines escape control characters (``printable``).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import yaml

from ..findings import Report
from ..manifests import Manifest
from ..printable import printable
from ..redact import redact_object
from ..render.stream import Rendered

__all__ = ["change_lines", "dump_object", "jsonpatch_document", "redacted_diff", "redacted_stream", "unified_diff"]


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
    return [printable(line) for line in lines]


def jsonpatch_document(report: Report) -> str:
    """The per-object patches as JSON: ``[{index, object, drop, rules, patch}]``."""
    return json.dumps([fix.to_dict() for fix in report.fixes], indent=2, default=str) + "\n"


def redacted_stream(manifests: Iterable[Manifest]) -> str:
    """The manifest stream (as ``Rendered.stream``) with Secret data and credential env values
    redacted: an object that holds any is written again from its redacted copy."""
    shown = []
    for manifest in manifests:
        redacted = redact_object(manifest.obj)
        shown.append(manifest if redacted is manifest.obj else replace(manifest, text=dump_object(redacted)))
    return Rendered(manifests=shown, hooks=[]).stream()


def redacted_diff(before: Iterable[Manifest], after: Iterable[Manifest], name: str) -> str:
    """``unified_diff`` of the ``redacted_stream``s of the manifests before and after the fixes."""
    return unified_diff(redacted_stream(before), redacted_stream(after), name)


def unified_diff(before_stream: str, after_stream: str, name: str) -> str:
    """The rendered stream before and after the fixes as a unified diff.

    As ``difflib.unified_diff``, without its "popular line" heuristic, which in a stream of many
    objects treats repeated lines (labels) as junk and shows unchanged lines as removed and added."""
    before, after = before_stream.splitlines(keepends=True), after_stream.splitlines(keepends=True)
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
