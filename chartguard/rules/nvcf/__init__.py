"""NVCF's own restrictions on a helm-based function's release, one module per rule (the rule id
names the module: ``service-type`` → ``service_type.py``), in the order findings are reported."""

from __future__ import annotations

from . import (
    allowed_kinds,
    automount_service_account_token,
    chart_hooks,
    chart_name,
    chart_type,
    chart_version,
    chart_version_semver,
    env_literal_secrets,
    image_tag,
    object_count,
    object_kind,
    object_name,
    object_size,
    reserved_env_vars,
    resource_limits,
    service_type,
    volume_types,
)

RULES = (
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
    # NVCF security "should" rules (the Pod Security Standards ones are the pss-* rules)
    resource_limits.RULE,
    automount_service_account_token.RULE,
    # best practices
    image_tag.RULE,
    env_literal_secrets.RULE,
)
