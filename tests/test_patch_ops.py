"""Copy-on-write JSON Patch (chartguard.json_patch) against the independent ``jsonpatch`` package."""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chartguard.json_patch import PatchError, patched

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text("ab/~", max_size=3))
DOCS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text("ab/~", max_size=2), children, max_size=3)
    ),
    max_leaves=12,
)


def paths(doc: Any, prefix: str = "") -> list[str]:
    """Every JSON pointer inside ``doc`` (the root is "")."""
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += paths(value, f"{prefix}/{key.replace('~', '~0').replace('/', '~1')}")
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += paths(value, f"{prefix}/{index}")
    return found


@st.composite
def documents_and_ops(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    doc = draw(st.dictionaries(st.text("ab/~", max_size=2), DOCS, min_size=1, max_size=3))
    ops: list[dict[str, Any]] = []
    current = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, 5))):
        existing = [p for p in paths(current) if p]
        if not existing:
            break
        path = draw(st.sampled_from(existing))
        kind = draw(st.sampled_from(["add", "remove", "replace", "test", "copy", "move", "add-child"]))
        if kind == "add-child":
            containers = [p for p in paths(current) if isinstance(jsonpatch.JsonPointer(p).resolve(current), (dict, list))]
            parent = draw(st.sampled_from(containers))
            target = jsonpatch.JsonPointer(parent).resolve(current)
            token = "-" if isinstance(target, list) else draw(st.text("ab", max_size=2))
            op: dict[str, Any] = {"op": "add", "path": f"{parent}/{token}", "value": draw(DOCS)}
        elif kind in ("add", "replace"):
            op = {"op": kind, "path": path, "value": draw(DOCS)}
        elif kind == "test":
            op = {"op": "test", "path": path, "value": jsonpatch.JsonPointer(path).resolve(current)}
        elif kind in ("copy", "move"):
            source = draw(st.sampled_from(existing))
            if kind == "move" and (path + "/").startswith(source + "/"):
                continue  # moving a value into itself is invalid
            op = {"op": kind, "from": source, "path": path}
        else:
            op = {"op": "remove", "path": path}
        try:
            current = jsonpatch.apply_patch(current, [op])
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException):
            continue
        ops.append(op)
    return doc, ops


@settings(max_examples=300, deadline=None)
@given(documents_and_ops())
def test_patched_equals_jsonpatch_and_never_modifies_the_input(case: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    doc, ops = case
    original = copy.deepcopy(doc)
    result = patched(doc, ops)
    assert result == jsonpatch.apply_patch(original, ops)
    assert doc == original


def test_unchanged_parts_are_shared_and_changed_paths_copied() -> None:
    doc = {"metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": [{"name": "a"}, {"name": "b"}]}}}}
    result = patched(doc, [{"op": "add", "path": "/spec/template/spec/containers/1/securityContext", "value": {"x": 1}}])
    assert result["metadata"] is doc["metadata"]  # untouched: shared
    assert result["spec"]["template"]["spec"]["containers"][0] is doc["spec"]["template"]["spec"]["containers"][0]
    assert result["spec"]["template"]["spec"]["containers"][1] == {"name": "b", "securityContext": {"x": 1}}
    assert doc["spec"]["template"]["spec"]["containers"][1] == {"name": "b"}


@pytest.mark.parametrize(
    "op",
    [
        {"op": "add", "path": "/a/b/c", "value": 1},
        {"op": "remove", "path": "/missing"},
        {"op": "replace", "path": "/list/5", "value": 1},
        {"op": "add", "path": "/list/9", "value": 1},
        {"op": "test", "path": "/list/0", "value": 2},
        {"op": "add", "path": "/scalar/x", "value": 1},
        {"op": "frobnicate", "path": "/a"},
        {"op": "add", "path": "no-slash", "value": 1},
        {"op": "remove", "path": "/list/²"},  # a Unicode digit is not a list index
        {"op": "add", "path": "/list/١", "value": 1},
    ],
)
def test_ops_that_do_not_apply_raise_and_leave_the_input_alone(op: dict[str, Any]) -> None:
    doc = {"list": [1], "scalar": 3}
    with pytest.raises(PatchError):
        patched(doc, [op])
    assert doc == {"list": [1], "scalar": 3}
