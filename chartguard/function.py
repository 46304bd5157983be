"""The NVCF function definition a chart is deployed as: the facts rules check the chart against.

NVCF creates a helm-based function from a payload naming the chart URL (``helmChart``), the Service
that fronts the "mini-service" (``helmChartServiceName``) and its port (``inferencePort``), and
deploys it with ``deploymentSpecifications`` (gpu, backend, instanceType, instances, configuration).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DeploymentSpec:
    """One entry of ``deploymentSpecifications``."""

    gpu: str | None = None
    backend: str | None = None
    instance_type: str | None = None
    min_instances: int | None = None
    max_instances: int | None = None
    configuration: dict[str, Any] | None = None


@dataclass(frozen=True)
class FunctionSpec:
    """What the function definition says about the chart (all optional: rules check what is given)."""

    service_name: str | None = None
    inference_port: int | None = None
    helm_chart: str | None = None
    name: str | None = None
    deployment: DeploymentSpec | None = None
    payload: dict[str, Any] = field(default_factory=dict)  # the function-creation payload as given
