"""The chart tree reader's parts: Helm's .helmignore rules (Go's filepath.Match, not fnmatch), the
packaged copy the engine loads (no values schemas), and subchart archives expanded by chart name."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest

from chartguard.chart_tree import ChartTree, engine_archive, read_packaged
from chartguard.errors import InputError
from chartguard.helmignore import HelmIgnore


@pytest.mark.parametrize(
    ("rules", "path", "is_dir", "ignored"),
    [
        ("*.tmp", "a.tmp", False, True),
        ("*.tmp", "templates/a.tmp", False, True),  # no slash: the base name is matched
        ("templates/*.tmp", "templates/a.tmp", False, True),
        ("templates/*.tmp", "templates/x/a.tmp", False, False),  # Go's * never crosses /
        ("/ci", "ci", True, True),
        ("ci/", "ci", False, False),  # a trailing / matches directories only
        ("ci/", "ci", True, True),
        ("[a-c].yaml", "b.yaml", False, True),
        ("[^a-c].yaml", "b.yaml", False, False),
        ("a?.yaml", "ab.yaml", False, True),
        ("\\*.yaml", "*.yaml", False, True),
        ("", "templates/.hidden", False, True),  # Helm's default rule: templates/.?*
        ("", "templates/.", False, False),
        ("!keep.txt", "other.txt", False, True),  # Helm's negation: a non-match is ignored
        ("!keep.txt", "keep.txt", False, False),
        ("# a comment\n\n", "x", False, False),
    ],
)
def test_helmignore_matches_as_helm_does(rules, path, is_dir, ignored):
    assert HelmIgnore(rules).ignores(path, is_dir) is ignored


def test_helmignore_refuses_double_star():
    with pytest.raises(InputError, match=r"double-star \(\*\*\)"):
        HelmIgnore("**/x")


def _tgz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as zipped, tarfile.open(fileobj=zipped, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_subchart_archives_are_expanded_under_their_folder_name():
    sub = _tgz({"redis/Chart.yaml": b"name: redis\nversion: 1.0.0\n", "redis/templates/a.yaml": b"a: 1\n"})
    tree, root = read_packaged(_tgz({"c/Chart.yaml": b"name: c\nversion: 1.0.0\n", "c/charts/redis-1.0.0.tgz": sub}), "c.tgz")
    assert root == "c"
    assert sorted(tree.files) == ["Chart.yaml", "charts/redis/Chart.yaml", "charts/redis/templates/a.yaml"]
    assert tree.chart_roots() == ["", "charts/redis"]


def test_the_engine_gets_no_values_schema():
    tree = ChartTree(
        {"Chart.yaml": b"name: c\n", "values.schema.json": b"{}", "charts/s/values.schema.json": b"{}", "a.json": b"{}"}
    )
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(engine_archive(tree, "c")))) as tar:
        assert sorted(tar.getnames()) == ["c/Chart.yaml", "c/a.json"]
