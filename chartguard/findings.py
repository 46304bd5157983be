"""The result types every front door ends in: Severity, Location, Finding, Report.

All of them are plain dataclasses that turn into JSON-ready dicts with ``to_dict()``;
the JSON output format (docs/json-format.md) is exactly ``Report.to_dict()``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

#: Version of the JSON report schema; bumped only on incompatible changes.
REPORT_SCHEMA_VERSION = 1


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that ``ERROR > WARNING > INFO``."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``"error"`` → ``Severity.ERROR``; raises ValueError on anything else."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class ObjectRef:
    """Which Kubernetes object a finding is about."""

    api_version: str = ""
    kind: str = ""
    name: str = ""
    namespace: str = ""

    def __str__(self) -> str:
        name = self.name.strip()
        name = f"{self.namespace}/{name}" if self.namespace and name else name
        return f"{self.kind} {name or '<unnamed>'}" if self.kind else name or "<document>"

    def to_dict(self) -> dict[str, str]:
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "name": self.name,
            "namespace": self.namespace,
        }


@dataclass(frozen=True)
class Location:
    """Where a finding points.

    ``path``/``line`` are the best place to show the user: the chart template (relative to the
    chart's parent directory, as Helm names templates) when known, else the input file.
    ``stream_line`` is the line in the rendered manifest stream (``chartguard render`` output).
    Lines are 1-based; 0 means unknown.
    """

    path: str = ""
    line: int = 0
    stream_line: int = 0
    template: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "streamLine": self.stream_line,
            "template": self.template,
        }


@dataclass(frozen=True)
class Finding:
    """One rule violation (or informational note) about one object or the chart."""

    rule_id: str
    severity: Severity
    reason: str
    detail: str = ""
    object: ObjectRef = field(default_factory=ObjectRef)
    pointer: str = ""
    location: Location = field(default_factory=Location)
    remediation: str = ""
    index: int = -1  # the object's position in the release stream; -1 for the chart or function
    fixable: bool = False  # chartguard's fix repairs it (see Report.fixes)
    unfixable_reason: str = ""  # why a rule that has a fix cannot apply it safely here

    def to_dict(self) -> dict[str, Any]:
        return {
            "ruleId": self.rule_id,
            "severity": str(self.severity),
            "reason": self.reason,
            "detail": self.detail,
            "object": self.object.to_dict(),
            "pointer": self.pointer,
            "location": self.location.to_dict(),
            "remediation": self.remediation,
            "index": self.index,
            "fixable": self.fixable,
            "unfixableReason": self.unfixable_reason,
        }


@dataclass(frozen=True)
class ObjectFix:
    """The repair of one object: RFC 6902 ``ops`` applied in order to the object as rendered (each
    rule's operations were computed on the result of the previous ones), or ``drop`` it."""

    index: int
    object: ObjectRef
    ops: tuple[dict[str, Any], ...] = ()
    drop: bool = False
    rules: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "object": self.object.to_dict(),
            "drop": self.drop,
            "rules": list(self.rules),
            "patch": list(self.ops),
        }


@dataclass
class Report:
    """Everything chartguard found about one chart or manifest stream."""

    target: str
    profile: str
    backend: str | None = None
    strict: bool = False
    chart: dict[str, Any] | None = None
    findings: list[Finding] = field(default_factory=list)
    objects: int = 0
    hooks: int = 0
    rule_ids: list[str] = field(default_factory=list)
    fixes: list[ObjectFix] = field(default_factory=list)

    @property
    def rules_run(self) -> int:
        return len(self.rule_ids)

    def count(self, severity: Severity) -> int:
        """Number of findings of exactly this severity."""
        return sum(1 for f in self.findings if f.severity == severity)

    def worst(self) -> Severity | None:
        """The highest severity among the findings, or None when there are none."""
        return max((f.severity for f in self.findings), default=None)

    def failed(self, fail_on: Severity = Severity.ERROR) -> bool:
        """True when any finding is at or above ``fail_on`` (the CLI exits 1 then)."""
        worst = self.worst()
        return worst is not None and worst >= fail_on

    def summary(self) -> dict[str, int]:
        return {
            "objects": self.objects,
            "hooks": self.hooks,
            "rules": self.rules_run,
            "errors": self.count(Severity.ERROR),
            "warnings": self.count(Severity.WARNING),
            "infos": self.count(Severity.INFO),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "schemaVersion": REPORT_SCHEMA_VERSION,
            "target": self.target,
            "profile": self.profile,
            "backend": self.backend,
            "strict": self.strict,
            "chart": self.chart,
            "summary": self.summary(),
            "rules": self.rule_ids,
            "findings": [f.to_dict() for f in self.findings],
            "fixes": [fix.to_dict() for fix in self.fixes],
        }
