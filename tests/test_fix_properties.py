"""Properties of the security fixes over generated pods and workloads (hypothesis).

For every generated object and profile: each patch applies with the independent ``jsonpatch``
package exactly as with chartguard's own; after the fix, a re-lint has no finding left for the rules
whose findings were marked fixable and plans no further patch (fixing twice equals fixing once);
the patched object is still a valid object of its kind; and nothing the author wrote is changed,
only added to (the one exception: ``automountServiceAccountToken: true`` becomes false).
"""

from __future__ import annotations

import copy
import os
from dataclasses import replace
from typing import Any

import jsonpatch
from helpers.lint import lint_objects
from helpers.paths import TESTCHARTS
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import chartguard
from chartguard import quantity
from chartguard.chart import load_chart
from chartguard.engine import run_rules
from chartguard.findings import Report
from chartguard.fixes import apply_patch
from chartguard.manifests import Manifest
from chartguard.profile import Profile, load_profile
from chartguard.rules.pss.base import Exemption, PodSecuritySettings
from chartguard.workloads import POD_TEMPLATE_PATHS, pods_of

#: Rules whose fixes other modules own (hooks, CRDs and kinds, Services): left out of the profiles
#: so that these properties are about the security fixes only.
OTHERS = {"service-type", "chart-hooks", "allowed-kinds"}


def _without_others(profile: Profile, **params: dict[str, Any]) -> Profile:
    configs = [
        replace(c, params={**c.params, **params[c.rule.id]}) if c.rule.id in params else c
        for c in profile.rules
        if c.rule.id not in OTHERS
    ]
    return replace(profile, rules=configs)


NVCF_STRICT = _without_others(load_profile("nvcf", strict=True))
NVCF_LIMITS = _without_others(
    load_profile("nvcf", strict=True),
    **{"resource-limits": {"fix_limits": {"cpu": "1", "memory": "1Gi"}}},
)
PSS_RESTRICTED = load_profile("pss-restricted")
PSS_OLD = replace(PSS_RESTRICTED, pod_security=PodSecuritySettings("restricted", "v1.24"))  # Windows pods checked
PSS_EXEMPT = replace(
    PSS_RESTRICTED,
    pod_security=PodSecuritySettings(
        "restricted",
        "latest",
        (
            Exemption("seccompProfile_restricted", containers=("c1",)),
            Exemption("runAsNonRoot", images=("legacy/*",)),
            Exemption("allowPrivilegeEscalation", containers=("i0",)),
        ),
    ),
)
PROFILES = {
    "nvcf-strict": NVCF_STRICT,
    "nvcf-limits": NVCF_LIMITS,
    "pss-restricted": PSS_RESTRICTED,
    "pss-v1.24": PSS_OLD,
    "pss-exempt": PSS_EXEMPT,
}
SECRET = "nvcf-image-pull-secret"

# --- strategies ---------------------------------------------------------------------------------

# Each pod is drawn "hardened" or "any": a hardened pod runs as a known non-root UID and avoids
# the values no fix may touch (privileged, escalation allowed, Unconfined, root, added capabilities
# other than NET_BIND_SERVICE, Windows), so that it is fully fixable; "any" pods mix in every risky
# value, exercising the not-safe paths.
SEC_RISKY: dict[str, list[Any]] = {
    "allowPrivilegeEscalation": [True],
    "privileged": [True],
    "runAsUser": [0],
    "runAsNonRoot": [False],
    "seccompProfile": [{}, {"type": "Unconfined"}],
    "readOnlyRootFilesystem": [False],
}
SEC_SAFE: dict[str, list[Any]] = {
    "allowPrivilegeEscalation": [None, False],
    "privileged": [False],
    "runAsUser": [None, 1000, 65534],
    "runAsNonRoot": [None, True],
    "seccompProfile": [None, {"type": "RuntimeDefault"}, {"type": "Localhost", "localhostProfile": "p.json"}],
    "readOnlyRootFilesystem": [True],
}
CAPABILITY_SAFE = ["NET_BIND_SERVICE", "ALL", "NET_RAW", "all"]  # NET_RAW only ever dropped
CAPABILITY_RISKY = ["NET_RAW", "CHOWN", "SYS_ADMIN", "CAP_SYS_ADMIN"]


def capabilities(hardened: bool) -> st.SearchStrategy[Any]:
    add = ["NET_BIND_SERVICE"] if hardened else ["NET_BIND_SERVICE", *CAPABILITY_RISKY]
    return st.one_of(
        st.none(),
        st.just({}),
        st.fixed_dictionaries(
            {},
            optional={
                "add": st.one_of(st.none(), st.lists(st.sampled_from(add), max_size=2)),
                "drop": st.one_of(st.none(), st.lists(st.sampled_from(CAPABILITY_SAFE + CAPABILITY_RISKY), max_size=2)),
            },
        ),
    )


def security_context(fields: tuple[str, ...], hardened: bool) -> st.SearchStrategy[Any]:
    """A securityContext: null, empty, or some of ``fields``."""
    values = {f: st.sampled_from(SEC_SAFE[f] + ([] if hardened else SEC_RISKY[f])) for f in fields}
    if "allowPrivilegeEscalation" in fields:
        values["capabilities"] = capabilities(hardened)
    return st.one_of(st.none(), st.just({}), st.fixed_dictionaries({}, optional=values))


CONTAINER_FIELDS = tuple(SEC_SAFE)
POD_FIELDS = ("runAsUser", "runAsNonRoot", "seccompProfile")
quantities = {"cpu": st.sampled_from(["250m", "1", "2", 4]), "memory": st.sampled_from(["512Mi", "1Gi", "4Gi"])}
resources = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "requests": st.one_of(st.none(), st.fixed_dictionaries({}, optional={**quantities, "nvidia.com/gpu": st.just(1)})),
            "limits": st.one_of(st.none(), st.fixed_dictionaries({}, optional=quantities)),
        },
    ),
)
images = st.sampled_from(["nginx:1.25", "nvcr.io/myorg/api:1.0", "legacy/tool:2"])


@st.composite
def containers(
    draw: st.DrawFn, prefix: str, count: tuple[int, int], hardened: bool, ephemeral: bool = False
) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(*count))):
        entry: dict[str, Any] = {"name": f"{prefix}{i}", "image": draw(images)}
        context = draw(st.one_of(st.just("absent"), security_context(CONTAINER_FIELDS, hardened)))
        if context != "absent":
            entry["securityContext"] = context
        if not ephemeral:  # ephemeral containers cannot set resources
            value = draw(resources)
            if value is not None:
                entry["resources"] = value
        out.append(entry)
    return out


@st.composite
def pod_specs(draw: st.DrawFn) -> dict[str, Any]:
    hardened = draw(st.booleans())
    spec: dict[str, Any] = {"containers": draw(containers("c", (1, 3), hardened))}
    init = draw(containers("i", (0, 2), hardened))
    if init:
        spec["initContainers"] = init
    ephemeral = draw(containers("e", (0, 1), hardened, ephemeral=True))
    if ephemeral:
        spec["ephemeralContainers"] = ephemeral
    optional = {
        "automountServiceAccountToken": st.booleans(),
        "imagePullSecrets": st.one_of(
            st.none(),
            st.lists(st.sampled_from(["other", SECRET]), max_size=2, unique=True).map(lambda names: [{"name": n} for n in names]),
        ),
        "hostUsers": st.booleans(),
    }
    if hardened:
        context = draw(security_context(POD_FIELDS, hardened))
        spec["securityContext"] = {**(context or {}), "runAsUser": 1000, "fsGroup": 2000}
    else:
        optional["securityContext"] = security_context(POD_FIELDS, hardened)
        optional["os"] = st.sampled_from([{"name": "linux"}, {"name": "windows"}])
    spec.update(draw(st.fixed_dictionaries({}, optional=optional)))
    return spec


