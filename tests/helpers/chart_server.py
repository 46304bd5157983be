"""A real HTTPS chart host and OCI registry on 127.0.0.1 for the fetch and server tests.

One ``ChartServer`` serves, behind a throwaway CA (trustme):

- ``/charts/<name>.tgz``: the chart, Basic auth ``$oauthtoken:blah`` (helm-reval's test credentials);
- ``/public/<name>.tgz``: the chart, no auth; ``/forbidden/…``: 403;
- ``/redirect/<n>/<path>``: ``n`` redirects, then ``/<path>``; ``/location?to=<url>``: one redirect to ``to``;
- ``/slow``: answers after 3 s; ``/trickle``: sends its headers a byte every 0.1 s;
- ``/stall/<n>``: the chart's headers (its Content-Length) and ``n`` bytes of it, then nothing for 5 s;
  ``/truncated/<n>``: the same, then the connection is closed; ``/chunked-cut``: a chunked body whose
  stream is closed after its first chunk (no last chunk);
- an OCI registry with Bearer token auth (``/token``, user ``robot`` / ``s3cret``) for ``charts/good``
  and anonymous pulls for ``public/good``; tags ``0.9.0``, ``1.0.0``, ``1.1.0-rc.1``, ``latest``.

Every request is logged as ``(path, Authorization header or None)``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import ssl
import tarfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CHART_USER, CHART_PASSWORD = "$oauthtoken", "blah"
REGISTRY_USER, REGISTRY_PASSWORD = "robot", "s3cret"
REGISTRY_TOKEN = "registry-token-123"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
HELM_CHART = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"


def package_chart(directory: Path) -> bytes:
    """``helm package``'s layout: every file under ``<chart name>/`` in a gzipped tar."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=f"{directory.name}/{path.relative_to(directory).as_posix()}")
    return buffer.getvalue()


def basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class ChartServer:
    """The server; ``log`` records requests; knobs: ``blob_location``, ``manifest_location``."""

    def __init__(self, chart: bytes, cert: Any, name: str = "good") -> None:
        self.chart = chart
        self.name = name  # served as /charts/<name>-1.0.0.tgz
        self.log: list[tuple[str, str | None]] = []
        self.blob_location: str | None = None
        self.manifest_location: str | None = None
        self.config_blob = b"{}"
        self.manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {"mediaType": HELM_CONFIG, "digest": _digest(self.config_blob), "size": len(self.config_blob)},
                "layers": [{"mediaType": HELM_CHART, "digest": _digest(chart), "size": len(chart)}],
            }
        ).encode()
        self.blobs = {_digest(chart): chart, _digest(self.config_blob): self.config_blob}
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(context)
        self.httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True, do_handshake_on_connect=False)
        self.httpd.chart_server = self  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ChartServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str, host: str = "localhost", scheme: str = "https") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    @property
    def paths(self) -> list[str]:
        return [path for path, _auth in self.log]

    # --- routes ------------------------------------------------------------------------------------

    def answer(self, path: str, auth: str | None) -> tuple[int, dict[str, str], bytes]:
        parsed = urllib.parse.urlsplit(path)
        route = parsed.path
        if route.startswith("/redirect/"):
            _, _, count, rest = route.split("/", 3)
            if int(count) > 0:
                return 302, {"Location": f"/redirect/{int(count) - 1}/{rest}"}, b""
            route = "/" + rest
        if route == "/location":
            target = urllib.parse.parse_qs(parsed.query)["to"][0]
            return 302, {"Location": target}, b""
        if route == "/slow":
            time.sleep(3)
            return 200, {}, self.chart
        if route.startswith("/charts/") and route.endswith(".tgz"):
            if route != f"/charts/{self.name}-1.0.0.tgz":
                return 404, {}, b"not here"
            if auth != "Basic " + basic(CHART_USER, CHART_PASSWORD):
                return 401, {"WWW-Authenticate": 'Basic realm="charts"'}, b"unauthorized"
            return 200, {"Content-Type": "application/gzip"}, self.chart
        if route.startswith("/public/") and route.endswith(".tgz"):
            return 200, {"Content-Type": "application/gzip"}, self.chart
        if route.startswith("/forbidden/"):
            return 403, {}, b"forbidden"
        if route == "/token":
            return self._token(parsed.query, auth)
        if route.startswith("/blobstore/"):
            return 200, {}, self.blobs.get(route.rsplit("/", 1)[1], b"")
        if route.startswith("/v2/"):
            return self._registry(route, auth)
        return 404, {}, b"no route"

    def _challenge(self, scope: str = "") -> dict[str, str]:
        value = f'Bearer realm="{self.url("/token")}",service="test-registry"'
        return {"WWW-Authenticate": value + (f',scope="{scope}"' if scope else ""), "Content-Type": "application/json"}

    def _token(self, query: str, auth: str | None) -> tuple[int, dict[str, str], bytes]:
        if auth != "Basic " + basic(REGISTRY_USER, REGISTRY_PASSWORD):
            body = {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}
            return 401, {"Content-Type": "application/json"}, json.dumps(body).encode()
        return 200, {"Content-Type": "application/json"}, json.dumps({"token": REGISTRY_TOKEN}).encode()

    def _registry(self, route: str, auth: str | None) -> tuple[int, dict[str, str], bytes]:
        if route == "/v2/":
            if auth != f"Bearer {REGISTRY_TOKEN}":
                return 401, self._challenge(), b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
            return 200, {"Content-Type": "application/json"}, b"{}"
        for repository in ("charts/good", "public/good"):
            prefix = f"/v2/{repository}/"
            if not route.startswith(prefix):
                continue
            if repository == "charts/good" and auth != f"Bearer {REGISTRY_TOKEN}":
                body = b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
                return 401, self._challenge(f"repository:{repository}:pull"), body
            rest = route[len(prefix) :]
            if rest == "tags/list":
                tags = ["0.9.0", "1.0.0", "1.1.0-rc.1", "latest"]
                return 200, {"Content-Type": "application/json"}, json.dumps({"name": repository, "tags": tags}).encode()
            if rest.startswith("manifests/"):
                if self.manifest_location:
                    return 307, {"Location": self.manifest_location}, b""
                if rest.split("/", 1)[1] not in ("0.9.0", "1.0.0", "latest", _digest(self.manifest)):
                    body = b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}'
                    return 404, {"Content-Type": "application/json"}, body
                return 200, {"Content-Type": OCI_MANIFEST, "Docker-Content-Digest": _digest(self.manifest)}, self.manifest
            if rest.startswith("blobs/"):
                digest = rest.split("/", 1)[1]
                if self.blob_location:
                    return 307, {"Location": self.blob_location + digest}, b""
                if digest not in self.blobs:
                    return (
                        404,
                        {"Content-Type": "application/json"},
                        b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}',
                    )
                return 200, {"Content-Type": "application/octet-stream"}, self.blobs[digest]
        return (
            404,
            {"Content-Type": "application/json"},
            b'{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known"}]}',
        )


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up early (size limit, deadline tests) are expected


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        server: ChartServer = self.server.chart_server  # type: ignore[attr-defined]
        auth = self.headers.get("Authorization")
        server.log.append((self.path, auth))
        if self.path == "/trickle":  # headers one byte every 0.1 s: only an overall deadline stops it
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 100:
                try:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)
            return
        if self.path.startswith(("/stall/", "/truncated/", "/chunked-cut")):
            self._cut_short(server.chart)
            return
        status, headers, body = server.answer(self.path, auth)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _cut_short(self, chart: bytes) -> None:
        """A body that stops before its end: stalled, truncated, or a chunked stream cut off."""
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        if self.path == "/chunked-cut":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            half = chart[: len(chart) // 2]
            self.wfile.write(f"{len(half):x}\r\n".encode() + half + b"\r\n")
        else:
            self.send_header("Content-Length", str(len(chart)))
            self.end_headers()
            self.wfile.write(chart[: int(self.path.rsplit("/", 1)[1])])
        self.wfile.flush()
        if self.path.startswith("/stall/"):
            time.sleep(5)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass
