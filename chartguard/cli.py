"""The ``chartguard`` command line.

Exit codes: 0 clean (no finding at or above ``--fail-on``), 1 findings at or above ``--fail-on``,
2 usage, configuration, input or render errors (one line on stderr, never a traceback).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .errors import ChartguardError, InputError, UsageError

if TYPE_CHECKING:
    from .api import Fixed, Release
    from .findings import Severity
    from .function import FunctionSpec
    from .profile import Profile

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
MAX_STDIN_BYTES = 64 * 1024 * 1024
FORMATS = ("text", "json", "sarif", "junit", "github")
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def _guarded(command: Callable[..., int | None]) -> Callable[..., None]:
    """Run a command body; turn chartguard errors into one line on stderr and exit 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            code = command(*args, **kwargs)
        except ChartguardError as exc:
            _fail(exc.kind, exc.message, exc.hint)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("chartguard: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(EXIT_CLEAN)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no tracebacks
            _fail("internal error", f"{type(exc).__name__}: {exc} (please report this)")
        sys.exit(code or EXIT_CLEAN)

    return wrapper


def _fail(kind: str, message: str, hint: str = "") -> None:
    """Print ``chartguard: <kind>: <message>`` (one line, plus an optional hint line); exit 2."""
    click.echo(f"chartguard: {kind}: {' '.join(str(message).split())}", err=True)
    if hint:
        click.echo(f"chartguard: hint: {' '.join(hint.split())}", err=True)
    sys.exit(EXIT_ERROR)


@contextlib.contextmanager
def _one_line_usage_errors() -> Iterator[None]:
    """Click's own errors (unknown option, bad choice, missing argument) in chartguard's form."""
    try:
        yield
    except click.exceptions.NoArgsIsHelpError:
        raise  # bare `chartguard`: Click prints the help
    except click.ClickException as exc:
        context = getattr(exc, "ctx", None)
        _fail("usage error", exc.format_message(), f"see `{context.command_path} --help`" if context else "")


class _Main(click.Group):
    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with _one_line_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        with _one_line_usage_errors():
            return super().invoke(ctx)


def _value_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The value and render flags shared by ``lint`` and ``render`` (same names as ``helm template``)."""
    options = [
        click.option("-f", "--values", "value_files", multiple=True, metavar="FILE", help="Values file (repeatable; '-' reads stdin)."),
        click.option("--set", "set_values", multiple=True, metavar="K=V", help="Set values (Helm --set syntax; repeatable)."),
        click.option("--set-string", multiple=True, metavar="K=V", help="Set STRING values (repeatable)."),
        click.option("--set-json", multiple=True, metavar="K=JSON", help="Set JSON values (repeatable)."),
        click.option("--set-file", multiple=True, metavar="K=PATH", help="Set values from files (repeatable)."),
        click.option("--configuration", metavar="JSON|@FILE", help="NVCF deployment 'configuration' override (JSON object or @file)."),
        click.option("--release-name", metavar="NAME", help="Release name [profile default: mini-service]."),
        click.option("-n", "--namespace", metavar="NS", help="Namespace [profile default: default]."),
        click.option("--kube-version", metavar="VER", help="Kubernetes version for Capabilities and kubeVersion checks [NVCF: v1.20.0]."),
        click.option("-a", "--api-versions", multiple=True, metavar="GV", help="Extra API versions for Capabilities (repeatable, or comma-separated)."),
        click.option("--renderer", type=click.Choice(["embedded", "helm"]), default="embedded", show_default=True, help="Embedded Helm v4 engine, or `helm template` from PATH."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


@click.group(name="chartguard", cls=_Main, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="chartguard")
def main() -> None:
    """Lint Helm charts against the NVIDIA Cloud Functions (NVCF) helm-function rules.

    \b
    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/config/input/render error.
    """


def _policy_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The policy flags shared by ``lint``, ``fix`` and ``post-render`` (read them with ``_policy``)."""
    options = [
        click.option("-p", "--profile", default="nvcf", show_default=True, metavar="NAME|FILE", help="Profile (see `chartguard profiles`)."),
        click.option("-b", "--backend", metavar="NAME", help="NVCF backend the function deploys to (e.g. GFN); backend-only kinds/volumes are checked against it."),
        click.option("--strict", is_flag=True, help="Apply the profile's strict severities (NVCF 'should' rules become errors)."),
        click.option("--function", "function_file", metavar="FILE", help="NVCF function-creation payload (JSON): helmChart, helmChartServiceName, inferencePort, ..."),
        click.option("--deployment", "deployment_file", metavar="FILE", help="NVCF deployment payload (JSON): its backend and configuration apply (--backend, --configuration win)."),
        click.option("--deployment-index", type=click.IntRange(min=0), metavar="N", help="Which of several deploymentSpecifications (0-based) [0]."),
        click.option("--service-name", metavar="NAME", help="helmChartServiceName: the Service NVCF sends inference requests to [--function's]."),
        click.option("--inference-port", type=click.IntRange(1, 65535), metavar="PORT", help="inferencePort: the Service port NVCF uses [--function's]."),
        click.option("--instance-type", metavar="TYPE", help="NVCF instance type for the GPU rules, e.g. ON-PREM.GPU.B200_8x.x2 [--deployment's instanceType]."),
        click.option("--disable", "disabled", multiple=True, metavar="RULE", help="Skip a rule (repeatable)."),
        click.option("--pss-level", type=click.Choice(["privileged", "baseline", "restricted"]), help="Pod Security Standards level for the pss-* rules [profile's]."),
        click.option("--pss-version", metavar="v1.N|latest", help="Pod Security Standards policy version, as your cluster's PSA runs it [profile's, usually latest]."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


_POLICY_FLAGS = ("profile", "backend", "strict", "function_file", "deployment_file", "deployment_index", "service_name",
                 "inference_port", "instance_type", "disabled", "pss_level", "pss_version")  # fmt: skip


def _policy(flags: dict[str, Any]) -> tuple[Profile, FunctionSpec | None]:
    """Take the ``_policy_options`` flags out of ``flags``: the resolved profile and the function
    definition (None without --function, --deployment, --service-name or --inference-port)."""
    from .profile import load_profile, with_pod_security

    policy = {key: flags.pop(key, None) for key in _POLICY_FLAGS}
    backend = policy["backend"]
    function = None
    if (
        policy["function_file"]
        or policy["deployment_file"]
        or any(policy[key] is not None for key in ("deployment_index", "service_name", "inference_port"))
    ):
        from .function import load_function

        function = load_function(
            policy["function_file"],
            policy["deployment_file"],
            deployment_index=policy["deployment_index"],
            service_name=policy["service_name"],
            inference_port=policy["inference_port"],
        )
        if backend is None and function.deployment is not None:
            backend = function.deployment.backend
    if policy["instance_type"] is not None:
        from .function import with_instance_type

        function = with_instance_type(function, policy["instance_type"])
    resolved = load_profile(policy["profile"] or "nvcf", backend=backend, strict=bool(policy["strict"]))
    if policy["pss_level"] or policy["pss_version"]:
        resolved = with_pod_security(resolved, level=policy["pss_level"], version=policy["pss_version"])
    if policy["disabled"]:
        resolved.rules = _without(resolved.rules, policy["disabled"])
    return resolved, function


def _fail_on_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--fail-on",
        type=click.Choice(["error", "warning", "info", "never"]),
        default="error",
        show_default=True,
        help="Lowest severity that makes the exit code 1.",
    )(command)


def _color_option(stream: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--color/--no-color`` for a text report written to ``stream`` (stdout or stderr)."""
    return click.option("--color/--no-color", default=None, help=f"Colour text output [default: when {stream} is a terminal].")


def _threshold(fail_on: str) -> Severity | None:
    """The ``--fail-on`` severity (None for ``never``)."""
    from .findings import Severity

    return Severity.parse(fail_on) if fail_on != "never" else None


def _colour(color: bool | None, stream: Any) -> bool:
    """``--color/--no-color``, else whether ``stream`` is a terminal (and NO_COLOR unset)."""
    return bool(color if color is not None else stream.isatty() and not os.environ.get("NO_COLOR"))


@main.command()
@click.argument("target", metavar="CHART|MANIFEST|-")
@_value_options
@_policy_options
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the report to a file instead of stdout."
)
@_fail_on_option
@_color_option("stdout")
@_guarded
def lint(target: str, output_format: str, output: str | None, fail_on: str, color: bool | None, **flags: Any) -> int:
    """Render a chart (directory or .tgz) with Helm, or read rendered manifests (file or '-'
    for stdin), and report every NVCF violation with its file and line.

    \b
    With the function definition (--function, --deployment, --service-name, --inference-port)
    the chart is also checked against it: the Service and port, the chart URL, the images' org.
    """
    from .output import FORMATTERS

    profile, function = _policy(flags)
    report = _release(target, profile, flags, function).lint()
    threshold = _threshold(fail_on)
    use_colour = _colour(color, sys.stdout) and not output
    text = FORMATTERS[output_format](report, threshold, use_colour and output_format == "text")
    _emit(text, output, colour=use_colour)
    return EXIT_FINDINGS if threshold is not None and report.failed(threshold) else EXIT_CLEAN


@main.command()
@click.argument("target", metavar="CHART|MANIFEST|-")
@_value_options
@_policy_options
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
    help="Print a unified diff of the rendered stream before/after on stdout (the output goes only to -o).",
)
@_fail_on_option
@_color_option("stderr")
@_guarded
def fix(target: str, output_format: str, output: str | None, diff: bool, fail_on: str, color: bool | None, **flags: Any) -> int:
    """Apply the safe fixes to a chart's rendered release (or to rendered manifests) and write
    the patched manifest stream; what changed, what could not be fixed and the lint of the
    patched stream go to stderr. Exit codes as `lint`, judged on the patched stream.
    """
    from .api import fix_release
    from .output.fixed import jsonpatch_document, unified_diff

    profile, function = _policy(flags)
    release = _release(target, profile, flags, function)
    fixed = fix_release(release, patched_name=output or "<fixed>")
    document = jsonpatch_document(fixed.report) if output_format == "jsonpatch" else fixed.after
    if diff:
        if output:
            _emit(document, output)
        _emit(unified_diff(fixed.before, fixed.after, release.target), None)
    else:
        _emit(document, output)
    threshold = _threshold(fail_on)
    _report_fixes(fixed, threshold, _colour(color, sys.stderr))
    return EXIT_FINDINGS if threshold is not None and fixed.relint.failed(threshold) else EXIT_CLEAN


@main.command(name="post-render")
@_policy_options
@_fail_on_option
@_guarded
def post_render(fail_on: str, **flags: Any) -> int:
    """Helm post-renderer: read Helm's rendered stream on stdin, write it fixed on stdout.

    \b
    When errors (at or above --fail-on) remain after the fixes, nothing is written on stdout and
    the exit code is 1, which makes Helm fail the install; the report goes to stderr either way.
    Helm 3:  helm install NAME CHART --post-renderer "$(command -v chartguard)" --post-renderer-args post-render
    Helm 4:  a postrenderer/v1 plugin (docs/post-render.md)
    """
    from .api import fix_release, manifest_release

    profile, function = _policy(flags)
    release = manifest_release(_read_stdin(), profile=profile, source="<stdin>", function=function)
    fixed = fix_release(release, patched_name="<post-rendered>")
    threshold = _threshold(fail_on)
    _report_fixes(fixed, threshold, colour=False)
    if threshold is not None and fixed.relint.failed(threshold):
        return EXIT_FINDINGS
    _emit(fixed.after, None)
    return EXIT_CLEAN


def _report_fixes(fixed: Fixed, threshold: Severity | None, colour: bool) -> None:
    """What the fixes changed and could not change, then the lint of the patched stream, on stderr."""
    from .output.fixed import change_lines
    from .output.text import format_report

    lines = change_lines(fixed.report) or ["nothing to fix"]
    click.echo("\n".join(lines), err=True)
    click.echo("after fixing:", err=True)
    click.echo(format_report(fixed.relint, threshold, colour), err=True, nl=False, color=colour or None)


@main.command()
@click.argument("chart", metavar="CHART")
@_value_options
@click.option(
    "-p", "--profile", default="nvcf", show_default=True, metavar="NAME|FILE", help="Profile whose render defaults apply."
)
@click.option("--hooks/--no-hooks", default=False, help="Also print hook objects (after the release, as `helm template` does).")
@click.option("--notes", is_flag=True, help="Print the rendered NOTES.txt on stderr.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the stream to a file.")
@_guarded
def render(chart: str, profile: str, hooks: bool, notes: bool, output: str | None, **render_flags: Any) -> int:
    """Render a chart as NVCF does and print the manifest stream (CRDs first, install order)."""
    from .api import render_chart

    rendered = render_chart(chart, profile=profile, **_render_kwargs(render_flags))
    _emit(rendered.stream(include_hooks=hooks), output)
    if notes and rendered.notes:
        click.echo(rendered.notes, err=True)
    return EXIT_CLEAN


@main.command()
@click.argument("rule_id", required=False, metavar="[RULE]")
@click.option("--markdown", is_flag=True, help="Print the full rule reference (docs/rules.md).")
@_guarded
def rules(rule_id: str | None, markdown: bool) -> int:
    """List the rules, or explain one."""
    from .docs import describe_rule, rule_reference
    from .rules import BY_ID, RULES

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


@main.command()
@click.argument("name", required=False, metavar="[PROFILE]")
@click.option("-b", "--backend", metavar="NAME", help="Show the profile as it applies to this backend.")
@click.option("--strict", is_flag=True, help="Show strict severities.")
@click.option("--raw", is_flag=True, help="Print the profile file as written.")
@_guarded
def profiles(name: str | None, backend: str | None, strict: bool, raw: bool) -> int:
    """List the profiles, or show one."""
    from .docs import describe_profile
    from .profile import builtin_names, load_profile, profile_document

    if name is None:
        loaded = [load_profile(n) for n in builtin_names()]
        width = max(len(p.name) for p in loaded)
        for profile in loaded:
            click.echo(f"{profile.name:<{width}}  {profile.title}")
        return EXIT_CLEAN
    if raw:
        import yaml

        click.echo(yaml.safe_dump(profile_document(name), sort_keys=False, allow_unicode=True), nl=False)
        return EXIT_CLEAN
    click.echo(describe_profile(load_profile(name, backend=backend, strict=strict)), nl=False)
    return EXIT_CLEAN


def _release(target: str, profile: Profile, render_flags: dict[str, Any], function: FunctionSpec | None = None) -> Release:
    """The release to lint or fix: ``target`` rendered as a chart, or read as manifests."""
    from .api import chart_release, manifest_release

    if target == "-" or _is_manifest_file(target):
        used = _chart_flags(render_flags)
        if used:
            raise UsageError(f"{', '.join(used)}: values and render flags apply to charts, not to rendered manifests ({target})")
        text = _read_stdin() if target == "-" else _read_manifest_file(target)
        return manifest_release(text, profile=profile, source="<stdin>" if target == "-" else target, function=function)
    return chart_release(target, profile=profile, function=function, **_render_kwargs(render_flags))


def _render_kwargs(flags: dict[str, Any]) -> dict[str, Any]:
    api_versions = [v.strip() for item in flags.get("api_versions") or () for v in item.split(",") if v.strip()]
    return {
        "value_files": list(flags.get("value_files") or ()),
        "set_values": list(flags.get("set_values") or ()),
        "set_string": list(flags.get("set_string") or ()),
        "set_json": list(flags.get("set_json") or ()),
        "set_file": list(flags.get("set_file") or ()),
        "configuration": flags.get("configuration"),
        "release_name": flags.get("release_name"),
        "namespace": flags.get("namespace"),
        "kube_version": flags.get("kube_version"),
        "api_versions": api_versions,
        "renderer": flags.get("renderer") or "embedded",
    }


_CHART_FLAGS = {
    "value_files": "-f/--values", "set_values": "--set", "set_string": "--set-string", "set_json": "--set-json",
    "set_file": "--set-file", "configuration": "--configuration", "release_name": "--release-name",
    "namespace": "--namespace", "kube_version": "--kube-version", "api_versions": "--api-versions",
}  # fmt: skip


def _chart_flags(flags: dict[str, Any]) -> list[str]:
    """The values/render flags given (they make no sense with rendered manifests)."""
    used = [flag for key, flag in _CHART_FLAGS.items() if flags.get(key)]
    if flags.get("renderer") not in (None, "embedded"):
        used.append("--renderer")
    return used


def _is_manifest_file(target: str) -> bool:
    path = Path(target)
    if not path.is_file() or not target.lower().endswith(MANIFEST_SUFFIXES):
        return False
    with path.open("rb") as handle:
        return handle.read(2) != b"\x1f\x8b"  # a gzip file named .yaml is still a chart archive


def _read_manifest_file(target: str) -> str:
    size = Path(target).stat().st_size
    if size > MAX_STDIN_BYTES:
        raise InputError(f"{target}: {size:,} bytes is more than the {MAX_STDIN_BYTES:,} bytes chartguard reads")
    return _decode(Path(target).read_bytes(), target)


def _read_stdin() -> str:
    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError("'-' reads manifests from stdin, but stdin is a terminal (pipe `helm template` into it)")
    data = sys.stdin.buffer.read(MAX_STDIN_BYTES + 1)
    if len(data) > MAX_STDIN_BYTES:
        raise InputError(f"<stdin>: more than {MAX_STDIN_BYTES:,} bytes")
    return _decode(data, "<stdin>")


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"{where}: line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


def _without(configs: list[Any], disabled: tuple[str, ...]) -> list[Any]:
    from .rules import BY_ID

    unknown = [rule_id for rule_id in disabled if rule_id not in BY_ID]
    if unknown:
        raise UsageError(f"--disable: unknown rule id {unknown[0]!r} (see `chartguard rules`)")
    return [c for c in configs if c.rule.id not in disabled]


def _emit(text: str, output: str | None, colour: bool = False) -> None:
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--output {output}: {exc.strerror}") from None
    else:
        click.echo(text, nl=False, color=colour or None)


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (a non-loopback address needs --token-file or --no-auth while /v1/* is served).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port (helm-reval's API port; 0 picks a free one).",
)
@click.option("--cert-file", type=click.Path(dir_okay=False), help="TLS certificate (PEM); serve HTTPS with --key-file.")
@click.option("--key-file", type=click.Path(dir_okay=False), help="TLS private key (PEM).")
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False),
    envvar="CHARTGUARD_TOKEN_FILE",
    help="File holding the bearer token /v1/* requests must send [env CHARTGUARD_TOKEN_FILE].",
)
@click.option("--no-auth", is_flag=True, help="Serve /v1/* without authentication on a non-loopback address.")
@click.option("--skip-validate-objects", is_flag=True, help="helm-reval setting: object-rule errors are only logged.")
@click.option(
    "--skip-sanitize-object-metadata",
    is_flag=True,
    help="helm-reval setting: keep labels, annotations, owner references and selectors.",
)
@click.option(
    "--skip-validate-images/--validate-images",
    default=True,
    show_default=True,
    help="helm-reval setting: image existence checks (a request's validateImages wins).",
)
@click.option(
    "--preserve-label",
    "preserve_labels",
    multiple=True,
    metavar="KEY",
    help="helm-reval setting: label key kept by sanitisation (repeatable).",
)
@click.option(
    "--preserve-annotation",
    "preserve_annotations",
    multiple=True,
    metavar="KEY",
    help="helm-reval setting: annotation key kept by sanitisation (repeatable).",
)
@click.option(
    "--allow-local-charts",
    is_flag=True,
    help="Accept local paths and file:// in helmChart (helm-reval accepts only https:// and oci://).",
)
@click.option(
    "--max-body-bytes",
    type=click.IntRange(1),
    default=10 * 1024 * 1024,
    show_default=True,
    help="Largest request body (larger: 413).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Charts fetched and rendered at the same time.",
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
    help="Server log level.",
)
@click.option(
    "--endpoints",
    type=click.Choice(["all", "webhook", "reval"]),
    default="all",
    show_default=True,
    help="Front doors to serve: the admission webhook (/validate, /mutate, /readyz, /metrics), helm-reval's API (/v1/*, /info), or both (/healthz always).",
)
@click.option(
    "-p",
    "--profile",
    default="nvcf-webhook",
    show_default=True,
    metavar="NAME|FILE",
    help="Webhook profile (see `chartguard profiles`); loaded once at start. The default, nvcf-webhook, is nvcf "
    "plus the GPU gate: a GPU request needs a known instance type and its nodes' affinity.",
)
@click.option("-b", "--backend", metavar="NAME", help="Webhook: NVCF backend the profile applies to.")
@click.option(
    "--strict",
    is_flag=True,
    help="Webhook: the profile's strict severities; an internal error denies instead of allowing with a warning.",
)
@click.option(
    "--body-timeout",
    type=click.FloatRange(0.1),
    default=10.0,
    show_default=True,
    help="Seconds to receive a request body (slower: 408).",
)
@click.option(
    "--keep-alive-timeout",
    type=click.IntRange(1),
    default=120,
    show_default=True,
    help="Idle keep-alive seconds (keep above the apiserver's 90 s).",
)
@click.option(
    "--cert-reload-interval",
    type=click.FloatRange(0.1),
    default=1.0,
    show_default=True,
    help="Seconds between checks of --cert-file/--key-file for a new certificate.",
)
@click.option(
    "--deny-existing-violations",
    is_flag=True,
    help="Webhook: on UPDATE, also deny errors the old object already had (default: an identical existing "
    "violation only warns, so a stuck object can still be relabelled; new or changed ones deny).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes serving the same port (one per CPU the server may use); metrics are summed over them.",
)
@click.option("--allow-private-chart-hosts", is_flag=True, hidden=True, help="TEST ONLY: fetch charts from loopback addresses.")
@_guarded
def serve(host: str, port: int, cert_file: str | None, key_file: str | None, token_file: str | None, no_auth: bool,
          skip_validate_objects: bool, skip_sanitize_object_metadata: bool, skip_validate_images: bool,
          preserve_labels: tuple[str, ...], preserve_annotations: tuple[str, ...], allow_local_charts: bool,
          max_body_bytes: int, concurrency: int, log_level: str, endpoints: str, profile: str, backend: str | None,
          strict: bool, body_timeout: float, keep_alive_timeout: int, cert_reload_interval: float,
          deny_existing_violations: bool, workers: int, allow_private_chart_hosts: bool) -> int:  # fmt: skip
    """Serve the admission webhook (POST /validate, POST /mutate, GET /readyz, GET /metrics) and
    helm-reval's HTTP API (POST /v1/validate, POST /v1/render, GET /info), and GET /healthz.

    \b
    Same request and response bodies as NVCF's helm-reval. Authentication: with --token-file,
    /v1/* requires 'Authorization: Bearer <token>'; without it chartguard serves only on a
    loopback address (unless --no-auth). helm-reval's JWKS/OIDC authorisers are not implemented.
    """
    from .helmreval import ServerSettings
    from .server.reval_api import RevalOptions
    from .server.run import ServeConfig
    from .server.run import serve as run_server

    settings = ServerSettings(
        skip_validate_objects=skip_validate_objects,
        skip_sanitize_object_metadata=skip_sanitize_object_metadata,
        skip_validate_images=skip_validate_images,
        preserve_labels=preserve_labels,
        preserve_annotations=preserve_annotations,
        allow_private_chart_hosts=allow_private_chart_hosts,
    )
    options = RevalOptions(settings=settings, allow_local_charts=allow_local_charts, concurrency=concurrency)
    return run_server(ServeConfig(host=host, port=port, cert_file=cert_file, key_file=key_file, token_file=token_file, no_auth=no_auth,
                           max_body_bytes=max_body_bytes, log_level=log_level, reval=options, endpoints=endpoints,
                           profile=profile, backend=backend, strict=strict, body_timeout=body_timeout,
                           keep_alive_timeout=keep_alive_timeout, cert_reload_interval=cert_reload_interval,
                           workers=workers,
                           webhook_settings={"allow_existing_violations": not deny_existing_violations}))  # fmt: skip


if __name__ == "__main__":  # pragma: no cover
    main(prog_name="chartguard")
