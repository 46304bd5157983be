"""User-supplied values, merged exactly in Helm's order (pkg/cli/values.Options.MergeValues).

1. each ``-f/--values`` file, deep-merged in order (maps merge, everything else is replaced);
2. ``--configuration`` (NVCF's deployment ``configuration`` override), merged like one more file;
3. ``--set-json``, ``--set``, ``--set-string``, ``--set-file``, each applied into the result in that
   order, parsed by Helm's own strvals parser.

Chart defaults are coalesced by the Helm engine at render time (``null`` deletes a default key).

NVCF also sets the chart's ``ngcImagePullSecretName`` (and ``global.ngcImagePullSecretName``) to
the pull secret it creates at deployment; ``with_pull_secret_placeholder`` stands in for that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import RenderError, UsageError
from .inputs import TooLarge, read_stdin, read_text
from .manifests import MAX_NESTING_DEPTH, safe_load
from .render import worker

MAX_VALUES_FILE_BYTES = 10 * 1024 * 1024

#: The values key NVCF fills with the name of its image pull secret (``global.`` + it for subcharts).
NGC_PULL_SECRET_KEY = "ngcImagePullSecretName"
#: The secret name chartguard renders in its place (NVCF's real name is known only at deployment).
NGC_PULL_SECRET_PLACEHOLDER = "nvcf-image-pull-secret"


@dataclass
class ValueOptions:
    """The value flags of ``helm template`` plus NVCF's ``configuration``."""

    value_files: list[str] = field(default_factory=list)
    configuration: str | dict[str, Any] | None = None  # a mapping, JSON text, or @path to a JSON/YAML file
    set_json: list[str] = field(default_factory=list)
    set: list[str] = field(default_factory=list)
    set_string: list[str] = field(default_factory=list)
    set_file: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.value_files or self.configuration or self.set_json or self.set or self.set_string or self.set_file)


