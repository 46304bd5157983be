"""The Helm engine in a separate process that can be stopped: renders have a wall-time and memory limit.

A template can loop forever (nested ``range until``), recurse (``tpl`` of itself) or allocate
without bound (``repeat``, ``genPrivateKey``), and the engine is Go code that Python cannot
interrupt. So every call into it runs in a child process: forked while this process has not
loaded the engine (a Go runtime does not survive ``fork``; otherwise a new interpreter is started),
limited to ``memory`` bytes of address space beyond what it maps once the engine is loaded
(``RLIMIT_AS``), its stderr discarded (the engine's INFO lines), and killed when it overruns
``timeout`` seconds. The child stays up between calls (the engine loads once, ~100 ms), so a
process that renders many charts pays the start once; a killed child is replaced on the next call.

``call(op, *args)`` runs one of ``OPERATIONS`` in a worker from this process's pool (one worker per
thread that renders at the same time) and returns its result, or raises what it raised.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import RenderError

#: Defaults of ``--render-timeout`` and ``--render-memory``.
DEFAULT_TIMEOUT = 20.0
DEFAULT_MEMORY = 512 * 1024 * 1024
#: The largest answer a worker may send (rendered templates of a chart within the chart budget).
MAX_ANSWER_BYTES = 256 * 1024 * 1024
_HEADER = struct.Struct("!Q")


@dataclass(frozen=True)
class Limits:
    """How long one engine call may take and how much memory the engine process may map."""

    timeout: float = DEFAULT_TIMEOUT
    memory: int = DEFAULT_MEMORY


_limits = Limits()


def set_limits(limits: Limits) -> None:
    """The limits of every later engine call in this process (CLI flags, serve flags)."""
    global _limits
    _limits = limits


def limits() -> Limits:
    return _limits


class EngineFailed(Exception):
    """The engine call raised ``kind`` (the exception's class name) with ``detail``."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def _operations() -> dict[str, Callable[..., Any]]:
    from . import engine_ops  # deferred: runs in the worker, where the engine loads

    return engine_ops.OPERATIONS


class _Worker:
    """One child process running engine calls, one at a time."""

    def __init__(self, memory: int) -> None:
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        if "helm_python" in sys.modules:
            # the engine's Go runtime is loaded here (a test, a host program): a fork would not run
            # it, so the worker is a new interpreter (slower to start, the same afterwards)
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    f"from chartguard.render.worker import serve; serve({request_read}, {answer_write}, {memory})",
                ],
                pass_fds=(request_read, answer_write),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            pid = self._process.pid
        else:
            self._process = None
            pid = os.fork()
            if pid == 0:  # the child: serve requests until the parent closes the pipe
                _close_inherited(keep=(request_read, answer_write))
                serve(request_read, answer_write, memory)
        os.close(request_read)
        os.close(answer_write)
        self.pid, self.memory = pid, memory
        self._requests, self._answers = request_write, answer_read

    def call(self, op: str, args: tuple[Any, ...], timeout: float) -> Any:
        _write_frame(self._requests, pickle.dumps((op, args), protocol=pickle.HIGHEST_PROTOCOL))
        deadline = time.monotonic() + timeout
        answer = _read_frame(self._answers, deadline)
        if answer is None:
            self.stop()
            raise _stopped(self.pid, timeout, self.memory, timed_out=time.monotonic() >= deadline)
        ok, value = pickle.loads(answer)  # noqa: S301 - our own child's answer
        if ok:
            return value
        raise EngineFailed(*value)

    def stop(self) -> None:
        for fd in (self._requests, self._answers):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        if self._process is not None:
            self._process.wait()
        else:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)


def _stopped(pid: int, timeout: float, memory: int, *, timed_out: bool) -> RenderError:
    if timed_out:
        return RenderError(
            f"rendering stopped after {timeout:g} s (the render time limit)",
            hint="a template loops or recurses without end; raise --render-timeout if the chart is really that slow",
        )
    return RenderError(
        f"rendering stopped: the Helm engine ran out of its {memory // (1024 * 1024):,} MiB memory limit or crashed",
        hint="a template builds huge values (repeat, genPrivateKey in loops); raise --render-memory if the chart needs more",
    )


