"""Pod Security Standards evaluations per second on one core (budget: >= 50,000/s).

    python bench/bench_pss.py [--seconds S]

Evaluates a typical pod (two containers and an init container, full restricted securityContext,
probes, volumes, env) at restricted/latest, and a non-compliant one (several checks deny), with
``chartguard.pss.evaluate``; prints a table.
"""

from __future__ import annotations

import argparse
import copy
import time

from chartguard import pss

CONTAINER = {
    "name": "app",
    "image": "nvcr.io/acme/app:1.4.2",
    "ports": [{"name": "http", "containerPort": 8000}],
    "env": [{"name": "MODE", "value": "prod"}],
    "resources": {"limits": {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": 1}},
    "livenessProbe": {"httpGet": {"path": "/health", "port": 8000}},
    "readinessProbe": {"tcpSocket": {"port": 8000}},
    "volumeMounts": [{"name": "config", "mountPath": "/etc/app"}],
    "securityContext": {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "runAsNonRoot": True,
        "readOnlyRootFilesystem": True,
    },
}
TYPICAL = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "app", "labels": {"app": "app"}, "annotations": {"team": "ml"}},
    "spec": {
        "securityContext": {"runAsNonRoot": True, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
        "initContainers": [dict(copy.deepcopy(CONTAINER), name="init")],
        "containers": [copy.deepcopy(CONTAINER), dict(copy.deepcopy(CONTAINER), name="sidecar")],
        "volumes": [{"name": "config", "configMap": {"name": "app"}}, {"name": "tmp", "emptyDir": {}}],
    },
}
BAD = copy.deepcopy(TYPICAL)
BAD["spec"]["hostNetwork"] = True
BAD["spec"]["volumes"].append({"name": "host", "hostPath": {"path": "/"}})
BAD["spec"]["containers"][0]["securityContext"] = {"privileged": True, "capabilities": {"add": ["SYS_ADMIN"]}}


def rate(obj: dict, level: str, version: str, seconds: float) -> tuple[float, int]:
    pss.evaluate(obj, level, version)  # warm the per-version check table
    count, deadline = 0, time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        for _ in range(1000):
            pss.evaluate(obj, level, version)
        count += 1000
    return count / (time.perf_counter() - start), len(pss.evaluate(obj, level, version))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    print(f"{'pod':<22}{'level/version':<22}{'violations':>11}{'evaluations/s':>16}  budget")
    for name, obj in (("typical (compliant)", TYPICAL), ("non-compliant", BAD)):
        for level, version in (("restricted", "latest"), ("baseline", "latest"), ("restricted", "v1.24")):
            per_second, violations = rate(obj, level, version, args.seconds / 3)
            budget = ">= 50,000" if (name, level, version) == ("typical (compliant)", "restricted", "latest") else ""
            print(f"{name:<22}{level + '/' + version:<22}{violations:>11}{per_second:>16,.0f}  {budget}")


if __name__ == "__main__":
    main()
