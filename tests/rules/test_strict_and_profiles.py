"""Strict mode (NVCF's "should" rules become errors) and the other NVCF profile generations (nvcf-strict,
nvcf-2025, nvcf-2024) on the bad test charts.
"""

from __future__ import annotations

from collections import Counter

import pytest
from helpers.lint import found
from helpers.rules import REPLACED_AT_RESTRICTED, SHOULD_RULES, lint

from chartguard.findings import Severity
from chartguard.profile import load_profile

#: chart → (errors by default, errors with strict=True): strict adds one error per "should" finding.
STRICT_ERRORS = {"insecure": (3, 3 + 12), "pss-violations": (0, 9), "bad-volumes": (4, 4 + 1)}


@pytest.mark.parametrize("name", sorted(STRICT_ERRORS))
def test_strict_turns_should_rules_into_errors(name: str) -> None:
    default, strict = lint(name), lint(name, strict=True)
    # the same findings; on a shared line an error sorts first, so compare them in (rule, detail) order
    pairs = zip(
        sorted(default.findings, key=lambda f: (f.rule_id, f.detail)),
        sorted(strict.findings, key=lambda f: (f.rule_id, f.detail)),
        strict=True,
    )
    for plain, hard in pairs:
        assert (plain.rule_id, plain.detail, plain.location) == (hard.rule_id, hard.detail, hard.location)
        if plain.rule_id in SHOULD_RULES:
            assert (plain.severity, hard.severity) == (Severity.WARNING, Severity.ERROR), plain
        else:  # enforced rules and best practices keep their severity
            assert plain.severity == hard.severity, plain
    assert (default.summary()["errors"], strict.summary()["errors"]) == STRICT_ERRORS[name]


def test_strict_charts_cover_every_should_rule() -> None:
    # every should rule that can report under nvcf (Restricted, latest) does on one of these charts
    seen = {f.rule_id for name in STRICT_ERRORS for f in lint(name).findings if f.rule_id in SHOULD_RULES}
    assert seen == set(SHOULD_RULES) - set(REPLACED_AT_RESTRICTED)


def test_strict_profile_equals_strict_flag() -> None:
    for name in ("insecure", "pss-violations"):
        flag = lint(name, strict=True)
        profile = lint(name, profile="nvcf-strict")
        assert [(f.rule_id, f.severity, f.detail) for f in profile.findings] == [
            (f.rule_id, f.severity, f.detail) for f in flag.findings
        ]
        assert profile.strict


def test_strict_on_edge_case() -> None:
    report = lint("edge-cases", {"rootOverride": True}, strict=True)
    assert [(f.rule_id, f.severity) for f in report.findings] == [("pss-run-as-non-root", Severity.ERROR)]
    assert report.failed()


@pytest.mark.parametrize("name", sorted(STRICT_ERRORS))
def test_profile_nvcf_2025_requires_pod_security(name: str) -> None:
    report = lint(name, profile="nvcf-2025")
    should = [(f.rule_id, f.detail) for f in report.findings if f.rule_id in SHOULD_RULES]
    assert should == [(f.rule_id, f.detail) for f in lint(name).findings if f.rule_id in SHOULD_RULES]
    # "must conform to the Pod Security Standards": errors without strict; limits stay a should
    for finding in report.findings:
        if finding.rule_id == "resource-limits":
            assert finding.severity == Severity.WARNING
        elif finding.rule_id in SHOULD_RULES:
            assert finding.severity == Severity.ERROR, finding


def test_profile_nvcf_2025_pod_security_errors() -> None:
    severities = {
        f.rule_id: f.severity
        for name in STRICT_ERRORS
        for f in lint(name, profile="nvcf-2025").findings
        if f.rule_id in SHOULD_RULES
    }
    assert severities.pop("resource-limits") == Severity.WARNING
    assert severities == dict.fromkeys(set(SHOULD_RULES) - set(REPLACED_AT_RESTRICTED) - {"resource-limits"}, Severity.ERROR)


def test_profile_nvcf_2024_has_no_security_rules() -> None:
    report = lint("insecure", profile="nvcf-2024")
    assert report.rule_ids == [c.rule.id for c in load_profile("nvcf-2024").rules]
    assert not set(report.rule_ids) & {*SHOULD_RULES, "chart-hooks", "volume-types", "service-type"}
    expected = {"image-tag": 3, "env-literal-secrets": 1}
    if "reserved-env-vars" in report.rule_ids:
        expected["reserved-env-vars"] = 1
    assert Counter(f.rule_id for f in report.findings) == expected
    assert found(lint("hooks", profile="nvcf-2024"), "chart-hooks") == []  # not a rule then
    # the PVC, and the nvcr.io image without ngcImagePullSecretName (documented since 2024)
    assert [f.rule_id for f in lint("bad-volumes", profile="nvcf-2024").findings] == ["allowed-kinds", "ngc-pull-secret-key"]
