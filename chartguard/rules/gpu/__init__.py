"""GPU gating: the GPU resources pods ask for against the function's NVCF instance type
(``--instance-type``), one module per rule ``gpu-<name>`` → ``<name>.py``; ``facts.py`` holds the
instance types and the GPU arithmetic the rules share."""

from __future__ import annotations

from . import (
    count_label,
    env_consistency,
    instance_type,
    node_affinity,
    node_total,
    pod_count,
    pod_fits_node,
    product_selector,
    request_limit,
    resource_names,
    whole_node,
)

RULES = (
    resource_names.RULE,
    request_limit.RULE,
    instance_type.RULE,
    count_label.RULE,
    pod_fits_node.RULE,
    whole_node.RULE,
    pod_count.RULE,
    node_total.RULE,
    node_affinity.RULE,
    product_selector.RULE,
    env_consistency.RULE,
)
