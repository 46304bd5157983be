"""What chartguard never prints: Secret data and credential-looking environment values.

``redact_object`` gives an object as every output but the patched stream shows it: the values of a
Secret's ``data`` and ``stringData``, the ``value`` of each ``env`` entry whose name looks like a
credential (``credential_like``: ``*PASSWORD*``, ``*TOKEN*``, ``*API_KEY*``... the defaults of rule
``env-literal-secrets``) and the same inside kubectl's ``last-applied-configuration`` annotation
become ``PLACEHOLDER``. ``secret_values`` collects those values (and the decoded base64 of
``data``), and ``scrub`` takes them out of free text: the engine scrubs every finding, so no report
format, stderr line or webhook message can quote one. See docs/security.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from .workloads import CONTAINER_LISTS, as_mapping, templates_of

__all__ = [
    "CREDENTIAL_IGNORED",
    "CREDENTIAL_PATTERNS",
    "LAST_APPLIED",
    "PLACEHOLDER",
    "credential_like",
    "env_value",
    "redact_object",
    "scrub",
    "secret_values",
]

PLACEHOLDER = "<redacted>"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
#: Regular expressions for env names that hold a credential (case-insensitive)...
CREDENTIAL_PATTERNS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_?KEY", "ACCESS_?KEY", "PRIVATE_?KEY", "CREDENTIAL")
#: ...unless they only point at one.
CREDENTIAL_IGNORED = ("_(NAME|PATH|FILE|DIR|REF|ENABLED|URL)$",)
#: Shorter values are not scrubbed from free text (they would cut ordinary words and numbers).
MIN_SCRUBBED_CHARS = 6
_SECRET_FIELDS = ("data", "stringData")
#: The keys whose values may be secret: a Secret's data, env lists, kubectl's copy of the object.
_SPECIAL_KEYS = frozenset({*_SECRET_FIELDS, "env", LAST_APPLIED})


@lru_cache(maxsize=4096)
def credential_like(
    name: str, patterns: tuple[str, ...] = CREDENTIAL_PATTERNS, ignored: tuple[str, ...] = CREDENTIAL_IGNORED
) -> bool:
    """Whether ``name`` matches one of ``patterns`` and none of ``ignored`` (case-insensitive)."""
    return bool(_any_of(patterns).search(name)) and not _any_of(ignored).search(name)


@lru_cache(maxsize=64)
def _any_of(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One case-insensitive regular expression matching any of ``patterns`` (none: never matches)."""
    return re.compile("|".join(patterns) or "(?!)", re.IGNORECASE)


def env_value(name: Any, value: Any) -> Any:
    """An env entry's ``value`` as it may be shown: ``PLACEHOLDER`` when ``name`` looks like a credential."""
    return PLACEHOLDER if _credential(name, value) else value


def _credential(name: Any, value: Any) -> bool:
    return isinstance(name, str) and value not in (None, "") and credential_like(name)


def redact_object(value: Any, hidden: list[Any] | None = None) -> Any:
    """``value`` (an object, or anything in one) with the secrets shown as ``PLACEHOLDER``; what is
    replaced is appended to ``hidden``. Copy-on-write: ``value`` itself when nothing is secret."""
    if isinstance(value, dict):
        return _redact_mapping(value, hidden)
    if isinstance(value, list):
        copy: list[Any] | None = None
        for i, item in enumerate(value):
            if isinstance(item, (dict, list)) and (new := redact_object(item, hidden)) is not item:
                copy = copy or list(value)
                copy[i] = new
        return value if copy is None else copy
    return value


def _redact_mapping(value: dict[Any, Any], hidden: list[Any] | None) -> dict[Any, Any]:
    changed: dict[Any, Any] = {}
    for key, item in value.items():
        if key in _SPECIAL_KEYS:
            if key == "env":
                new = _hide_env(item, hidden) if isinstance(item, list) else item
            elif key == LAST_APPLIED:
                new = _hide_last_applied(item, hidden) if isinstance(item, str) else item
            else:  # data, stringData
                new = _hide_all(item, hidden) if value.get("kind") == "Secret" else redact_object(item, hidden)
        elif isinstance(item, (dict, list)):
            new = redact_object(item, hidden)
        else:
            continue
        if new is not item:
            changed[key] = new
    return {key: changed.get(key, item) for key, item in value.items()} if changed else value


