"""The commands that read a release: ``lint``, ``fix``, ``post-render`` and ``render``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from ..printable import printable
from .common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    color_flag,
    emit,
    fail_on_flag,
    guarded,
    policy_flags,
    policy_options,
    render_keywords,
    threshold,
    use_colour,
    value_flags,
)

if TYPE_CHECKING:
    from ..findings import Severity
    from ..release import Fixed

FORMATS = ("text", "json", "sarif", "junit", "github")


@click.command()
@click.argument("target", metavar="CHART|MANIFEST|-")
@value_flags
@policy_flags
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the report to a file instead of stdout."
)
@fail_on_flag
@color_flag("stdout")
@guarded
def lint(target: str, output_format: str, output: str | None, fail_on: str, color: bool | None, **flags: Any) -> int:
    """Render a chart (directory or .tgz) with Helm, or read rendered manifests (file or '-'
    for stdin), and report every NVCF violation with its file and line.

    \b
    With the function definition (--function, --deployment, --service-name, --inference-port)
    the chart is also checked against it: the Service and port, the chart URL, the images' org.
    """
    from ..output import FORMATTERS  # deferred: each command imports what it runs, so `--help` stays fast
    from ..release import release_for, resolve_policy  # deferred: each command imports what it runs, so `--help` stays fast

    profile, function = resolve_policy(policy_options(flags))
    report = release_for(target, profile, function, **render_keywords(flags)).lint()
    fail_at = threshold(fail_on)
    colour = use_colour(color, sys.stdout) and not output
    text = FORMATTERS[output_format](report, fail_at, colour and output_format == "text")
    emit(text, output, colour=colour)
    return EXIT_FINDINGS if fail_at is not None and report.failed(fail_at) else EXIT_CLEAN


@click.command()
@click.argument("target", metavar="CHART|MANIFEST|-")
@value_flags
@policy_flags
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["yaml", "jsonpatch"]),
    default="yaml",
    show_default=True,
    help="Write the patched manifest stream, or the per-object JSON Patches (RFC 6902) as JSON.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the output to a file instead of stdout."
)
@click.option(
    "--diff",
    is_flag=True,
    help="Print a unified diff of the rendered stream before/after on stdout, Secret data and credentials "
    "redacted (the output goes only to -o).",
)
@fail_on_flag
@color_flag("stderr")
@guarded
def fix(target: str, output_format: str, output: str | None, diff: bool, fail_on: str, color: bool | None, **flags: Any) -> int:
    """Apply the safe fixes to a chart's rendered release (or to rendered manifests) and write
    the patched manifest stream; what changed, what could not be fixed and the lint of the
    patched stream go to stderr. Exit codes as `lint`, judged on the patched stream.

    \b
    The patched stream and the JSON Patches are what you apply: they keep Secret data and env
    values as they are. The diff and everything on stderr redact them (docs/security.md).
    """
    from ..output.fixed import (  # deferred: each command imports what it runs, so `--help` stays fast
        jsonpatch_document,
        redacted_diff,
    )
    from ..release import (  # deferred: each command imports what it runs, so `--help` stays fast
        fix_release,
        release_for,
        resolve_policy,
    )

    profile, function = resolve_policy(policy_options(flags))
    release = release_for(target, profile, function, **render_keywords(flags))
    fixed = fix_release(release, patched_name=output or "<fixed>")
    document = jsonpatch_document(fixed.report) if output_format == "jsonpatch" else fixed.after
    if diff:
        if output:
            emit(document, output)
        emit(redacted_diff(release.ordered, fixed.patched.ordered, release.target), None)
    else:
        emit(document, output)
    fail_at = threshold(fail_on)
    _report_fixes(fixed, fail_at, use_colour(color, sys.stderr))
    return EXIT_FINDINGS if fail_at is not None and fixed.relint.failed(fail_at) else EXIT_CLEAN


@click.command(name="post-render")
@policy_flags
@fail_on_flag
@guarded
def post_render(fail_on: str, **flags: Any) -> int:
    """Helm post-renderer: read Helm's rendered stream on stdin, write it fixed on stdout.

    \b
    When errors (at or above --fail-on) remain after the fixes, nothing is written on stdout and
    the exit code is 1, which makes Helm fail the install; the report goes to stderr either way.
    Helm 3:  helm install NAME CHART --post-renderer "$(command -v chartguard)" --post-renderer-args post-render
    Helm 4:  a postrenderer/v1 plugin (docs/post-render.md)
    """
    from ..release import (  # deferred: each command imports what it runs, so `--help` stays fast
        fix_release,
        manifest_release,
        read_stdin,
        resolve_policy,
    )

    profile, function = resolve_policy(policy_options(flags))
    release = manifest_release(read_stdin(), profile=profile, source="<stdin>", function=function)
    fixed = fix_release(release, patched_name="<post-rendered>")
    fail_at = threshold(fail_on)
    _report_fixes(fixed, fail_at, colour=False)
    if fail_at is not None and fixed.relint.failed(fail_at):
        return EXIT_FINDINGS
    emit(fixed.after, None)
    return EXIT_CLEAN


def _report_fixes(fixed: Fixed, fail_on: Severity | None, colour: bool) -> None:
    """What the fixes changed and could not change, then the lint of the patched stream, on stderr."""
    from ..output.fixed import change_lines  # deferred: each command imports what it runs, so `--help` stays fast
    from ..output.text import format_report  # deferred: each command imports what it runs, so `--help` stays fast

    lines = change_lines(fixed.report) or ["nothing to fix"]
    click.echo("\n".join(lines), err=True)
    click.echo("after fixing:", err=True)
    click.echo(format_report(fixed.relint, fail_on, colour), err=True, nl=False, color=colour or None)


@click.command()
@click.argument("chart", metavar="CHART")
@value_flags
@click.option(
    "-p", "--profile", default="nvcf", show_default=True, metavar="NAME|FILE", help="Profile whose render defaults apply."
)
@click.option("--hooks/--no-hooks", default=False, help="Also print hook objects (after the release, as `helm template` does).")
@click.option("--notes", is_flag=True, help="Print the rendered NOTES.txt on stderr.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the stream to a file.")
@guarded
def render(chart: str, profile: str, hooks: bool, notes: bool, output: str | None, **render_flags: Any) -> int:
    """Render a chart as NVCF does and print the manifest stream (CRDs first, install order)."""
    from ..release import render_chart  # deferred: each command imports what it runs, so `--help` stays fast

    rendered = render_chart(chart, profile=profile, **render_keywords(render_flags))
    emit(rendered.stream(include_hooks=hooks), output)
    if notes and rendered.notes:
        click.echo(printable(rendered.notes, keep_lines=True), err=True)
    return EXIT_CLEAN
