"""Versions and version constraints as Helm reads them (Masterminds/semver v3).

Helm accepts loose versions (``v1``, ``0.1``, ``1.2.3-rc.1+build``) for charts and checks a chart's
``kubeVersion`` constraint (``>=1.23.0-0``, ``~1.20 || ^1.22``) against the Kubernetes version it
renders for. ``parse_version`` and ``satisfies`` implement the same grammar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: Masterminds' loose version pattern (semver.NewVersion).
_LOOSE = re.compile(
    r"^v?(?P<major>[0-9]+)(?:\.(?P<minor>[0-9]+))?(?:\.(?P<patch>[0-9]+))?"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
#: Strict SemVer 2.0.0 (semver.org), no leading ``v``.
STRICT_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
_CONSTRAINT = re.compile(
    r"^\s*(?P<op>!=|>=|=>|<=|=<|~>|>|<|=|~|\^)?\s*v?(?P<ver>[0-9xX*]+(?:\.[0-9xX*]+){0,2}(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\s*$"
)


@dataclass(frozen=True, order=False)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: str = ""

    def key(self) -> tuple[Any, ...]:
        """Sort key: a pre-release sorts before its release; identifiers compare as SemVer says."""
        if not self.prerelease:
            return (self.major, self.minor, self.patch, 1, ())
        parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease.split("."))
        return (self.major, self.minor, self.patch, 0, parts)

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{self.prerelease}" if self.prerelease else core


def parse_version(text: str) -> Version | None:
    """Parse a version the way Helm does; None when Helm would reject it."""
    match = _LOOSE.match(str(text).strip())
    if not match:
        return None
    return Version(int(match["major"]), int(match["minor"] or 0), int(match["patch"] or 0), match["pre"] or "")


def satisfies(version: str, constraint: str) -> bool:
    """True when ``version`` satisfies a Masterminds constraint string.

    Raises ValueError when the constraint cannot be parsed (Helm fails the same way).
    """
    parsed = parse_version(version)
    if parsed is None:
        raise ValueError(f"invalid version {version!r}")
    return any(all(_check(parsed, c) for c in _and_terms(group)) for group in constraint.split("||"))


def _and_terms(group: str) -> list[str]:
    group = group.strip()
    hyphen = re.match(r"^\s*(\S+)\s+-\s+(\S+)\s*$", group)
    if hyphen:
        return [f">={hyphen[1]}", f"<={hyphen[2]}"]
    # Operators may be separated from their version by spaces (">= 1.2"); glue them first.
    glued = re.sub(r"(!=|>=|=>|<=|=<|~>|>|<|=|~|\^)\s+", r"\1", group)
    terms = [t for t in re.split(r"[\s,]+", glued) if t]
    if not terms:
        raise ValueError(f"empty constraint in {group!r}")
    return terms


def _check(version: Version, term: str) -> bool:
    match = _CONSTRAINT.match(term)
    if not match:
        raise ValueError(f"improper constraint: {term}")
    op = match["op"] or "="
    raw = match["ver"].split("+")[0]
    core, _, pre = raw.partition("-")
    fields = core.split(".")
    wild = [f in ("x", "X", "*") for f in fields] + [True] * (3 - len(fields))
    nums = [0 if w else int(f) for f, w in zip(fields + ["0"] * (3 - len(fields)), wild, strict=True)]
    bound = Version(nums[0], nums[1], nums[2], pre)
    # Masterminds: a pre-release version only satisfies constraints that carry a pre-release.
    if version.prerelease and not pre:
        return False
    v, b = version.key(), bound.key()
    explicit = 3 - sum(wild)  # how many leading fields were given
    if op in ("=",) and explicit < 3:
        return _in_range(version, nums, explicit)
    if op == "!=":
        return not _in_range(version, nums, explicit) if explicit < 3 else v != b
    if op in (">=", "=>"):
        return v >= b
    if op in ("<=", "=<"):
        return v <= b if explicit == 3 else _prefix(version, explicit) <= tuple(nums[:explicit])
    if op == ">":
        return v > b if explicit == 3 else _prefix(version, explicit) > tuple(nums[:explicit])
    if op == "<":
        return v < b
    if op in ("~", "~>"):
        upper = (nums[0] + 1, 0, 0) if explicit <= 1 else (nums[0], nums[1] + 1, 0)
        return v >= b and (version.major, version.minor, version.patch) < upper
    if op == "^":
        if nums[0] > 0 or explicit == 1:
            upper = (nums[0] + 1, 0, 0)
        elif nums[1] > 0 or explicit == 2:
            upper = (0, nums[1] + 1, 0)
        else:
            upper = (0, 0, nums[2] + 1)
        return v >= b and (version.major, version.minor, version.patch) < upper
    return v == b


def _prefix(version: Version, n: int) -> tuple[int, ...]:
    return (version.major, version.minor, version.patch)[:n]


def _in_range(version: Version, nums: list[int], explicit: int) -> bool:
    return _prefix(version, explicit) == tuple(nums[:explicit])
