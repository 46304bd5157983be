"""Split and parse manifest streams the way Helm does, keeping every object's source.

Helm splits a rendered template on ``(?:^|\\s*\\n)---\\s*`` (so ``---# comment`` starts a document
whose first line is a comment), trims each piece and drops empty ones. chartguard does the same,
parses each document with the safe YAML loader, and remembers where it came from: the template
path, the line of the document in that template's rendered output, and its line in the stream.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import InputError
from .findings import ObjectRef

try:  # libyaml is ~10x faster; PyPI wheels of PyYAML ship it
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pure-Python PyYAML build
    _Loader = yaml.SafeLoader

#: Go's ``\s`` (Helm's document separator is a Go regular expression).
_GO_SPACE = " \t\n\f\r"
_SOURCE_COMMENT = re.compile(r"^# Source: (.+)$", re.MULTILINE)

#: A document whose aliases expand to more nodes than this is rejected (billion-laughs guard).
MAX_EXPANDED_NODES = 1_000_000
#: A document nested deeper than this is rejected before it is loaded: libyaml's composer recurses
#: once per level and overflows the C stack (a segfault) at a few ten thousand levels.
MAX_NESTING_DEPTH = 200
_NESTING_CHARS = "[{-?:"  # a collection level needs at least one of these

HOOK_ANNOTATION = "helm.sh/hook"


@dataclass
class Manifest:
    """One parsed Kubernetes object and where it came from.

    ``template`` is Helm's template name (``mychart/templates/deployment.yaml``) or ``""``;
    ``stream_line`` the 1-based line where it starts in the rendered stream; ``index`` its
    0-based position among the stream's documents.
    """

    obj: dict[str, Any]
    text: str
    template: str = ""
    stream_line: int = 0
    index: int = 0
    _line_index: dict[str, int] | None = field(default=None, repr=False)
    #: helm-reval's typed decode of the object, ``(Go type or None, data)``: computed once by
    #: ``rules/reval/common.reval_view``, or given by the helm-reval API, which decodes first.
    go_view: tuple[str | None, dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def api_version(self) -> str:
        value = self.obj.get("apiVersion")
        return value if isinstance(value, str) else ""

    @property
    def kind(self) -> str:
        value = self.obj.get("kind")
        return value if isinstance(value, str) else ""

    @property
    def metadata(self) -> dict[str, Any]:
        meta = self.obj.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def name(self) -> str:
        name = self.metadata.get("name")
        return name if isinstance(name, str) else ""

    @property
    def annotations(self) -> dict[str, Any]:
        annotations = self.metadata.get("annotations")
        return annotations if isinstance(annotations, dict) else {}

    @property
    def hook(self) -> str | None:
        """The ``helm.sh/hook`` annotation value, or None for a regular manifest."""
        value = self.annotations.get(HOOK_ANNOTATION)
        return None if value is None else str(value)

    @property
    def size(self) -> int:
        """Size of the document in bytes, as NVCF measures it."""
        return len(self.text.encode("utf-8", "surrogatepass"))

    @property
    def ref(self) -> ObjectRef:
        namespace = self.metadata.get("namespace")
        return ObjectRef(
            api_version=self.api_version,
            kind=self.kind,
            name=self.name,
            namespace=namespace if isinstance(namespace, str) else "",
        )

    def line_of(self, pointer: str) -> int:
        """1-based line (within this document) of the node at a JSON pointer; the nearest
        existing ancestor when the pointer names a missing field; 1 when unknown."""
        if self._line_index is None:
            self._line_index = _index_lines(self.text)
        while True:
            line = self._line_index.get(pointer)
            if line is not None:
                return line
            if not pointer:
                return 1
            pointer = pointer.rsplit("/", 1)[0]


def safe_load(text: str | bytes) -> Any:
    """Parse one YAML document with the safe loader (libyaml when available).

    Nesting deeper than MAX_NESTING_DEPTH and alias bombs raise a YAMLError like other bad YAML.
    """
    check_depth(text)
    value = yaml.load(text, Loader=_Loader)  # noqa: S506 - CSafeLoader/SafeLoader only
    if ("&" in text if isinstance(text, str) else b"&" in text) and expanded_size(value, {}, 0) > MAX_EXPANDED_NODES:
        raise yaml.MarkedYAMLError(problem=f"alias bomb: aliases expand beyond {MAX_EXPANDED_NODES:,} nodes")
    return value


def split_documents(text: str) -> Iterator[tuple[int, str]]:
    """Yield ``(offset, document)`` for each non-empty document, exactly as Helm splits.

    Helm's separator is ``(?:^|\\s*\\n)---\\s*`` with Go's ``\\s`` (``[\\t\\n\\f\\r ]``). A regular
    expression engine that backtracks takes quadratic time on long runs of whitespace, so the same
    matches are found here in one pass (written for speed, not for lack of a library): a separator is
    a ``---`` at the very start or right after a newline that the previous separator did not take,
    with the whitespace before it and after it. ``offset`` is the character offset of the (trimmed)
    document in ``text``.
    """
    start = 0  # where the current document begins: the end of the previous separator
    found = text.find("---")
    while found != -1:
        if (found == 0 and start == 0) or (found > start and text[found - 1] == "\n"):
            begin = found - 1 if found else 0
            while begin > start and text[begin - 1] in _GO_SPACE:
                begin -= 1
            yield from _trimmed(text, start, begin)
            start = found + 3
            while start < len(text) and text[start] in _GO_SPACE:
                start += 1
            found = text.find("---", start)
        else:
            found = text.find("---", found + 1)
    yield from _trimmed(text, start, len(text))


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        yield start + (len(piece) - len(piece.lstrip())), stripped


def parse_document(text: str, where: str, first_line: int = 1) -> Any:
    """Parse one YAML document safely; raise InputError naming ``where`` on bad YAML or bombs.

    ``first_line`` is the line of ``where`` the document starts on (for error messages).
    """
    try:
        check_depth(text)
        value = yaml.load(text, Loader=_Loader)  # noqa: S506 - CSafeLoader/SafeLoader only
    except yaml.YAMLError as exc:
        raise InputError(f"{where}: {_yaml_message(exc, first_line, text.count(chr(10)))}") from None
    except RecursionError:
        raise InputError(f"{where}: line {first_line}: YAML nested too deeply") from None
    if "&" in text and expanded_size(value, {}, 0) > MAX_EXPANDED_NODES:
        raise InputError(f"{where}: line {first_line}: YAML alias bomb (aliases expand beyond {MAX_EXPANDED_NODES:,} nodes)")
    return value


def check_depth(text: str | bytes) -> None:
    """Raise a YAMLError (with a mark) when ``text`` nests deeper than MAX_NESTING_DEPTH.

    Run before loading: libyaml's event parser is iterative, its composer is not. The verdict and
    the message are chartguard's whichever libyaml is installed: newer libyaml releases refuse input
    nested beyond their own limit ("exceeded maximum nesting depth", PyYAML 6.0.4's wheels), often
    while scanning ahead, before the events reach our limit; the pure-Python parser then decides.
    """
    data = text if isinstance(text, str) else text.decode("utf-8", "replace")
    if sum(data.count(c) for c in _NESTING_CHARS) <= MAX_NESTING_DEPTH:
        return  # too few indicators to nest that deep
    try:
        _scan_depth(data, _Loader)
    except yaml.MarkedYAMLError as exc:
        if _Loader is yaml.SafeLoader or not _is_libyaml_nesting_limit(exc):
            raise
        _scan_depth(data, yaml.SafeLoader)  # raises ours at MAX_NESTING_DEPTH + 1
        # within our limit but beyond this libyaml's: the loader cannot read it either
        problem = "nested deeper than the installed libyaml allows"
        raise yaml.MarkedYAMLError(problem=problem, problem_mark=exc.problem_mark) from None


def _scan_depth(data: str, loader: type) -> None:
    """Walk the parse events of ``data``; raise at the first level past MAX_NESTING_DEPTH."""
    depth = 0
    for event in yaml.parse(data, Loader=loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_NESTING_DEPTH:
                mark: Any = event.start_mark  # libyaml's Mark quacks like yaml.Mark
                raise yaml.MarkedYAMLError(problem=f"nested deeper than {MAX_NESTING_DEPTH} levels", problem_mark=mark)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def _is_libyaml_nesting_limit(exc: yaml.MarkedYAMLError) -> bool:
    """libyaml's own nesting guard (0.2.6+): the wording is libyaml's, not a YAML syntax error."""
    return "nesting depth" in str(exc.problem or "")


def _yaml_message(exc: yaml.YAMLError, first_line: int, last_line: int) -> str:
    """``line N: invalid YAML (problem)``; libyaml marks an unexpected end one line past the text."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return f"invalid YAML ({problem})"
    return f"line {first_line + min(mark.line, last_line)}: invalid YAML ({problem})"


def expanded_size(value: Any, memo: dict[int, int], depth: int) -> int:
    """Node count of ``value`` with shared (aliased) subtrees counted once per use."""
    if isinstance(value, (dict, list)):
        key = id(value)
        if key in memo:
            return memo[key]
        if depth > 500:
            raise InputError("YAML nesting deeper than 500 levels")
        children = value.values() if isinstance(value, dict) else value
        size = 1 + sum(expanded_size(child, memo, depth + 1) for child in children)
        memo[key] = size
        return size
    return 1


def parse_template_output(template: str, text: str, display: str = "") -> list[Manifest]:
    """Parse one template's rendered output into manifests; ``display`` is how errors name the
    template (default: the template name). Indexes and stream lines are set by the caller."""
    return [
        Manifest(obj=value, text=doc, template=template)
        for _, doc, value in _objects(text, f"{display or template or '<input>'} (rendered)")
    ]


def parse_stream(text: str, source: str = "") -> list[Manifest]:
    """Parse an already-rendered stream (``helm template`` output, ``kubectl`` YAML).

    ``# Source: <template>`` comments, which Helm writes at the top of every document, give
    each object its template; lines are lines of the stream. ``source`` names the stream in errors.
    """
    manifests: list[Manifest] = []
    for line, doc, value in _objects(text, source or "<input>"):
        comment = _SOURCE_COMMENT.search(doc)
        template = comment.group(1).strip() if comment and comment.start() == 0 else ""
        manifests.append(Manifest(obj=value, text=doc, template=template, stream_line=line, index=len(manifests)))
    return manifests


def _objects(text: str, where: str) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """``(line, document, mapping)`` for each non-empty document; non-mappings are errors."""
    line, counted = 1, 0  # newlines are counted once, from one document to the next
    for offset, doc in split_documents(text):
        line += text.count("\n", counted, offset)
        counted = offset
        value = parse_document(doc, where, line)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise InputError(f"{where}: line {line}: document is a {_type_name(value)}, not a Kubernetes object")
        yield line, doc, value


def _type_name(value: Any) -> str:
    """YAML's name for a parsed value's type (``a list``, ``a string``...)."""
    names = {list: "list", str: "string", int: "number", float: "number", bool: "boolean", bytes: "binary"}
    return names.get(type(value), type(value).__name__)


def _index_lines(text: str) -> dict[str, int]:
    """Map JSON pointers of every node in a YAML document to 1-based lines (keys' lines)."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return {}
    lines: dict[str, int] = {}
    stack: list[tuple[str, yaml.Node, int]] = [("", root, root.start_mark.line + 1)] if root else []
    while stack:
        pointer, node, line = stack.pop()
        lines[pointer] = line
        if isinstance(node, yaml.MappingNode):
            for key, child in node.value:
                token = str(key.value).replace("~", "~0").replace("/", "~1")
                stack.append((f"{pointer}/{token}", child, key.start_mark.line + 1))
        elif isinstance(node, yaml.SequenceNode):
            for i, child in enumerate(node.value):
                stack.append((f"{pointer}/{i}", child, child.start_mark.line + 1))
    return lines


def pointer(*parts: str | int) -> str:
    """Build an RFC 6901 JSON pointer from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
