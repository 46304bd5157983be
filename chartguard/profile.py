"""Profiles: which rules run, at what severity, with which params (data in ``chartguard/policies/*.yaml``).

A profile may ``extends`` another (rules and backends merge; a rule's params merge key by key, each
param's value replacing the inherited one whole),
carry ``backends:`` overrides that apply when ``--backend`` names that backend, set a rule's
``strict`` severity (used with ``--strict``), and give render defaults (release name, namespace,
Kubernetes version). Profiles from a file are validated against ``chartguard/policies/profile.schema.json``
and each rule's params against the rule's own schema; the built-in profiles are validated by the
test suite, so loading them costs no schema validation at run time.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from . import policies
from .errors import ConfigError, UsageError
from .findings import Severity
from .inputs import read_text
from .manifests import safe_load
from .rules import BY_ID, Rule
from .rules.pss import evaluate as pss
from .rules.pss.base import Exemption, PodSecuritySettings

DEFAULT_PROFILE = "nvcf"


#: The largest profile file chartguard reads.
MAX_PROFILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class RuleConfig:
    """One enabled rule as a profile configures it."""

    rule: Rule
    severity: Severity
    params: dict[str, Any]


#: The largest profile file chartguard reads.
MAX_PROFILE_BYTES = 1024 * 1024


@dataclass
class Profile:
    """A resolved profile: inheritance, backend override and strictness applied."""

    name: str
    title: str
    follows: str
    description: str
    rules: list[RuleConfig]
    render: dict[str, Any] = field(default_factory=dict)
    pod_security: PodSecuritySettings | None = None
    backend: str | None = None
    strict: bool = False
    extends: str | None = None


def builtin_names() -> list[str]:
    """Names of the profiles shipped in ``chartguard/policies/``."""
    return sorted(p.name[: -len(".yaml")] for p in _policies().iterdir() if p.name.endswith(".yaml"))


def load_profile(spec: str = DEFAULT_PROFILE, backend: str | None = None, strict: bool = False) -> Profile:
    """Resolve a built-in profile name or a path to a profile YAML file."""
    raw, source = _load_raw(spec, validate=_is_path(spec))
    chain, layer_source, current = [raw], source, spec
    seen = {_identity(spec)}
    while chain[-1].get("extends"):
        parent_name = current = _relative_to(chain[-1]["extends"], current)
        if _identity(parent_name) in seen:
            raise ConfigError(f"{layer_source}: 'extends' loops through {parent_name!r}")
        seen.add(_identity(parent_name))
        try:
            parent, layer_source = _load_raw(parent_name, validate=_is_path(parent_name))
        except ConfigError as exc:
            raise ConfigError(f"{layer_source}: extends: {exc.message}", hint=exc.hint) from None
        chain.append(parent)
    merged: dict[str, Any] = {}
    for layer in reversed(chain):
        merged = _merge_profile(merged, layer)
    strict = strict or bool(merged.get("strict"))
    if backend:
        for name, override in (merged.get("backends") or {}).items():
            if name.upper() == backend.upper():
                merged = _merge_profile(merged, override)
    return Profile(
        name=raw.get("name", spec),
        title=merged.get("title", ""),
        follows=merged.get("follows", ""),
        description=merged.get("description", ""),
        rules=_rule_configs(merged.get("rules") or {}, strict, source, validate=_is_path(spec)),
        render=merged.get("render") or {},
        pod_security=_pod_security(merged.get("pss"), source),
        backend=backend.upper() if backend else None,
        strict=strict,
        extends=raw.get("extends"),
    )


def _pod_security(section: dict[str, Any] | None, source: str) -> PodSecuritySettings | None:
    """The profile's ``pss:`` section (level, version, exempt, keep_replaced_baseline) as settings; None when absent."""
    if not section:
        return None
    known = {check.id: check.id for check in pss.CHECKS} | {rule.id: check.id for rule, check in pss.RULE_CHECKS}
    exemptions = []
    for entry in section.get("exempt") or ():
        if entry.get("check") not in known:
            raise ConfigError(f"{source}: pss.exempt: unknown check {entry.get('check')!r} (a PSA check id such as hostPorts)")
        exemptions.append(
            Exemption(known[entry["check"]], tuple(entry.get("images") or ()), tuple(entry.get("containers") or ()))
        )
    settings = PodSecuritySettings(
        section.get("level", "restricted"),
        str(section.get("version", "latest")),
        tuple(exemptions),
        bool(section.get("keep_replaced_baseline", False)),
    )
    try:
        pss.resolve_version(settings.version)
        pss.active_checks(settings.level, 0)
    except ValueError as exc:
        raise ConfigError(f"{source}: pss: {exc}") from None
    return settings


def with_pod_security(profile: Profile, level: str | None = None, version: str | None = None) -> Profile:
    """``profile`` with its Pod Security Standards level and/or version replaced
    (``--pss-level``/``--pss-version``); UsageError for an invalid version."""
    current = profile.pod_security or PodSecuritySettings()
    settings = replace(current, level=level or current.level, version=version or current.version)
    try:
        pss.resolve_version(settings.version)
    except ValueError as exc:
        raise UsageError(f"--pss-version: {exc}") from None
    return replace(profile, pod_security=settings)


def profile_document(spec: str) -> dict[str, Any]:
    """The profile as written (for ``chartguard profiles NAME``)."""
    return _load_raw(spec, validate=_is_path(spec))[0]


def schema() -> dict[str, Any]:
    """The JSON Schema every profile file must satisfy."""
    document: dict[str, Any] = json.loads((_policies() / "profile.schema.json").read_text(encoding="utf-8"))
    return document