def _hide(value: Any, hidden: list[Any] | None) -> Any:
    if value in (None, ""):
        return value
    if hidden is not None:
        hidden.append(value)
    return PLACEHOLDER


def _hide_all(field: Any, hidden: list[Any] | None) -> Any:
    """A Secret's ``data``/``stringData``: every value hidden, the keys kept."""
    if isinstance(field, dict):
        shown = {key: _hide(item, hidden) for key, item in field.items()}
        return shown if any(shown[key] is not item for key, item in field.items()) else field
    return _hide(field, hidden)


def _hide_env(env: list[Any], hidden: list[Any] | None) -> list[Any]:
    entries = [
        {**entry, "value": _hide(entry["value"], hidden)}
        if isinstance(entry, dict) and _credential(entry.get("name"), entry.get("value"))
        else entry
        for entry in env
    ]
    return entries if any(new is not old for new, old in zip(entries, env, strict=True)) else env


def _hide_last_applied(text: str, hidden: list[Any] | None) -> str:
    """kubectl's copy of the object (JSON), redacted the same way; all of it when it is not JSON."""
    if '"Secret"' not in text and '"env"' not in text and "\\u" not in text:
        return text  # no Secret, no env (nor an escape hiding one): nothing to redact, no parsing
    try:
        applied = json.loads(text)
    except ValueError:
        return str(_hide(text, hidden))
    redacted = redact_object(applied, hidden)
    if redacted is applied:
        return text
    return json.dumps(redacted, ensure_ascii=False, separators=(",", ":")) + ("\n" if text.endswith("\n") else "")


def secret_values(objects: Iterable[Any]) -> frozenset[str]:
    """The texts ``scrub`` takes out: what ``redact_object`` hides where Kubernetes keeps it (a
    Secret's ``data``, decoded too, and ``stringData``; the ``env`` of pod templates' containers;
    kubectl's annotation), each at least ``MIN_SCRUBBED_CHARS`` long. Only those places are read:
    the engine calls this on every lint, the webhook's included."""
    hidden: list[Any] = []
    for obj in objects:
        if not isinstance(obj, dict):
            continue
        if obj.get("kind") == "Secret":
            for key in _SECRET_FIELDS:
                _hide_all(obj.get(key), hidden)
        applied = as_mapping(as_mapping(obj.get("metadata")).get("annotations")).get(LAST_APPLIED)
        if isinstance(applied, str):
            _hide_last_applied(applied, hidden)
        for _, template in templates_of(obj):
            spec = as_mapping(as_mapping(template).get("spec"))
            for list_name in CONTAINER_LISTS:
                containers = spec.get(list_name)
                for container in containers if isinstance(containers, list) else ():
                    env = container.get("env") if isinstance(container, dict) else None
                    if isinstance(env, list):
                        _hide_env(env, hidden)
    texts: set[str] = set()
    for value in hidden:
        for text in value.values() if isinstance(value, dict) else [value]:
            texts.add(str(text))
            texts.add(_decoded(text))
    return frozenset(text for text in texts if len(text) >= MIN_SCRUBBED_CHARS)


def _decoded(text: Any) -> str:
    """``text`` decoded from base64 as UTF-8 (a Secret's ``data``), or ``""``."""
    if not isinstance(text, str):
        return ""
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return ""


def scrub(text: str, values: frozenset[str]) -> str:
    """``text`` with each of ``values`` (``secret_values``) replaced by ``PLACEHOLDER``, longest first."""
    if not text or not values:
        return text
    for value in sorted((v for v in values if v in text), key=len, reverse=True):
        text = text.replace(value, PLACEHOLDER)
    return text
