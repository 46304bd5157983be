"""docs/rules.md is generated from the rules' metadata; it must be current."""

from __future__ import annotations

from helpers.paths import ROOT

from chartguard.docs import describe_profile, describe_rule, rule_reference
from chartguard.profile import load_profile
from chartguard.rules import RULES

DOCS = ROOT / "docs"


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


def test_rule_ids_name_their_group_and_module():
    """A rule's id names its module, in the folder of its group: ``service-type`` →
    rules/nvcf/service_type.py, ``function-service`` → rules/function/function_service.py,
    ``gpu-pod-count`` → rules/gpu/pod_count.py, ``pss-host-ports`` → rules/pss/host_ports.py,
    ``reval-volumes`` → rules/reval/volumes.py."""
    import importlib

    from chartguard.rules import FUNCTION_RULES, GPU_RULES, NVCF_RULES, PSS_RULES, REVAL_RULES

    groups = {"nvcf": NVCF_RULES, "function": FUNCTION_RULES, "gpu": GPU_RULES, "reval": REVAL_RULES, "pss": PSS_RULES}
    assert sum(len(rules) for rules in groups.values()) == len(RULES)
    for group, rules in groups.items():
        prefix = "" if group in ("nvcf", "function") else f"{group}-"
        for rule in rules:
            assert rule.id.startswith(prefix), rule.id
            module = importlib.import_module(f"chartguard.rules.{group}.{rule.id.removeprefix(prefix).replace('-', '_')}")
            assert module.RULE is rule, f"{rule.id} is not defined in {module.__name__}"


def test_profile_description_lists_rules():
    text = describe_profile(load_profile("nvcf", backend="GFN", strict=True))
    assert "backend: GFN; strict" in text
    assert "run-as-non-root" in text and "error" in text


def _console_block(section: str) -> list[str]:
    """The command lines of the first ```sh block under README's ``## <section>`` heading."""
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    body = readme.split(f"\n## {section}\n", 1)[1]
    block = body.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_ci_runs_exactly_the_readme_install_and_test_commands():
    """`.ci/run` is the README's install command followed by its test command, nothing else."""
    ci = (DOCS.parent / ".ci" / "run").read_text(encoding="utf-8")
    ci_commands = [line for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    ci_commands = [line for line in ci_commands if not line.startswith(("set ", "cd "))]
    install, test = _console_block("Install"), _console_block("Test")
    assert install == [ci_commands[0]]
    assert " && ".join(ci_commands[1:]) == " && ".join(test)


def test_install_uses_the_lock_and_the_lock_pins_everything():
    """The CI install is reproducible: every requirement (and the build backend) is pinned."""
    assert "PIP_CONSTRAINT=constraints.txt" in _console_block("Install")[0]
    pins = {}
    for line in (DOCS.parent / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not an exact pin"
            pins[name.lower().replace("_", "-")] = version
    import tomllib

    project = tomllib.loads((DOCS.parent / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [*project["project"]["dependencies"], *project["build-system"]["requires"]]
    for extra in project["project"]["optional-dependencies"].values():
        wanted += extra
    for requirement in wanted:
        name = requirement.split(";")[0].split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip()
        assert name.lower().replace("_", "-") in pins, f"{name} is not pinned in constraints.txt"
