"""What the commands share: one-line errors and exit codes, the option groups, reading the policy
flags into ``PolicyOptions``, and writing output."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import ChartguardError, UsageError
from ..findings import Severity
from ..printable import bounded, one_line

if TYPE_CHECKING:
    from ..release import PolicyOptions

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: The engine limits' defaults (chartguard.render.worker.DEFAULT_TIMEOUT / DEFAULT_MEMORY, which a test keeps equal).
DEFAULT_RENDER_TIMEOUT = 20.0
DEFAULT_RENDER_MEMORY_MIB = 512


def guarded(command: Callable[..., int | None]) -> Callable[..., None]:
    """Run a command body; turn chartguard errors into one line on stderr and exit 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            code = command(*args, **kwargs)
        except ChartguardError as exc:
            fail(exc.kind, exc.message, exc.hint)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("chartguard: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(EXIT_CLEAN)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no tracebacks
            fail("internal error", f"{type(exc).__name__}: {bounded(str(exc), 500)} (please report this)")
        sys.exit(code or EXIT_CLEAN)

    return wrapper


def fail(kind: str, message: str, hint: str = "") -> None:
    """Print ``chartguard: <kind>: <message>`` (one line, plus an optional hint line); exit 2.

    Each line is ``printable.one_line``: whitespace folded, control characters escaped, at most
    ``MAX_LINE_CHARS`` characters (a longer one ends ``… (N more characters)``)."""
    click.echo(one_line(f"chartguard: {kind}: {message}"), err=True)
    if hint:
        click.echo(one_line(f"chartguard: hint: {hint}"), err=True)
    sys.exit(EXIT_ERROR)


@contextlib.contextmanager
def one_line_usage_errors() -> Iterator[None]:
    """Click's own errors (unknown option, bad choice, missing argument) in chartguard's form."""
    try:
        yield
    except click.exceptions.NoArgsIsHelpError:
        raise  # bare `chartguard`: Click prints the help
    except click.ClickException as exc:
        context = getattr(exc, "ctx", None)
        fail("usage error", exc.format_message(), f"see `{context.command_path} --help`" if context else "")


def value_flags(command: Callable[..., Any]) -> Callable[..., Any]:
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
        click.option("--render-timeout", type=click.FloatRange(0.1, 3600), default=DEFAULT_RENDER_TIMEOUT, show_default=True, metavar="SECONDS", help="Stop a render (or --set parsing) that takes longer."),
        click.option("--render-memory", type=click.IntRange(64, 1 << 20), default=DEFAULT_RENDER_MEMORY_MIB, show_default=True, metavar="MIB", help="Memory the Helm engine may use for one chart."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def policy_flags(command: Callable[..., Any]) -> Callable[..., Any]:
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


def policy_options(flags: dict[str, Any]) -> PolicyOptions:
    """Take the ``policy_flags`` out of ``flags`` as ``PolicyOptions``."""
    from ..release import PolicyOptions  # deferred: the rule registry loads only for commands that lint

    return PolicyOptions(
        profile=flags.pop("profile", None) or "nvcf",
        backend=flags.pop("backend", None),
        strict=bool(flags.pop("strict", False)),
        disabled=tuple(flags.pop("disabled", None) or ()),
        pss_level=flags.pop("pss_level", None),
        pss_version=flags.pop("pss_version", None),
        function_file=flags.pop("function_file", None),
        deployment_file=flags.pop("deployment_file", None),
        deployment_index=flags.pop("deployment_index", None),
        service_name=flags.pop("service_name", None),
        inference_port=flags.pop("inference_port", None),
        instance_type=flags.pop("instance_type", None),
    )


def fail_on_flag(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--fail-on",
        type=click.Choice(["error", "warning", "info", "never"]),
        default="error",
        show_default=True,
        help="Lowest severity that makes the exit code 1.",
    )(command)


def color_flag(stream: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--color/--no-color`` for a text report written to ``stream`` (stdout or stderr)."""
    return click.option("--color/--no-color", default=None, help=f"Colour text output [default: when {stream} is a terminal].")


def threshold(fail_on: str) -> Severity | None:
    """The ``--fail-on`` severity (None for ``never``)."""
    return Severity.parse(fail_on) if fail_on != "never" else None


def use_colour(color: bool | None, stream: Any) -> bool:
    """``--color/--no-color``, else whether ``stream`` is a terminal (and NO_COLOR unset)."""
    return bool(color if color is not None else stream.isatty() and not os.environ.get("NO_COLOR"))


def render_keywords(flags: dict[str, Any]) -> dict[str, Any]:
    """The render flags as ``RenderKeywords``; the engine limits (--render-timeout, --render-memory)
    apply to the rest of this run."""
    apply_render_limits(flags.pop("render_timeout", None), flags.pop("render_memory", None))
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


def apply_render_limits(timeout: float | None, memory_mib: int | None) -> None:
    """The engine limits of every later render of this process (defaults where not given)."""
    from ..render import worker  # deferred: the render machinery loads only for commands that render

    worker.set_limits(
        worker.Limits(timeout=timeout or DEFAULT_RENDER_TIMEOUT, memory=(memory_mib or DEFAULT_RENDER_MEMORY_MIB) * 1024 * 1024)
    )


def emit(text: str, output: str | None, colour: bool = False) -> None:
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--output {output}: {exc.strerror}") from None
    else:
        click.echo(text, nl=False, color=colour or None)
