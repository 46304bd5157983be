"""docs/rules.md is generated from the rules' metadata; it must be current."""

from __future__ import annotations

from pathlib import Path

from chartguard.docs import describe_profile, describe_rule, rule_reference
from chartguard.profile import load_profile
from chartguard.rules import RULES

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_rule_reference_is_current():
    expected = rule_reference()
    actual = (DOCS / "rules.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/rules.md is stale: run `chartguard rules --markdown > docs/rules.md`"


def test_every_rule_is_documented():
    reference = rule_reference()
    for rule in RULES:
        assert f"\n## {rule.id}\n" in reference
        assert rule.doc.strip(), f"{rule.id} has no docstring"
        assert rule.remediation and rule.reason and rule.title
        assert rule.summary in " ".join(describe_rule(rule).split())


def test_rule_ids_are_stable_kebab_case_and_match_modules():
    """A rule's id names its module: ``service-type`` → rules/service_type.py,
    ``pss-host-ports`` → rules/pss/host_ports.py, ``reval-volumes`` → rules/reval/volumes.py."""
    import importlib

    for rule in RULES:
        if rule.id.startswith("pss-"):
            module = importlib.import_module(f"chartguard.rules.pss.{rule.id.removeprefix('pss-').replace('-', '_')}")
        elif rule.id.startswith("reval-"):  # helm-reval's checks: reval-host-ports → rules/reval/host_ports.py
            module = importlib.import_module(f"chartguard.rules.reval.{rule.id.removeprefix('reval-').replace('-', '_')}")
        else:
            module = importlib.import_module(f"chartguard.rules.{rule.id.replace('-', '_')}")
        assert module.RULE is rule, f"{rule.id} is not defined in {module.__name__}"


def test_profile_description_lists_rules():
    text = describe_profile(load_profile("nvcf", backend="GFN", strict=True))
    assert "backend: GFN; strict" in text
    assert "run-as-non-root" in text and "error" in text
