"""``oci://`` charts: the OCI distribution API, as Helm's registry client (ORAS) pulls a chart."""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ...gofmt import go_quote
from ...semver import STRICT_SEMVER, parse_version, satisfies
from .auth import Credentials, basic_auth
from .transport import MAX_CHART_BYTES, FetchError, _Client, _Response
from .url import GoURL, URLError, parse_url, parse_url_part

#: ORAS's limit for manifests and other registry metadata.
MAX_METADATA_BYTES = 4 * 1024 * 1024
#: ORAS's limit for a token response.
MAX_TOKEN_BYTES = 128 * 1024
MAX_TAG_PAGES = 50

HELM_CONFIG_MEDIA_TYPE = "application/vnd.cncf.helm.config.v1+json"
HELM_CHART_MEDIA_TYPE = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
HELM_LEGACY_CHART_MEDIA_TYPE = "application/tar+gzip"
OCI_MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
#: ORAS's default manifest Accept list.
MANIFEST_ACCEPT = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        OCI_MANIFEST_MEDIA_TYPE,
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.artifact.manifest.v1+json",
    ]
)

_REPOSITORY = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*)*$")
_TAG = re.compile(r"^\w[\w.-]{0,127}$", re.ASCII)
_DIGEST = re.compile(r"^(?P<algorithm>[a-z0-9]+(?:[.+_-][a-z0-9]+)*):(?P<hex>[a-zA-Z0-9=_-]+)$")
_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}


@dataclass(frozen=True)
class _Reference:
    registry: str
    repository: str
    tag: str = ""
    digest: str = ""

    def __str__(self) -> str:
        base = f"{self.registry}/{self.repository}"
        if self.tag:
            return f"{base}:{self.tag}"
        return f"{base}@{self.digest}" if self.digest else base


def _parse_reference(raw: str) -> _Reference:
    """Helm's ``newReference`` over ORAS's ``ParseReference`` (``+`` in a tag stored as ``_``)."""
    digest = ""
    at = raw.rfind("@")
    if at >= 0:
        raw, digest = raw[:at], raw[at + 1 :]
    parts = raw.split(":")
    if len(parts) > 1 and "/" not in parts[-1] and parts[-1]:
        raw = raw.replace(parts[-1], parts[-1].replace("+", "_"))
    registry, slash, path = raw.partition("/")
    if not slash:
        raise FetchError("invalid reference: missing registry or repository")
    repository, colon, tag = path.partition(":")
    if colon and not tag:
        colon = ""
    try:
        checked = parse_url_part("dummy://" + registry)
    except URLError:
        checked = GoURL()
    if not registry or checked.host != registry:
        raise FetchError(f"invalid reference: invalid registry {go_quote(registry)}")
    if not _REPOSITORY.match(repository):
        raise FetchError(f"invalid reference: invalid repository {go_quote(repository)}")
    if colon and not _TAG.match(tag):
        raise FetchError(f"invalid reference: invalid tag {go_quote(tag)}")
    if digest:
        match = _DIGEST.match(digest)
        if not match or _DIGEST_LENGTHS.get(match["algorithm"]) not in (None, len(match["hex"])):
            raise FetchError(f"invalid reference: invalid digest {go_quote(digest)}")
    return _Reference(registry, repository, tag, digest)


def _parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``WWW-Authenticate: Bearer realm="…",service="…",scope="…"`` → ("bearer", {...})."""
    scheme, _, rest = header.strip().partition(" ")
    params: dict[str, str] = {}
    pattern = re.compile(r'\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)')
    position = 0
    while position < len(rest):
        match = pattern.match(rest, position)
        if not match or match.end() == position:
            break
        value = match[2] if match[2] is not None else match[3]
        params[match[1].lower()] = re.sub(r"\\(.)", r"\1", value)
        position = match.end()
    return scheme.lower(), params


def _error_response(response: _Response) -> FetchError:
    """ORAS's ``ErrorResponse``: ``GET "<url>": response status code N: <code>: <message>``."""
    detail = ""
    try:
        document = json.loads(response.body or b"null")
        errors = document.get("errors") if isinstance(document, dict) else None
        texts = []
        for error in errors if isinstance(errors, list) else []:
            if not isinstance(error, dict):
                continue
            code = str(error.get("code") or "").replace("_", " ").lower()
            message = str(error.get("message") or "")
            texts.append(f"{code}: {message}" if message else code)
        detail = "; ".join(texts)
    except (ValueError, UnicodeDecodeError):
        pass
    if not detail:
        detail = http.client.responses.get(response.status, "")
    return FetchError(f"GET {go_quote(response.url.string(redact=True))}: response status code {response.status}: {detail}")


