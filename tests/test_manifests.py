"""Document splitting and parsing as Helm does it, source lines, and the alias-bomb guard."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chartguard.errors import InputError
from chartguard.manifests import parse_stream, parse_template_output, pointer, split_documents


def docs(text):
    return [d for _, d in split_documents(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a: 1\n---\nb: 2\n", ["a: 1", "b: 2"]),
        ("---\na: 1\n", ["a: 1"]),
        ("a: 1\n---# comment\nb: 2", ["a: 1", "# comment\nb: 2"]),
        # Helm's separator swallows the newline before a second '---', which stays in the next
        # document (YAML reads it as a document start marker)
        ("a: 1\n---   \n\n---\nb: 2", ["a: 1", "---\nb: 2"]),
        ("a: 1\n  \n---\n", ["a: 1"]),
        ("a: |\n  x\n  ---\n  y\n", ["a: |\n  x\n  ---\n  y"]),  # indented: not a separator
        ("   \n\n", []),
        ("a: 1\n--- \nb: 2\n----\nc: 3", ["a: 1", "b: 2", "-\nc: 3"]),  # Helm's regex splits '----' too
    ],
)
def test_split_like_helm(text, expected):
    assert docs(text) == expected


def test_offsets_point_at_trimmed_documents():
    text = "a: 1\n---\n\n  \nb: 2\n"
    offsets = [offset for offset, _ in split_documents(text)]
    assert [text[o : o + 4] for o in offsets] == ["a: 1", "b: 2"]


def test_stream_keeps_source_comment_and_lines():
    stream = "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n"
    manifests = parse_stream(stream)
    assert [(m.template, m.stream_line, m.kind) for m in manifests] == [
        ("c/templates/a.yaml", 2, "ConfigMap"),
        ("c/templates/b.yaml", 8, "Secret"),
    ]
    assert manifests[1].line_of("/metadata/name") == 5


def test_comment_only_and_null_documents_are_skipped():
    assert parse_stream("# nothing here\n---\n~\n---\n") == []


def test_non_mapping_document_is_an_error():
    with pytest.raises(InputError, match="document is a list, not a Kubernetes object"):
        parse_stream("- a\n- b\n")


def test_malformed_yaml_names_template_and_line():
    with pytest.raises(InputError, match=r"c/templates/x.yaml \(rendered\): line 4: invalid YAML"):
        parse_template_output("c/templates/x.yaml", "a: 1\n---\nkind: [\nfoo: bar: baz\n")


def test_alias_bomb_is_rejected_quickly():
    bomb = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 10):
        bomb.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    with pytest.raises(InputError, match="alias bomb"):
        parse_stream("\n".join(bomb))


def test_small_aliases_are_fine():
    manifests = parse_stream("base: &b {x: 1}\nkind: ConfigMap\napiVersion: v1\nmetadata: {name: a}\ncopy: *b\n")
    assert manifests[0].obj["copy"] == {"x": 1}


def test_line_of_falls_back_to_nearest_ancestor():
    [manifest] = parse_stream(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: x\n"
    )
    assert manifest.line_of("/spec/containers/0/image") == 8
    assert manifest.line_of("/spec/containers/0/securityContext/runAsNonRoot") == 7
    assert manifest.line_of("/nope") == 1


def test_pointer_escapes():
    assert pointer("metadata", "annotations", "helm.sh/hook") == "/metadata/annotations/helm.sh~1hook"
    assert pointer("a~b", 0) == "/a~0b/0"


# Helm's separator, as Go compiles it: ``\s`` is [\t\n\f\r ] (pkg/releaseutil/manifest.go).
_HELM_SEPARATOR = __import__("re").compile(r"(?:^|[\t\n\f\r ]*\n)---[\t\n\f\r ]*")


def _helm_split(text):
    """The reference: Helm's regular expression, documents trimmed, empty ones dropped."""
    pieces, start = [], 0
    for match in _HELM_SEPARATOR.finditer(text):
        pieces.append(text[start : match.start()])
        start = match.end()
    pieces.append(text[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


@given(st.text(alphabet=["-", "-", "-", "\n", " ", "\t", "\r", "\f", "\v", "a", "#"], max_size=40))
@settings(max_examples=3000, deadline=None)
def test_splitter_finds_exactly_helms_separators(text):
    assert docs(text) == _helm_split(text)


@pytest.mark.parametrize("text", [" " * 2_000_000 + "x", "\n" * 1_000_000 + "a: 1", " \n" * 500_000 + "---", "-" * 1_000_000])
def test_splitting_is_linear_on_long_runs(text):
    """A backtracking regex takes minutes on these (quadratic); one pass takes milliseconds."""
    import time

    started = time.perf_counter()
    docs(text)
    assert time.perf_counter() - started < 2.0
