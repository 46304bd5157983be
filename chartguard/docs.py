"""Human-readable descriptions of rules and profiles, and the generated rule reference (Jinja2)."""

from __future__ import annotations

import json
from importlib import resources

from .profile import Profile, builtin_names, load_profile
from .rules import RULES, Rule
from .rules.base import ObjectRule


def applies_to(rule: Rule) -> str:
    """Which objects a rule looks at, in words."""
    if not isinstance(rule, ObjectRule):
        return "applies to the chart and the release as a whole"
    if rule.pods:
        return "applies to every pod and pod template (Pod, Deployment, StatefulSet, Job, CronJob, ...)"
    if rule.kinds:
        return "applies to " + ", ".join(sorted(rule.kinds))
    return "applies to every object"


def describe_rule(rule: Rule) -> str:
    """``chartguard rules ID``: the docstring plus the rule's metadata."""
    lines = [f"{rule.id}: {rule.title}", "", rule.doc.strip(), ""]
    lines.append(f"default severity: {rule.severity}")
    lines.append(applies_to(rule))
    lines.append(f"reason shown:     {rule.reason}")
    lines.append(f"remediation:      {rule.remediation}")
    if rule.reference:
        lines.append(f"reference:        {rule.reference}")
    if rule.defaults:
        lines.append(f"params (defaults): {json.dumps(rule.defaults)}")
    return "\n".join(lines) + "\n"


def describe_profile(profile: Profile) -> str:
    """``chartguard profiles NAME``: what it follows and its resolved rule table."""
    lines = [f"{profile.name}: {profile.title}", ""]
    lines.append(f"follows: {profile.follows}")
    if profile.description:
        lines.append(f"{profile.description}")
    if profile.extends:
        lines.append(f"extends: {profile.extends}")
    render = ", ".join(f"{k}={v}" for k, v in profile.render.items())
    lines.append(f"render: {render or 'engine defaults'}")
    lines.append(f"backend: {profile.backend or 'any (backend-only kinds and volumes are warnings)'}"
                 f"{'; strict' if profile.strict else ''}")  # fmt: skip
    lines.append("")
    width = max((len(c.rule.id) for c in profile.rules), default=0)
    for config in profile.rules:
        params = f"  {json.dumps(config.params)}" if config.params != config.rule.defaults else ""
        lines.append(f"  {config.rule.id:<{width}}  {str(config.severity):<7}{params}")
    return "\n".join(lines) + "\n"


def rule_reference() -> str:
    """The Markdown rule reference (docs/rules.md), rendered from the rules' metadata."""
    import jinja2  # deferred: only the generated reference needs Jinja2

    profiles = [load_profile(name) for name in builtin_names()]
    strict_profiles = {p.name: load_profile(p.name, strict=True) for p in profiles}
    profiles_by_rule: dict[str, list[str]] = {rule.id: [] for rule in RULES}
    settings: dict[str, list[tuple[str, str]]] = {rule.id: [] for rule in RULES}
    for profile in profiles:
        strict_levels = {c.rule.id: c.severity for c in strict_profiles[profile.name].rules}
        for config in profile.rules:
            profiles_by_rule[config.rule.id].append(f"`{profile.name}`")
            setting = str(config.severity)
            if strict_levels[config.rule.id] != config.severity:
                setting += f" ({strict_levels[config.rule.id]} with --strict)"
            if config.params != config.rule.defaults:
                setting += f"; params `{json.dumps(config.params)}`"
            settings[config.rule.id].append((profile.name, setting))
    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: resources.files("chartguard.templates").joinpath(name).read_text("utf-8")),
        keep_trailing_newline=True,
        autoescape=False,  # Markdown, not HTML
    )
    template = environment.get_template("rules.md.j2")
    return template.render(rules=RULES, profiles_by_rule=profiles_by_rule, profile_settings=settings, applies_to=applies_to)
