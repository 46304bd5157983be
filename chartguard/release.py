"""One assembly of what to check, for every front door (CLI, library, webhook): the policy (profile
with its overrides, backend, function definition), the input (a chart to render, a manifest file,
stdin, objects) and the values, giving a ``Release`` that lints and fixes itself.

- ``resolve_policy(PolicyOptions(...))`` → the profile and the function definition;
- ``release_for(target, profile, ...)`` → a chart rendered, or manifests read from a file or stdin;
- ``chart_release``, ``manifest_release``, ``object_release`` for each kind of input;
- ``Release.lint()`` → ``Report``; ``fix_release(release)`` → the release before and after its fixes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypedDict, Unpack

import orjson
import yaml

from . import inputs
from .chart import ChartSource, load_chart
from .engine import run_rules
from .errors import InputError, UsageError
from .findings import Report
from .fixes import apply_fixes
from .function import FunctionSpec, load_function, with_instance_type
from .inputs import TooLarge, read_input
from .manifests import Manifest, parse_stream
from .output.fixed import dump_object
from .profile import DEFAULT_PROFILE, Profile, load_profile, with_pod_security
from .redact import scrub, secret_values
from .render import RENDERERS, Rendered, RenderOptions, number_manifests, render_release
from .rules import BY_ID
from .values import NGC_PULL_SECRET_PLACEHOLDER, ValueOptions, merge_values, with_pull_secret_placeholder


class RenderKeywords(TypedDict, total=False):
    """Keyword arguments of ``lint_chart`` and ``render_chart`` that shape the render.

    Values layers in Helm's order after ``values``: ``value_files`` (``-f``), ``configuration``
    (NVCF's deployment override: a mapping, JSON text or ``@file``), then ``set_json``,
    ``set_values`` (``--set``), ``set_string`` and ``set_file`` expressions. Render settings
    default to the profile's (NVCF: release ``mini-service``, namespace ``default``, Kubernetes
    v1.20.0). ``renderer`` is ``embedded`` (default) or ``helm``.

    ``pull_secret_placeholder`` is the secret name rendered for ``ngcImagePullSecretName`` and
    ``global.ngcImagePullSecretName`` when the chart's values.yaml defines them and the user does not
    set them, as NVCF fills them at deployment (default ``nvcf-image-pull-secret``; None: leave them).
    """

    value_files: Sequence[str]
    set_values: Sequence[str]
    set_string: Sequence[str]
    set_json: Sequence[str]
    set_file: Sequence[str]
    configuration: str | dict[str, Any] | None
    release_name: str | None
    namespace: str | None
    kube_version: str | None
    api_versions: Sequence[str]
    renderer: str
    pull_secret_placeholder: str | None


# --- policy --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyOptions:
    """How to judge a release, as the CLI's policy flags, the library's keywords and the webhook's
    serve flags give it; ``resolve_policy`` turns it into a profile and a function definition."""

    profile: str | Profile = DEFAULT_PROFILE
    backend: str | None = None  # None: the function deployment's backend, if any
    strict: bool = False
    disabled: tuple[str, ...] = ()  # rule ids to skip (--disable)
    pss_level: str | None = None  # --pss-level: replaces the profile's Pod Security Standards level
    pss_version: str | None = None  # --pss-version
    function_file: str | None = None  # --function: the NVCF function-creation payload
    deployment_file: str | None = None  # --deployment: the NVCF deployment payload
    deployment_index: int | None = None
    service_name: str | None = None
    inference_port: int | None = None
    instance_type: str | None = None


def resolve_policy(options: PolicyOptions, function: FunctionSpec | None = None) -> tuple[Profile, FunctionSpec | None]:
    """The profile (loaded for its backend, strict or not, with the rule and PSS overrides) and the
    function definition (``function``, or loaded from the payload files and flags; None when no
    fact about the function is given)."""
    wants_function = options.function_file or options.deployment_file
    if wants_function or any(v is not None for v in (options.deployment_index, options.service_name, options.inference_port)):
        function = load_function(
            options.function_file,
            options.deployment_file,
            deployment_index=options.deployment_index,
            service_name=options.service_name,
            inference_port=options.inference_port,
        )
    function = with_instance_type(function, options.instance_type)
    profile = options.profile
    if not isinstance(profile, Profile):
        profile = load_profile(profile or DEFAULT_PROFILE, backend=_backend(options.backend, function), strict=options.strict)
    if options.pss_level or options.pss_version:
        profile = with_pod_security(profile, level=options.pss_level, version=options.pss_version)
    if options.disabled:
        unknown = [rule_id for rule_id in options.disabled if rule_id not in BY_ID]
        if unknown:
            raise UsageError(f"--disable: unknown rule id {unknown[0]!r} (see `chartguard rules`)")
        profile = replace(profile, rules=[c for c in profile.rules if c.rule.id not in options.disabled])
    return profile, function


# --- input ---------------------------------------------------------------------------------------

#: The most bytes chartguard reads from a manifest file or stdin.
MAX_STREAM_BYTES = 64 * 1024 * 1024
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
#: The render keywords that make sense only for a chart, with the CLI flag that sets each.
CHART_ONLY = {
    "value_files": "-f/--values", "set_values": "--set", "set_string": "--set-string", "set_json": "--set-json",
    "set_file": "--set-file", "configuration": "--configuration", "release_name": "--release-name",
    "namespace": "--namespace", "kube_version": "--kube-version", "api_versions": "--api-versions",
}  # fmt: skip


def release_for(target: str, profile: Profile, function: FunctionSpec | None = None, **render: Unpack[RenderKeywords]) -> Release:
    """The release to lint or fix: ``-`` reads manifests from stdin, a ``.yaml``/``.yml``/``.json``
    file (not gzip) is read as manifests, anything else is rendered as a chart (directory or .tgz)."""
    if target == "-" or is_manifest_file(target):
        used = [flag for key, flag in CHART_ONLY.items() if render.get(key)]
        used += ["--renderer"] if render.get("renderer") not in (None, "embedded") else []
        if used:
            raise UsageError(f"{', '.join(used)}: values and render flags apply to charts, not to rendered manifests ({target})")
        text = read_stdin() if target == "-" else read_manifest_file(target)
        return manifest_release(text, profile=profile, source="<stdin>" if target == "-" else target, function=function)
    return chart_release(target, profile=profile, function=function, **render)


def is_manifest_file(target: str) -> bool:
    """Whether ``target`` is a rendered-manifest file (a gzip file named .yaml is still a chart archive)."""
    path = Path(target)
    if not path.is_file() or not target.lower().endswith(MANIFEST_SUFFIXES):
        return False
    with path.open("rb") as handle:
        return handle.read(2) != b"\x1f\x8b"


def read_manifest_file(target: str) -> str:
    """A manifest file's text, at most MAX_STREAM_BYTES (whatever its size claims)."""
    return decode_text(read_input(target, MAX_STREAM_BYTES, "manifest file"), target)