def serve(requests: int, answers: int, memory: int) -> None:  # pragma: no cover - runs in the child
    """The worker's loop: limits, then one answer per request, until the parent goes away."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)  # the engine's INFO/panic output never reaches the user's terminal
        os.dup2(devnull, 1)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        operations = _operations()  # loads the engine, whose Go runtime reserves ~1.7 GB of address space
        mapped = _mapped_bytes()  # what is mapped now (inherited, reserved) is not what a render uses
        resource.setrlimit(resource.RLIMIT_AS, (mapped + memory, mapped + memory))
        while True:
            frame = _read_frame(requests, None)
            if frame is None:
                break
            op, args = pickle.loads(frame)  # noqa: S301 - the parent's request
            try:
                answer = pickle.dumps((True, operations[op](*args)), protocol=pickle.HIGHEST_PROTOCOL)
            except MemoryError:
                answer = pickle.dumps((False, ("MemoryError", "out of memory")))
            except Exception as exc:  # noqa: BLE001 - every failure (RecursionError of a deep value too) goes back
                answer = pickle.dumps((False, (type(exc).__name__, str(getattr(exc, "detail", None) or exc)[:10_000])))
            _write_frame(answers, answer)
    finally:
        os._exit(0)


def _close_inherited(keep: tuple[int, ...]) -> None:  # pragma: no cover - runs in the child
    """Close every descriptor the fork inherited but ``keep`` and the standard streams (a server's
    listening sockets, other workers' pipes): the worker holds nothing of its parent's open."""
    highest = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    highest = highest if 0 < highest < 1 << 16 else 1 << 16
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, highest)


def _mapped_bytes() -> int:
    """This process's address space size (``/proc/self/statm``; 0 where there is no /proc)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _write_frame(fd: int, data: bytes) -> None:
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes | None:
    chunks, got = [], 0
    while got < size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
        chunk = os.read(fd, min(size - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int, deadline: float | None) -> bytes | None:
    """One length-prefixed frame; None at end of file, past ``deadline``, or when oversized."""
    header = _read_exactly(fd, _HEADER.size, deadline)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > MAX_ANSWER_BYTES:
        return None
    return _read_exactly(fd, size, deadline)


class _Pool:
    """Idle workers of this process; a thread takes one for a call and gives it back."""

    def __init__(self) -> None:
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._owner = os.getpid()

    def take(self, memory: int) -> _Worker:
        with self._lock:
            if self._owner != os.getpid():  # forked (server workers): the parent's children are not ours
                self._idle, self._owner = [], os.getpid()
            while self._idle:
                worker = self._idle.pop()
                if worker.memory == memory:
                    return worker
                worker.stop()
        return _Worker(memory)

    def give_back(self, worker: _Worker) -> None:
        with self._lock:
            self._idle.append(worker)

    def stop_all(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
            if self._owner != os.getpid():  # a forked copy: those workers belong to the parent
                return
        for worker in idle:
            worker.stop()


_POOL = _Pool()
atexit.register(_POOL.stop_all)  # workers end with this process, and are waited for (their usage counts)


def call(op: str, *args: Any) -> Any:
    """Run engine operation ``op`` in a worker within the current limits (RenderError when it
    overruns them; EngineFailed when the engine refused)."""
    current = _limits
    worker = _POOL.take(current.memory)
    try:
        result = worker.call(op, args, current.timeout)
    except EngineFailed:
        _POOL.give_back(worker)  # the engine refused the input; the worker is fine
        raise
    except RenderError:
        raise  # the worker was stopped; a new one starts on the next call
    except BaseException:
        worker.stop()  # interrupted mid-call: its answer would arrive out of turn
        raise
    _POOL.give_back(worker)
    return result


def stop_workers() -> None:
    """Stop this process's idle workers (they also exit when this process does)."""
    _POOL.stop_all()
