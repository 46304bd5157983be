"""Credentials should come from Secrets, not literal environment values.

An environment variable whose name looks like a credential (``*PASSWORD*``, ``*TOKEN*``,
``*API_KEY*``, ``*SECRET*``...) but whose value is written into the manifest ends up in the chart,
in NVCF's stored configuration and in ``kubectl get -o yaml`` for anyone who can read the
workload. Use ``valueFrom.secretKeyRef``. The value itself is never printed.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest
from ...redact import CREDENTIAL_IGNORED, CREDENTIAL_PATTERNS, credential_like
from ...workloads import env_pointer, env_vars
from ..base import ObjectRule, RuleContext, Violation, params_schema, string_list


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    patterns, ignored = tuple(ctx.params["name_patterns"]), tuple(ctx.params["ignore_patterns"])
    for pod in ctx.pods(manifest):
        for container in pod.containers:
            for index, variable in env_vars(container):
                name, value = variable.get("name"), variable.get("value")
                if isinstance(name, str) and value not in (None, "") and credential_like(name, patterns, ignored):
                    yield Violation(
                        detail=f"{container.label}: env {name} has a literal value",
                        pointer=f"{env_pointer(container, index)}/value",
                    )


RULE = ObjectRule(
    id="env-literal-secrets",
    title="Credentials come from Secrets",
    reason="credential in a literal environment value",
    severity=Severity.WARNING,
    remediation="Store the value in a Secret and use env[].valueFrom.secretKeyRef.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    params_schema=params_schema(
        name_patterns=string_list("regular expressions for credential-like names"),
        ignore_patterns=string_list("regular expressions for names that only point at a credential"),
    ),
    defaults={
        "name_patterns": list(CREDENTIAL_PATTERNS),
        "ignore_patterns": list(CREDENTIAL_IGNORED),
    },
    reference="NVCF docs, Secret Management; Kubernetes good practices for Secrets",
)
