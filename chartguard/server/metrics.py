"""The webhook's Prometheus metrics, summed over the server's worker processes.

Counters live in anonymous shared memory created before the workers are forked: one row of 64-bit
integers per worker, each process writing only its own row (no locks), ``/metrics`` summing the
rows. So a scrape answered by any worker reports the whole server. Every series is known up front
(the endpoints, the HTTP statuses a review can get, the registered rule ids, the work limits and
``internal-error`` a denial can name, the connection events); anything else is counted under
``other``.
"""

from __future__ import annotations

import mmap
from bisect import bisect_left
from collections.abc import Iterable, Sequence

from ..admission import INTERNAL_ERROR
from ..limits import LIMIT_NAMES
from ..rules import BY_ID

#: Latency histogram buckets (seconds): the apiserver's timeout is 1-30 s, the budget 10 ms at p99.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
ENDPOINTS = ("/validate", "/mutate")
CODES = ("200", "400", "401", "405", "408", "413", "500", "other")
#: Why the server closed a connection before its request was complete (chartguard.server.connections).
CONNECTION_EVENTS = ("header-timeout", "headers-too-large", "too-many-connections")
OTHER = "other"
_CELL = 8  # bytes per counter ("q": signed 64-bit)


class Metrics:
    """Requests by endpoint and status, denials by rule, and a latency histogram per endpoint."""

    def __init__(self, rule_ids: Iterable[str] | None = None, *, workers: int = 1) -> None:
        """``rule_ids``: the rules a denial can name (default: every registered rule)."""
        if rule_ids is None:
            rule_ids = BY_ID
        self.rules = sorted({*rule_ids, *LIMIT_NAMES, INTERNAL_ERROR, "unknown", OTHER})
        keys: list[tuple[str, ...]] = [("requests", e, c) for e in ENDPOINTS for c in CODES]
        keys += [("denials", rule) for rule in self.rules]
        keys += [("closed", event) for event in CONNECTION_EVENTS]
        keys.append(("open",))
        for endpoint in ENDPOINTS:
            keys += [("bucket", endpoint, str(i)) for i in range(len(BUCKETS) + 1)]
            keys.append(("sum_ns", endpoint))
        self._slot = {key: i for i, key in enumerate(keys)}
        self._width, self._rows = len(keys), max(1, workers)
        self._memory = mmap.mmap(-1, _CELL * self._width * self._rows)  # MAP_SHARED: survives fork()
        self._cells = memoryview(self._memory).cast("q")
        self._base = 0

    def use_row(self, worker: int) -> None:
        """Write to worker ``worker``'s row from now on (called once in each forked worker)."""
        if not 0 <= worker < self._rows:
            raise ValueError(f"worker {worker} out of range 0..{self._rows - 1}")
        self._base = worker * self._width
        self._cells[self._base + self._slot[("open",)]] = 0  # a restarted worker's connections died with it

    def observe(self, endpoint: str, code: int, seconds: float) -> None:
        """Count one request to ``endpoint`` answered ``code`` in ``seconds``."""
        if endpoint not in ENDPOINTS:
            return
        status = str(code) if str(code) in CODES else OTHER
        self._add(("requests", endpoint, status))
        self._add(("bucket", endpoint, str(bisect_left(BUCKETS, seconds))))
        self._add(("sum_ns", endpoint), int(seconds * 1e9))

    def deny(self, rule: str) -> None:
        """Count one denial naming ``rule``."""
        self._add(("denials", rule if ("denials", rule) in self._slot else OTHER))

    def connection_closed(self, event: str) -> None:
        """Count one connection closed by the server for ``event`` (one of ``CONNECTION_EVENTS``)."""
        self._add(("closed", event))

    def connection_opened(self, delta: int) -> None:
        """+1 when a connection is accepted, -1 when it ends (the open-connections gauge)."""
        self._add(("open",), delta)

    def value(self, *key: str) -> int:
        """A counter summed over the workers, e.g. ``value("denials", "volume-types")``."""
        slot = self._slot[key]
        return sum(self._cells[row * self._width + slot] for row in range(self._rows))

    def _add(self, key: tuple[str, ...], amount: int = 1) -> None:
        self._cells[self._base + self._slot[key]] += amount

    def render(self) -> bytes:
        """The Prometheus text exposition format (0.0.4)."""
        out: list[str] = []
        requests = [(f'endpoint="{e}",code="{c}"', ("requests", e, c)) for e in ENDPOINTS for c in CODES]
        self._counter(out, "requests_total", "Admission requests by endpoint and HTTP status.", requests)
        denials = [(f'rule="{rule}"', ("denials", rule)) for rule in self.rules]
        self._counter(out, "denials_total", "Denied admission requests by rule (or limit, or internal-error).", denials)
        closed = [(f'reason="{event}"', ("closed", event)) for event in CONNECTION_EVENTS]
        self._counter(out, "connections_closed_total", "Connections closed before their request was complete, by reason.", closed)
        out += [
            "# HELP chartguard_webhook_open_connections Open HTTP connections.",
            "# TYPE chartguard_webhook_open_connections gauge",
            f"chartguard_webhook_open_connections {self.value('open')}",
            "# HELP chartguard_webhook_request_duration_seconds Time to answer an admission request.",
            "# TYPE chartguard_webhook_request_duration_seconds histogram",
        ]
        for endpoint in ENDPOINTS:
            counts = [self.value("bucket", endpoint, str(i)) for i in range(len(BUCKETS) + 1)]
            if not any(counts):
                continue
            total = 0
            for bound, count in zip((*BUCKETS, float("inf")), counts, strict=True):
                total += count
                le = "+Inf" if bound == float("inf") else repr(bound)
                out.append(f'chartguard_webhook_request_duration_seconds_bucket{{endpoint="{endpoint}",le="{le}"}} {total}')
            seconds = self.value("sum_ns", endpoint) / 1e9
            out.append(f'chartguard_webhook_request_duration_seconds_sum{{endpoint="{endpoint}"}} {seconds!r}')
            out.append(f'chartguard_webhook_request_duration_seconds_count{{endpoint="{endpoint}"}} {total}')
        return ("\n".join(out) + "\n").encode()

    def _counter(self, out: list[str], name: str, help_text: str, series: Sequence[tuple[str, tuple[str, ...]]]) -> None:
        """Append counter ``chartguard_webhook_<name>``: its HELP and TYPE, and each non-zero series (labels, key)."""
        out += [f"# HELP chartguard_webhook_{name} {help_text}", f"# TYPE chartguard_webhook_{name} counter"]
        for labels, key in series:
            count = self.value(*key)
            if count:
                out.append(f"chartguard_webhook_{name}{{{labels}}} {count}")
