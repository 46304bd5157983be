"""Start a real ``chartguard serve`` process for the server tests and wait for its banner."""

from __future__ import annotations

import queue
import re
import subprocess
import threading
import time


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
