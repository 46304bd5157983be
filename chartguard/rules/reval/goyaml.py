"""Read YAML as Kubernetes' Go code does (``sigs.k8s.io/yaml``: go-yaml v2, then YAML → JSON).

The differences from PyYAML's safe loader that change verdicts: YAML 1.1 booleans include
``y``/``n`` (and ``yes``/``on``...), timestamps stay strings, there are no base-60 numbers, ints
follow Go's ``ParseInt(s, 0, 64)`` (``0x1F``, ``0o17``, ``017``, underscores dropped), and after the
JSON round trip whole floats are integers (``1.0`` → ``1``), keys are strings (``1`` → ``"1"``,
``true`` → ``"true"``) and NaN/Inf are errors. ``load`` returns JSON-shaped Python values.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from ...manifests import MAX_EXPANDED_NODES, check_depth, expanded_size

try:
    _Base: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pure-Python PyYAML build
    _Base = yaml.SafeLoader

_PLAIN_TAG = "tag:chartguard,2025:go-plain"
_BOOLS = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"), False),
}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_SPECIAL_FLOATS = {
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
}
_YAML_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_GO_INT = re.compile(r"^[-+]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)$")
_INT64 = (-(2**63), 2**63 - 1)


class GoYAMLError(ValueError):
    """YAML that Go's reader refuses (syntax, NaN/Inf, unsupported keys)."""


def _go_parse_int(text: str) -> int | None:
    """``strconv.ParseInt(text, 0, 64)``, then ``ParseUint``: None when neither accepts it."""
    if not _GO_INT.match(text):
        return None
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    lower = body.lower()
    if lower.startswith("0x"):
        value = int(body[2:], 16)
    elif lower.startswith("0b"):
        value = int(body[2:], 2)
    elif lower.startswith("0o"):
        value = int(body[2:], 8)
    elif body.startswith("0") and len(body) > 1:
        value = int(body[1:], 8)
    else:
        value = int(body)
    value *= sign
    if _INT64[0] <= value <= _INT64[1] or 0 <= value < 2**64:
        return value
    return None


def resolve_plain(text: str) -> Any:
    """go-yaml v2's resolution of an untagged plain scalar."""
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    first = text[0]
    if first == ".":
        try:
            return float(text) if re.fullmatch(r"\.[0-9]+([eE][-+]?[0-9]+)?", text) else text
        except ValueError:
            return text
    if first in "+-0123456789":
        plain = text.replace("_", "")
        number = _go_parse_int(plain)
        if number is not None:
            return number
        if _YAML_FLOAT.match(plain):
            return float(plain)
    return text


class _GoLoader(_Base):  # type: ignore[misc]
    """Safe loader whose plain scalars resolve as go-yaml v2 resolves them."""


_GoLoader.yaml_implicit_resolvers = {}
_GoLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])
_GoLoader.add_implicit_resolver(_PLAIN_TAG, re.compile(r"(?s).*"), None)
_GoLoader.add_constructor(_PLAIN_TAG, lambda loader, node: resolve_plain(loader.construct_scalar(node)))
_GoLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def load(text: str) -> Any:
    """Parse the first YAML document of ``text`` and convert it as ``yaml.YAMLToJSON`` would."""
    try:
        check_depth(text)
        documents = yaml.load_all(text, Loader=_GoLoader)  # noqa: S506 - a safe loader
        value = next(iter(documents), None)
    except yaml.YAMLError as exc:
        raise GoYAMLError(str(exc).replace("\n", " ")) from None
    except RecursionError:
        raise GoYAMLError("YAML nested too deeply") from None
    if "&" in text and expanded_size(value, {}, 0) > MAX_EXPANDED_NODES:
        raise GoYAMLError("document contains excessive aliasing")
    return to_json(value)


def to_json(value: Any) -> Any:
    """YAML values → the values a JSON round trip gives (string keys, whole floats as ints)."""
    if isinstance(value, dict):
        return {_key(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_json(item) for item in value]
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise GoYAMLError(f"json: unsupported value: {format_float(value)}")
        if value.is_integer() and abs(value) < 1e21:
            return int(value)
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        return format_float(key)
    raise GoYAMLError(f"unsupported map key of type: {type(key).__name__}, key: {key!r}")


def format_float(value: float) -> str:
    """Go's ``strconv.FormatFloat(f, 'g', -1, 64)``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        digits = exponent.lstrip("+-").lstrip("0") or "0"
        text = f"{mantissa.removesuffix('.0')}e{sign}{digits.zfill(2)}"
    return text.removesuffix(".0")
