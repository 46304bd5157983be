"""Hostile inputs (tests/hostile/, plus archives and a symlinked chart built here) never break
chartguard's output: the real CLI, in a subprocess, exits 0, 1 or 2 without a traceback or an
internal error; stderr holds at most two lines (``chartguard: <kind>: ...`` and a hint) of at most
2,100 characters with no raw control character; text and GitHub reports are one finding per line
with control characters escaped; JSON, SARIF and JUnit reports are well-formed.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from helpers.cli import Run, cli
from helpers.lint import found, lint_objects
from helpers.objects import pod

from chartguard import quantity
from chartguard.output import FORMATTERS
from chartguard.printable import MAX_LINE_CHARS, bounded, one_line, printable, xml_text
from chartguard.rules.gpu.facts import literal_count
from chartguard.rules.gpu.facts import quantity as gpu_quantity

HOSTILE = Path(__file__).resolve().parent / "hostile"
FORMATS = ("text", "json", "sarif", "junit", "github")
#: Raw control characters (a newline ends a line; colour is off in a pipe).
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
ESCAPES = "name\x1b[2K\rFAKE: PASS\nnext\x08\x07"


def _tgz(path: Path, names: list[str]) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name in names:
            data = b"apiVersion: v2\nname: c\nversion: 0.1.0\n" if name.endswith("Chart.yaml") else b"a: 1\n"
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    path.write_bytes(buffer.getvalue())
    return path


def _escaped_member(tmp: Path) -> Path:
    """An archive whose one folder's name holds escapes and a fake line: 'no Chart.yaml'."""
    return _tgz(tmp / "escaped-member.tgz", [f"c{ESCAPES}/values.yaml"])


def _escaped_folders(tmp: Path) -> Path:
    return _tgz(tmp / "escaped-folders.tgz", ["c/Chart.yaml", f"d{ESCAPES}/Chart.yaml"])


def _symlinked_chart(tmp: Path) -> Path:
    """A chart directory whose templates are symbolic links (Helm logs each one it follows)."""
    chart = tmp / "symlinked"
    (chart / "templates").mkdir(parents=True)
    (chart / "real").mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: symlinked\nversion: 0.1.0\n")
    for i in range(3):
        (chart / "real" / f"cm{i}.yaml").write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\n")
        (chart / "templates" / f"cm{i}.yaml").symlink_to(f"../real/cm{i}.yaml")
    return chart


#: (input: a tests/hostile/ name or a builder, extra flags, exit code, a fragment of stdout + stderr)
CASES: list[tuple[str | Callable[[Path], Path], tuple[str, ...], int, str]] = [
    ("control-chars-name.yaml", (), 1, r"web\x1b[2K\rFAKE: PASS\nnext\x08\x07\u202e\x01\x0b\x7f\x9b"),
    ("kind-mapping.yaml", (), 0, "no kind"),
    ("gpu-limit-inf.yaml", (), 1, "request inf, limit inf is not a whole number"),
    ("gpu-limit-nan.yaml", (), 1, "request nan, limit nan is not a whole number"),
    ("gpu-limit-negative-inf.yaml", (), 1, "request -inf, limit -inf is not a whole number"),
    ("gpu-limit-negative.yaml", (), 1, "request -8, limit -8 is not a whole number"),
    ("gpu-limit-huge.yaml", (), 1, "request '1e400', limit '1e400' is not a valid count (beyond Kubernetes' int64)"),
    ("gpu-limit-exponent.yaml", (), 1, "request '1e2147483647', limit '1e2147483647' is not a whole number"),
    ("gpu-limit-int-overflow.yaml", (), 1, "is not a valid count (beyond Kubernetes' int64)"),
    ("gpu-limit-digits.yaml", (), 1, "is not a whole number"),
    ("cpu-exponent.yaml", ("-p", "reval-default"), 1, "unsupported object types"),
    ("secrets.yaml", ("--strict",), 1, 'NUM_GPUS="<redacted>"'),
    ("self-include", (), 2, "more characters)"),
    ("fail-escapes", (), 2, r"stop\x1b[2K: FAKE: PASS\x08\x07: second line"),  # Helm's lines joined by ": "
    (_escaped_member, (), 2, r"no cname\x1b[2K FAKE: PASS next\x08\x07/Chart.yaml"),
    (_escaped_folders, (), 2, r"'dname\x1b[2K\rFAKE: PASS\nnext\x08\x07'"),
    (_symlinked_chart, (), 0, "3 objects"),  # links inside the chart are followed; the engine's INFO lines never show
]


def _case_id(case: object) -> str:
    target = case.values[0] if hasattr(case, "values") else case[0]  # type: ignore[index]
    return target if isinstance(target, str) else target.__name__.strip("_")