def merge_values(options: ValueOptions, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the user values map; ``base`` (library callers' ``values=``) is the first layer."""
    result: dict[str, Any] = dict(base or {})
    for path in options.value_files:
        result = merge_maps(result, _read_values_file(path))
    if isinstance(options.configuration, dict):
        result = merge_maps(result, options.configuration)
    elif options.configuration:
        result = merge_maps(result, read_configuration(options.configuration))
    layers = (
        ("--set-json", options.set_json),
        ("--set", options.set),
        ("--set-string", options.set_string),
        ("--set-file", options.set_file),
    )
    for flag, expressions in layers:
        for expression in expressions:
            result = set_into(result, _parse_set(flag, expression))
    return result


def with_pull_secret_placeholder(
    values: dict[str, Any], chart_defaults: dict[str, Any], name: str = NGC_PULL_SECRET_PLACEHOLDER
) -> dict[str, Any]:
    """``values`` over a layer that sets ``ngcImagePullSecretName`` and ``global.ngcImagePullSecretName``
    to ``name``, each only when the chart's values.yaml (``chart_defaults``) defines it.

    This is what NVCF does at deployment; the user's values still win (also an explicit ``""``
    or ``null``), so ``--set ngcImagePullSecretName=...`` renders exactly that.
    """
    layer: dict[str, Any] = {}
    if NGC_PULL_SECRET_KEY in chart_defaults:
        layer[NGC_PULL_SECRET_KEY] = name
    global_defaults = chart_defaults.get("global")
    if isinstance(global_defaults, dict) and NGC_PULL_SECRET_KEY in global_defaults:
        layer["global"] = {NGC_PULL_SECRET_KEY: name}
    return merge_maps(layer, values) if layer else values


def merge_maps(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Helm's mergeMaps: nested maps merge, any other value in ``override`` replaces."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_maps(out[key], value)
        else:
            out[key] = value
    return out


def set_into(base: Any, parsed: Any) -> Any:
    """Apply a parsed ``--set`` result into ``base`` as strvals.ParseInto does.

    Maps merge; list indexes set only the given elements (``a[1]=x`` keeps ``a[0]``); the
    ``None`` padding a fresh parse puts before an index is not written over existing elements.
    """
    if isinstance(parsed, dict) and isinstance(base, dict):
        out = dict(base)
        for key, value in parsed.items():
            out[key] = set_into(out.get(key), value)
        return out
    if isinstance(parsed, list) and isinstance(base, list):
        out_list = list(base) + [None] * max(0, len(parsed) - len(base))
        for i, value in enumerate(parsed):
            if value is not None or i >= len(base):
                out_list[i] = set_into(out_list[i], value)
        return out_list
    return parsed


def read_configuration(spec: str) -> dict[str, Any]:
    """``--configuration '{"a": 1}'`` or ``--configuration @file.json`` (JSON or YAML)."""
    if spec.startswith("@"):
        text = read_text_file(spec[1:], "--configuration")
        where = spec[1:]
    else:
        text, where = spec, "--configuration"
    try:
        value = json.loads(text)
    except RecursionError:
        raise UsageError(f"{where}: configuration nested deeper than {MAX_NESTING_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        try:
            value = safe_load(text)
        except yaml.YAMLError:
            raise UsageError(f"{where}: invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    if _nesting(value) > MAX_NESTING_DEPTH:
        raise UsageError(f"{where}: configuration nested deeper than {MAX_NESTING_DEPTH} levels")
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UsageError(f"{where}: configuration must be a JSON object, not {type(value).__name__}")
    return value


def _nesting(value: Any) -> int:
    """How deeply maps and lists nest in ``value`` (iteratively: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _read_values_file(path: str) -> dict[str, Any]:
    text = sys_stdin_text() if path == "-" else read_text_file(path, "-f/--values")
    try:
        value = safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}:" if mark else ""
        raise UsageError(f"{path}:{line} invalid values YAML ({getattr(exc, 'problem', None) or exc})") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UsageError(f"{path}: values must be a YAML mapping, not {type(value).__name__}")
    return value


def read_text_file(path: str, flag: str) -> str:
    """The UTF-8 text of a file named by ``flag``, at most MAX_VALUES_FILE_BYTES (whatever its
    size claims: ``/dev/zero`` claims 0); UsageError with a one-line reason otherwise."""
    return read_text(path, MAX_VALUES_FILE_BYTES, f"{flag} file")


def sys_stdin_text() -> str:
    """Values piped on stdin (``-f -``), at most MAX_VALUES_FILE_BYTES."""
    try:
        data = read_stdin(MAX_VALUES_FILE_BYTES, "values")
    except TooLarge:
        raise UsageError(f"<stdin>: values is larger than {MAX_VALUES_FILE_BYTES:,} bytes") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError("<stdin>: values are not UTF-8 text") from None


def _parse_set(flag: str, expression: str) -> dict[str, Any]:
    """One ``--set*`` expression parsed by Helm's own parser (in the engine worker); ``--set-file``
    files are read here, within the values file limit, and set as literal strings."""
    shown = expression if len(expression) <= 80 else f"{expression[:60]}...({len(expression):,} characters)"
    if flag == "--set-file":
        return _set_files(expression, shown)
    try:
        parsed = worker.call("parse_set", flag, expression)
    except worker.EngineFailed as exc:
        if exc.kind == "RecursionError":
            raise UsageError(f"{flag} {shown!r}: value nested deeper than {MAX_NESTING_DEPTH} levels") from None
        raise UsageError(f"{flag} {shown!r}: {exc.detail.strip()}") from None
    except RenderError as exc:  # the parser itself overran the engine's limits
        raise UsageError(f"{flag} {shown!r}: {exc.message}") from None
    if not isinstance(parsed, dict) or _nesting(parsed) > MAX_NESTING_DEPTH:
        raise UsageError(f"{flag} {shown!r}: value nested deeper than {MAX_NESTING_DEPTH} levels")
    return parsed


def _set_files(expression: str, shown: str) -> dict[str, Any]:
    """``--set-file key=path[,key=path...]``: each key set to the file's text, as Helm does."""
    result: dict[str, Any] = {}
    for item in expression.split(","):
        key, sep, path = item.partition("=")
        if not sep or not key or not path:
            raise UsageError(f"--set-file {shown!r}: expected key=path")
        text = read_text_file(path, "--set-file")
        result = set_into(result, _parse_set("--set-literal", f"{key}={text}"))
    return result
