"""RFC 6902 JSON Patch operations applied copy-on-write: the input document is never modified.

``patched(obj, ops)`` copies only the maps and lists along the paths the operations change (each at
most once) and shares every other part with ``obj``: applying a fix to an 8 KB Deployment copies a
handful of small containers instead of the whole object. The result must therefore be treated as
read-only (or deep-copied first); ``chartguard.fix.apply_patch`` is the fully independent variant.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

__all__ = ["MISSING", "CowDocument", "PatchError", "child", "is_index", "patched", "tokens", "value_at"]

#: What ``value_at`` returns for a path that does not exist.
MISSING: Any = object()


class PatchError(ValueError):
    """A JSON Patch operation that does not apply (a bug in a fix: fixes must always apply)."""


def tokens(path: str) -> list[str]:
    """The reference tokens of a JSON pointer (``~1`` → ``/``, ``~0`` → ``~``)."""
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"invalid JSON pointer {path!r}")
    return [token.replace("~1", "/").replace("~0", "~") for token in path[1:].split("/")]


def patched(obj: Any, ops: Sequence[dict[str, Any]]) -> Any:
    """``obj`` with ``ops`` applied, sharing unchanged parts with ``obj`` (which is not modified)."""
    document = CowDocument(obj)
    for op in ops:
        document.apply(op)
    return document.root


def value_at(doc: Any, path: str) -> Any:
    """The value at JSON pointer ``path`` in ``doc``, or ``MISSING`` (also for an invalid pointer)."""
    try:
        parts = tokens(path)
    except PatchError:
        return MISSING
    for token in parts:
        doc = child(doc, token)
        if doc is MISSING:
            break
    return doc


def child(target: Any, token: str) -> Any:
    """Member ``token`` of a mapping, or entry ``token`` of a list; ``MISSING`` when there is none."""
    if isinstance(target, dict):
        return target.get(token, MISSING)
    if isinstance(target, list) and is_index(token) and int(token) < len(target):
        return target[int(token)]
    return MISSING


def is_index(token: str) -> bool:
    """Whether a pointer token is a list index (ASCII digits only: ``int("²")`` fails)."""
    return token.isascii() and token.isdigit()


def _member(target: Any, token: str, path: str) -> Any:
    found = child(target, token)
    if found is MISSING:
        raise PatchError(f"path {path} does not exist")
    return found


class CowDocument:
    """A document being patched: containers are copied the first time an operation changes them."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self._owned: set[int] = set()  # ids of the containers this document copied (safe to change)

    def get(self, path: str) -> Any:
        target = self.root
        for token in tokens(path):
            target = _member(target, token, path)
        return target

    def apply(self, op: dict[str, Any]) -> None:
        kind, path = op.get("op"), op.get("path", "")
        if kind == "add":
            self.add(path, copy.deepcopy(op["value"]))
        elif kind == "remove":
            self.remove(path)
        elif kind == "replace":
            self.get(path)  # must exist
            self._set(path, copy.deepcopy(op["value"]))
        elif kind == "test":
            if self.get(path) != op["value"]:
                raise PatchError(f"test failed at {path}")
        elif kind == "copy":
            self.add(path, copy.deepcopy(self.get(op["from"])))
        elif kind == "move":
            value = self.get(op["from"])
            self.remove(op["from"])
            self.add(path, value)
        else:
            raise PatchError(f"unknown operation {kind!r}")

    def add(self, path: str, value: Any) -> None:
        """RFC 6902 ``add``: set a member, insert into a list (``-`` appends), or replace the root."""
        if path == "":
            self.root = value
            return
        parent, token = self._parent(path)
        if isinstance(parent, dict):
            parent[token] = value
        elif isinstance(parent, list):
            if token == "-":
                parent.append(value)
            elif is_index(token) and int(token) <= len(parent):
                parent.insert(int(token), value)
            else:
                raise PatchError(f"index {token} out of range at {path}")
        else:
            raise PatchError(f"cannot add under a scalar at {path}")

    def remove(self, path: str) -> None:
        if path == "":
            raise PatchError("the root cannot be removed")
        parent, token = self._parent(path)
        if isinstance(parent, dict) and token in parent:
            del parent[token]
        elif isinstance(parent, list) and is_index(token) and int(token) < len(parent):
            del parent[int(token)]
        else:
            raise PatchError(f"path {path} does not exist")

    def _set(self, path: str, value: Any) -> None:
        """Replace an existing member in place (a mapping keeps its key order)."""
        if path == "":
            self.root = value
            return
        parent, token = self._parent(path)
        parent[int(token) if isinstance(parent, list) else token] = value

    def _parent(self, path: str) -> tuple[Any, str]:
        """The (owned) container of ``path``'s last token, copying the containers on the way."""
        parts = tokens(path)
        self.root = target = self._own(self.root)
        for token in parts[:-1]:
            member = _member(target, token, path)
            owned = self._own(member)
            if owned is not member:
                target[int(token) if isinstance(target, list) else token] = owned
            target = owned
        return target, parts[-1]

    def _own(self, node: Any) -> Any:
        if id(node) in self._owned or not isinstance(node, (dict, list)):
            return node
        copied: Any = dict(node) if isinstance(node, dict) else list(node)
        self._owned.add(id(copied))
        return copied