def _check_run(run: Run, fmt: str) -> None:
    assert run.code in (0, 1, 2), (run.code, run.stderr)
    assert "Traceback" not in run.stdout + run.stderr and "internal error" not in run.stderr, run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) <= 2 and all(len(line) <= 2100 for line in lines), [line[:200] for line in lines]
    assert not RAW_CONTROL.search(run.stderr), run.stderr
    if run.code == 2:
        assert run.stdout == "" and lines[0].startswith("chartguard: "), (run.stdout[:200], lines)
        return
    if fmt in ("json", "sarif"):
        json.loads(run.stdout)
    elif fmt == "junit":
        ET.fromstring(run.stdout)
    else:
        assert not RAW_CONTROL.search(run.stdout), run.stdout


@pytest.mark.parametrize(("target", "flags", "code", "fragment"), CASES, ids=[_case_id(c) for c in CASES])
def test_hostile_input(
    target: str | Callable[[Path], Path], flags: tuple[str, ...], code: int, fragment: str, tmp_path: Path
) -> None:
    path = str(HOSTILE / target) if isinstance(target, str) else str(target(tmp_path))
    formats = FORMATS if code != 2 else ("text",)  # an input error prints no report, whatever the format
    started = time.monotonic()
    with ThreadPoolExecutor(len(formats)) as pool:  # one real process per format, side by side
        runs = dict(zip(formats, pool.map(lambda fmt: cli("lint", path, "--format", fmt, *flags, in_subprocess=True), formats)))
    assert time.monotonic() - started < 60, "took too long"
    for fmt, run in runs.items():
        _check_run(run, fmt)
        assert run.code == code, (fmt, run.code, run.stderr[:500])
    text = runs["text"]
    assert fragment in text.stdout + text.stderr, (fragment, text.stdout[-2000:], text.stderr[:2000])


# --- the printable helper --------------------------------------------------------------------------


def test_printable_escapes_controls_and_keeps_text() -> None:
    assert printable("a\x1b[31mb\r\nc\td\u202ee≠é") == r"a\x1b[31mb\r\nc\td\u202ee≠é"
    assert printable("line 1\n\tline 2\x1b", keep_lines=True) == "line 1\n\tline 2\\x1b"
    assert one_line("execution error:\n  first\x07   second") == r"execution error: first\x07 second"


def test_bounded_lines_say_how_much_was_cut() -> None:
    cut = bounded("x" * 100_000)
    assert MAX_LINE_CHARS - 3 <= len(cut) <= MAX_LINE_CHARS and cut.endswith(f"… ({100_000 - cut.index('…'):,} more characters)")
    assert bounded("short") == "short"


def test_xml_text_keeps_only_what_xml_can_hold() -> None:
    assert xml_text("a\x00b\x0bc\nd\te\ud800f\ufffe") == "a\\x00b\\x0bc\nd\te\\ud800f\\ufffe"


# --- the findings behind the table, in-process -------------------------------------------------------


def test_one_line_error_is_escaped_on_a_colour_terminal(tmp_path: Path) -> None:
    run = cli("lint", str(_escaped_member(tmp_path)), color=True)  # Click keeps ANSI codes for a terminal
    assert run.code == 2 and "\x1b" not in run.stderr and "\x08" not in run.stderr, repr(run.stderr)
    assert run.stderr.count("\n") == 1 and "FAKE: PASS" in run.stderr


def test_junit_and_text_reports_of_control_characters() -> None:
    name = "web\x1b[2K\rFAKE: PASS\nx\x01\ud800"  # a lone surrogate could not even be written to stdout
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": {"type": "NodePort"}}
    report = lint_objects(service)
    root = ET.fromstring(FORMATTERS["junit"](report, None, False))
    assert root.tag == "testsuites"
    text = FORMATTERS["text"](report, None, True)
    assert "\x1b[2K" not in text and "\r" not in text and r"web\x1b[2K\rFAKE: PASS\nx\x01\ud800" in text
    assert len(text.splitlines()) == len(report.findings) + 2  # a blank line, then the summary


def test_kind_and_api_version_that_are_not_strings_are_findings() -> None:
    report = lint_objects({"apiVersion": "v1", "kind": {"a": "b"}, "metadata": {"name": "x"}}, profile="reval-default")
    assert report.findings == [] or all(f.rule_id for f in report.findings)
    (finding,) = found(lint_objects({"apiVersion": "v1", "kind": ["Pod"], "metadata": {"name": "x"}}), "object-kind")
    assert finding.detail == "no kind"


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), "1e400", 10**30, "9" * 5000, "1e2147483647"])
def test_gpu_quantities_that_are_no_counts(value: object) -> None:
    assert gpu_quantity(value) is None
    container = {"name": "c", "image": "nginx", "resources": {"limits": {"nvidia.com/gpu": value}}}
    (finding,) = found(lint_objects(pod(container)), "gpu-request-limit")
    assert finding.reason == "GPU quantity is not an integer" and len(finding.detail) < 200
    assert literal_count("9" * 5000) is None and literal_count("8") == 8


def test_quantity_refuses_exponents_it_cannot_compute() -> None:
    started = time.monotonic()
    for text in ("1e2147483647", "1e-2147483647", "1e10000000"):
        with pytest.raises(ValueError, match="exponent"):
            quantity.parse(text)
    assert time.monotonic() - started < 1
    assert quantity.canonical("1000") == "1k" and quantity.canonical("1e1000") == "10e999"
