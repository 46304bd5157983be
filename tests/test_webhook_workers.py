"""chartguard serve --workers N: forked workers on one socket, metrics summed over them, supervision."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import trustme
from helpers.objects import minimal_review
from helpers.pki import write_pki
from helpers.serve import Served, start_webhook

from chartguard.server.metrics import Metrics


def children(pid: int) -> set[int]:
    return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def metric(text: str, name: str, **labels: str) -> int:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    match = re.search(rf"^{name}{{{re.escape(wanted)}}} (\d+)$", text, re.M)
    return int(match[1]) if match else 0


def wait_for(condition, seconds: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


# --- shared metrics ----------------------------------------------------------------------------------


def test_metrics_rows_written_by_forked_processes_are_summed() -> None:
    metrics = Metrics(["volume-types"], workers=3)
    metrics.use_row(0)
    metrics.observe("/validate", 200, 0.002)
    pids = []
    for row in (1, 2):
        pid = os.fork()
        if pid == 0:  # a worker: writes its own row only
            metrics.use_row(row)
            for _ in range(row):
                metrics.observe("/validate", 200, 0.0004)
            metrics.deny("volume-types")
            os._exit(0)
        pids.append(pid)
    for pid in pids:
        assert os.waitpid(pid, 0)[1] == 0
    text = metrics.render().decode()
    assert metric(text, "chartguard_webhook_requests_total", endpoint="/validate", code="200") == 4
    assert metric(text, "chartguard_webhook_denials_total", rule="volume-types") == 2
    assert metric(text, "chartguard_webhook_request_duration_seconds_bucket", endpoint="/validate", le="0.0005") == 3
    assert metric(text, "chartguard_webhook_request_duration_seconds_count", endpoint="/validate") == 4
    assert 'endpoint="/mutate"' not in text  # no series for what never happened


def test_metrics_unknown_labels_count_as_other_and_rows_are_checked() -> None:
    metrics = Metrics(["volume-types"])
    metrics.deny("not-a-rule")
    metrics.observe("/validate", 418, 0.001)
    metrics.observe("/elsewhere", 200, 0.001)  # not an admission endpoint: not counted
    text = metrics.render().decode()
    assert metric(text, "chartguard_webhook_denials_total", rule="other") == 1
    assert metric(text, "chartguard_webhook_requests_total", endpoint="/validate", code="other") == 1
    assert "/elsewhere" not in text
    with pytest.raises(ValueError, match="out of range"):
        metrics.use_row(1)


# --- the real server with two workers ------------------------------------------------------------------


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Served:
    served = start_webhook(write_pki(trustme.CA(), tmp_path_factory.mktemp("workers-pki")), "--workers", "2")
    yield served  # type: ignore[misc]
    served.stop()


def test_two_workers_share_the_port_and_report_the_same_totals(workers: Served) -> None:
    assert len(children(workers.process.pid)) == 2
    before = metric(
        workers.request("GET", "/metrics")[2].decode(), "chartguard_webhook_requests_total", endpoint="/validate", code="200"
    )
    review = minimal_review()
    with ThreadPoolExecutor(8) as pool:  # concurrent connections: both workers accept some
        statuses = list(pool.map(lambda _: workers.request("POST", "/validate", review)[0], range(80)))
    assert statuses == [200] * 80
    pids = {json.loads(line)["pid"] for line in workers.drain_log() if line.startswith("{")}
    assert len(pids) == 2, f"one worker answered everything: {pids}"
    for _ in range(6):  # each scrape may land on either worker: every one reports the whole server
        text = workers.request("GET", "/metrics")[2].decode()
        assert metric(text, "chartguard_webhook_requests_total", endpoint="/validate", code="200") == before + 80


def test_a_worker_that_dies_is_started_again(workers: Served) -> None:
    first = children(workers.process.pid)
    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    assert wait_for(lambda: len(children(workers.process.pid)) == 2 and victim not in children(workers.process.pid))
    assert workers.serves()
    assert any("starting it again" in line for line in workers.drain_log())


def test_sigterm_stops_every_worker(tmp_path: Path) -> None:
    served = start_webhook(write_pki(trustme.CA(), tmp_path), "--workers", "3")
    pids = children(served.process.pid)
    assert len(pids) == 3 and served.serves()
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=20) == 0
    assert wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in pids), 5)


def test_supervisor_gives_up_when_workers_keep_dying(caplog: pytest.LogCaptureFixture) -> None:
    from chartguard.server.workers import MAX_RESTARTS, Supervisor

    def crash(index: int) -> None:
        raise RuntimeError(f"worker {index} cannot start")

    started = time.monotonic()
    assert Supervisor(2, crash).run() == 1  # a crash loop ends the server instead of spinning
    assert time.monotonic() - started < 30
    restarts = [r for r in caplog.records if "starting it again" in r.getMessage()]
    assert len(restarts) == MAX_RESTARTS + 1
    assert any("keep exiting" in r.getMessage() for r in caplog.records)


def test_stopping_refuses_new_connections_while_workers_drain(tmp_path: Path) -> None:
    served = start_webhook(write_pki(trustme.CA(), tmp_path), "--workers", "2", "--body-timeout", "30")
    slow = []
    for _ in range(4):  # requests in flight (bodies that never come): the workers' graceful shutdown waits
        sock = socket.create_connection(("127.0.0.1", served.port))
        tls = served.context.wrap_socket(sock, server_hostname="127.0.0.1")
        tls.sendall(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        slow.append(tls)
    time.sleep(0.3)
    served.process.send_signal(signal.SIGTERM)
    time.sleep(1.0)
    try:
        assert served.process.poll() is None  # still draining
        with pytest.raises(ConnectionRefusedError):  # not queued on a socket nobody accepts from
            socket.create_connection(("127.0.0.1", served.port), timeout=3)
    finally:
        for tls in slow:
            tls.close()
        assert served.process.wait(timeout=30) == 0


def test_workers_stop_when_the_supervisor_is_killed(tmp_path: Path) -> None:
    served = start_webhook(write_pki(trustme.CA(), tmp_path), "--workers", "2")
    pids = children(served.process.pid)
    assert len(pids) == 2 and served.serves()
    served.process.kill()  # SIGKILL: no chance to pass a signal on
    served.process.wait(timeout=10)
    assert wait_for(lambda: not any(Path(f"/proc/{pid}").exists() and "Z" not in stat(pid) for pid in pids), 20)
    with pytest.raises(ConnectionRefusedError):  # no orphan keeps serving the port
        socket.create_connection(("127.0.0.1", served.port), timeout=3)


def stat(pid: int) -> str:
    """The process state letter (``Z`` for a zombie), or "" when it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


def test_a_stop_during_start_up_reaches_every_worker() -> None:
    from chartguard.server.workers import Supervisor

    def work(index: int) -> None:
        if index == 0:  # the stop arrives while the supervisor is still starting the others
            os.kill(os.getppid(), signal.SIGTERM)
        time.sleep(30)  # SIGTERM (default action) ends it

    started = time.monotonic()
    assert Supervisor(3, work).run() == 0
    assert time.monotonic() - started < 10
