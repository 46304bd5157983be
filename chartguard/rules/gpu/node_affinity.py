"""A GPU pod selects the nodes of its instance type, and never another type's.

Nodes of an NVCF cluster carry the label ``nvca.nvcf.nvidia.io/instance-type`` with the instance
type's value, the name without the ``_<N>x[.x<M>]`` suffix (``ON-PREM.GPU.B200`` for
``ON-PREM.GPU.B200_8x.x2``). NVCA pins every function pod to them with a required node affinity
``In [<value>]``, and its own webhook rejects pods that have neither a nodeSelector on that label
nor such an ``In`` with exactly one value in every required node-affinity term, but it does not
check that the value is the instance type's. This rule does, for pods (Pods or workload templates)
that get GPUs and whose instance type is known:

* a contradiction is always flagged: a nodeSelector on the label with another value, or a required
  node-affinity expression on it that names another value (``In``) or excludes this one (``NotIn``,
  ``DoesNotExist``), even in one term of several (terms are alternatives). The pod then cannot be
  scheduled on its instance type's nodes, or may land on another type's;
* with param ``require`` (profile ``nvcf-webhook``), so is a pod that does not pin the value: no
  nodeSelector ``<label>: <value>`` and not every required term with ``In [<value>]``. Charts linted
  with ``--instance-type`` normally have none (NVCA adds it at deployment), so the ``nvcf`` lint
  profile reports contradictions only; at admission the affinity is there unless the object did
  not come through NVCA.

Preferred (soft) affinity is not checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ...findings import Severity
from ...manifests import Manifest, pointer
from ...workloads import Pod, as_mapping
from ..base import ObjectRule, RuleContext, Violation
from .facts import (
    COMMON_DEFAULTS,
    INSTANCE_TYPE_NODE_LABEL,
    REQUIRED_TERMS_POINTER,
    InstanceType,
    gpu_params_schema,
    gpus_of,
    pinned_value,
    required_node_terms,
    resolution_of,
    term_expressions,
)

LABEL = INSTANCE_TYPE_NODE_LABEL


def _contradictions(pod: Pod, instance: InstanceType) -> Iterator[tuple[str, str]]:
    """``(what, pointer)`` for each selector of the pod on the label that rules out the instance type's value."""
    value = instance.value
    selector = as_mapping(pod.spec.get("nodeSelector")).get(LABEL)
    if selector is not None and str(selector) != value:
        yield f"nodeSelector {LABEL}={selector} ≠ {value}", pod.spec_pointer + pointer("nodeSelector", LABEL)
    terms = required_node_terms(pod.spec)
    for t, term in enumerate(terms):
        for e, operator, values in term_expressions(term, LABEL):
            named = f"required node affinity{f' term {t + 1}' if len(terms) > 1 else ''} {LABEL} {operator}"
            listed = f"{named} [{', '.join(values)}]"
            where = f"{pod.spec_pointer}{REQUIRED_TERMS_POINTER}/{t}/matchExpressions/{e}"
            others = [v for v in values if v != value]
            if operator == "In" and others:
                yield (f"{listed} ≠ {value}" if len(others) == len(values) else f"{listed}: {', '.join(others)} ≠ {value}"), where
            elif (operator == "NotIn" and value in values) or operator == "DoesNotExist":
                yield f"{listed if values else named} excludes {value}", where


def _unpinned(pod: Pod, instance: InstanceType) -> tuple[str, str]:
    """``(what, pointer)`` saying how a pod that does not pin the instance type's value falls short."""
    want = f"{LABEL} In [{instance.value}]"
    terms = required_node_terms(pod.spec)
    for t, term in enumerate(terms):
        if not any(operator == "In" and values == [instance.value] for _, operator, values in term_expressions(term, LABEL)):
            where = f"{pod.spec_pointer}{REQUIRED_TERMS_POINTER}/{t}"
            return f"required node affinity term {t + 1} of {len(terms)} has no {want}", where
    return f"no nodeSelector {LABEL}={instance.value} or required node affinity {want}", pod.spec_pointer


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    instance = resolution_of(manifest, ctx).instance_type
    if instance is None:
        return
    suffix = f" (instance type {instance.name})"
    for pod in ctx.pods(manifest):
        if gpus_of(pod, ctx) == 0:
            continue
        contradictions = list(_contradictions(pod, instance))
        for what, where in contradictions:
            yield Violation(detail=what + suffix, pointer=where)
        if ctx.params["require"] and not contradictions and pinned_value(pod.spec) != instance.value:
            what, where = _unpinned(pod, instance)
            yield Violation(detail=what + suffix, pointer=where, reason="GPU pod does not select its instance type's nodes")


RULE = ObjectRule(
    id="gpu-node-affinity",
    title="GPU pods select their instance type's nodes",
    reason="node selector contradicts the instance type",
    severity=Severity.ERROR,
    remediation="Drop the chart's own nvca.nvcf.nvidia.io/instance-type selector (NVCA pins pods to the instance "
    "type's nodes) or make it nodeSelector / required node affinity In [<instance type value>], e.g. "
    "ON-PREM.GPU.B200 for ON-PREM.GPU.B200_8x.x2.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    params_schema=gpu_params_schema(
        require={
            "type": "boolean",
            "description": "also flag GPU pods that do not pin the instance type's value (at admission, after NVCA)",
        },
    ),
    defaults={**COMMON_DEFAULTS, "require": False},
    reference="admission-and-gpu.md 4.6 (node pinning), 5.4 (G6)",
    category="gpu",
)
