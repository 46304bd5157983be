"""The rule registry: an explicit list, in the order findings are reported.

To add a rule: write ``rules/<rule_id>.py`` with a docstring and ``RULE = Rule(...)``, add it here,
turn it on in a profile under ``policies/``, and run ``chartguard docs`` to refresh docs/rules.md.
"""

from __future__ import annotations

from . import (
    allowed_kinds,
    automount_service_account_token,
    chart_hooks,
    chart_name,
    chart_type,
    chart_version,
    chart_version_semver,
    config_read_only,
    env_literal_secrets,
    function_service,
    gpu_count_label,
    gpu_env_consistency,
    gpu_instance_type,
    gpu_node_affinity,
    gpu_node_total,
    gpu_pod_count,
    gpu_pod_fits_node,
    gpu_product_selector,
    gpu_request_limit,
    gpu_resource_names,
    gpu_whole_node,
    helm_chart_url,
    image_pull_secret_empty,
    image_pull_secret_reference,
    image_registry,
    image_tag,
    inference_port_reserved,
    ngc_pull_secret_key,
    object_count,
    object_kind,
    object_name,
    object_size,
    reserved_env_vars,
    resource_limits,
    service_type,
    volume_types,
)
from .base import Rule, RuleContext, Violation
from .pss import RULES as PSS_RULES
from .reval import RULES as REVAL_RULES

RULES: tuple[Rule, ...] = (
    # the release and the chart
    object_count.RULE,
    object_size.RULE,
    object_kind.RULE,
    object_name.RULE,
    chart_name.RULE,
    chart_version.RULE,
    chart_version_semver.RULE,
    chart_type.RULE,
    chart_hooks.RULE,
    # NVCF restrictions (enforced)
    allowed_kinds.RULE,
    service_type.RULE,
    volume_types.RULE,
    reserved_env_vars.RULE,
    # NVCF security "should" rules (the Pod Security Standards ones are the pss-* rules below)
    resource_limits.RULE,
    automount_service_account_token.RULE,
    # best practices
    image_tag.RULE,
    env_literal_secrets.RULE,
    # NVCF function definition (--function/--deployment, --service-name, --inference-port) and pull secrets
    function_service.RULE,
    inference_port_reserved.RULE,
    helm_chart_url.RULE,
    image_registry.RULE,
    ngc_pull_secret_key.RULE,
    image_pull_secret_reference.RULE,
    image_pull_secret_empty.RULE,
    config_read_only.RULE,
    # GPU gating: GPU resources and the function's instance type (chartguard/gpu.py; --instance-type)
    gpu_resource_names.RULE,
    gpu_request_limit.RULE,
    gpu_instance_type.RULE,
    gpu_count_label.RULE,
    gpu_pod_fits_node.RULE,
    gpu_whole_node.RULE,
    gpu_pod_count.RULE,
    gpu_node_total.RULE,
    gpu_node_affinity.RULE,
    gpu_product_selector.RULE,
    gpu_env_consistency.RULE,
    # helm-reval's checks with its exact messages (rules/reval/; profiles reval-default, reval-unrestricted)
    *REVAL_RULES,
    # Kubernetes Pod Security Standards, one rule per PSA check (rules/pss/)
    *PSS_RULES,
)

BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}

__all__ = ["BY_ID", "RULES", "Rule", "RuleContext", "Violation"]
