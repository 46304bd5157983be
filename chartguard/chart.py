"""Load a chart safely: a directory or a packaged ``.tgz``, its Chart.yaml and its template sources.

Archives are read in memory, member by member, and rejected with a clear error when an entry is
an absolute path, climbs out with ``..``, is a link or device, is larger than Helm allows, or when
the archive decompresses beyond Helm's total limit (archive bombs). Nothing is written to disk.
"""

from __future__ import annotations

import gzip
import io
import os
import posixpath
import re
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .errors import InputError, RenderError
from .findings import Location
from .manifests import safe_load

if TYPE_CHECKING:  # archives are rare on the CLI path: tarfile and gzip load only for them
    import gzip
    import tarfile

#: Helm's loader limits (pkg/chart/loader: MaxDecompressedChartSize / MaxDecompressedFileSize).
MAX_ARCHIVE_BYTES = 100 * 1024 * 1024
MAX_ENTRY_BYTES = 5 * 1024 * 1024
MAX_ENTRIES = 10_000
#: A packaged chart larger than this (compressed) is refused before it is read.
MAX_COMPRESSED_BYTES = 20 * 1024 * 1024


@dataclass
class ChartSource:
    """A chart ready to render.

    ``display`` is how paths are shown to the user (the path they gave); ``files`` holds the
    archive's members (``{path inside archive: bytes}``) for packaged charts and is empty for
    directories, which are read from ``directory``.
    """

    display: str
    metadata: dict[str, Any]
    directory: Path | None = None
    archive: bytes | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    root: str = ""  # top folder inside the archive ("mychart")
    _values: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def name(self) -> str:
        return str(self.metadata.get("name") or "")

    @property
    def version(self) -> str:
        return str(self.metadata.get("version") or "")

    def template_source(self, template: str) -> str | None:
        """Source text of a rendered template name (``mychart/charts/sub/templates/x.yaml``)."""
        relative = self._relative(template)
        if relative is None:
            return None
        if self.directory is not None:
            try:
                return (self.directory / relative).read_text(encoding="utf-8", errors="replace")
            except OSError:
                return None
        data = self.files.get(f"{self.root}/{relative}" if self.root else relative)
        return None if data is None else data.decode("utf-8", "replace")

    def display_path(self, template: str) -> str:
        """Where to point the user for a template: a path under the chart they gave."""
        relative = self._relative(template)
        if relative is None:
            return template
        if self.directory is not None:
            return posixpath.join(self.display, relative) if self.display != "." else relative
        return f"{self.display}:{self.root}/{relative}" if self.root else f"{self.display}:{relative}"

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
        chart_yaml = path / "Chart.yaml"
        if not chart_yaml.is_file():
            raise InputError(f"{display}: not a Helm chart (no Chart.yaml)")
        metadata = _parse_chart_yaml(chart_yaml.read_bytes(), f"{display}/Chart.yaml")
        return ChartSource(display=display, metadata=metadata, directory=path)
    if path.is_file():
        size = path.stat().st_size
        if size > MAX_COMPRESSED_BYTES:
            raise InputError(f"{display}: chart archive is {size:,} bytes (limit {MAX_COMPRESSED_BYTES:,})")
        data = path.read_bytes()
        files, root = read_archive(data, display)
        chart_yaml_data = files.get(f"{root}/Chart.yaml")
        if chart_yaml_data is None:
            raise InputError(f"{display}: not a Helm chart archive (no {root}/Chart.yaml)")
        metadata = _parse_chart_yaml(chart_yaml_data, f"{display}:{root}/Chart.yaml")
        return ChartSource(display=display, metadata=metadata, archive=data, files=files, root=root)
    raise InputError(f"{display}: no such file or directory")


def read_archive(data: bytes, display: str) -> tuple[dict[str, bytes], str]:
    """Read a gzipped tar chart into ``{member path: bytes}``, enforcing every safety limit.

    Returns the files and the archive's single top-level folder.
    """

    stream = _LimitedReader(gzip.GzipFile(fileobj=io.BytesIO(data)), MAX_ARCHIVE_BYTES + 1024 * 1024, display)
    files: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(fileobj=stream, mode="r|") as archive:
            for member in archive:
                name = _safe_member_name(member, display)
                if member.isdir():
                    continue
                if len(files) >= MAX_ENTRIES:
                    raise InputError(f"{display}: archive has more than {MAX_ENTRIES:,} entries")
                if member.size > MAX_ENTRY_BYTES:
                    raise InputError(f"{display}: entry {name} is {member.size:,} bytes (limit {MAX_ENTRY_BYTES:,} per file)")
                total += member.size
                if total > MAX_ARCHIVE_BYTES:
                    raise InputError(f"{display}: archive decompresses beyond {MAX_ARCHIVE_BYTES:,} bytes (archive bomb?)")
                handle = archive.extractfile(member)
                files[name] = handle.read() if handle else b""
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{display}: not a valid chart archive ({exc})") from None
    if not files:
        raise InputError(f"{display}: the archive holds no files (not a packaged chart)")
    loose = sorted(name for name in files if "/" not in name)
    if loose:
        raise InputError(
            f"{display}: archive entry {loose[0]!r} is not inside the chart's folder",
            hint="a packaged chart holds one folder (mychart/Chart.yaml, ...); build it with `helm package`",
        )
    roots = {name.split("/", 1)[0] for name in files}
    if len(roots) != 1:
        raise InputError(f"{display}: a chart archive must hold exactly one top-level folder, found {sorted(roots)}")
    return files, roots.pop()


def _safe_member_name(member: tarfile.TarInfo, display: str) -> str:
    name = member.name
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or "\\" in name:
        raise InputError(f"{display}: archive entry {name!r} has an absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise InputError(f"{display}: archive entry {name!r} climbs out of the chart with '..'")
    if member.issym() or member.islnk():
        raise InputError(f"{display}: archive entry {name!r} is a link (links are not allowed in charts)")
    if not (member.isfile() or member.isdir()):
        raise InputError(f"{display}: archive entry {name!r} is not a regular file")
    return "/".join(parts)


class _LimitedReader(io.RawIOBase):
    """Wraps the gzip stream and fails once more than ``limit`` bytes were decompressed."""

    def __init__(self, inner: gzip.GzipFile, limit: int, display: str) -> None:
        self._inner, self._limit, self._read, self._display = inner, limit, 0, display

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        self._read += len(data)
        if self._read > self._limit:
            raise InputError(f"{self._display}: archive decompresses beyond {MAX_ARCHIVE_BYTES:,} bytes (archive bomb?)")
        buffer[: len(data)] = data
        return len(data)


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