class _Registry:
    """The registry side of one credential attempt: challenge-driven Basic or Bearer token auth."""

    def __init__(self, client: _Client, registry: str, creds: Credentials) -> None:
        self.client = client
        self.registry = registry
        self.creds = creds
        self.authorization: dict[str, str] = {}  # scope key → Authorization header value

    def url(self, path: str) -> GoURL:
        return parse_url(f"https://{self.registry}{path}")

    def get(self, path: str, *, scope: str, accept: str = "", limit: int = MAX_METADATA_BYTES) -> _Response:
        url = self.url(path)
        headers = {"Accept": accept} if accept else {}
        if scope in self.authorization:
            headers["Authorization"] = self.authorization[scope]
        response = self.client.get(url, headers, limit=limit, oras=True)
        if response.status != 401:
            return response
        scheme, params = _parse_challenge(response.headers.get("WWW-Authenticate", ""))
        if scheme == "basic":
            if self.creds.empty:
                raise FetchError(f"GET {go_quote(url.string())}: basic credential not found")
            value = basic_auth(self.creds.username, self.creds.password)
        elif scheme == "bearer":
            scopes = [s for s in (scope, params.get("scope", "")) if s]
            value = "Bearer " + self._token(params, scopes)
        else:
            return response
        self.authorization[scope] = value
        return self.client.get(url, {**headers, "Authorization": value}, limit=limit, oras=True)

    def _token(self, params: Mapping[str, str], scopes: list[str]) -> str:
        realm = params.get("realm", "")
        try:
            realm_url = parse_url(realm)
        except URLError as exc:
            raise FetchError(f"invalid token realm {go_quote(realm)}: {exc}") from None
        if realm_url.scheme != "https":
            raise FetchError(f"token realm must use HTTPS, got {go_quote(realm)}")
        query = [("service", params["service"])] if params.get("service") else []
        query += [("scope", scope) for scope in dict.fromkeys(scopes)]
        if query:
            separator = "&" if realm_url.raw_query else ""
            realm_url = replace(realm_url, raw_query=realm_url.raw_query + separator + urllib.parse.urlencode(query))
        headers = {} if self.creds.empty else {"Authorization": basic_auth(self.creds.username, self.creds.password)}
        response = self.client.get(realm_url, headers, limit=MAX_TOKEN_BYTES, oras=True)
        if response.status != 200:
            raise _error_response(response)
        try:
            document = json.loads(response.body)
        except (ValueError, UnicodeDecodeError):
            document = None
        if isinstance(document, dict):
            for key in ("access_token", "token"):
                if isinstance(document.get(key), str) and document[key]:
                    return str(document[key])
        raise FetchError(f"GET {go_quote(realm_url.string(redact=True))}: empty token returned")

    def ping(self) -> None:
        """helm-reval logs in before pulling with credentials: ``GET /v2/`` must succeed."""
        try:
            response = self.get("/v2/", scope="")
            if response.status != 200:
                raise _error_response(response)
        except FetchError as exc:
            raise FetchError(f"authenticating to {go_quote(self.registry)}: {exc.message}") from None


def _select_tag(registry: _Registry, reference: _Reference, chart: str, version: str) -> str:
    """Helm's ``ValidateReference`` for a reference without a usable tag: the tag list decides."""
    scope = f"repository:{reference.repository}:pull"
    tags: list[str] = []
    path = f"/v2/{reference.repository}/tags/list"
    for _ in range(MAX_TAG_PAGES):
        response = registry.get(path, scope=scope)
        if response.status != 200:
            raise _error_response(response)
        try:
            document = json.loads(response.body)
        except (ValueError, UnicodeDecodeError):
            raise FetchError(f"{response.url.string()}: invalid tag list") from None
        page = document.get("tags") if isinstance(document, dict) else None
        tags += [t for t in page or [] if isinstance(t, str)]
        link = response.headers.get("Link", "")
        match = re.match(r"\s*<([^>]*)>\s*;\s*rel=\"?next\"?", link)
        if not match:
            break
        next_url = parse_url(urllib.parse.urljoin(response.url.string(), match[1]))
        if next_url.host != registry.registry:
            break
        path = next_url.request_uri()
    versions = []
    for tag in tags:
        normalised = tag.replace("_", "+")
        parsed = parse_version(normalised) if STRICT_SEMVER.match(normalised) else None
        if parsed is not None:
            versions.append((parsed, normalised, tag))
    versions.sort(key=lambda item: item[0].key(), reverse=True)
    if not versions:
        raise FetchError(f"Unable to locate any tags in provided repository: {chart}")
    if version:
        for _parsed, normalised, tag in versions:
            if normalised == version:
                return tag
    constraint = version or "*"
    for _parsed, normalised, tag in versions:
        try:
            if satisfies(normalised, constraint):
                return tag
        except ValueError as exc:
            raise FetchError(str(exc)) from None
    raise FetchError(f"Could not locate a version matching provided version string {version}")


