"""``helm template`` from PATH as a renderer (``--renderer helm``), for users who want their own Helm."""

from __future__ import annotations

import json
import os
from typing import Any

from ..chart import ChartSource
from ..errors import RenderError, UsageError
from .engine import RenderOptions, chart_paths, one_line, render_hint
from .stream import templates_from_stream


class HelmBinary:
    """``helm template`` from PATH, for users who want their own Helm version."""

    name = "helm"

    def __init__(self, executable: str = "helm") -> None:
        self.executable = executable

    def render(
        self, chart: ChartSource, values: dict[str, Any], options: RenderOptions
    ) -> tuple[dict[str, str], list[tuple[str, str]]]:
        import shutil  # deferred: only --renderer helm runs a process
        import subprocess  # deferred: only --renderer helm runs a process
        import tempfile  # deferred: only --renderer helm runs a process

        binary = shutil.which(self.executable)
        if binary is None:
            raise UsageError(
                f"--renderer helm: no {self.executable!r} executable on PATH",
                hint="install Helm, or use the embedded engine (the default, --renderer embedded)",
            )
        with tempfile.TemporaryDirectory(prefix="chartguard-") as tmp:
            values_file = os.path.join(tmp, "values.json")
            with open(values_file, "w", encoding="utf-8") as handle:
                json.dump(values, handle)
            target = os.fspath(chart.directory) if chart.directory else os.path.join(tmp, "chart.tgz")
            if chart.directory is None:
                with open(target, "wb") as handle:
                    handle.write(chart.archive or b"")
            command = [binary, "template", options.release_name, os.fspath(target), "--namespace", options.namespace,
                       "--values", values_file, "--include-crds"]  # fmt: skip
            if options.kube_version:
                command += ["--kube-version", options.kube_version]
            for api_version in options.api_versions:
                command += ["--api-versions", api_version]
            result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            message = one_line(result.stderr.replace("Error: ", "", 1)) or f"helm exited {result.returncode}"
            raise RenderError(chart_paths(chart, message), hint=render_hint(result.stderr))
        return templates_from_stream(result.stdout)
