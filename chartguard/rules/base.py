"""What a rule is: metadata plus a typed ``check`` function, and what a check yields.

A rule module defines ``RULE = ObjectRule(...)`` or ``RULE = ReleaseRule(...)``; its module
docstring is the rule's user documentation. Object rules get one manifest at a time, filtered by
``kinds`` or ``pods`` (``ObjectCheck``); release rules get the whole release once (``ReleaseCheck``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..findings import Location, ObjectRef, Severity
from ..workloads import POD_TEMPLATE_PATHS, pods_of

if TYPE_CHECKING:
    from ..chart import ChartSource
    from ..function import FunctionSpec
    from ..manifests import Manifest
    from ..workloads import Pod
    from .pss.base import Check, PodSecuritySettings, VersionedCheck


@dataclass
class Violation:
    """What a check yields; the engine turns it into a ``Finding`` with a source location.

    ``reason`` and ``severity`` default to the rule's; ``manifest`` defaults to the object being
    checked; ``location`` and ``object`` are only for findings about the chart itself (Chart.yaml)
    or the function definition (``FunctionSpec.ref``, ``FunctionSpec.location``).
    """

    detail: str = ""
    pointer: str = ""
    manifest: Manifest | None = None
    reason: str | None = None
    severity: Severity | None = None
    location: Location | None = None
    object: ObjectRef | None = None


@dataclass(frozen=True)
class Fix:
    """How a rule repairs one object: RFC 6902 ``ops`` against the object root, or ``drop`` the
    object from the release, or nothing with the ``unsafe`` reason why it cannot be done safely."""

    ops: tuple[dict[str, Any], ...] = ()
    drop: bool = False
    unsafe: str = ""

    @classmethod
    def patch(cls, *ops: dict[str, Any]) -> Fix:
        return cls(ops=tuple(ops))

    @classmethod
    def remove_object(cls) -> Fix:
        return cls(drop=True)

    @classmethod
    def not_safe(cls, reason: str) -> Fix:
        return cls(unsafe=reason)


FixFn = Callable[[dict[str, Any], "RuleContext"], Fix]


@dataclass
class RuleContext:
    """What a check can see besides the object: the whole release, the chart, the backend, params."""

    manifests: list[Manifest]
    hooks: list[Manifest]
    chart: ChartSource | None
    backend: str | None
    params: dict[str, Any] = field(default_factory=dict)
    pod_security: PodSecuritySettings | None = None
    pss_checks: tuple[tuple[Check, VersionedCheck], ...] = ()  # the active PSS checks of pod_security (engine)
    function: FunctionSpec | None = None  # the NVCF function definition, when given
    live: bool = False  # an object being admitted: the apiserver fills in what it generates (generateName)
    values: dict[str, Any] | None = None  # the values given to Helm (not the chart's defaults); None for manifests
    pod_cache: dict[int, list[Pod]] = field(default_factory=dict)  # shared by every rule of one run
    memo_cache: dict[Any, Any] = field(default_factory=dict)  # shared facts of one run, see memo()

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """A fact several rules derive from the same objects, computed once per run (``key`` must
        name everything the fact depends on, e.g. ``("pod-gpus", id(pod), resources)``)."""
        if key not in self.memo_cache:
            self.memo_cache[key] = compute()
        return self.memo_cache[key]

    def pods(self, manifest: Manifest) -> list[Pod]:
        """The pods of ``manifest`` (``workloads.pods_of``), built once per run and shared by the rules."""
        pods = self.pod_cache.get(id(manifest))
        if pods is None:
            pods = self.pod_cache[id(manifest)] = list(pods_of(manifest.obj))
        return pods


ObjectCheck = Callable[["Manifest", RuleContext], Iterable[Violation]]
ReleaseCheck = Callable[[RuleContext], Iterable[Violation]]


@dataclass(frozen=True)
class Rule:
    """A rule's metadata: what ``ObjectRule`` and ``ReleaseRule`` share.

    ``reason`` is short and stable ("Service type is not ClusterIP"); ``detail`` in each
    violation says which values offend. ``params_schema`` is a JSON Schema for the profile's
    ``params``; ``defaults`` fill what the profile leaves out.
    """

    id: str
    title: str
    reason: str
    severity: Severity
    remediation: str
    doc: str = ""
    params_schema: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    reference: str = ""
    category: str = "nvcf"
    fix: FixFn | None = None  # repairs the object so this rule passes (see chartguard/fixes.py)

    @property
    def scope(self) -> Literal["object", "release"]:
        return "release" if isinstance(self, ReleaseRule) else "object"

    def applies_to(self, kind: str, pod_bearing: bool) -> bool:
        """Whether the engine runs this rule on an object of ``kind`` (release rules: never)."""
        return False

    @property
    def summary(self) -> str:
        """First paragraph of the docstring, on one line."""
        first = self.doc.strip().split("\n\n", 1)[0]
        return " ".join(first.split())


@dataclass(frozen=True)
class ObjectRule(Rule):
    """A rule the engine runs on each object it applies to: the ``kinds`` given (all when None),
    and only pod-bearing objects with ``pods``."""

    check: ObjectCheck = field(kw_only=True)
    kinds: frozenset[str] | None = None
    pods: bool = False

    def applies_to(self, kind: str, pod_bearing: bool) -> bool:
        if self.pods and not pod_bearing:
            return False
        return self.kinds is None or kind in self.kinds


@dataclass(frozen=True)
class ReleaseRule(Rule):
    """A rule the engine runs once on the whole release (the chart, counts, relations)."""

    check: ReleaseCheck = field(kw_only=True)


def params_schema(**properties: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema of a rule's params: an object with exactly these optional properties."""
    return {"type": "object", "properties": properties, "additionalProperties": False}