KINDS = {
    "Pod": "v1",
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
}


@st.composite
def workloads(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(KINDS)))
    spec = draw(pod_specs())
    obj: dict[str, Any] = {"apiVersion": KINDS[kind], "kind": kind, "metadata": {"name": "w"}}
    if kind == "Pod":
        obj["spec"] = spec
        return obj
    node = obj
    (path,) = POD_TEMPLATE_PATHS[kind]
    for part in path:
        node = node.setdefault(part, {})
    node.update({"metadata": {"labels": {"app": "w"}}, "spec": spec})
    return obj


# --- helpers ------------------------------------------------------------------------------------

CHART = load_chart(TESTCHARTS / "function-ngc")


def lint_object(obj: dict[str, Any], profile: Profile, with_chart: bool) -> Report:
    """Lint one object; ``with_chart``: as if rendered from a chart defining the NGC pull-secret
    key (so that image-pull-secret-reference runs)."""
    if not with_chart:
        return lint_objects(obj, profile=profile)
    manifest = Manifest(obj=obj, text="", index=0)
    return run_rules([manifest], profile, chart=CHART, values={"ngcImagePullSecretName": SECRET})


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Leaf JSON pointer → scalar (empty maps and lists are leaves too)."""
    if isinstance(value, dict) and value:
        return {k: v for key, item in value.items() for k, v in flatten(item, f"{path}/{key}").items()}
    if isinstance(value, list) and value:
        return {k: v for i, item in enumerate(value) for k, v in flatten(item, f"{path}/{i}").items()}
    return {path: value}


def assert_valid(original: dict[str, Any], patched: dict[str, Any]) -> None:
    """Still an object of its kind, with the same containers, maps where maps belong, and nothing
    the API or the kubelet would refuse introduced by the patch."""
    for key in ("apiVersion", "kind", "metadata"):
        assert patched[key] == original[key]
    (before,) = pods_of(original)
    (after,) = pods_of(patched)
    assert after.pointer == before.pointer
    assert [(c.list_name, c.name, c.spec.get("image")) for c in after.containers] == [
        (c.list_name, c.name, c.spec.get("image")) for c in before.containers
    ]
    for scope in (after.spec, *(c.spec for c in after.containers)):
        context = scope.get("securityContext")
        assert context is None or isinstance(context, dict)
        for field in ("capabilities", "seccompProfile"):
            assert (context or {}).get(field) is None or isinstance(context[field], dict)
    for old, new in zip(before.containers, after.containers, strict=True):
        if new.context == old.context and new.spec.get("resources") == old.spec.get("resources"):
            continue
        if new.context.get("allowPrivilegeEscalation") is False and old.context.get("allowPrivilegeEscalation") is not False:
            assert new.context.get("privileged") is not True
            assert "CAP_SYS_ADMIN" not in ((new.context.get("capabilities") or {}).get("add") or [])
            assert not after.is_windows
        if after.is_windows:
            assert (new.context.get("capabilities"), new.context.get("seccompProfile")) == (
                old.context.get("capabilities"),
                old.context.get("seccompProfile"),
            )
        limits = (new.spec.get("resources") or {}).get("limits") or {}
        requests = (new.spec.get("resources") or {}).get("requests") or {}
        old_limits = (old.spec.get("resources") or {}).get("limits") or {}
        for name, limit in limits.items():
            if name in requests and name not in old_limits:  # added: never below the request
                assert quantity.parse(str(limit))[0] >= quantity.parse(str(requests[name]))[0]
    non_root_before = before.context.get("runAsNonRoot") is True
    for old, new in zip(before.containers, after.containers, strict=True):
        was = old.context.get("runAsNonRoot") is True or (non_root_before and old.context.get("runAsNonRoot") is None)
        now = new.context.get("runAsNonRoot") is True or (
            after.context.get("runAsNonRoot") is True and new.context.get("runAsNonRoot") is None
        )
        if now and not was:  # the kubelet refuses runAsNonRoot with a root or unknown user
            user = new.context.get("runAsUser")
            user = after.context.get("runAsUser") if user is None else user
            assert type(user) is int and user != 0


def assert_only_added(original: dict[str, Any], patched: dict[str, Any], fixed: set[str]) -> None:
    """Every value the author wrote is still there (null parents may become maps), except an
    automounted token turned off by the ``fixed`` rules."""
    after = flatten(patched)
    automount = bool(fixed & {"automount-service-account-token", "reval-automount-token"})
    for path, value in flatten(original).items():
        if value is None or value == {} or value == []:
            continue
        if automount and path.endswith("/automountServiceAccountToken") and value is True:
            assert after[path] is False
            continue
        assert after.get(path) == value, path


# --- the properties -----------------------------------------------------------------------------

#: ``CHARTGUARD_FIX_EXAMPLES=5000 pytest tests/test_fix_properties.py`` searches harder.
EXAMPLES = int(os.environ.get("CHARTGUARD_FIX_EXAMPLES", "150"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_fix_properties(obj: dict[str, Any], profile: Profile, with_chart: bool = False) -> None:
    original = copy.deepcopy(obj)
    report = lint_object(obj, profile, with_chart)
    fixable = {f.rule_id for f in report.findings if f.fixable}
    assert not [f for f in report.findings if f.fixable and f.unfixable_reason]
    for finding in report.findings:
        if finding.fixable or finding.unfixable_reason:
            event(f"{finding.rule_id}: {'fixed' if finding.fixable else 'not safe'}")
    if not report.fixes:
        assert not fixable
        return
    (fix,) = report.fixes
    assert set(fix.rules) == fixable and not fix.drop
    # (1) the patch applies with an independent implementation, with the same result
    ours = apply_patch(obj, fix.ops)
    assert jsonpatch.apply_patch(obj, list(fix.ops)) == ours
    (patched,) = chartguard.apply_fixes([obj], report)
    assert patched == ours and obj == original
    assert all(op["op"] == "add" for op in fix.ops)
    # (2) the fixed rules pass, (3) fixing again changes nothing
    again = lint_object(patched, profile, with_chart)
    assert not [(f.rule_id, f.detail) for f in again.findings if f.rule_id in fixable]
    assert again.fixes == [] or chartguard.apply_fixes([patched], again) == [patched]
    assert not {rule for f in again.fixes for rule in f.rules} & fixable
    # (4) still a valid object; nothing the author wrote is lost
    assert_valid(original, patched)
    assert_only_added(original, patched, fixable)


@SETTINGS
@given(obj=workloads(), profile=st.sampled_from(sorted(PROFILES)))
def test_fixes_over_workloads(obj: dict[str, Any], profile: str) -> None:
    check_fix_properties(obj, PROFILES[profile])


@SETTINGS
@given(obj=workloads())
def test_fixes_with_the_pull_secret_rule(obj: dict[str, Any]) -> None:
    check_fix_properties(obj, NVCF_LIMITS, with_chart=True)


@SETTINGS
@given(obj=workloads())
def test_fixes_with_helm_reval(obj: dict[str, Any]) -> None:
    profile = load_profile("reval-default")
    configs = [
        replace(c, params={"fix_read_only_root_filesystem": True}) if c.rule.id == "reval-security-context" else c
        for c in profile.rules
        if c.rule.id not in {"reval-service-type"}
    ]
    check_fix_properties(obj, replace(profile, rules=configs))


@settings(max_examples=max(EXAMPLES // 3, 1), deadline=None)
@given(obj=workloads())
def test_fixes_with_the_whole_nvcf_profile_still_apply(obj: dict[str, Any]) -> None:
    """Whatever other rules add, every planned patch applies with jsonpatch as with chartguard."""
    report = chartguard.lint_manifests([obj], profile=load_profile("nvcf", strict=True))
    for fix in report.fixes:
        if not fix.drop:
            assert jsonpatch.apply_patch(obj, list(fix.ops)) == apply_patch(obj, fix.ops)
