"""Read a whole chart tree within one budget: a directory or a packaged chart, and every subchart
archive inside it, so that no chart can make chartguard read or hold more than the budget allows.

The budget (``Budget``) counts files and decompressed bytes over the whole tree, nested subchart
archives included, and limits how deep subcharts nest; each file is read with a byte limit that
never trusts what the file system says about its size. Directories are read as Helm's loader reads
them (``.helmignore`` applied), except that only regular files are read, a symbolic link is
followed only when it stays inside the chart, and nothing outside the chart is ever opened.
Archives are read in memory; an entry with an absolute path, ``..``, a link or a device is refused.
The result is ``{path inside the chart: bytes}`` with every subchart archive expanded into
``charts/<name>/``, which is what the engine is given (``engine_archive``).
"""

from __future__ import annotations

import gzip
import io
import os
import posixpath
import stat
import tarfile
import zlib
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError
from .helmignore import HelmIgnore
from .inputs import TooLarge, read_stream

#: Helm's loader limits (pkg/chart/loader: MaxDecompressedChartSize / MaxDecompressedFileSize),
#: here for the whole tree, subchart archives included.
MAX_TREE_BYTES = 100 * 1024 * 1024
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILES = 10_000
#: A packaged chart larger than this (compressed) is refused before it is read.
MAX_COMPRESSED_BYTES = 20 * 1024 * 1024
#: Subcharts of subcharts ... deeper than this are refused.
MAX_SUBCHART_DEPTH = 8
#: Files a values schema may not be handed to the engine under (it would resolve their $refs).
SCHEMA_FILE = "values.schema.json"
_NOT_REGULAR = "not a regular file (a device, FIFO or socket cannot be in a chart)"


@dataclass
class Budget:
    """What is left to read of one chart tree."""

    display: str
    files: int = MAX_FILES
    bytes: int = MAX_TREE_BYTES

    def charge(self, name: str, size: int) -> None:
        """Count one file of ``size`` bytes; InputError when the tree goes over a limit."""
        if size > MAX_FILE_BYTES:
            raise InputError(f"{self.display}: entry {name} is {size:,} bytes (limit {MAX_FILE_BYTES:,} per file)")
        self.files -= 1
        if self.files < 0:
            raise InputError(f"{self.display}: the chart has more than {MAX_FILES:,} files (subcharts included)")
        self.bytes -= size
        if self.bytes < 0:
            raise InputError(f"{self.display}: the chart decompresses beyond {MAX_TREE_BYTES:,} bytes (archive bomb?)")


@dataclass
class ChartTree:
    """Every file of a chart, subcharts expanded: ``files[path relative to the chart] = bytes``."""

    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def has_values_schema(self) -> bool:
        """Whether any chart of the tree ships a values schema."""
        return any(posixpath.basename(path) == SCHEMA_FILE for path in self.files)

    def chart_roots(self) -> list[str]:
        """The folders holding a chart (``""`` for the chart itself, ``charts/sub``, ...)."""
        return sorted(posixpath.dirname(path) for path in self.files if posixpath.basename(path) == "Chart.yaml")


def read_directory(path: str, display: str) -> ChartTree:
    """The files of a chart directory, as Helm's directory loader would load them."""
    budget = Budget(display)
    root = os.path.realpath(path)
    ignore_text = _read_regular(os.path.join(root, ".helmignore"), ".helmignore", budget, optional=True)
    rules = HelmIgnore(ignore_text.decode("utf-8", "replace") if ignore_text else "", f"{display}/.helmignore")
    tree = ChartTree()
    _walk(root, root, "", rules, budget, tree, {root})
    return _expand_subcharts(tree, budget)


def _walk(root: str, folder: str, prefix: str, rules: HelmIgnore, budget: Budget, tree: ChartTree, seen: set[str]) -> None:
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        raise InputError(f"{budget.display}/{prefix}: cannot list the folder ({exc.strerror})") from None
    for name in names:
        relative = f"{prefix}{name}"
        full = os.path.join(folder, name)
        info = os.lstat(full)
        if stat.S_ISLNK(info.st_mode):
            target = os.path.realpath(full)
            if target != root and not target.startswith(root + os.sep):
                raise InputError(f"{budget.display}/{relative}: symbolic link to a file outside the chart (not followed)")
            full, info = target, os.stat(target)
        if stat.S_ISDIR(info.st_mode):
            if rules.ignores(relative, is_dir=True):
                continue
            if full in seen:
                raise InputError(f"{budget.display}/{relative}: symbolic links form a loop")
            _walk(root, full, f"{relative}/", rules, budget, tree, seen | {full})
        elif not rules.ignores(relative, is_dir=False):
            if not stat.S_ISREG(info.st_mode):
                raise InputError(f"{budget.display}/{relative}: {_NOT_REGULAR}")
            data = _read_regular(full, relative, budget)
            assert data is not None
            tree.files[relative] = data


