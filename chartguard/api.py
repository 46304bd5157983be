"""The library API: lint a chart or a manifest stream, render a chart.

    >>> import chartguard
    >>> report = chartguard.lint_chart("testcharts/good", values={"image": {"tag": "1.4.2"}})
    >>> report.failed(), report.summary()["errors"]

Both functions return a ``Report`` (``report.to_dict()`` is the JSON output format) and raise a
``ChartguardError`` subclass with a one-line message for input they cannot judge.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypedDict, Unpack

from .chart import ChartSource, load_chart
from .engine import run_rules
from .errors import UsageError
from .findings import Report
from .fixes import apply_fixes
from .function import FunctionSpec, with_instance_type
from .manifests import Manifest, parse_stream
from .output.fixed import dump_object
from .profile import DEFAULT_PROFILE, Profile, load_profile
from .render import RENDERERS, Rendered, RenderOptions, number_manifests, render_release
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


def lint_chart(
    path: str | os.PathLike[str],
    values: dict[str, Any] | None = None,
    *,
    profile: str | Profile = DEFAULT_PROFILE,
    backend: str | None = None,
    strict: bool = False,
    function: FunctionSpec | None = None,
    instance_type: str | None = None,
    **render: Unpack[RenderKeywords],
) -> Report:
    """Render the chart at ``path`` (directory or ``.tgz``) with Helm and check it against
    ``profile`` for ``backend``; ``values`` and ``render`` as in ``RenderKeywords``.

    With a ``function`` definition, the rules check the chart against it too; its deployment's
    ``backend`` applies when ``backend`` is None, and its ``configuration`` when ``configuration``
    is not given (an explicit ``configuration`` replaces the deployment's). ``instance_type``
    (``ON-PREM.GPU.B200_8x.x2``) sets the deployment's instance type for the GPU rules.
    """
    function = with_instance_type(function, instance_type)
    return chart_release(path, values, profile=profile, backend=backend, strict=strict, function=function, **render).lint()


def lint_manifests(
    manifests: str | Iterable[dict[str, Any]],
    *,
    profile: str | Profile = DEFAULT_PROFILE,
    backend: str | None = None,
    strict: bool = False,
    source: str = "<input>",
    function: FunctionSpec | None = None,
    instance_type: str | None = None,
) -> Report:
    """Check already-rendered manifests: YAML text (``helm template`` output) or objects in order.

    Objects annotated ``helm.sh/hook`` are treated as hooks, as Helm does. A ``function``
    definition's deployment ``backend`` applies when ``backend`` is None (its ``configuration``
    cannot: the manifests are rendered already). ``instance_type`` as in ``lint_chart``.
    """
    function = with_instance_type(function, instance_type)
    return manifest_release(manifests, profile=profile, backend=backend, strict=strict, source=source, function=function).lint()


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
        )
        if report.chart is not None and self.notes is not None:
            report.chart["notes"] = self.notes  # rendered, never installed: reported, not linted
        return report


def chart_release(
    path: str | os.PathLike[str],
    values: dict[str, Any] | None = None,
    *,
    profile: str | Profile = DEFAULT_PROFILE,
    backend: str | None = None,
    strict: bool = False,
    function: FunctionSpec | None = None,
    **render: Unpack[RenderKeywords],
) -> Release:
    """Render a chart into a Release to lint or fix (arguments as ``lint_chart``)."""
    deployment = function.deployment if function is not None else None
    if deployment is not None and render.get("configuration") is None and deployment.configuration is not None:
        render["configuration"] = deployment.configuration
    resolved = _profile(profile, _backend(backend, function), strict)
    chart = load_chart(path)
    rendered = render_chart(chart, values, profile=resolved, **render)
    return Release(
        rendered.manifests,
        rendered.hooks,
        resolved,
        chart=chart,
        function=function,
        values=rendered.values,
        target=chart.display,
        notes=rendered.notes,
    )


def manifest_release(
    manifests: str | Iterable[dict[str, Any]],
    *,
    profile: str | Profile = DEFAULT_PROFILE,
    backend: str | None = None,
    strict: bool = False,
    source: str = "<input>",
    function: FunctionSpec | None = None,
) -> Release:
    """Read rendered manifests into a Release to lint or fix (arguments as ``lint_manifests``)."""
    resolved = _profile(profile, _backend(backend, function), strict)
    parsed = parse_stream(manifests, source) if isinstance(manifests, str) else _from_objects(manifests)
    regular = [m for m in parsed if m.hook is None]
    hooks = [m for m in parsed if m.hook is not None]
    return Release(regular, hooks, resolved, function=function, target=source, input_path=source)


def object_release(obj: dict[str, Any], *, profile: Profile) -> Release:
    """One live object (an admission request's) as a Release, built cheaply for the webhook's hot path.

    Unlike ``manifest_release`` it does not serialise the object to YAML: its size (``object-size``)
    is that of its compact JSON and findings carry no source lines. Hook annotations are ignored:
    the object is being created in the cluster, whatever Helm would have done with it.
    """
    text = _compact_json(obj)
    manifest = Manifest(obj=obj, text=text, index=0, _line_index={})  # no lines: every pointer → line 1
    return Release([manifest], [], profile, target="<admission>")


def _compact_json(obj: dict[str, Any]) -> str:
    """``obj`` as compact JSON text (orjson when installed: ~10x faster than ``json``)."""
    try:
        import orjson

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
    resolved = _profile(profile, None, False)
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


def _profile(profile: str | Profile, backend: str | None, strict: bool) -> Profile:
    if isinstance(profile, Profile):
        return profile
    return load_profile(profile, backend=backend, strict=strict)


def _from_objects(objects: Iterable[dict[str, Any]]) -> list[Manifest]:
    import yaml

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
