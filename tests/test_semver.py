"""Helm's version grammar (Masterminds semver v3): loose versions and kubeVersion constraints."""

from __future__ import annotations

import pytest

from chartguard.semver import STRICT_SEMVER, parse_version, satisfies


@pytest.mark.parametrize("text, expected", [
    ("1.2.3", "1.2.3"), ("v1", "1.0.0"), ("0.1", "0.1.0"), ("1.2.3-rc.1+b5", "1.2.3-rc.1"), ("v1.20.0", "1.20.0"),
])  # fmt: skip
def test_loose_versions(text, expected):
    assert str(parse_version(text)) == expected


@pytest.mark.parametrize("text", ["abc", "1.2.3.4", "", "1..2", "v-1"])
def test_invalid_versions(text):
    assert parse_version(text) is None


@pytest.mark.parametrize(
    "text, strict", [("1.0.0", True), ("0.1", False), ("v1.0.0", False), ("1.0.0-rc.1", True), ("01.0.0", False)]
)
def test_strict_semver(text, strict):
    assert bool(STRICT_SEMVER.match(text)) is strict


@pytest.mark.parametrize(
    "version, constraint, expected",
    [
        ("v1.20.0", ">=1.23.0-0", False),
        ("v1.30.0", ">=1.23.0-0", True),
        ("v1.20.0", ">= 1.10.0-0", True),
        ("v1.20.0", ">=1.16.0-0 <1.22.0-0", True),
        ("v1.22.0", ">=1.16.0-0, <1.22.0-0", False),
        ("v1.20.0", "~1.20", True),
        ("v1.21.0", "~1.20", False),
        ("v1.25.3", "^1.20", True),
        ("v2.0.0", "^1.20", False),
        ("v1.20.0", "1.19 - 1.21", True),
        ("v1.20.0", "1.20.x", True),
        ("v1.20.0", "<1.20 || >=1.25", False),
        ("v1.26.0", "<1.20 || >=1.25", True),
        ("v1.20.0", "!=1.20.0", False),
        ("v1.20.0-gke.1", ">=1.19.0", False),  # pre-releases need a pre-release in the constraint
        ("v1.20.0-gke.1", ">=1.19.0-0", True),
        ("v1.20.0", "*", True),
    ],
)
def test_constraints(version, constraint, expected):
    assert satisfies(version, constraint) is expected


def test_bad_constraint():
    with pytest.raises(ValueError, match="improper constraint"):
        satisfies("1.20.0", ">>1.0")