def _read_regular(path: str, name: str, budget: Budget, optional: bool = False) -> bytes | None:
    """A regular file's bytes, opened without blocking (a FIFO swapped in is refused, not waited
    for) and read up to the per-file limit; charged to ``budget``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        if optional:
            return None
        raise InputError(f"{budget.display}/{name}: no such file") from None
    except OSError as exc:
        raise InputError(f"{budget.display}/{name}: cannot read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(f"{budget.display}/{name}: {_NOT_REGULAR}")
        try:
            data = read_stream(handle, MAX_FILE_BYTES)
        except TooLarge:
            raise InputError(f"{budget.display}: entry {name} is larger than {MAX_FILE_BYTES:,} bytes (limit per file)") from None
    budget.charge(name, len(data))
    return data


def read_packaged(data: bytes, display: str) -> tuple[ChartTree, str]:
    """The files of a packaged chart (its single top folder stripped) and that folder's name."""
    budget = Budget(display)
    files, top = _read_archive(data, display, budget)
    tree = ChartTree({path[len(top) + 1 :]: content for path, content in files.items()})
    return _expand_subcharts(tree, budget), top


def _read_archive(data: bytes, display: str, budget: Budget) -> tuple[dict[str, bytes], str]:
    """A gzipped tar chart as ``{member path: bytes}`` and its single top folder, every member
    checked and charged to ``budget`` while it is decompressed."""
    stream = _LimitedReader(gzip.GzipFile(fileobj=io.BytesIO(data)), budget)
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=stream, mode="r|") as archive:
            for member in archive:
                name = _safe_member_name(member, display)
                if member.isdir():
                    continue
                budget.charge(name, member.size)
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
    """The gzip stream, failing once the tree's budget of decompressed bytes is spent (tar headers
    and padding count too, so a bomb of empty entries is stopped as well)."""

    def __init__(self, inner: gzip.GzipFile, budget: Budget) -> None:
        self._inner, self._budget, self._left = inner, budget, budget.bytes + 1024 * 1024

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        self._left -= len(data)
        if self._left < 0:
            raise InputError(f"{self._budget.display}: the chart decompresses beyond {MAX_TREE_BYTES:,} bytes (archive bomb?)")
        buffer[: len(data)] = data
        return len(data)


def _expand_subcharts(tree: ChartTree, budget: Budget, depth: int = 0, prefix: str = "") -> ChartTree:
    """Subchart archives (``charts/*.tgz`` of any chart in the tree) expanded in place, within the
    same budget, at most MAX_SUBCHART_DEPTH levels deep."""
    archives = [path for path in tree.files if _is_subchart_archive(path, prefix)]
    for path in archives:
        if depth >= MAX_SUBCHART_DEPTH:
            raise InputError(f"{budget.display}: subcharts nest deeper than {MAX_SUBCHART_DEPTH} levels ({path})")
        data = tree.files.pop(path)
        members, top = _read_archive(data, f"{budget.display}:{path}", budget)
        folder = f"{posixpath.dirname(path)}/{top}"
        inner = ChartTree({f"{folder}/{name[len(top) + 1 :]}": content for name, content in members.items()})
        _expand_subcharts(inner, budget, depth + 1, f"{folder}/")
        tree.files.update(inner.files)
    return tree


def _is_subchart_archive(path: str, prefix: str) -> bool:
    """``<prefix>charts/x.tgz`` of the chart at ``prefix`` or of any chart below it."""
    if not path.startswith(prefix) or not path.endswith(".tgz"):
        return False
    parent, name = posixpath.split(path)
    return posixpath.basename(parent) == "charts" and bool(name)


def engine_archive(tree: ChartTree, name: str) -> bytes:
    """The tree as the packaged chart the engine loads (top folder ``name``), without the values
    schemas: the engine would resolve their ``$ref``s over the network and the file system;
    chartguard validates the values itself (``values_schema``)."""
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=1, mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w") as archive,
    ):
        for path in sorted(tree.files):
            if posixpath.basename(path) == SCHEMA_FILE:
                continue
            data = tree.files[path]
            info = tarfile.TarInfo(f"{name}/{path}")
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
