"""Pod Security Standards checks: one module per check of the Kubernetes reference
(pod-security-admission), each also a chartguard rule ``pss-<check>``.

The registry is explicit; ``chartguard.pss`` evaluates it exactly as PSA does.
"""

from __future__ import annotations

# baseline checks
from . import (
    host_namespaces,
)

# restricted checks (imported here as they are written)
from .base import Check

BASELINE = (
    host_namespaces,
)
RESTRICTED = (
)
MODULES = BASELINE + RESTRICTED

CHECKS: tuple[Check, ...] = tuple(module.CHECK for module in MODULES)
RULES = tuple(module.RULE for module in MODULES)