def _digest_matches(data: bytes, digest: str) -> bool:
    algorithm, _, expected = digest.partition(":")
    if algorithm not in _DIGEST_LENGTHS:
        return False
    return hashlib.new(algorithm, data).hexdigest() == expected


def fetch_oci_chart(client: _Client, url: GoURL, chart: str, creds: Credentials) -> bytes:
    reference = _parse_reference(url.host + url.path)
    registry = _Registry(client, reference.registry, creds)
    if not creds.empty:
        registry.ping()
    scope = f"repository:{reference.repository}:pull"
    target = reference.digest
    if not target:
        tag = reference.tag.replace("_", "+")
        if not tag or parse_version(tag) is None:
            tag = _select_tag(registry, reference, chart, tag)
        target = tag.replace("+", "_")
        reference = replace(reference, tag=target)
    try:
        response = registry.get(f"/v2/{reference.repository}/manifests/{target}", scope=scope, accept=MANIFEST_ACCEPT)
        if response.status == 404:
            raise FetchError(f"{reference}: not found")
        if response.status != 200:
            raise _error_response(response)
        if reference.digest and not _digest_matches(response.body, reference.digest):
            raise FetchError(f"{reference.digest}: mismatched digest")
    except FetchError as exc:  # ORAS: Copy could not resolve the root manifest
        raise FetchError(f"failed to resolve {reference}: {exc.message}") from None
    layer = _chart_layer(response.body, response.headers.get_content_type())
    digest, size = layer["digest"], layer["size"]
    if size > MAX_CHART_BYTES:
        raise FetchError(f"chart layer {digest} is {size} bytes, more than chartguard's {MAX_CHART_BYTES}-byte limit")
    try:
        blob = registry.get(f"/v2/{reference.repository}/blobs/{digest}", scope=scope, limit=MAX_CHART_BYTES)
        if blob.status == 404:
            raise FetchError(f"{digest}: not found")
        if blob.status != 200:
            raise _error_response(blob)
        if len(blob.body) != size or not _digest_matches(blob.body, digest):
            raise FetchError(f"{digest}: mismatched digest")
    except FetchError as exc:  # ORAS: copying a node of the graph failed
        raise FetchError(f'failed to perform "Fetch" on source: {exc.message}') from None
    return blob.body


def _chart_layer(body: bytes, media_type: str) -> dict[str, Any]:
    """The chart layer's descriptor, checked as Helm's ``Client.Pull`` checks a manifest."""
    descriptors: list[dict[str, Any]] = []
    manifest: Any = None
    if media_type == OCI_MANIFEST_MEDIA_TYPE:
        try:
            manifest = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise FetchError(f"failed to parse manifest: invalid JSON ({media_type})") from None
    if isinstance(manifest, dict):
        descriptors.append({"mediaType": media_type})
        config = manifest.get("config")
        layers = manifest.get("layers")
        for descriptor in [config, *(layers if isinstance(layers, list) else [])]:
            if isinstance(descriptor, dict) and descriptor.get("mediaType") in (
                HELM_CONFIG_MEDIA_TYPE,
                HELM_CHART_MEDIA_TYPE,
                HELM_LEGACY_CHART_MEDIA_TYPE,
            ):
                descriptors.append(descriptor)
    if len(descriptors) < 2:
        raise FetchError(f"manifest does not contain minimum number of descriptors (2), descriptors found: {len(descriptors)}")
    if not any(d.get("mediaType") == HELM_CONFIG_MEDIA_TYPE for d in descriptors):
        raise FetchError(f"could not load config with mediatype {HELM_CONFIG_MEDIA_TYPE}")
    chart = [d for d in descriptors if d.get("mediaType") in (HELM_CHART_MEDIA_TYPE, HELM_LEGACY_CHART_MEDIA_TYPE)]
    if not chart:
        raise FetchError(f"manifest does not contain a layer with mediatype {HELM_CHART_MEDIA_TYPE}")
    layer = chart[-1]
    digest, size = layer.get("digest"), layer.get("size")
    if (
        not isinstance(digest, str)
        or not _DIGEST.match(digest)
        or not isinstance(size, int)
        or isinstance(size, bool)
        or size < 0
    ):
        raise FetchError("manifest has an invalid chart layer descriptor")
    return layer
