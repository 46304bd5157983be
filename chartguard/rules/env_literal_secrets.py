"""Credentials should come from Secrets, not literal environment values.

An environment variable whose name looks like a credential (``*PASSWORD*``, ``*TOKEN*``,
``*API_KEY*``, ``*SECRET*``...) but whose value is written into the manifest ends up in the chart,
in NVCF's stored configuration and in ``kubectl get -o yaml`` for anyone who can read the
workload. Use ``valueFrom.secretKeyRef``. The value itself is never printed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..findings import Severity
from ..manifests import Manifest
from ..workloads import env_vars
from .base import Rule, RuleContext, Violation, params_schema, string_list


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    pattern = re.compile("|".join(ctx.params["name_patterns"]), re.IGNORECASE)
    ignored = re.compile("|".join(ctx.params["ignore_patterns"]) or "(?!)", re.IGNORECASE)
    for pod in ctx.pods(manifest):
        for container in pod.containers:
            for where, variable in env_vars(container):
                name, value = variable.get("name"), variable.get("value")
                if isinstance(name, str) and value not in (None, "") and pattern.search(name) and not ignored.search(name):
                    yield Violation(detail=f"{container.label}: env {name} has a literal value", pointer=f"{where}/value")


RULE = Rule(
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
        "name_patterns": [
            "PASSWORD",
            "PASSWD",
            "SECRET",
            "TOKEN",
            "API_?KEY",
            "ACCESS_?KEY",
            "PRIVATE_?KEY",
            "CREDENTIAL",
        ],
        "ignore_patterns": ["_(NAME|PATH|FILE|DIR|REF|ENABLED|URL)$"],
    },
    reference="NVCF docs, Secret Management; Kubernetes good practices for Secrets",
)
