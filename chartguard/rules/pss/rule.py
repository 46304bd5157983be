"""Turn a Pod Security Standards check into a chartguard rule (``pss-<check>``).

The rule runs the check's implementation for the profile's policy level and version on every pod
and pod template, honouring the profile's exemptions; the engine hands it the active checks
(``RuleContext.pss_checks``, from ``evaluate.checks_for``). A finding carries PSA's forbidden
reason and detail and points at the first offending field.

A check module may give a ``PodFix``: called for each pod the check (exemptions and policy version
applied) still forbids, it adds operations to the object's ``Patch`` or raises ``Unsafe``.

The capabilities rules take param ``allowed_gpu_capabilities``: a pod that requests
``nvidia.com/gpu`` is checked (and fixed) with those capabilities allowed
(``Pod.allowed_capabilities``); every other pod exactly as PSA checks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from ...findings import Severity
from ...manifests import Manifest
from ...workloads import Pod, pods_of
from ..base import Fix, ObjectRule, RuleContext, Violation, params_schema, string_list
from ..gpu.facts import pod_gpus
from ..repair import Patch, Unsafe, repair
from .base import Check, Denial, PodSecuritySettings

DEFAULT_SETTINGS = PodSecuritySettings()


@dataclass(frozen=True)
class FlaggedPod:
    """A pod a check forbids, as a fix sees it."""

    pod: Pod  # as the check saw it: containers an exemption names are left out
    denial: Denial
    pod_wide: bool  # no container is exempt, so a pod-level setting reaches only checked containers


PodFix = Callable[[FlaggedPod, Patch], None]


def declined(why: str) -> PodFix:
    """A fix that never patches: ``why`` (with PSA's detail) is the reason reported."""

    def fix(flagged: FlaggedPod, patch: Patch) -> None:
        raise Unsafe(f"{why} ({flagged.denial.detail})")

    fix.__doc__ = f"Not fixed automatically: {why}."
    return fix


def denials_of(pod: Pod, ctx: RuleContext) -> dict[str, Denial]:
    """check id → denial for every check of the profile's level and version that forbids ``pod``
    (exemptions applied): all checks run once per pod and run, and each ``pss-*`` rule reads its own."""
    settings = ctx.pod_security or DEFAULT_SETTINGS

    def evaluate() -> dict[str, Denial]:
        found: dict[str, Denial] = {}
        for check, versioned in ctx.pss_checks:
            seen = settings.exempt(check.id, pod)
            denial = versioned.check(seen) if seen is not None else None
            if denial is not None:
                found[check.id] = denial
        return found

    return ctx.memo(("pss-denials", id(pod), id(settings)), evaluate)  # type: ignore[no-any-return]


def _with_gpu_capabilities(pod: Pod, ctx: RuleContext) -> Pod:
    """``pod``, allowed the profile's ``allowed_gpu_capabilities`` when it requests nvidia.com/gpu."""
    allowed = ctx.params.get("allowed_gpu_capabilities")
    if not allowed or not pod_gpus(pod):
        return pod
    return replace(pod, allowed_capabilities=frozenset(allowed))


def pss_rule(
    rule_id: str, check: Check, title: str, remediation: str, fix: PodFix | None = None, *, gpu_capabilities: bool = False
) -> ObjectRule:
    """The chartguard rule for ``check``; its docstring is the check module's (plus what ``fix``,
    when given, does: the first paragraph of its docstring). ``gpu_capabilities``: the rule takes
    param ``allowed_gpu_capabilities`` (see the module docstring)."""
    view = _with_gpu_capabilities if gpu_capabilities else None

    def run(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
        for pod in ctx.pods(manifest):
            seen = view(pod, ctx) if view is not None else pod
            if seen is pod:
                denial = denials_of(pod, ctx).get(check.id)
            else:  # not PSA's pod: checked on its own, not from the memo every pss-* rule shares
                denial = _check(seen, check, ctx)
            if denial is not None:
                yield Violation(reason=denial.reason, detail=denial.detail, pointer=denial.pointer)

    def fix_object(obj: dict[str, Any], ctx: RuleContext) -> Fix:
        assert fix is not None
        pod_fix = fix
        settings = ctx.pod_security or DEFAULT_SETTINGS
        versioned = next((v for c, v in ctx.pss_checks if c.id == check.id), None)
        if versioned is None:
            return Fix.patch()
        forbids = versioned.check

        def build(patch: Patch) -> None:
            for pod in pods_of(obj):
                seen = settings.exempt(check.id, view(pod, ctx) if view is not None else pod)
                denial = forbids(seen) if seen is not None else None
                if seen is not None and denial is not None:
                    pod_fix(FlaggedPod(seen, denial, len(seen.containers) == len(pod.containers)), patch)

        return repair(obj, build)

    versions = ", ".join(f"v1.{versioned.minimum}" for versioned in check.versions)
    replaces = sorted({o for versioned in check.versions for o in versioned.overrides})
    facts = f"PSA check `{check.id}`, {check.level} level; implementations from {versions}"
    facts += f"; at restricted it replaces {', '.join(f'`{r}`' for r in replaces)}." if replaces else "."
    if fix is not None and fix.__doc__:
        facts += "\n\n" + " ".join(fix.__doc__.strip().split("\n\n", 1)[0].split())
    return ObjectRule(
        id=rule_id,
        title=title,
        reason=f'violates PodSecurity "{check.level}" ({check.id}); findings show PSA\'s own reason',
        severity=Severity.ERROR,
        remediation=remediation,
        check=run,
        doc=f"{check.doc.rstrip()}\n\n{facts}\n",
        pods=True,
        reference=f"Kubernetes Pod Security Standards ({check.level}), PSA check {check.id}",
        category="pss",
        fix=fix_object if fix is not None else None,
        params_schema=params_schema(
            allowed_gpu_capabilities=string_list("capabilities a pod requesting nvidia.com/gpu may also add")
        )
        if gpu_capabilities
        else {},
        defaults={"allowed_gpu_capabilities": []} if gpu_capabilities else {},
    )


def _check(pod: Pod, check: Check, ctx: RuleContext) -> Denial | None:
    """``check`` (its implementation for the profile's level and version) on ``pod``, exemptions applied."""
    versioned = next((v for c, v in ctx.pss_checks if c.id == check.id), None)
    seen = (ctx.pod_security or DEFAULT_SETTINGS).exempt(check.id, pod) if versioned is not None else None
    return versioned.check(seen) if versioned is not None and seen is not None else None
