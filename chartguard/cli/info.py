"""The commands that explain chartguard itself: ``rules`` and ``profiles``."""

from __future__ import annotations

import click

from ..errors import UsageError
from .common import EXIT_CLEAN, guarded


@click.command()
@click.argument("rule_id", required=False, metavar="[RULE]")
@click.option("--markdown", is_flag=True, help="Print the full rule reference (docs/rules.md).")
@guarded
def rules(rule_id: str | None, markdown: bool) -> int:
    """List the rules, or explain one."""
    from ..docs import describe_rule, rule_reference  # deferred: each command imports what it runs, so `--help` stays fast
    from ..rules import BY_ID, RULES  # deferred: each command imports what it runs, so `--help` stays fast

    if markdown:
        click.echo(rule_reference(), nl=False)
        return EXIT_CLEAN
    if rule_id:
        if rule_id not in BY_ID:
            raise UsageError(f"unknown rule id {rule_id!r} (see `chartguard rules`)")
        click.echo(describe_rule(BY_ID[rule_id]), nl=False)
        return EXIT_CLEAN
    width = max(len(r.id) for r in RULES)
    for rule in RULES:
        click.echo(f"{rule.id:<{width}}  {str(rule.severity):<7}  {rule.title}")
    return EXIT_CLEAN


@click.command()
@click.argument("name", required=False, metavar="[PROFILE]")
@click.option("-b", "--backend", metavar="NAME", help="Show the profile as it applies to this backend.")
@click.option("--strict", is_flag=True, help="Show strict severities.")
@click.option("--raw", is_flag=True, help="Print the profile file as written.")
@guarded
def profiles(name: str | None, backend: str | None, strict: bool, raw: bool) -> int:
    """List the profiles, or show one."""
    from ..docs import describe_profile  # deferred: each command imports what it runs, so `--help` stays fast
    from ..profile import (  # deferred: each command imports what it runs, so `--help` stays fast
        builtin_names,
        load_profile,
        profile_document,
    )

    if name is None:
        loaded = [load_profile(n) for n in builtin_names()]
        width = max(len(p.name) for p in loaded)
        for profile in loaded:
            click.echo(f"{profile.name:<{width}}  {profile.title}")
        return EXIT_CLEAN
    if raw:
        import yaml  # deferred: each command imports what it runs, so `--help` stays fast

        click.echo(yaml.safe_dump(profile_document(name), sort_keys=False, allow_unicode=True), nl=False)
        return EXIT_CLEAN
    click.echo(describe_profile(load_profile(name, backend=backend, strict=strict)), nl=False)
    return EXIT_CLEAN
