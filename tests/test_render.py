"""Rendering: Helm's release assembly with the embedded engine (install order, hooks and NOTES
apart, crds/ first, Capabilities options, release name and namespace)."""

from __future__ import annotations

import json
import shutil

import pytest

from chartguard import api
from chartguard.chart import load_chart
from chartguard.errors import RenderError, UsageError
from chartguard.render import (
    ENGINE_DEFAULT_KUBE_VERSION,
    INSTALL_ORDER,
    HelmBinary,
    RenderOptions,
    assemble,
    render_release,
    templates_from_stream,
)


def kinds(rendered):
    return [(m.kind, m.name) for m in rendered.manifests]


def test_release_is_in_helm_install_order_with_crds_first(testchart):
    rendered = api.render_chart(testchart("release-shape"))
    assert kinds(rendered) == [
        ("CustomResourceDefinition", "widgets.example.com"),
        ("ConfigMap", "mini-service-b"),  # a-deployment.yaml's 2nd document: ConfigMap before Service
        ("ConfigMap", "mini-service-a"),  # b-service.yaml's 2nd document, after it in path order
        ("Service", "mini-service-web"),
        ("Deployment", "mini-service-web"),
        ("Widget", "mini-service-widget"),  # unknown kinds last
    ]
    assert [m.index for m in rendered.manifests] == list(range(6))


def test_hooks_and_test_hooks_are_kept_apart_not_dropped(testchart):
    rendered = api.render_chart(testchart("release-shape"))
    assert [(m.kind, m.name, m.hook) for m in rendered.hooks] == [
        ("Job", "mini-service-migrate", "pre-install,pre-upgrade"),
        ("Pod", "mini-service-test", "test"),
    ]
    assert "helm.sh/hook" not in rendered.stream()
    assert rendered.stream(include_hooks=True).count("helm.sh/hook") == 2


def test_notes_are_rendered_apart(testchart):
    rendered = api.render_chart(testchart("release-shape"), namespace="team-a")
    assert rendered.notes.strip() == "Release mini-service installed in team-a."
    assert all("NOTES" not in m.template for m in rendered.manifests)


def test_nvcf_defaults_release_name_namespace_and_kube_version(testchart):
    rendered = api.render_chart(testchart("release-shape"))
    config = next(m for m in rendered.manifests if m.name == "mini-service-b")
    assert config.obj["data"] == {"kube": "v1.20.0", "widgets": "false", "namespace": "default"}


def test_kube_version_and_api_versions_reach_capabilities(testchart):
    rendered = api.render_chart(
        testchart("release-shape"),
        release_name="demo",
        namespace="ns1",
        kube_version="v1.31.2",
        api_versions=["example.com/v1"],
    )
    config = next(m for m in rendered.manifests if m.name == "demo-b")
    assert config.obj["data"] == {"kube": "v1.31.2", "widgets": "true", "namespace": "ns1"}


def test_engine_default_kube_version_constant_matches_engine(testchart):
    """Profiles without a kube_version use the engine's default; the constant must agree with it."""
    import helm_python as helm

    with helm.Chart.load(str(testchart("release-shape"))) as chart:
        raw = chart.render(name="x")
    text = raw["release-shape/templates/a-deployment.yaml"]
    assert f'kube: "{ENGINE_DEFAULT_KUBE_VERSION}"' in text


def test_stream_lines_point_at_documents(testchart):
    rendered = api.render_chart(testchart("release-shape"))
    lines = rendered.stream().splitlines()
    for manifest in rendered.manifests:
        first = manifest.text.splitlines()[0]
        assert lines[manifest.stream_line - 1] == first
        assert lines[manifest.stream_line - 2].startswith("# Source: ")


def test_separator_with_glued_comment_splits_like_helm(testchart):
    rendered = api.render_chart(testchart("release-shape"))
    config = next(m for m in rendered.manifests if m.name == "mini-service-a")
    assert config.text.startswith("# a comment glued to the separator")
    assert config.template == "release-shape/templates/b-service.yaml"


def test_values_reach_the_engine_and_conditional_templates(testchart):
    rendered = api.render_chart(testchart("release-shape"), set_values=["serviceAccount=true", "replicas=3"])
    assert ("ServiceAccount", "mini-service") in kinds(rendered)
    deployment = next(m for m in rendered.manifests if m.kind == "Deployment")
    assert deployment.obj["spec"]["replicas"] == 3
    # install order: ServiceAccount before ConfigMaps
    assert kinds(rendered).index(("ServiceAccount", "mini-service")) < kinds(rendered).index(("ConfigMap", "mini-service-b"))


