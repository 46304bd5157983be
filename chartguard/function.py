"""The NVCF function definition a chart is deployed as: the facts rules check the chart against.

NVCF creates a helm-based function from a payload naming the chart URL (``helmChart``), the Service
that fronts the "mini-service" (``helmChartServiceName``) and its port (``inferencePort``), and
deploys it with ``deploymentSpecifications`` (gpu, backend, instanceType, instances, configuration).

``load_function`` reads those payloads (JSON, or YAML), validates them against
``schemas/function.schema.json`` and ``schemas/deployment.schema.json`` and raises a one-line
``ConfigError`` naming the field at fault; command-line facts (``--service-name``,
``--inference-port``) override the payload's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

import yaml

from .errors import ConfigError, InputError, UsageError
from .findings import Location, ObjectRef
from .manifests import safe_load
from .values import read_text_file


@dataclass(frozen=True)
class DeploymentSpec:
    """One entry of ``deploymentSpecifications``."""

    gpu: str | None = None
    backend: str | None = None
    instance_type: str | None = None
    min_instances: int | None = None
    max_instances: int | None = None
    configuration: dict[str, Any] | None = field(default=None, hash=False)

    @classmethod
    def from_payload(cls, spec: dict[str, Any]) -> DeploymentSpec:
        """From one (validated) ``deploymentSpecifications`` entry."""
        return cls(
            gpu=spec.get("gpu"),
            backend=spec.get("backend"),
            instance_type=spec.get("instanceType"),
            min_instances=spec.get("minInstances"),
            max_instances=spec.get("maxInstances"),
            configuration=spec.get("configuration"),
        )


@dataclass(frozen=True)
class FunctionSpec:
    """What the function definition says about the chart (all optional: rules check what is given).

    ``locations`` say where each payload field was read (``function.json`` and its line), so
    findings about the definition point there; facts from flags or code have no location.
    """

    service_name: str | None = None
    inference_port: int | None = None
    helm_chart: str | None = None
    name: str | None = None
    deployment: DeploymentSpec | None = None
    payload: dict[str, Any] = field(default_factory=dict, hash=False)  # the function-creation payload as given
    locations: dict[str, Location] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        port = self.inference_port
        if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535):
            raise UsageError(f"inference port {port!r}: expected an integer from 1 to 65535")
        if self.service_name is not None and (not isinstance(self.service_name, str) or not self.service_name.strip()):
            raise UsageError(f"service name {self.service_name!r}: expected a non-empty string")

    @property
    def ref(self) -> ObjectRef | None:
        """The object findings about the definition itself are reported on: the named function, or
        None (the chart) when the facts came from flags."""
        return ObjectRef(kind="Function", name=self.name) if self.name else None

    def location(self, payload_field: str) -> Location:
        """Where ``payload_field`` (``inferencePort``) was given; empty when not from a file."""
        return self.locations.get(payload_field, Location())


def with_instance_type(function: FunctionSpec | None, instance_type: str | None) -> FunctionSpec | None:
    """``function`` with its deployment's ``instanceType`` set to ``instance_type`` (``--instance-type``;
    a bare ``FunctionSpec`` when there is no function); unchanged when ``instance_type`` is None.

    Any string is accepted: one not in the ``<CSP>.GPU.<GPU>_<N>x[.x<M>]`` format is an *unknown*
    instance type for the GPU rules (``chartguard.rules.gpu.facts``), not an error.
    """
    if instance_type is None:
        return function
    if not isinstance(instance_type, str) or not instance_type.strip():
        raise UsageError(f"instance type {instance_type!r}: expected a non-empty string")
    function = function if function is not None else FunctionSpec()
    deployment = replace(function.deployment or DeploymentSpec(), instance_type=instance_type)
    return replace(function, deployment=deployment)


def load_function(
    function_path: str | None = None,
    deployment_path: str | None = None,
    *,
    deployment_index: int | None = None,
    service_name: str | None = None,
    inference_port: int | None = None,
) -> FunctionSpec:
    """Build a ``FunctionSpec`` from a function-creation payload, a deployment payload and flags.

    ``deployment_index`` picks one of several ``deploymentSpecifications`` (0-based; default the
    first). ``service_name``/``inference_port`` override ``helmChartServiceName``/``inferencePort``.
    Raises ``UsageError`` for unreadable files or bad arguments, ``ConfigError`` for invalid payloads.
    """
    payload: dict[str, Any] = {}
    locations: dict[str, Location] = {}
    if function_path is not None:
        payload, text = _read_payload(function_path, "--function", unwrap="function")
        _validate(payload, "function", function_path)
        locations = {key: Location(path=function_path, line=_key_line(text, key)) for key in payload}
    deployment = None
    if deployment_path is not None:
        deployment = _deployment(deployment_path, deployment_index)
    elif deployment_index is not None:
        raise UsageError("--deployment-index needs --deployment")
    for key, value in (("helmChartServiceName", service_name), ("inferencePort", inference_port)):
        if value is not None:
            locations.pop(key, None)
    return FunctionSpec(
        service_name=service_name if service_name is not None else payload.get("helmChartServiceName"),
        inference_port=inference_port if inference_port is not None else payload.get("inferencePort"),
        helm_chart=payload.get("helmChart"),
        name=payload.get("name"),
        deployment=deployment,
        payload=payload,
        locations=locations,
    )


def _deployment(path: str, index: int | None) -> DeploymentSpec:
    document, _ = _read_payload(path, "--deployment", unwrap="deployment")
    _validate(document, "deployment", path)
    specs = document["deploymentSpecifications"]
    for i, spec in enumerate(specs):
        if spec["minInstances"] > spec["maxInstances"]:
            raise ConfigError(
                f"{path}: deploymentSpecifications/{i}: minInstances {spec['minInstances']} is greater than "
                f"maxInstances {spec['maxInstances']}"
            )
    chosen = 0 if index is None else index
    if not 0 <= chosen < len(specs):
        raise UsageError(f"--deployment-index {chosen}: {path} has {len(specs)} deploymentSpecifications (0 to {len(specs) - 1})")
    return DeploymentSpec.from_payload(specs[chosen])


def _read_payload(path: str, flag: str, unwrap: str) -> tuple[dict[str, Any], str]:
    """Parse a payload file (JSON, or YAML); an API response ``{"function": {...}}`` is unwrapped."""

    text = read_text_file(path, flag)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        try:
            document = safe_load(text)
        except (yaml.YAMLError, InputError):  # not YAML either: report the JSON error (the documented format)
            raise ConfigError(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise ConfigError(f"{path}: JSON nested too deeply") from None
    if not isinstance(document, dict):
        got = "an empty file" if document is None else f"a JSON {type(document).__name__}"
        raise ConfigError(f"{path}: expected a JSON object (the NVCF {unwrap} payload), got {got}")
    if list(document) == [unwrap] and isinstance(document[unwrap], dict):
        document = document[unwrap]
    return document, text


def _validate(document: dict[str, Any], kind: str, source: str) -> None:
    """Raise ConfigError naming the first field that breaks ``schemas/<kind>.schema.json``."""
    import jsonschema  # deferred: jsonschema (~50 ms) loads only when a payload is validated

    error = jsonschema.exceptions.best_match(_validator(kind).iter_errors(document))
    if error is None:
        return
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        path.append(next(name for name in error.validator_value if name not in error.instance))
        message = "is required"
    elif error.validator == "dependentRequired":
        needed, by = next(
            (need, name)
            for name, needs in error.validator_value.items()
            if name in error.instance
            for need in needs
            if need not in error.instance
        )
        path.append(needed)
        message = f"is required with {by}"
    else:
        custom = error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
        message = custom or error.message
    if len(message) > 200:
        message = message[:197] + "..."
    raise ConfigError(f"{source}: {'/'.join(path) or '(top level)'}: {message}")


@cache
def _validator(kind: str) -> Any:

    import jsonschema  # deferred: jsonschema (~50 ms) loads only when a payload is validated

    schema = json.loads(resources.files("chartguard.schemas").joinpath(f"{kind}.schema.json").read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _key_line(text: str, key: str) -> int:
    """Line of the first ``"key":`` (or YAML ``key:``) in a payload's text; 0 when not found."""
    name = re.escape(key)
    match = re.search(rf"""(?m)(?:"{name}"|'{name}'|^\s*{name})\s*:""", text)
    return text.count("\n", 0, match.start()) + 1 if match else 0
