"""Real ``chartguard serve`` processes on 127.0.0.1 for the server tests, and an HTTPS client for them."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import ssl
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from helpers.cli import chartguard_command
from helpers.objects import minimal_review

#: The request body limit the admission webhook tests serve with (--max-body-bytes).
WEBHOOK_MAX_BODY = 64 * 1024
_SERVER_TOKEN = object()


def launch(command: list[str], banner: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, int, queue.Queue]:
    """Run ``command``; return the process, the port its stderr ``banner`` regex captured, and a
    queue of its further stderr lines. Fails (and kills it) when no banner comes within 30 s."""
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + 30
    seen = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        seen.append(line)
        match = re.search(banner, line)
        if match:
            return process, int(match[1]), lines
    process.kill()
    raise AssertionError(f"chartguard serve did not start: {''.join(seen)}")


def stop(process: subprocess.Popen) -> None:
    """Terminate ``process``; kill it when it has not exited 15 s later."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Served:
    """A running ``chartguard serve`` and HTTPS clients for it; requests carry ``token`` as a Bearer
    token unless told otherwise, and wait at most ``timeout`` seconds for an answer."""

    def __init__(
        self, process: subprocess.Popen, port: int, ca: Path, lines: queue.Queue, token: str | None = None, timeout: float = 30
    ) -> None:
        self.process, self.port, self.lines = process, port, lines
        self.context = ssl.create_default_context(cafile=str(ca))
        self.token, self.timeout = token, timeout
        self.log: list[str] = []

    def connection(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=self.timeout)

    def request(
        self, method: str, path: str, body: Any = None, content_type: str = "application/json", token: Any = _SERVER_TOKEN
    ) -> tuple[int, dict, bytes]:
        """``(status, headers with lower-case names, body)``; ``token=None`` sends no Authorization header."""
        token = self.token if token is _SERVER_TOKEN else token
        headers = {"Content-Type": content_type, **({"Authorization": f"Bearer {token}"} if token else {})}
        connection = self.connection()
        try:
            payload = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def drain_log(self) -> list[str]:
        """The stderr lines logged so far."""
        while True:
            try:
                self.log.append(self.lines.get_nowait())
            except queue.Empty:
                return self.log

    def serves(self) -> bool:
        """The admission webhook still answers: /healthz and a valid review."""
        status, _, body = self.request("POST", "/validate", minimal_review())
        return self.request("GET", "/healthz")[::2] == (200, b"OK") and status == 200 and json.loads(body)["response"]["uid"]

    def stop(self) -> None:
        stop(self.process)

    def wait_ready(self, path: str) -> Served:
        """Wait until ``GET path`` answers 200 (no token); kill the process when it never does."""
        for _ in range(100):
            try:
                if self.request("GET", path, token=None)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.process.kill()
        raise AssertionError("chartguard serve never became ready")


def start_webhook(pki: dict[str, Path], *extra: str) -> Served:
    """``chartguard serve`` with the admission webhook only, on ``pki``'s certificate, a body limit of
    ``WEBHOOK_MAX_BODY``, a body timeout and a header timeout of 1 s (``extra`` flags after those);
    ready once /readyz answers."""
    args = chartguard_command("serve", "--port", "0", "--endpoints", "webhook", "--cert-file", str(pki["cert"]))
    args += ["--key-file", str(pki["key"]), "--max-body-bytes", str(WEBHOOK_MAX_BODY), "--body-timeout", "1"]
    args += ["--header-timeout", "1", *extra]
    process, port, lines = launch(args, r"serving the admission webhook on https://127\.0\.0\.1:(\d+)")
    return Served(process, port, pki["ca"], lines).wait_ready("/readyz")


def start_reval_api(pki: dict[str, Path], *extra: str) -> Served:
    """``chartguard serve`` with helm-reval's API on ``pki``'s certificate and token, trusting ``pki``'s CA
    for the chart hosts too (``extra`` flags after those); ready once /healthz answers. Requests wait
    150 s: a render may fetch a chart."""
    env = {**os.environ, "SSL_CERT_FILE": str(pki["ca"])}
    args = chartguard_command("serve", "--port", "0", "--cert-file", str(pki["cert"]), "--key-file", str(pki["key"]))
    args += ["--token-file", str(pki["token"]), *extra]
    process, port, lines = launch(args, r"serving the helm-reval API on https?://127\.0\.0\.1:(\d+)", env)
    token = pki["token"].read_text().strip()
    return Served(process, port, pki["ca"], lines, token=token, timeout=150).wait_ready("/healthz")