def test_packaged_chart_renders_like_its_directory(testchart, tmp_path):
    import helm_python as helm

    archive = helm.package(str(testchart("release-shape")), destination=str(tmp_path))
    from_dir = api.render_chart(testchart("release-shape"))
    from_tgz = api.render_chart(archive)
    assert kinds(from_dir) == kinds(from_tgz)
    assert (
        load_chart(archive).display_path("release-shape/templates/hooks.yaml").endswith(".tgz:release-shape/templates/hooks.yaml")
    )


def test_missing_dependency_is_named(testchart, tmp_path):
    chart = tmp_path / "needs-dep"
    shutil.copytree(testchart("release-shape"), chart)
    text = (chart / "Chart.yaml").read_text().replace("name: release-shape", "name: needs-dep")
    (chart / "Chart.yaml").write_text(
        text + "dependencies:\n  - name: redis\n    version: 1.x\n    repository: oci://example.invalid/charts\n"
    )
    with pytest.raises(RenderError, match="missing in charts/ directory: redis"):
        api.render_chart(chart)


def test_kube_version_constraint_is_checked_like_helm(testchart, tmp_path):
    chart = tmp_path / "modern"
    shutil.copytree(testchart("release-shape"), chart)
    (chart / "Chart.yaml").write_text(
        (chart / "Chart.yaml").read_text().replace("name: release-shape", "name: modern") + 'kubeVersion: ">=1.25.0-0"\n'
    )
    with pytest.raises(
        RenderError, match=r"chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.20.0"
    ):
        api.render_chart(chart)
    assert api.render_chart(chart, kube_version="v1.30.0").manifests


def test_bad_kube_version_is_a_usage_error(testchart):
    with pytest.raises(UsageError, match="--kube-version"):
        api.render_chart(testchart("release-shape"), kube_version="one.two")


def test_helm_template_stream_regroups_to_the_same_release(testchart):
    """HelmBinary parses `helm template` output; the same stream must give the same release."""
    chart = load_chart(testchart("release-shape"))
    rendered = render_release(chart, {}, RenderOptions(kube_version="v1.20.0"))
    templates, crds = templates_from_stream(rendered.stream(include_hooks=True))
    again = assemble(templates, crds, chart.name)
    assert [(m.kind, m.name) for m in again.manifests] == kinds(rendered)
    assert [(m.kind, m.name) for m in again.hooks] == [(m.kind, m.name) for m in rendered.hooks]


def test_helm_binary_missing_from_path_is_a_usage_error(testchart, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UsageError, match="no 'helm' executable on PATH"):
        HelmBinary().render(load_chart(testchart("release-shape")), {}, RenderOptions())


@pytest.mark.skipif(shutil.which("helm") is None, reason="no helm binary on PATH")
def test_helm_binary_renders_the_same_release(testchart):
    embedded = api.render_chart(testchart("release-shape"))
    binary = api.render_chart(testchart("release-shape"), renderer="helm")
    assert kinds(binary) == kinds(embedded)


def test_install_order_is_helms():
    assert INSTALL_ORDER.index("Namespace") < INSTALL_ORDER.index("ServiceAccount") < INSTALL_ORDER.index("Secret")
    assert INSTALL_ORDER.index("CustomResourceDefinition") < INSTALL_ORDER.index("Service") < INSTALL_ORDER.index("Deployment")
    assert INSTALL_ORDER[-1] == "ValidatingWebhookConfiguration"
    assert len(INSTALL_ORDER) == len(set(INSTALL_ORDER)) == 38


def test_render_output_is_json_safe(testchart):
    rendered = api.render_chart(testchart("release-shape"))
    json.dumps([m.obj for m in rendered.manifests])


@pytest.mark.parametrize("flag, value", [("namespace", "Team_A"), ("namespace", "x" * 64), ("release_name", "Bad_Name!")])
def test_invalid_release_name_and_namespace_are_usage_errors(testchart, flag, value):
    with pytest.raises(UsageError, match=f"--{flag.replace('_', '-')} "):
        api.render_chart(testchart("release-shape"), **{flag: value})
