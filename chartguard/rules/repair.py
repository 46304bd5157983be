"""How a rule's fix builds its repair: a JSON Patch builder that creates missing parents.

A fix builds its operations with a ``Patch`` (``set`` a field, ``append`` to a list) and hands it
to ``repair``; when a repair would not be safe, the fix raises ``Unsafe`` with the reason and
``repair`` turns it into ``Fix.not_safe``. Operations are RFC 6902 ``add`` only, against the
object root; each is computed on the result of the previous ones, so a parent map is created once
and a list entry is never appended twice.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ..json_patch import MISSING, CowDocument, child, is_index, value_at
from ..json_patch import tokens as _tokens
from ..manifests import pointer
from .base import Fix

__all__ = ["Patch", "Unsafe", "repair"]


class Unsafe(Exception):
    """A repair that could break the chart; ``reason`` says why (reported as the finding's
    ``unfixable_reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def repair(obj: dict[str, Any], build: Callable[[Patch], None]) -> Fix:
    """Run ``build`` on a ``Patch`` of ``obj``: its operations, or ``Fix.not_safe`` when it raises
    ``Unsafe``."""
    patch = Patch(obj)
    try:
        build(patch)
    except Unsafe as unsafe:
        return Fix.not_safe(unsafe.reason)
    return Fix.patch(*patch.ops)


def _same(a: Any, b: Any) -> bool:
    """JSON equality (``True`` is not ``1``)."""
    return type(a) is type(b) and a == b


def _kind(value: Any) -> str:
    return {str: "a string", list: "a list", dict: "a mapping", bool: "a boolean"}.get(type(value), f"{value!r}")


class Patch:
    """RFC 6902 ``add`` operations against ``obj``, built on a private copy so that each operation
    sees the previous ones (``obj`` itself is never modified)."""

    def __init__(self, obj: dict[str, Any]) -> None:
        self._document = CowDocument(obj)
        self.ops: list[dict[str, Any]] = []

    def get(self, path: str, default: Any = None) -> Any:
        """The current value at ``path``, or ``default`` when it does not exist."""
        value = value_at(self._document.root, path)
        return default if value is MISSING else value

    def set(self, path: str, value: Any) -> None:
        """Make the value at ``path`` equal ``value``; missing or null parent maps are created (in the
        same operation), a parent that is neither a map nor null is ``Unsafe`` (it is not ours to
        replace). Nothing is added when the value is already there."""
        tokens = _tokens(path)
        node = self._document.root
        for depth, token in enumerate(tokens[:-1]):
            member = child(node, token)
            if member is MISSING or member is None:
                if not isinstance(node, dict):
                    raise Unsafe(f"{pointer(*tokens[: depth + 1])} does not exist")
                for name in reversed(tokens[depth + 1 :]):
                    value = {name: value}
                self._add(tokens[: depth + 1], value)
                return
            if not (isinstance(member, dict) or (isinstance(member, list) and is_index(tokens[depth + 1]))):
                raise Unsafe(f"{pointer(*tokens[: depth + 1])} is {_kind(member)}, not a mapping: fix it by hand")
            node = member
        if not _same(child(node, tokens[-1]), value):
            if isinstance(node, list):
                raise Unsafe(f"{path} is a list entry: fix it by hand")
            self._add(tokens, value)

    def append(self, path: str, value: Any) -> None:
        """Make the list at ``path`` contain ``value``: appended when absent, ``[value]`` when the list is
        missing or null; a value that is not a list is ``Unsafe``."""
        current = self.get(path)
        if current is None:
            self.set(path, [value])
        elif not isinstance(current, list):
            raise Unsafe(f"{path} is {_kind(current)}, not a list: fix it by hand")
        elif not any(_same(entry, value) for entry in current):
            self._add([*_tokens(path), "-"], value)

    def _add(self, tokens: list[str], value: Any) -> None:
        path = pointer(*tokens)
        self.ops.append({"op": "add", "path": path, "value": value})
        self._document.add(path, copy.deepcopy(value))
