"""Literal node and GPU counts in a GPU pod's environment match the instance type.

NVIDIA's multi-node Helm samples tell each rank the shape of the instance through env variables set
from values: ``NODES_PER_INSTANCE`` (and, in the task variant, ``NUM_NODES``) from
``nodesPerInstance``, ``NUM_GPUS`` from ``gpusPerNode``. Nothing derives them from the instance
type, so the deployer must keep them equal to its ``.x<M>`` (nodes) and ``_<N>x`` (GPUs per node):
``ON-PREM.GPU.B200_8x.x2`` needs ``NODES_PER_INSTANCE: "2"`` and ``NUM_GPUS: "8"``. In the containers
of pods that get GPUs, with a known instance type, a literal ``value`` of these variables that is
another number, or not a whole number at all (empty included: an unset ``gpusPerNode`` renders
``NUM_GPUS`` empty), is flagged. ``valueFrom`` is not checked. The message quotes the value (at
most 40 characters; never that of a variable whose name looks like a credential, see
docs/security.md). Params ``node_count_vars`` and ``gpus_per_node_vars`` name the variables.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest
from ...redact import env_value
from ...workloads import env_pointer, env_vars
from ..base import ObjectRule, RuleContext, Violation, string_list
from .facts import COMMON_DEFAULTS, gpu_params_schema, gpus_of, literal_count, plural, quoted, resolution_of


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    instance = resolution_of(manifest, ctx).instance_type
    if instance is None:
        return
    expected = {name: (instance.nodes, plural(instance.nodes, "node")) for name in ctx.params["node_count_vars"]}
    per_node = f"{plural(instance.gpus_per_node, 'GPU')} per node"
    expected.update((name, (instance.gpus_per_node, per_node)) for name in ctx.params["gpus_per_node_vars"])
    for pod in ctx.pods(manifest):
        if gpus_of(pod, ctx) == 0:
            continue
        for container in pod.containers:
            for index, variable in env_vars(container):
                name = variable.get("name")
                if not isinstance(name, str) or name not in expected or "valueFrom" in variable:
                    continue
                want, has = expected[name]
                value = variable.get("value")
                count = literal_count(value)
                if count == want:
                    continue
                text = _shown(name, value)
                said = f"{name}={text}" if count is not None else f'{name}="{text}" is not a whole number'
                yield Violation(
                    detail=f"{container.label}: {said}; {instance.name} has {has}",
                    pointer=env_pointer(container, index) + ("/value" if "value" in variable else ""),
                )


def _shown(name: str, value: object) -> str:
    """The env value as the message quotes it: redacted for a credential-like name, cut when long."""
    return quoted("" if value is None else str(env_value(name, value)))


RULE = ObjectRule(
    id="gpu-env-consistency",
    title="Env node and GPU counts match the instance type",
    reason="env count differs from the instance type",
    severity=Severity.WARNING,
    remediation="Set the counts from the instance type: NODES_PER_INSTANCE / NUM_NODES to its .x<M> (NVIDIA's "
    "sample: nodesPerInstance), NUM_GPUS to its GPUs per node (gpusPerNode).",
    check=check,
    doc=__doc__ or "",
    pods=True,
    params_schema=gpu_params_schema(
        node_count_vars=string_list("env variables that must equal the instance type's node count"),
        gpus_per_node_vars=string_list("env variables that must equal the instance type's GPUs per node"),
    ),
    defaults={
        **COMMON_DEFAULTS,
        "node_count_vars": ["NODES_PER_INSTANCE", "NUM_NODES"],
        "gpus_per_node_vars": ["NUM_GPUS"],
    },
    reference="NVIDIA/nv-cloud-function-helpers multi-node Helm samples; admission-and-gpu.md 4.7, 5.4 (G8)",
    category="gpu",
)
