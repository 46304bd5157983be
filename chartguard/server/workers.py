"""Worker processes for ``chartguard serve --workers N``: forked children, one listening socket each.

The parent loads the profile, builds the app and opens ``N`` listening sockets on the same port
(a SO_REUSEPORT group: the kernel spreads new connections over them), then forks ``N`` workers;
each runs its own event loop on its own socket and writes its own row of the shared metrics. The
parent keeps the sockets open and only supervises: SIGTERM/SIGINT are passed on to the workers
(graceful shutdown), a worker that dies is started again on the same socket (connections queued
meanwhile are not lost), and if workers keep dying (more than ``MAX_RESTARTS`` within
``RESTART_WINDOW`` seconds) the server stops with exit code 1 rather than restart forever.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable
from types import FrameType

log = logging.getLogger("chartguard.server")

MAX_RESTARTS = 5
RESTART_WINDOW = 60.0
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Supervisor:
    """Fork ``count`` workers running ``work(index)`` and keep them running until told to stop."""

    def __init__(self, count: int, work: Callable[[int], None]) -> None:
        self.count, self.work = count, work
        self.children: dict[int, int] = {}  # pid -> worker index
        self.stopping = False
        self.restarts: list[float] = []

    def run(self) -> int:
        """Supervise until every worker has exited after a stop signal; the exit status."""
        previous = {sig: signal.signal(sig, self._stop) for sig in _STOP_SIGNALS}
        try:
            for index in range(self.count):
                self._spawn(index)
            return self._wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _spawn(self, index: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker: default signal handling (uvicorn installs its own), then serve
            for sig in _STOP_SIGNALS:
                signal.signal(sig, signal.SIG_DFL)
            status = 0
            try:
                self.work(index)
            except BaseException:  # noqa: BLE001 - report and leave; the parent decides what next
                log.exception("worker %d failed", index)
                status = 1
            finally:
                os._exit(status)
        self.children[pid] = index

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def _wait(self) -> int:
        status = 0
        while self.children:
            try:
                pid, code = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:  # pragma: no cover - PEP 475 retries, kept for clarity
                continue
            index = self.children.pop(pid, None)
            if index is None or self.stopping:
                continue
            log.error("worker %d (pid %d) exited with status %d; starting it again", index, pid, os.waitstatus_to_exitcode(code))
            now = time.monotonic()
            self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW] + [now]
            if len(self.restarts) > MAX_RESTARTS:
                log.error("workers keep exiting (%d restarts in %.0f s): stopping", len(self.restarts), RESTART_WINDOW)
                self._stop(signal.SIGTERM, None)
                status = 1
                continue
            self._spawn(index)
        return status
