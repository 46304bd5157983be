"""Conformance with the Kubernetes Pod Security Admission reference fixtures (../shared/psa-fixtures).

Each ``<level>/v1.N/pass/*.yaml`` must be allowed and each ``fail/*.yaml`` denied, at exactly that
level and version, with a message containing the reference's expected substring for the check the
file is named after (and never "unknown forbidden reason"). Skipped when the folder is absent.
"""

from __future__ import annotations

import re

import pytest
import yaml
from helpers.paths import SHARED

from chartguard import pss

FIXTURES = SHARED / "psa-fixtures"
DIRECTORIES = sorted(p for p in FIXTURES.glob("*/v1.*") if p.is_dir()) if FIXTURES.is_dir() else []

#: The reference's expected error substring per check (test/fixtures_*.go).
EXPECTED = {
    "allowprivilegeescalation": "allowPrivilegeEscalation",
    "apparmorprofile": "forbidden AppArmor profile",
    "capabilities_baseline": "capabilities",
    "capabilities_restricted": "unrestricted capabilities",
    "hostnamespaces": "host namespaces",
    "hostpathvolumes": "hostPath",
    "hostports": "hostPort",
    "hostprobesandhostlifecycle": "probe or lifecycle host",
    "privileged": "privileged",
    "procmount": "procMount",
    "procmount_restricted": "procMount",
    "restrictedvolumes": "restricted volume types",
    "runasnonroot": "runAsNonRoot",
    "runasuser": "runAsUser",
    "selinuxoptions": "seLinuxOptions",
    "seccompprofile_baseline": "seccompProfile",
    "seccompprofile_restricted": "seccompProfile",
    "sysctls": "forbidden sysctl",
    "windowshostprocess": "hostProcess",
}


def load(path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def check_directory(directory):
    """Every disagreement with the reference in one level/version directory."""
    level, version = directory.parent.name, directory.name
    problems, total = [], 0
    for outcome in ("pass", "fail"):
        for path in sorted((directory / outcome).glob("*.yaml")):
            total += 1
            violations = pss.evaluate(load(path), level, version)
            text = pss.message(violations)
            if outcome == "pass" and violations:
                problems.append(f"{level}/{version}/pass/{path.name}: denied: {text}")
            elif outcome == "fail":
                check = re.sub(r"\d+$", "", path.stem)
                expected = EXPECTED.get(check, check)
                if not violations:
                    problems.append(f"{level}/{version}/fail/{path.name}: allowed")
                elif expected not in text or "unknown forbidden reason" in text:
                    problems.append(f"{level}/{version}/fail/{path.name}: message lacks {expected!r}: {text}")
    return problems, total


@pytest.mark.skipif(not DIRECTORIES, reason=f"{FIXTURES} is absent (../shared is not beside this checkout)")
def test_all_reference_fixtures_agree():
    problems, total = [], 0
    for directory in DIRECTORIES:
        found, count = check_directory(directory)
        problems += found
        total += count
    agreed = total - len(problems)
    print(f"PSA reference fixtures: {agreed:,} of {total:,} agree")
    assert total == 4537
    assert problems == [], f"{len(problems)} of {total} disagree; first: " + "\n".join(problems[:20])
