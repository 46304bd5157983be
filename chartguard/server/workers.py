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
import ctypes
import logging
import os
import signal
import time
from collections.abc import Callable
from types import FrameType

log = logging.getLogger("chartguard.server")

MAX_RESTARTS = 5
RESTART_WINDOW = 60.0
#: Seconds the workers get to finish after a stop signal (uvicorn's graceful shutdown is 10 s);
#: workers still running then are killed.
STOP_GRACE = 15.0
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_PR_SET_PDEATHSIG = 1


class Supervisor:
    """Fork ``count`` workers running ``work(index)`` and keep them running until told to stop;
    ``on_stop`` runs in the parent when a stop begins (e.g. closing its copies of the listening
    sockets, so new connections are refused at once instead of waiting in a queue nobody reads)."""

    def __init__(self, count: int, work: Callable[[int], None], on_stop: Callable[[], None] | None = None) -> None:
        self.count, self.work, self.on_stop = count, work, on_stop
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
        if self.stopping:
            return
        parent = os.getpid()
        # No stop signal between fork() and recording the pid (or in the child before its handlers
        # are reset): a signal delivered then would miss the new worker.
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            pid = os.fork()
            if pid == 0:
                self._be_worker(index, parent)  # never returns
            self.children[pid] = index
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)

    def _be_worker(self, index: int, parent: int) -> None:
        """The forked worker: default signal handling (uvicorn installs its own), stop when the
        supervisor dies, serve; exit status 0, or 1 when ``work`` raised."""
        for sig in _STOP_SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        status = 0
        try:
            _stop_with_parent(parent)
            self.work(index)
        except BaseException:  # noqa: BLE001 - report and leave; the parent decides what next
            log.exception("worker %d failed", index)
            status = 1
        finally:
            os._exit(status)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        if not self.stopping and self.on_stop is not None:
            self.on_stop()
        self.stopping = True
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def _wait(self) -> int:
        status = 0
        while self.children and not self.stopping:
            try:
                pid, code = os.wait()
            except ChildProcessError:
                break
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
        self._finish()
        return status

    def _finish(self) -> None:
        """Wait up to ``STOP_GRACE`` seconds for the stopping workers, then kill the rest."""
        deadline = time.monotonic() + STOP_GRACE
        while self.children and time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                break
            if pid == 0:
                time.sleep(0.05)
            else:
                self.children.pop(pid, None)
        for pid in list(self.children):
            log.error("worker pid %d did not stop within %.0f s: killing it", pid, STOP_GRACE)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.children.clear()


def _stop_with_parent(parent: int) -> None:
    """Have the kernel send this worker SIGTERM when the supervisor dies (even by SIGKILL), so no
    orphaned worker keeps serving an old profile on the port; Linux only (elsewhere a no-op)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the supervisor died before the request took effect
        os._exit(0)
