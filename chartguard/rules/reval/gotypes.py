"""The Kubernetes Go API types as JSON shapes: typed decoding and Go's JSON encoding.

helm-reval decodes each object into client-go's Go type for its group/version/kind and, in
``/v1/render``, writes it back with Go's JSON encoder. :func:`normalize` does both steps at once
on JSON-shaped data: it raises :class:`Mismatch` where Go's decoder would fail (``replicas:
three``, a number where a string belongs, an unparsable quantity) and otherwise returns what the
encoder writes: fields in Go declaration order, unknown fields gone, ``omitempty`` applied, zero
structs written out (``creationTimestamp: null``, ``status: {}``, ``resources: {}``), map keys
sorted, quantities canonical.

The per-type knowledge is ``k8s_types.json``, generated from k8s.io/api v0.33.3 (the version
helm-reval pins) by ``tools/gen_k8s_types.py``; it is loaded on first use.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from importlib import resources
from typing import Any

from ... import quantity
from ...gofmt import json_kind

#: integer type code → (minimum, maximum)
_RANGES = {
    "i8": (-(2**7), 2**7 - 1), "i16": (-(2**15), 2**15 - 1), "i32": (-(2**31), 2**31 - 1),
    "i64": (-(2**63), 2**63 - 1), "u8": (0, 2**8 - 1), "u16": (0, 2**16 - 1), "u32": (0, 2**32 - 1),
    "u64": (0, 2**64 - 1),
}  # fmt: skip
_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_ABSENT = object()


class Mismatch(ValueError):
    """The JSON value does not fit the Go type (Go's decoder would return an error)."""


@cache
def table() -> dict[str, Any]:
    """The generated type table: ``kinds``, ``objects`` and ``types``."""
    data = resources.files(__package__).joinpath("k8s_types.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(data)
    loaded["objects"] = frozenset(loaded["objects"])
    return loaded


def type_of(api_version: str, kind: str) -> str | None:
    """The Go type registered for an apiVersion and kind, or None (a custom resource)."""
    group, _, version = api_version.rpartition("/")
    result: str | None = table()["kinds"].get(f"{group}/{version}/{kind}")
    return result


def is_object(type_name: str) -> bool:
    """Whether the type has ObjectMeta (implements ``metav1.Object``)."""
    return type_name in table()["objects"]


def normalize(type_expr: str, value: Any) -> Any:
    """Decode ``value`` into the Go type and return its JSON encoding (see the module doc)."""
    return _convert(type_expr, value)


def zero(type_expr: str) -> Any:
    """The encoding of the Go zero value of a type."""
    return _convert(type_expr, _ABSENT)


def _convert(t: str, value: Any) -> Any:
    absent = value is _ABSENT or value is None
    if t.startswith("*"):
        return None if absent else _convert(t[1:], value)
    if t.startswith("[]"):
        if absent:
            return None
        if not isinstance(value, list):
            raise Mismatch(f"cannot unmarshal {json_kind(value)} into Go value of type []")
        return [_convert(t[2:], item) for item in value]
    if t.startswith("{}"):
        if absent:
            return None
        if not isinstance(value, dict):
            raise Mismatch(f"cannot unmarshal {json_kind(value)} into Go value of type map")
        return {key: _convert(t[2:], value[key]) for key in sorted(value)}
    scalar = _SCALARS.get(t)
    if scalar is not None:
        return scalar(value, absent)
    fields = table()["types"].get(t)
    if fields is None:
        raise KeyError(t)
    if absent:
        value = {}
    elif not isinstance(value, dict):
        raise Mismatch(f"cannot unmarshal {json_kind(value)} into Go value of type {t}")
    out: dict[str, Any] = {}
    for name, field_type, flags in fields:
        item = _convert(field_type, value.get(name, _ABSENT))
        if flags & 1 and _empty(field_type, item):
            continue
        out[name] = item
    return out


def _empty(t: str, item: Any) -> bool:
    """Go's ``omitempty``: false, 0, "", nil and empty slices/maps (never a struct)."""
    if t.startswith("*"):
        return item is None
    if t.startswith(("[]", "{}")) or t == "y":
        return item is None or item == [] or item == {} or item == ""
    if t in ("s", "b", "f") or t in _RANGES:
        return not item
    return False


def _string(value: Any, absent: bool) -> Any:
    if absent:
        return ""
    if not isinstance(value, str):
        raise Mismatch(f"cannot unmarshal {json_kind(value)} into Go value of type string")
    return value


def _bool(value: Any, absent: bool) -> Any:
    if absent:
        return False
    if not isinstance(value, bool):
        raise Mismatch(f"cannot unmarshal {json_kind(value)} into Go value of type bool")
    return value


def _float(value: Any, absent: bool) -> Any:
    if absent:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Mismatch(f"cannot unmarshal {json_kind(value)} into Go value of type float64")
    return value


def _integer(code: str) -> Any:
    low, high = _RANGES[code]

    def convert(value: Any, absent: bool) -> Any:
        if absent:
            return 0
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise Mismatch(f"cannot unmarshal {json_kind(value)} {value!r} into Go value of type {code}")
        return value

    return convert


def _bytes(value: Any, absent: bool) -> Any:
    if absent:
        return None
    if not isinstance(value, str):
        raise Mismatch(f"cannot unmarshal {json_kind(value)} into Go value of type []byte")
    try:
        decoded = base64.b64decode(value.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Mismatch(f"illegal base64 data ({exc})") from None
    return base64.b64encode(decoded).decode("ascii")


def _quantity(value: Any, absent: bool) -> Any:
    if absent:
        return "0"
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Mismatch("quantities must match the regular expression")
    text = value if isinstance(value, str) else json.dumps(value)
    try:
        return quantity.canonical(text)
    except ValueError as exc:
        raise Mismatch(str(exc)) from None


def _int_or_string(value: Any, absent: bool) -> Any:
    if absent:
        return 0
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int) or not _RANGES["i32"][0] <= value <= _RANGES["i32"][1]:
        raise Mismatch(f"cannot unmarshal {json_kind(value)} into Go value of type int32")
    return value


def _time(value: Any, absent: bool) -> Any:
    if absent:
        return None
    if not isinstance(value, str):
        raise Mismatch(f"cannot unmarshal {json_kind(value)} into Go value of type string")
    parsed = parse_rfc3339(value)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _micro_time(value: Any, absent: bool) -> Any:
    if absent:
        return None
    if not isinstance(value, str):
        raise Mismatch(f"cannot unmarshal {json_kind(value)} into Go value of type string")
    parsed = parse_rfc3339(value)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(text: str) -> datetime:
    """``time.Parse(time.RFC3339, text)``; Mismatch when Go refuses it."""
    match = _RFC3339.match(text)
    if not match:
        raise Mismatch(f"parsing time {text!r} as RFC3339")
    zone = match.group(8)
    try:
        tz = UTC if zone == "Z" else _offset(zone)
        fraction = (match.group(7) or ".0")[1:7].ljust(6, "0")
        year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
        return datetime(year, month, day, hour, minute, second, int(fraction), tzinfo=tz)
    except ValueError as exc:
        raise Mismatch(f"parsing time {text!r}: {exc}") from None


def _offset(zone: str) -> timezone:

    sign = -1 if zone[0] == "-" else 1
    hours, minutes = int(zone[1:3]), int(zone[4:6])
    if hours > 23 or minutes > 59:
        raise ValueError("time zone offset out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _duration(value: Any, absent: bool) -> Any:
    if absent:
        return "0s"
    if not isinstance(value, str):
        raise Mismatch(f"cannot unmarshal {json_kind(value)} into Go value of type string")
    return value


def _raw(value: Any, absent: bool) -> Any:
    return None if absent else value


_SCALARS: dict[str, Any] = {
    "s": _string,
    "b": _bool,
    "f": _float,
    "y": _bytes,
    "q": _quantity,
    "n": _int_or_string,
    "t": _time,
    "m": _micro_time,
    "d": _duration,
    "r": _raw,
    **{code: _integer(code) for code in _RANGES},
}
