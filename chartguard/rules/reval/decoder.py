"""Decode a rendered release the way helm-reval does (its ``serializer.decode``).

The stream is split as Kubernetes' ``yaml.NewDocumentDecoder`` splits it: a document ends at a
``\\n---`` and the rest of that line is dropped. For each document, with ``i`` its 0-based index
(every document counts, empty ones too):

1. larger than 1049600 bytes → ``size of object at index i …`` and decoding stops (over 5 MiB
   Go's scanner fails first: :class:`InternalError`, an HTTP 500 in helm-reval);
2. empty → skipped;
3. ``i > 300`` → ``rendered chart contains more objects than the maximum allowed 300``, stop;
4. no string ``apiVersion`` and ``kind`` (or not YAML, not a mapping) → silently skipped;
5. decoded into the client-go type of its group/version/kind when it fits, else kept as
   unstructured (custom resources, and known kinds whose fields do not fit the Go types);
   ``decode object i: …`` only when both fail (an unparsable apiVersion);
6. a registered kind that is not an object (``v1 List``, ``v1 Status``) → ``object i is not a
   valid Kubernetes type (does not implement metav1.Object)``;
7. no ``metadata.name`` → ``object i is missing required field metadata.name``.

Errors of 5-7 are collected in document order and end the run before any policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import gotypes, goyaml

#: 1 MiB + 1 KiB, helm-reval's per-object read buffer.
MAX_OBJECT_BYTES = 1024 * 1024 + 1024
#: helm-reval's document limit: index 300 (the 301st document) is the last allowed.
MAX_OBJECTS = 300
#: bufio.Scanner's token limit in Kubernetes' document decoder.
MAX_TOKEN_BYTES = 5 * 1024 * 1024
_SEPARATOR = b"\n---"


class InternalError(Exception):
    """What helm-reval answers with HTTP 500 ``{"error": message}``."""


@dataclass
class DecodedObject:
    """One decoded object: ``data`` is the typed encoding (``typed``) or the unstructured JSON."""

    index: int
    data: dict[str, Any]
    type_name: str | None  # the Go type when decoded typed, None for unstructured
    api_version: str
    kind: str

    @property
    def typed(self) -> bool:
        return self.type_name is not None

    @property
    def group_version_kind(self) -> tuple[str, str, str]:
        group, _, version = self.api_version.rpartition("/")
        return group, version, self.kind

    def type_string(self) -> str:
        """``createTypeString``: ``apps/v1.Deployment``, core group written ``core``."""
        group, version, kind = self.group_version_kind
        if group == "" and version == "v1":
            group = "core"
        return f"{group}/{version}.{kind}"


def split_documents(stream: bytes) -> Iterator[bytes]:
    """Kubernetes' ``splitYAMLDocument``: tokens between ``\\n---`` lines (rest of line dropped)."""
    data = stream
    while data:
        cut = data.find(_SEPARATOR)
        if cut < 0:
            yield data
            return
        after = cut + len(_SEPARATOR)
        newline = data.find(b"\n", after)
        if newline < 0:
            if after == len(data):
                yield data[:cut]
            return  # an unterminated separator line at EOF: Go's scanner drops the rest
        yield data[:cut]
        data = data[newline + 1 :]


def decode_stream(stream: str | bytes, skip: set[int] | None = None) -> tuple[list[DecodedObject], list[str]]:
    """Decode a release stream: the objects, and helm-reval's decode errors (empty when fine).

    ``skip`` holds indexes of documents to leave out before counting (hooks in ``manifests=``).
    """
    data = stream.encode("utf-8", "surrogatepass") if isinstance(stream, str) else stream
    tokens = [t for i, t in enumerate(split_documents(data)) if not skip or i not in skip]
    return decode_documents(tokens)


def decode_documents(tokens: list[bytes]) -> tuple[list[DecodedObject], list[str]]:
    """Decode documents (bytes as they appear in the stream) in order."""
    objects: list[DecodedObject] = []
    errors: list[str] = []
    for i, token in enumerate(tokens):
        if len(token) + len(_SEPARATOR) > MAX_TOKEN_BYTES:
            raise InternalError("failed to decode rendered output: read rendered Helm output: bufio.Scanner: token too long")
        if len(token) > MAX_OBJECT_BYTES:
            errors.append(
                f"size of object at index {i} is larger than maximum {MAX_OBJECT_BYTES} bytes (including object metadata)"
            )
            return [], errors
        if not token:
            continue
        if i > MAX_OBJECTS:
            errors.append(f"rendered chart contains more objects than the maximum allowed {MAX_OBJECTS}")
            return [], errors
        text = token.decode("utf-8", "replace")
        try:
            value = goyaml.load(text)
        except goyaml.GoYAMLError:
            continue
        if not has_type_meta(value):
            continue
        decoded = decode_object(i, value, text)
        if isinstance(decoded, str):
            errors.append(decoded)
        else:
            objects.append(decoded)
    return objects, errors


def has_type_meta(value: Any) -> bool:
    """helm-reval's ``hasTypeMeta``: a mapping with non-empty string ``apiVersion`` and ``kind``."""
    if not isinstance(value, dict):
        return False
    api_version, kind = value.get("apiVersion"), value.get("kind")
    if not isinstance(api_version, (str, type(None))) or not isinstance(kind, (str, type(None))):
        return False
    return bool(api_version) and bool(kind)


def decode_object(index: int, value: dict[str, Any], text: str) -> DecodedObject | str:
    """Decode one document with type metadata: the object, or helm-reval's error message."""
    api_version, kind = value["apiVersion"], value["kind"]
    if api_version.count("/") > 1:
        return f"decode object {index}: unexpected GroupVersion string: {api_version}"
    if api_version == "/" or api_version.endswith("/"):
        return f"decode object {index}: Object 'apiVersion' is missing in '{text}'"
    type_name = gotypes.type_of(api_version, kind)
    is_json = text.lstrip().startswith("{")
    if type_name is not None:
        try:
            data = gotypes.normalize(type_name, value)
        except gotypes.Mismatch as exc:
            if is_json:  # the typed JSON decoder recognises JSON and does not fall through
                return f"decode object {index}: json: {exc}"
        else:
            if not gotypes.is_object(type_name):
                return f"object {index} is not a valid Kubernetes type (does not implement metav1.Object)"
            if not data["metadata"].get("name"):
                return f"object {index} is missing required field metadata.name"
            return DecodedObject(index, data, type_name, api_version, kind)
    elif is_json:
        group, _, version = api_version.rpartition("/")
        gv = f"{group}/{version}" if group else version
        return f'decode object {index}: no kind "{kind}" is registered for version "{gv}" in scheme "pkg/runtime/scheme.go:100"'
    metadata = value.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not name:
        return f"object {index} is missing required field metadata.name"
    return DecodedObject(index, value, None, api_version, kind)
