"""Load a chart safely: a directory or a packaged ``.tgz``, its Chart.yaml and its template sources.

Every file of the chart tree, subchart archives included, is read once, within one budget, by
``chart_tree`` (limits, links, devices, archive bombs); the chart is then held in memory and the
engine is given a packaged copy of it without its values schemas (``ChartSource.engine_archive``).
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .chart_tree import (
    MAX_COMPRESSED_BYTES,
    MAX_FILE_BYTES,
    MAX_TREE_BYTES,
    ChartTree,
    engine_archive,
    read_directory,
    read_packaged,
)
from .errors import InputError, RenderError
from .findings import Location
from .inputs import read_input
from .manifests import safe_load

__all__ = ["MAX_COMPRESSED_BYTES", "MAX_FILE_BYTES", "MAX_TREE_BYTES", "ChartSource", "chart_from_archive", "load_chart"]


@dataclass
class ChartSource:
    """A chart ready to render: every file of its tree (``tree``, paths relative to the chart,
    subcharts expanded) and where it came from.

    ``display`` is how paths are shown to the user (the path they gave); ``root`` is the top folder
    of a packaged chart (``mychart``), ``""`` for a directory; ``directory`` and ``archive`` are the
    original chart (for ``--renderer helm``).
    """

    display: str
    metadata: dict[str, Any]
    tree: ChartTree = field(default_factory=ChartTree)
    directory: Path | None = None
    archive: bytes | None = None
    root: str = ""
    _values: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)
    _engine_archive: bytes | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def name(self) -> str:
        return str(self.metadata.get("name") or "")

    @property
    def version(self) -> str:
        return str(self.metadata.get("version") or "")

    def engine_archive(self) -> bytes:
        """The chart as the engine loads it: packaged, values schemas left out."""
        if self._engine_archive is None:
            self._engine_archive = engine_archive(self.tree, self.name)
        return self._engine_archive

    def template_source(self, template: str) -> str | None:
        """Source text of a rendered template name (``mychart/charts/sub/templates/x.yaml``)."""
        relative = self._relative(template)
        if relative is None:
            return None
        data = self.tree.files.get(relative)
        return None if data is None else data.decode("utf-8", "replace")

    def display_path(self, template: str) -> str:
        """Where to point the user for a template: a path under the chart they gave."""
        relative = self._relative(template)
        if relative is None:
            return template
        if not self.root:
            return posixpath.join(self.display, relative) if self.display != "." else relative
        return f"{self.display}:{self.root}/{relative}"

    def chart_yaml_location(self, key: str) -> Location:
        """Location of a top-level key in Chart.yaml (line 1 when absent)."""
        return self.file_location("Chart.yaml", key)

    def file_location(self, relative: str, key: str | None = None) -> Location:
        """Location of a chart file (``values.yaml``), at its top-level ``key`` when given and present."""
        template = f"{self.name}/{relative}"
        line = 1
        if key:
            source = self.template_source(template) or ""
            match = re.search(rf"^{re.escape(key)}\s*:", source, re.MULTILINE)
            line = source.count("\n", 0, match.start()) + 1 if match else 1
        return Location(path=self.display_path(template), line=line)

    def values(self) -> dict[str, Any]:
        """The chart's own values.yaml (its defaults); ``{}`` when absent or unreadable (Helm reports that)."""
        if self._values is None:
            try:
                loaded = safe_load(self.template_source(f"{self.name}/values.yaml") or "")
            except (yaml.YAMLError, InputError):
                loaded = None
            self._values = loaded if isinstance(loaded, dict) else {}
        return self._values

    def from_subchart(self, template: str) -> bool:
        """Whether a rendered template name belongs to a subchart (``mychart/charts/sub/...``)."""
        relative = self._relative(template)
        return relative is not None and relative.startswith("charts/")

    def _relative(self, template: str) -> str | None:
        """``mychart/templates/x.yaml`` → ``templates/x.yaml`` (path inside the chart)."""
        head, sep, rest = template.partition("/")
        if not sep or head != self.name:
            return None
        return rest


def load_chart(path: str | os.PathLike[str]) -> ChartSource:
    """Load a chart directory or ``.tgz``; raise InputError with a one-line reason when unusable."""
    path = Path(path)
    display = os.fspath(path)
    if path.is_dir():
        if not (path / "Chart.yaml").is_file():
            raise InputError(f"{display}: not a Helm chart (no Chart.yaml)")
        tree = read_directory(display, display)
        if "Chart.yaml" not in tree.files:
            raise InputError(f"{display}: not a Helm chart (no Chart.yaml)")
        metadata = _parse_chart_yaml(tree.files["Chart.yaml"], f"{display}/Chart.yaml")
        return ChartSource(display=display, metadata=metadata, tree=tree, directory=path)
    if path.exists():
        return chart_from_archive(read_input(display, MAX_COMPRESSED_BYTES, "chart archive"), display)
    raise InputError(f"{display}: no such file or directory")


def chart_from_archive(data: bytes, display: str) -> ChartSource:
    """A packaged chart's bytes (a file, a download) as a ChartSource."""
    tree, root = read_packaged(data, display)
    chart_yaml = tree.files.get("Chart.yaml")
    if chart_yaml is None:
        raise InputError(f"{display}: not a Helm chart archive (no {root}/Chart.yaml)")
    metadata = _parse_chart_yaml(chart_yaml, f"{display}:{root}/Chart.yaml")
    return ChartSource(display=display, metadata=metadata, tree=tree, archive=data, root=root)


def _parse_chart_yaml(data: bytes, where: str) -> dict[str, Any]:
    try:
        metadata = safe_load(data.decode("utf-8", "replace"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}:" if mark else ""
        raise InputError(f"{where}:{line} invalid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(metadata, dict):
        raise InputError(f"{where}: Chart.yaml must be a mapping")
    for key in ("name", "version"):
        if not metadata.get(key):
            raise InputError(f"{where}: Chart.yaml has no {key!r} (Helm requires it)")
    return metadata


def missing_dependencies(declared: list[dict[str, Any]], loaded: list[dict[str, Any]]) -> list[str]:
    """Names of Chart.yaml dependencies that have no chart under ``charts/`` (as Helm checks)."""
    present = {str(d.get("name")) for d in loaded}
    return [str(d.get("name")) for d in declared if isinstance(d, dict) and str(d.get("name")) not in present]


def require_dependencies(chart: ChartSource, loaded: list[dict[str, Any]]) -> None:
    """Raise RenderError naming every declared dependency missing from ``charts/``."""
    declared = chart.metadata.get("dependencies") or []
    missing = missing_dependencies(declared if isinstance(declared, list) else [], loaded)
    if missing:
        raise RenderError(
            f"{chart.display}: found in Chart.yaml, but missing in charts/ directory: {', '.join(missing)}",
            hint="run `helm dependency build` to fetch missing dependencies",
        )