def read_stdin() -> str:
    """Manifests piped on stdin, at most MAX_STREAM_BYTES (a terminal is a usage error)."""
    try:
        data = inputs.read_stdin(MAX_STREAM_BYTES, "manifests", "pipe `helm template` into it")
    except TooLarge:
        raise InputError(f"<stdin>: more than {MAX_STREAM_BYTES:,} bytes") from None
    return decode_text(data, "<stdin>")


def decode_text(data: bytes, where: str) -> str:
    """``data`` as UTF-8, or an InputError naming the line and byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"{where}: line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


# --- releases ------------------------------------------------------------------------------------


@dataclass
class Release:
    """A release ready to check: its objects (``Manifest.index`` numbers them in stream order) and
    what the rules see besides them. ``lint()`` gives its Report; ``objects`` are the objects
    ``chartguard.apply_fixes`` takes with that report."""

    manifests: list[Manifest]
    hooks: list[Manifest]
    profile: Profile
    chart: ChartSource | None = None
    function: FunctionSpec | None = None
    values: dict[str, Any] | None = None  # the values given to Helm; None for rendered manifests
    target: str = ""
    input_path: str = ""  # the file findings point at when there is no chart
    notes: str | None = None  # the chart's rendered NOTES.txt
    live: bool = False  # one object being admitted (``object_release``)

    @property
    def ordered(self) -> list[Manifest]:
        """Every manifest, hooks included, in index order."""
        return sorted(self.manifests + self.hooks, key=lambda manifest: manifest.index)

    @property
    def objects(self) -> list[dict[str, Any]]:
        """The objects in index order, as ``apply_fixes`` takes them."""
        return [manifest.obj for manifest in self.ordered]

    def lint(self, *, fixes: bool = True) -> Report:
        """Check the release against its profile (``fixes=False``: plan no repairs, faster)."""
        report = run_rules(
            self.manifests,
            self.profile,
            hooks=self.hooks,
            chart=self.chart,
            target=self.target,
            input_path=self.input_path,
            function=self.function,
            values=self.values,
            fixes=fixes,
            live=self.live,
        )
        if report.chart is not None and self.notes is not None:
            # rendered, never installed: reported (without the release's secrets), not linted
            report.chart["notes"] = scrub(self.notes, secret_values(m.obj for m in self.ordered))
        return report


def chart_release(
    path: str | os.PathLike[str],
    values: dict[str, Any] | None = None,
    *,
    profile: Profile,
    function: FunctionSpec | None = None,
    **render: Unpack[RenderKeywords],
) -> Release:
    """Render a chart into a Release to lint or fix; the function deployment's ``configuration``
    applies when ``render`` gives none."""
    deployment = function.deployment if function is not None else None
    if deployment is not None and render.get("configuration") is None and deployment.configuration is not None:
        render["configuration"] = deployment.configuration
    chart = load_chart(path)
    rendered = render_chart(chart, values, profile=profile, **render)
    return Release(
        rendered.manifests,
        rendered.hooks,
        profile,
        chart=chart,
        function=function,
        values=rendered.values,
        target=chart.display,
        notes=rendered.notes,
    )


def manifest_release(
    manifests: str | Iterable[dict[str, Any]],
    *,
    profile: Profile,
    source: str = "<input>",
    function: FunctionSpec | None = None,
) -> Release:
    """Read rendered manifests (YAML text, or objects in order) into a Release to lint or fix;
    objects annotated ``helm.sh/hook`` are hooks, as Helm treats them."""
    parsed = parse_stream(manifests, source) if isinstance(manifests, str) else _from_objects(manifests)
    regular = [m for m in parsed if m.hook is None]
    hooks = [m for m in parsed if m.hook is not None]
    return Release(regular, hooks, profile, function=function, target=source, input_path=source)


def object_release(obj: dict[str, Any], *, profile: Profile) -> Release:
    """One live object (an admission request's) as a Release, built cheaply for the webhook's hot path.

    Unlike ``manifest_release`` it does not serialise the object to YAML: its size (``object-size``)
    is that of its compact JSON and findings carry no source lines. Hook annotations are ignored:
    the object is being created in the cluster, whatever Helm would have done with it.
    """
    text = _compact_json(obj)
    manifest = Manifest(obj=obj, text=text, index=0, _line_index={})  # no lines: every pointer → line 1
    return Release([manifest], [], profile, target="<admission>", live=True)


def _compact_json(obj: dict[str, Any]) -> str:
    """``obj`` as compact JSON text (orjson when installed: ~10x faster than ``json``)."""
    try:
        return orjson.dumps(obj).decode("utf-8")
    except (ImportError, TypeError):  # orjson.JSONEncodeError is a TypeError (non-str keys, huge ints)
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)


def render_chart(
    chart: str | os.PathLike[str] | ChartSource,
    values: dict[str, Any] | None = None,
    *,
    profile: str | Profile = DEFAULT_PROFILE,
    **render: Unpack[RenderKeywords],
) -> Rendered:
    """Render a chart into Helm's release (objects in install order, hooks and NOTES apart)."""
    unknown = sorted(set(render) - set(RenderKeywords.__annotations__))
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(unknown)}")
    resolved = profile if isinstance(profile, Profile) else load_profile(profile)
    source = chart if isinstance(chart, ChartSource) else load_chart(chart)
    user_values = merge_values(
        ValueOptions(
            value_files=list(render.get("value_files", ())),
            configuration=render.get("configuration"),
            set_json=list(render.get("set_json", ())),
            set=list(render.get("set_values", ())),
            set_string=list(render.get("set_string", ())),
            set_file=list(render.get("set_file", ())),
        ),
        values,
    )
    placeholder = render.get("pull_secret_placeholder", NGC_PULL_SECRET_PLACEHOLDER)
    if placeholder:
        user_values = with_pull_secret_placeholder(user_values, source.values(), placeholder)
    defaults = resolved.render
    options = RenderOptions(
        release_name=render.get("release_name") or defaults.get("release_name", "mini-service"),
        namespace=render.get("namespace") or defaults.get("namespace", "default"),
        kube_version=render.get("kube_version") or defaults.get("kube_version"),
        api_versions=list(render.get("api_versions", ())),
    )
    renderer = render.get("renderer", "embedded")
    if renderer not in RENDERERS:
        raise UsageError(f"unknown renderer {renderer!r} (choose from {', '.join(RENDERERS)})")
    rendered = render_release(source, user_values, options, RENDERERS[renderer]())
    rendered.values = user_values
    return rendered