def validate_profile_document(document: Any, source: str) -> None:
    """Raise ConfigError with the first schema violation, naming the field."""
    import jsonschema  # only for profiles from files (and the test suite)

    validator = jsonschema.Draft202012Validator(schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))  # descends into oneOf
    if error is not None:
        path = [str(p) for p in error.absolute_path]
        where = "/".join(path) or "(top level)"
        hint = ""
        if error.validator == "oneOf" and "rules" in path[:3]:
            hint = "a rule entry is error|warning|info|off|on, true|false, or a mapping of enabled, severity, strict, params"
        raise ConfigError(f"{source}: invalid profile at {where}: {error.message}", hint=hint)


def validate_params(rule: Rule, params: dict[str, Any], source: str) -> None:
    """Raise ConfigError when ``params`` do not satisfy the rule's params schema."""
    import jsonschema  # deferred: jsonschema (~50 ms) loads only for profile files and params

    if not rule.params_schema:
        if params:
            raise ConfigError(f"{source}: rule {rule.id} takes no params")
        return
    errors = list(jsonschema.Draft202012Validator(rule.params_schema).iter_errors(params))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path)
        raise ConfigError(f"{source}: rule {rule.id} params{('/' + where) if where else ''}: {errors[0].message}")


def _rule_configs(entries: dict[str, Any], strict: bool, source: str, validate: bool) -> list[RuleConfig]:
    unknown = sorted(set(entries) - set(BY_ID))
    if unknown:
        raise ConfigError(f"{source}: unknown rule id {unknown[0]!r} (see `chartguard rules`)")
    configs = []
    for rule_id, rule in BY_ID.items():  # registry order
        entry = _normalise_rule_entry(entries.get(rule_id))
        if entry is None or entry.get("enabled") is False:
            continue
        params = {**rule.defaults, **(entry.get("params") or {})}
        if validate:
            validate_params(rule, entry.get("params") or {}, source)
        severity = entry.get("strict") if strict and entry.get("strict") else entry.get("severity")
        configs.append(RuleConfig(rule, Severity.parse(severity) if severity else rule.severity, params))
    return configs


def _normalise_rule_entry(entry: Any) -> dict[str, Any] | None:
    """``off`` / ``error`` shorthand → mapping form; None when the profile does not mention it."""
    if entry is None:
        return None
    if entry is False or entry == "off":
        return {"enabled": False}
    if entry is True or entry == "on":
        return {}
    if isinstance(entry, str):
        return {"severity": entry}
    return dict(entry)


def _merge_profile(base: dict[str, Any], layer: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in layer.items():
        if key in ("rules", "backends"):
            merged = dict(out.get(key) or {})
            for item, config in (value or {}).items():
                if key == "rules":
                    old, new = _normalise_rule_entry(merged.get(item)) or {}, _normalise_rule_entry(config) or {}
                    if "enabled" not in new:  # mentioning a rule turns it back on
                        old.pop("enabled", None)
                    merged[item] = {**old, **new, "params": {**old.get("params", {}), **new.get("params", {})}}
                else:
                    merged[item] = _merge_profile(merged.get(item) or {}, config or {})
            out[key] = merged
        elif key in ("render", "pss"):
            out[key] = {**(out.get(key) or {}), **(value or {})}
        else:
            out[key] = value
    return out


def _load_raw(spec: str, validate: bool) -> tuple[dict[str, Any], str]:
    if not _is_path(spec):
        return _load_builtin(spec)
    return _parse_profile(spec, validate)


@cache
def _load_builtin(name: str) -> tuple[dict[str, Any], str]:
    """Built-in profiles are parsed once per process (callers never mutate the documents)."""
    return _parse_profile(name, validate=False)


def _parse_profile(spec: str, validate: bool) -> tuple[dict[str, Any], str]:
    if _is_path(spec):
        try:
            text = read_text(spec, MAX_PROFILE_BYTES, "profile")
        except UsageError as exc:
            raise ConfigError(exc.message) from None
        source = spec
    else:
        resource = _policies() / f"{spec}.yaml"
        if not resource.is_file():
            raise ConfigError(f"unknown profile {spec!r} (built-in: {', '.join(builtin_names())})")
        text, source = resource.read_text(encoding="utf-8"), f"profile {spec}"
    try:
        document = safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: invalid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{source}: a profile must be a YAML mapping")
    if validate:
        validate_profile_document(document, source)
        _validate_rule_entries(document, source)
    return document, source


def _validate_rule_entries(document: dict[str, Any], source: str) -> None:
    """Check a profile file's own rule ids and params (also under ``backends``), so that an error
    names the file that has it, not a profile extending it."""
    sections = [document.get("rules") or {}]
    sections += [(override or {}).get("rules") or {} for override in (document.get("backends") or {}).values()]
    for rules in sections:
        for rule_id, entry in rules.items():
            if rule_id not in BY_ID:
                raise ConfigError(f"{source}: unknown rule id {rule_id!r} (see `chartguard rules`)")
            params = (_normalise_rule_entry(entry) or {}).get("params")
            if params:
                validate_params(BY_ID[rule_id], params, source)


def _relative_to(spec: str, referrer: str) -> str:
    """A relative ``extends`` path is relative to the folder of the profile file that names it."""
    if _is_path(spec) and not os.path.isabs(spec) and _is_path(referrer):
        return os.path.join(os.path.dirname(referrer), spec)
    return spec


def _identity(spec: str) -> str:
    """What ``extends`` loops are detected on: the real path of a file, or the built-in name."""
    return os.path.realpath(spec) if _is_path(spec) else spec


def _is_path(spec: str) -> bool:
    return spec.endswith((".yaml", ".yml")) or "/" in spec or "\\" in spec


def _policies() -> Path:
    """The packaged policies folder (shipped inside the wheel as chartguard.policies)."""

    return Path(policies.__file__).parent