def string_list(description: str) -> dict[str, Any]:
    """JSON Schema of a list of strings (for params schemas)."""
    return {"type": "array", "items": {"type": "string"}, "description": description}


def backend_only_schema(what: str) -> dict[str, Any]:
    """JSON Schema of ``{backend: [items allowed only there]}``."""
    return {
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "description": f"{what} allowed only on the named NVCF backends (e.g. GFN)",
    }


def backend_verdict(item: str, backend_only: dict[str, list[str]], backend: str | None) -> tuple[bool, str]:
    """Whether ``item`` (a kind or volume type) restricted to some backends is allowed here.

    Returns ``(allowed_for_sure, backends)``: with no backend given, an item some backend allows
    is not an error but cannot be confirmed either (the caller reports a warning).
    """
    backends = sorted(name for name, items in backend_only.items() if item in items)
    if not backends:
        return False, ""
    if backend is not None and backend.upper() in {b.upper() for b in backends}:
        return True, ", ".join(backends)
    return False, ", ".join(backends)


#: Kinds a rule may name in ``kinds``: the pod-bearing kinds and the other built-in kinds rules judge.
KNOWN_KINDS = frozenset(POD_TEMPLATE_PATHS) | {"Service", "ConfigMap", "Secret", "ServiceAccount", "Role", "RoleBinding"}
_RULE_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


def validate_registry(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """``rules``, after checking what the engine and the profiles rely on (a broken rule fails at
    import, in every test): unique kebab-case ids, known kinds, a scope the engine runs, documentation,
    and a params schema that declares every default."""
    seen: set[str] = set()
    for rule in rules:
        problems = []
        if rule.id in seen:
            problems.append("duplicate id")
        seen.add(rule.id)
        if not _RULE_ID.match(rule.id):
            problems.append("id is not kebab-case")
        if not isinstance(rule, (ObjectRule, ReleaseRule)):
            problems.append("neither an ObjectRule nor a ReleaseRule")
        unknown = sorted((getattr(rule, "kinds", None) or frozenset()) - KNOWN_KINDS)
        if unknown:
            problems.append(f"unknown kinds {unknown}")
        if not (rule.title and rule.reason and rule.remediation and rule.doc.strip()):
            problems.append("title, reason, remediation and docstring are required")
        declared = rule.params_schema.get("properties", {}) if rule.params_schema else {}
        undeclared = sorted(set(rule.defaults) - set(declared))
        if undeclared:
            problems.append(f"defaults {undeclared} missing from params_schema")
        if problems:
            raise RuntimeError(f"rule {rule.id}: {'; '.join(problems)}")
    return rules
