"""Profiles: built-ins valid against the schema, inheritance, backend overrides, strictness."""

from __future__ import annotations

import pytest

from chartguard.errors import ConfigError
from chartguard.findings import Severity
from chartguard.profile import builtin_names, load_profile, profile_document, validate_params, validate_profile_document
from chartguard.rules import BY_ID


def severities(profile):
    return {c.rule.id: c.severity for c in profile.rules}


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_profiles_are_valid(name):
    validate_profile_document(profile_document(name), name)
    profile = load_profile(name)
    assert profile.follows and profile.title
    for config in profile.rules:
        rule_entry = profile_document(name).get("rules", {}).get(config.rule.id)
        if isinstance(rule_entry, dict) and "params" in rule_entry:
            validate_params(config.rule, rule_entry["params"], name)


def test_builtins_include_every_documentation_generation():
    assert {"nvcf", "nvcf-strict", "nvcf-2024", "nvcf-2025"} <= set(builtin_names())
    assert "Jun 7, 2024" in load_profile("nvcf-2024").follows
    assert "seed 002" in load_profile("nvcf-2025").follows


def test_every_registered_rule_runs_in_the_default_profile():
    assert set(severities(load_profile("nvcf"))) == {rule_id for rule_id, rule in BY_ID.items() if rule.category != "helm-reval"}


def test_strict_promotes_should_rules_only():
    normal, strict = severities(load_profile("nvcf")), severities(load_profile("nvcf", strict=True))
    assert normal["pss-run-as-non-root"] == Severity.WARNING and strict["pss-run-as-non-root"] == Severity.ERROR
    assert normal["resource-limits"] == Severity.WARNING and strict["resource-limits"] == Severity.ERROR
    assert normal["image-tag"] == strict["image-tag"] == Severity.WARNING
    assert severities(load_profile("nvcf-strict")) == strict


def test_extends_merges_params_and_severities():
    profile = load_profile("nvcf-2025")
    kinds = next(c for c in profile.rules if c.rule.id == "allowed-kinds")
    assert "v1/PersistentVolumeClaim" in kinds.params["allowed"] and kinds.params["backend_only"] == {}
    assert severities(profile)["pss-run-as-non-root"] == Severity.ERROR
    assert severities(profile)["chart-hooks"] == Severity.ERROR  # inherited from nvcf


def test_backend_override_from_a_user_profile(tmp_path):
    path = tmp_path / "team.yaml"
    path.write_text(
        "name: team\ntitle: Team rules\nfollows: our platform policy\nextends: nvcf\n"
        "rules:\n  image-tag: error\n  env-literal-secrets: off\n"
        "backends:\n  gfn:\n    rules:\n      resource-limits: error\n"
    )
    assert severities(load_profile(str(path)))["image-tag"] == Severity.ERROR
    assert "env-literal-secrets" not in severities(load_profile(str(path)))
    assert severities(load_profile(str(path)))["resource-limits"] == Severity.WARNING
    gfn = load_profile(str(path), backend="GFN")
    assert gfn.backend == "GFN" and severities(gfn)["resource-limits"] == Severity.ERROR


@pytest.mark.parametrize(
    "body, message",
    [
        ("name: x\ntitle: t\nfollows: f\nrules: {}\nbogus: 1\n", "Additional properties are not allowed"),
        ("name: x\ntitle: t\nfollows: f\nrules: {image-tag: fatal}\n", "invalid profile at rules/image-tag"),
        ("name: x\ntitle: t\nfollows: f\nrules: {no-such-rule: error}\n", "unknown rule id 'no-such-rule'"),
        (
            "name: x\ntitle: t\nfollows: f\nrules: {object-count: {params: {max_objects: x}}}\n",
            "rule object-count params/max_objects",
        ),
        ("name: x\ntitle: t\nfollows: f\nrules: {service-type: {params: {a: 1}}}\n", "rule service-type takes no params"),
        ("- a list\n", "must be a YAML mapping"),
        ("name: x\ntitle: t\nfollows: f\nextends: SELF\nrules: {}\n", "loops"),
    ],
)
def test_invalid_user_profiles(tmp_path, body, message):
    path = tmp_path / "p.yaml"
    path.write_text(body.replace("SELF", str(path)))
    with pytest.raises(ConfigError, match=message):
        load_profile(str(path))


def test_unknown_builtin_profile():
    with pytest.raises(ConfigError, match="unknown profile 'nope'"):
        load_profile("nope")


def test_relative_extends_resolves_next_to_the_profile_file(tmp_path, monkeypatch):
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "base.yaml").write_text(
        "name: base\ntitle: Base\nfollows: ours\nextends: nvcf\nrules: {image-tag: error}\n"
    )
    (tmp_path / "policies" / "team.yaml").write_text("name: team\ntitle: Team\nfollows: ours\nextends: ./base.yaml\nrules: {}\n")
    monkeypatch.chdir(tmp_path)
    assert severities(load_profile("policies/team.yaml"))["image-tag"] == Severity.ERROR