def _backend(backend: str | None, function: FunctionSpec | None) -> str | None:
    """``backend``, or the function deployment's when none is given."""
    if not backend and function is not None and function.deployment is not None:
        return function.deployment.backend
    return backend


def _from_objects(objects: Iterable[dict[str, Any]]) -> list[Manifest]:

    manifests = []
    for i, obj in enumerate(objects):
        if not isinstance(obj, dict):
            raise UsageError(f"object {i}: expected a mapping, got {type(obj).__name__}")
        text = yaml.safe_dump(obj, sort_keys=False)
        manifests.append(Manifest(obj=obj, text=text, index=i))
    return manifests


@dataclass
class Fixed:
    """A release before and after its fixes."""

    report: Report  # the release's lint: ``report.fixes`` were applied, ``finding.unfixable_reason`` says why not
    patched: Release  # the release after the fixes
    relint: Report  # the patched release's lint
    before: str  # the stream as rendered or read (``helm template`` format, hooks last)
    after: str  # the patched stream


def fix_release(release: Release, patched_name: str = "") -> Fixed:
    """Lint ``release``, apply the fixes (``chartguard.apply_fixes``), lint the result.

    ``patched_name`` names the patched stream in the re-lint's findings when the release has no
    chart (whose templates the findings point at otherwise)."""
    report = release.lint()
    ordered = release.ordered
    patched_objects = apply_fixes(release.objects, report)
    dropped = {fix.index for fix in report.fixes if fix.drop}
    kept = [manifest for manifest in ordered if manifest.index not in dropped]
    manifests = [
        replace(manifest) if obj is manifest.obj or obj == manifest.obj else _rewritten(manifest, obj)
        for manifest, obj in zip(kept, patched_objects, strict=True)
    ]
    number_manifests(manifests)
    name = patched_name or f"{release.target or '<input>'} (fixed)"
    patched = replace(
        release,
        manifests=[m for m in manifests if m.hook is None],
        hooks=[m for m in manifests if m.hook is not None],
        target=release.target if release.chart is not None else name,
        input_path=release.input_path if release.chart is not None else name,
    )
    return Fixed(report, patched, patched.lint(), _stream(ordered), _stream(manifests))


def _rewritten(manifest: Manifest, obj: dict[str, Any]) -> Manifest:
    return Manifest(obj=obj, text=dump_object(obj), template=manifest.template)


def _stream(manifests: list[Manifest]) -> str:
    return Rendered(manifests=manifests, hooks=[]).stream()
