"""An ``imagePullSecrets`` entry must name a secret: an empty or null name is an error.

The usual cause is ``- name: {{ .Values.ngcImagePullSecretName }}`` rendered with the value unset.
NVCF fills ``ngcImagePullSecretName`` at deployment, and chartguard renders it as
``nvcf-image-pull-secret`` when values.yaml defines the key, so this reports entries that stay empty
anyway: a key values.yaml does not define, a value set to ``""``, or a hard-coded empty name.
Kubernetes rejects such a pod spec.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...findings import Severity
from ...manifests import Manifest
from ..base import ObjectRule, RuleContext, Violation


def check(manifest: Manifest, ctx: RuleContext) -> Iterable[Violation]:
    for pod in ctx.pods(manifest):
        secrets = pod.spec.get("imagePullSecrets")
        for i, entry in enumerate(secrets if isinstance(secrets, list) else []):
            name = entry.get("name") if isinstance(entry, dict) else None
            if isinstance(name, str) and name.strip():
                continue
            if not isinstance(entry, dict):
                state = "is null" if entry is None else f"is not a mapping ({entry!r})"
            elif name is None:
                state = "has a null name" if "name" in entry else "has no name"
            else:
                state = f"has an empty name ({name!r})" if isinstance(name, str) else f"has a non-string name ({name!r})"
            yield Violation(detail=f"imagePullSecrets[{i}] {state}", pointer=f"{pod.spec_pointer}/imagePullSecrets/{i}")


RULE = ObjectRule(
    id="image-pull-secret-empty",
    title="imagePullSecrets entries name a secret",
    reason="imagePullSecrets entry has no name",
    severity=Severity.ERROR,
    remediation='Define the value the name comes from in values.yaml (`ngcImagePullSecretName: ""`, which NVCF '
    "fills), or render the entry only when it is set: `{{- with .Values.pullSecret }}`.",
    check=check,
    doc=__doc__ or "",
    pods=True,
    reference="NVCF docs, Helm-Based Function Creation > Secret Management; Kubernetes LocalObjectReference",
)
