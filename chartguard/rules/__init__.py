"""The rule registry: an explicit list, in the order findings are reported, checked when loaded.

Rules are grouped by what they follow, one module per rule named after its id:

- ``nvcf/``      NVCF's restrictions on the release (``service-type`` → ``nvcf/service_type.py``)
- ``function/``  the NVCF function definition and NGC pull secrets
- ``gpu/``       GPU gating against the instance type (``gpu-pod-count`` → ``gpu/pod_count.py``)
- ``reval/``     helm-reval's checks with its exact messages (``reval-volumes`` → ``reval/volumes.py``)
- ``pss/``       Kubernetes Pod Security Standards, one rule per PSA check (``pss-privileged``)

To add a rule: write the module (a docstring, a check, ``RULE = ObjectRule(...)``), add it to its group's
``RULES`` in the group's ``__init__.py``, turn it on in a profile under ``chartguard/policies/``,
and refresh docs/rules.md (``chartguard rules --markdown > docs/rules.md``).
"""

from __future__ import annotations

from .base import Rule, RuleContext, Violation, validate_registry
from .function import RULES as FUNCTION_RULES
from .gpu import RULES as GPU_RULES
from .nvcf import RULES as NVCF_RULES
from .pss import RULES as PSS_RULES
from .reval import RULES as REVAL_RULES

RULES: tuple[Rule, ...] = validate_registry((*NVCF_RULES, *FUNCTION_RULES, *GPU_RULES, *REVAL_RULES, *PSS_RULES))

BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}

__all__ = ["BY_ID", "RULES", "Rule", "RuleContext", "Violation"]
