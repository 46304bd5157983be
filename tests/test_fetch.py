"""chartguard.helmreval.fetch: helm-reval's URL checks, SSRF-safe transport and credential order.

Charts are fetched from a real HTTPS server on 127.0.0.1 (tests/helpers/chart_server.py) that trusts a CA
made for the test; ``allow_private_chart_hosts`` lets loopback through. No other network is used:
resolutions to other addresses are faked and refused (or their dial is intercepted) before any packet.
"""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import pytest
import trustme
from helpers.chart_server import CHART_PASSWORD, CHART_USER, REGISTRY_PASSWORD, REGISTRY_USER, ChartServer, basic, package_chart
from helpers.paths import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from chartguard.chart import chart_from_archive
from chartguard.helmreval import ServerSettings
from chartguard.helmreval.fetch import FetchError, fetch_chart, is_private_ip, validate_chart_url
from chartguard.helmreval.fetch import auth as fetch_auth
from chartguard.helmreval.fetch import https as fetch_https
from chartguard.helmreval.fetch.auth import secret_credentials

ALLOW = ServerSettings(allow_private_chart_hosts=True)


@pytest.fixture(scope="module")
def chart_bytes() -> bytes:
    return package_chart(ROOT / "testcharts" / "good")


@pytest.fixture(scope="module")
def server(ca: trustme.CA, chart_bytes: bytes):
    with ChartServer(chart_bytes, ca.issue_cert("localhost", "127.0.0.1")) as chart_server:
        yield chart_server


@pytest.fixture(autouse=True)
def trust_test_ca(ca: trustme.CA, server: ChartServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    server.log.clear()
    server.blob_location = server.manifest_location = None


def secrets(host: str, *pairs: tuple[str, str]) -> dict:
    return {"helmRegistryAuthConfig": {"k8sSecrets": [{"auths": {host: {"auth": basic(u, p)}}} for u, p in pairs]}}


def host_of(server: ChartServer) -> str:
    return f"localhost:{server.port}"


# --- URL validation (helm-reval Test_validateHelmChartURL / Test_isPrivateIP) ------------------------

PRIVATE = "helm chart URL must not point to private networks"


@pytest.mark.parametrize(
    ("url", "errors"),
    [
        ("http://a b", ['invalid helm chart URL: parse "http://a b": invalid character " " in host name']),
        ("file:///tmp/chart.tgz", ['helm chart URL must use https or oci scheme, got "file"', "helm chart URL must have a host"]),
        ("http://foo.bar", ['helm chart URL must use https or oci scheme, got "http"']),
        ("", ['helm chart URL must use https or oci scheme, got ""', "helm chart URL must have a host"]),
        ("https://:443/chart", ["helm chart URL must have a host"]),
        ("oci://nvcr.io/org/team/chart:1.0.0", []),
        ("https://helm.ngc.nvidia.com/org/charts/chart-1.0.0.tgz", []),
        ("https://helm.stg.ngc.nvidia.com/org", []),
        ("https://helm.ngc.nvidiia.com/org", []),
        ("https://10.0.0.1/chart", [PRIVATE]),
        ("https://10.255.255.255/chart", [PRIVATE]),
        ("https://172.16.0.1/chart", [PRIVATE]),
        ("https://172.31.255.255/chart", [PRIVATE]),
        ("https://192.168.1.1/chart", [PRIVATE]),
        ("https://192.168.255.255/chart", [PRIVATE]),
        ("https://169.254.169.254/chart", [PRIVATE]),
        ("https://127.0.0.1/chart", [PRIVATE]),
        ("https://127.255.255.255/chart", [PRIVATE]),
        ("https://0.0.0.0/chart", [PRIVATE]),
        ("https://100.64.0.1/chart", [PRIVATE]),
        ("https://100.127.255.255/chart", [PRIVATE]),
        ("https://[::1]/chart", [PRIVATE]),
        ("https://[::]/chart", [PRIVATE]),
        ("https://[fc00::1]/chart", [PRIVATE]),
        ("https://[fd00::1]/chart", [PRIVATE]),
        ("https://[fe80::1]/chart", [PRIVATE]),
        ("https://[fe80::1%25eth0]/chart", [PRIVATE]),
        ("https://[::ffff:10.0.0.1]/chart", [PRIVATE]),
        ("https://[ff02::1]/chart", [PRIVATE]),
        ("https://[ff01::1]/chart", [PRIVATE]),
        ("oci://192.168.0.10:5000/charts/x:1.0.0", [PRIVATE]),
        ("https://172.15.255.255/chart", []),
        ("https://172.32.0.0/chart", []),
        ("https://100.128.0.0/chart", []),
        ("https://[2001:db8::1]/chart", []),
        ("https://1.2.3.4/chart", []),
        ("https://8.8.8.8/chart", []),
        ("https://localhost/chart", []),  # host names pass here; the dialer checks them
        ("https://%zz/chart", ['invalid helm chart URL: parse "https://%zz/chart": invalid URL escape "%zz"']),
        ("https://host:port/chart", ['invalid helm chart URL: parse "https://host:port/chart": invalid port ":port" after host']),
        ("://chart", ['invalid helm chart URL: parse "://chart": missing protocol scheme']),
    ],
)
def test_validate_chart_url(url: str, errors: list[str]) -> None:
    assert validate_chart_url(url) == errors


@pytest.mark.parametrize(
    ("host", "private"),
    [
        ("10.0.0.1", True),
        ("172.16.0.1", True),
        ("192.168.0.1", True),
        ("169.254.169.254", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("fc00::1", True),
        ("fd00::1", True),
        ("fe80::1", True),
        ("0.0.0.0", True),
        ("::", True),
        ("100.64.0.1", True),
        ("::1%lo", True),
        ("fe80::1%eth0", True),
        ("::ffff:127.0.0.1", True),
        ("224.0.0.251", True),
        ("1.2.3.4", False),
        ("172.15.255.255", False),
        ("172.32.0.0", False),
        ("2001:db8::1", False),
        ("ff05::1", False),
        ("example.com", False),
        ("", False),
        ("0127.0.0.1", False),  # not an address for Go's netip either
    ],
)
def test_is_private_ip(host: str, private: bool) -> None:
    assert is_private_ip(host) is private


def test_loopback_switch_opens_loopback_only() -> None:
    assert validate_chart_url("https://127.0.0.1:8443/c.tgz", allow_loopback=True) == []
    assert validate_chart_url("https://[::1]/c.tgz", allow_loopback=True) == []
    assert validate_chart_url("https://10.0.0.1/c.tgz", allow_loopback=True) == [PRIVATE]
    assert ServerSettings().allow_private_chart_hosts is False


# --- https:// charts ---------------------------------------------------------------------------------


def test_fetch_with_secret(server: ChartServer, chart_bytes: bytes) -> None:
    url = server.url("/charts/good-1.0.0.tgz")
    data = fetch_chart(url, secrets(host_of(server), (CHART_USER, CHART_PASSWORD)), ALLOW)
    assert data == chart_bytes
    chart = chart_from_archive(data, url)
    assert chart.root == "good" and "Chart.yaml" in chart.tree.files
    assert server.log == [("/charts/good-1.0.0.tgz", "Basic " + basic(CHART_USER, CHART_PASSWORD))]


def test_credentials_in_order_401_moves_on(server: ChartServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_auth, "NGC_HOST", re.compile(".*"))  # as helm-reval's "pass legacy auth" test
    request = {
        "apiKey": "wrong-key",
        **secrets(host_of(server), ("bad", "one"), (CHART_USER, CHART_PASSWORD), ("never", "tried")),
    }
    fetch_chart(server.url("/charts/good-1.0.0.tgz"), request, ALLOW)
    assert [auth for _path, auth in server.log] == [
        "Basic " + basic("$oauthtoken", "wrong-key"),
        "Basic " + basic("bad", "one"),
        "Basic " + basic(CHART_USER, CHART_PASSWORD),
    ]


def test_legacy_key_only_for_ngc_hosts(server: ChartServer) -> None:
    fetch_chart(server.url("/public/good.tgz"), {"apiKey": CHART_PASSWORD}, ALLOW)
    assert server.log == [("/public/good.tgz", None)]  # localhost is not *ngc.nvidia.com: anonymous


def test_legacy_key(server: ChartServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_auth, "NGC_HOST", re.compile(".*"))
    fetch_chart(server.url("/charts/good-1.0.0.tgz"), {"apiKey": CHART_PASSWORD}, ALLOW)
    assert len(server.log) == 1


def test_secret_for_other_host_is_not_used(server: ChartServer) -> None:
    request = secrets(f"localhost:{server.port + 1}", (CHART_USER, CHART_PASSWORD))
    request["helmRegistryAuthConfig"]["k8sSecrets"].append({"auths": {"localhost": {"auth": basic(CHART_USER, CHART_PASSWORD)}}})
    with pytest.raises(FetchError):
        fetch_chart(server.url("/charts/good-1.0.0.tgz"), request, ALLOW)
    assert server.log == [("/charts/good-1.0.0.tgz", None)]  # keys match host:port exactly


def test_wrong_secret_then_anonymous(server: ChartServer) -> None:
    fetch_chart(server.url("/public/good.tgz"), secrets(host_of(server), ("bad", "one")), ALLOW)
    assert [auth for _path, auth in server.log] == ["Basic " + basic("bad", "one")]  # 200 at once: no 401


def test_bad_auth(server: ChartServer) -> None:
    url = server.url("/charts/good-1.0.0.tgz")
    with pytest.raises(FetchError) as caught:
        fetch_chart(url, secrets(host_of(server), ("bad", "one"), ("bad", "two")), ALLOW)
    assert caught.value.message == f'no credential was valid to pull chart "{url}", manually verify credentials are valid'
    assert [auth for _path, auth in server.log] == ["Basic " + basic("bad", "one"), "Basic " + basic("bad", "two"), None]


def test_403_moves_on_too(server: ChartServer) -> None:
    url = server.url("/forbidden/good.tgz")
    with pytest.raises(FetchError, match="^no credential was valid to pull chart"):
        fetch_chart(url, secrets(host_of(server), ("a", "b")), ALLOW)
    assert len(server.log) == 2


def test_not_found(server: ChartServer) -> None:
    url = server.url("/charts/test-chart-1.0.1.tgz")
    with pytest.raises(FetchError) as caught:
        fetch_chart(url, secrets(host_of(server), (CHART_USER, CHART_PASSWORD), ("x", "y")), ALLOW)
    assert caught.value.message == f"failed to fetch {url} : 404 Not Found"  # remembered once, deduplicated
    assert len(server.log) == 3  # every attempt still runs


@pytest.mark.parametrize(
    ("auth", "message"),
    [
        ("dXNlcm5vY29sb24=", "registry secret does not contain ':'"),  # "usernocolon"
        ("", "registry secret does not contain ':'"),
        ("abc", "illegal base64 data at input byte 0"),
        ("YWJj!", "illegal base64 data at input byte 4"),
    ],
)
def test_malformed_secret(server: ChartServer, auth: str, message: str) -> None:
    request = {"helmRegistryAuthConfig": {"k8sSecrets": [{"auths": {host_of(server): {"auth": auth}}}]}}
    with pytest.raises(FetchError) as caught:
        fetch_chart(server.url("/charts/good-1.0.0.tgz"), request, ALLOW)
    assert caught.value.message == message
    assert server.log == [("/charts/good-1.0.0.tgz", None)]  # the anonymous attempt still ran


def test_secret_with_empty_password_sends_no_auth(server: ChartServer) -> None:
    fetch_chart(server.url("/public/good.tgz"), secrets(host_of(server), ("user", "")), ALLOW)
    assert server.log == [("/public/good.tgz", None)]


def test_nine_redirects_are_followed_with_credentials(server: ChartServer, chart_bytes: bytes) -> None:
    url = server.url("/redirect/9/charts/good-1.0.0.tgz")
    assert fetch_chart(url, secrets(host_of(server), (CHART_USER, CHART_PASSWORD)), ALLOW) == chart_bytes
    assert len(server.log) == 10 and all(auth for _path, auth in server.log)  # same host: Authorization kept


def test_tenth_redirect_is_refused(server: ChartServer) -> None:
    """Go's client makes at most 10 requests: CheckRedirect stops once ``via`` holds 10."""
    with pytest.raises(FetchError) as caught:
        fetch_chart(server.url("/redirect/10/public/good.tgz"), {}, ALLOW)
    assert caught.value.message == 'Get "/redirect/0/public/good.tgz": stopped after 10 redirects'
    assert len(server.log) == 10


def test_redirect_to_http_is_refused(server: ChartServer) -> None:
    target = server.url("/public/good.tgz", scheme="http")
    with pytest.raises(FetchError) as caught:
        fetch_chart(server.url(f"/location?to={target}"), {}, ALLOW)
    assert caught.value.message == f'Get "{target}": redirected chart downloads must use HTTPS'
    assert server.paths == [f"/location?to={target}"]


def test_redirect_to_private_literal_is_refused_before_dialling(server: ChartServer, monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.create_connection
    dialled: list[tuple] = []
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: dialled.append(address) or real(address, *a, **k))
    with pytest.raises(FetchError) as caught:
        fetch_chart(server.url("/location?to=https://10.0.0.1/c.tgz"), {}, ALLOW)
    assert caught.value.message == (
        'Get "https://10.0.0.1/c.tgz": connection to blocked address "10.0.0.1" is not allowed (resolved from "10.0.0.1")'
    )
    assert all(host in ("127.0.0.1", "::1") for host, _port in dialled)


def test_redirect_to_loopback_literal_is_refused_without_the_switch(server: ChartServer) -> None:
    target = server.url("/public/good.tgz", host="127.0.0.1")
    with pytest.raises(FetchError) as caught:
        fetch_chart(server.url(f"/location?to={target}"), {}, None)
    # without the test switch the first connection (to localhost) is already refused
    assert "connection to blocked address" in caught.value.message
    assert server.log == []


def test_redirect_cross_host_drops_credentials(server: ChartServer) -> None:
    target = server.url("/public/good.tgz", host="127.0.0.1")
    request = secrets(host_of(server), ("user", "pass"))
    fetch_chart(server.url(f"/location?to={target}"), request, ALLOW)
    assert server.log[0][1] == "Basic " + basic("user", "pass")
    assert server.log[1] == ("/public/good.tgz", None)


# --- SSRF: what the dialer refuses --------------------------------------------------------------------


def test_private_host_refused_without_switch(server: ChartServer) -> None:
    url = server.url("/public/good.tgz")  # localhost resolves to loopback
    with pytest.raises(FetchError) as caught:
        fetch_chart(url, {}, ServerSettings())
    assert re.fullmatch(
        rf'Get "{re.escape(url)}": connection to blocked address "(127\.0\.0\.1|::1)" is not allowed \(resolved from "localhost"\)',
        caught.value.message,
    )
    assert server.log == []


def test_private_literal_refused_without_switch(server: ChartServer) -> None:
    with pytest.raises(FetchError) as caught:
        fetch_chart(server.url("/public/good.tgz", host="127.0.0.1"), {})
    assert caught.value.message == PRIVATE
    assert server.log == []


def fake_resolver(monkeypatch: pytest.MonkeyPatch, answers: list[str]) -> list[tuple]:
    dialled: list[tuple] = []

    def getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        family = {True: socket.AF_INET6, False: socket.AF_INET}
        return [(family[":" in a], socket.SOCK_STREAM, 6, "", (a, port)) for a in answers]

    def create_connection(address: tuple, *args: object, **kwargs: object) -> socket.socket:
        dialled.append(address)
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return dialled


@pytest.mark.parametrize(
    ("answers", "blocked"),
    [
        (["10.0.0.1"], "10.0.0.1"),
        (["fe80::1"], "fe80::1"),
        (["203.0.113.5", "10.0.0.1"], "10.0.0.1"),
        (["100.64.1.1"], "100.64.1.1"),
    ],
)
def test_dns_answer_with_any_private_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, answers: list[str], blocked: str
) -> None:
    dialled = fake_resolver(monkeypatch, answers)
    with pytest.raises(FetchError) as caught:
        fetch_chart("https://evil.example.com/chart.tgz", {}, ALLOW)
    assert caught.value.message == (
        f'Get "https://evil.example.com/chart.tgz": connection to blocked address "{blocked}" is not allowed '
        '(resolved from "evil.example.com")'
    )
    assert dialled == []


def test_no_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_resolver(monkeypatch, [])
    with pytest.raises(FetchError) as caught:
        fetch_chart("https://empty.example.com/chart.tgz", {})
    assert caught.value.message == 'Get "https://empty.example.com/chart.tgz": no addresses resolved for "empty.example.com"'


def test_public_answer_is_dialled_by_address(monkeypatch: pytest.MonkeyPatch) -> None:
    dialled = fake_resolver(monkeypatch, ["203.0.113.5", "2001:db8::5"])
    with pytest.raises(FetchError) as caught:
        fetch_chart("https://charts.example.com/chart.tgz", {})
    assert dialled == [("203.0.113.5", 443), ("2001:db8::5", 443)]  # the checked addresses, no second lookup
    assert (
        caught.value.message
        == 'Get "https://charts.example.com/chart.tgz": dial tcp 203.0.113.5:443: connect: connection refused'
    )


def test_unknown_host(monkeypatch: pytest.MonkeyPatch) -> None:
    def getaddrinfo(*args: object, **kwargs: object) -> list:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(FetchError, match=r'^Get "https://nope\.invalid/c\.tgz": lookup nope\.invalid: no such host$'):
        fetch_chart("https://nope.invalid/c.tgz", {})


def test_proxies_are_ignored(server: ChartServer, monkeypatch: pytest.MonkeyPatch, chart_bytes: bytes) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "HTTP_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert fetch_chart(server.url("/public/good.tgz"), {}, ALLOW) == chart_bytes


# --- TLS, limits, time ----------------------------------------------------------------------------------


def test_certificate_checked_against_the_host_name(server: ChartServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """charts.test resolves to the server's address, but its certificate names localhost only."""
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda host, *a, **k: real("127.0.0.1" if host == "charts.test" else host, *a, **k)
    )
    with pytest.raises(FetchError) as caught:
        fetch_chart(f"https://charts.test:{server.port}/public/good.tgz", {}, ALLOW)
    assert caught.value.message.endswith("tls: failed to verify certificate: x509: certificate is not valid for charts.test")
    assert server.log == []


def test_untrusted_certificate(server: ChartServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    other = tmp_path / "other.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    with pytest.raises(FetchError) as caught:
        fetch_chart(server.url("/public/good.tgz"), {}, ALLOW)
    assert caught.value.message.endswith("tls: failed to verify certificate: x509: certificate signed by unknown authority")


def test_size_limit(server: ChartServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_https, "MAX_CHART_BYTES", 100)  # the https path's limit
    with pytest.raises(FetchError, match="exceeds chartguard's 100-byte limit"):
        fetch_chart(server.url("/public/good.tgz"), {}, ALLOW)


def test_deadline(server: ChartServer) -> None:
    with pytest.raises(FetchError) as caught:
        fetch_chart(server.url("/slow"), {}, ALLOW, timeout=0.5)
    assert caught.value.message == f'Get "{server.url("/slow")}": context deadline exceeded'


def test_deadline_bounds_a_trickling_server(server: ChartServer) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="context deadline exceeded$"):
        fetch_chart(server.url("/trickle"), {}, ALLOW, timeout=1)
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("sent", [0, 200])
def test_a_body_that_stalls_until_the_deadline_is_a_timeout(server: ChartServer, sent: int) -> None:
    """It used to come back as a complete (empty or cut) archive: "not a valid chart archive (empty file)"."""
    url = server.url(f"/stall/{sent}")
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch_chart(url, {}, ALLOW, timeout=1)
    assert caught.value.message == f'Get "{url}": context deadline exceeded'
    assert time.monotonic() - started < 3


def test_a_truncated_body_is_not_taken_as_complete(server: ChartServer, chart_bytes: bytes) -> None:
    """Fewer bytes than Content-Length, or a chunked stream cut before its last chunk."""
    half = len(chart_bytes) // 2
    cases = {
        f"/truncated/{half}": f"unexpected EOF ({half} of {len(chart_bytes)} bytes received)",
        "/truncated/0": f"unexpected EOF (0 of {len(chart_bytes)} bytes received)",
        "/chunked-cut": "unexpected EOF",
    }
    for path, reason in cases.items():
        with pytest.raises(FetchError) as caught:
            fetch_chart(server.url(path), {}, ALLOW, timeout=10)
        assert caught.value.message == f'Get "{server.url(path)}": {reason}'


def test_invalid_url_is_refused_before_any_request(server: ChartServer) -> None:
    with pytest.raises(FetchError, match='must use https or oci scheme, got "http"'):
        fetch_chart(server.url("/public/good.tgz", scheme="http"), {}, ALLOW)
    assert server.log == []


# --- oci:// charts -----------------------------------------------------------------------------------------


def test_oci_pull_with_token_auth(server: ChartServer, chart_bytes: bytes) -> None:
    url = f"oci://{host_of(server)}/charts/good:1.0.0"
    assert fetch_chart(url, secrets(host_of(server), (REGISTRY_USER, REGISTRY_PASSWORD)), ALLOW) == chart_bytes
    assert server.paths[0] == "/v2/"  # helm-reval logs in first
    assert "/token?service=test-registry&scope=repository%3Acharts%2Fgood%3Apull" in server.paths
    assert server.paths[-1].startswith("/v2/charts/good/blobs/sha256:")


def test_oci_public_pull_without_tag_takes_highest_release(server: ChartServer, chart_bytes: bytes) -> None:
    assert fetch_chart(f"oci://{host_of(server)}/public/good", {}, ALLOW) == chart_bytes
    assert server.paths[:2] == ["/v2/public/good/tags/list", "/v2/public/good/manifests/1.0.0"]  # not 1.1.0-rc.1


def test_oci_non_semver_tag(server: ChartServer) -> None:
    with pytest.raises(FetchError) as caught:
        fetch_chart(f"oci://{host_of(server)}/public/good:latest", {}, ALLOW)
    assert caught.value.message == "improper constraint: latest"


def test_oci_wrong_credentials(server: ChartServer) -> None:
    host = host_of(server)
    with pytest.raises(FetchError) as caught:
        fetch_chart(f"oci://{host}/charts/good:1.0.0", secrets(host, ("robot", "wrong")), ALLOW)
    token = server.url("/token?service=test-registry")
    assert caught.value.message.split("\n") == [
        f'authenticating to "{host}": GET "{token}": response status code 401: unauthorized: authentication required',
        f'failed to resolve {host}/charts/good:1.0.0: GET "{token}&scope=repository%3Acharts%2Fgood%3Apull": '
        "response status code 401: unauthorized: authentication required",
    ]


def test_oci_manifest_not_found(server: ChartServer) -> None:
    host = host_of(server)
    with pytest.raises(FetchError) as caught:
        fetch_chart(f"oci://{host}/public/good:2.0.0", {}, ALLOW)
    assert caught.value.message == f"failed to resolve {host}/public/good:2.0.0: {host}/public/good:2.0.0: not found"


def test_oci_blob_redirect_drops_credentials_to_other_host(server: ChartServer, chart_bytes: bytes) -> None:
    server.blob_location = server.url("/blobstore/", host="127.0.0.1")
    url = f"oci://{host_of(server)}/charts/good:1.0.0"
    assert fetch_chart(url, secrets(host_of(server), (REGISTRY_USER, REGISTRY_PASSWORD)), ALLOW) == chart_bytes
    assert server.log[-1][0].startswith("/blobstore/sha256:") and server.log[-1][1] is None


def test_oci_redirect_rules(server: ChartServer) -> None:
    url = f"oci://{host_of(server)}/public/good:1.0.0"
    server.manifest_location = server.url("/elsewhere", scheme="http")
    with pytest.raises(FetchError) as caught:
        fetch_chart(url, {}, ALLOW)
    assert caught.value.message.endswith(f'Get "{server.manifest_location}": redirected requests must use HTTPS, got "http"')
    server.manifest_location = "https://10.1.2.3/v2/x"
    with pytest.raises(FetchError) as caught:
        fetch_chart(url, {}, ALLOW)
    assert caught.value.message.endswith('Get "https://10.1.2.3/v2/x": redirect to blocked address "10.1.2.3" is not allowed')


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("oci://registry.example.com", "invalid reference: missing registry or repository"),
        ("oci://registry.example.com/Upper/case:1.0.0", 'invalid reference: invalid repository "Upper/case"'),
    ],
)
def test_oci_bad_references(url: str, message: str) -> None:
    with pytest.raises(FetchError) as caught:
        fetch_chart(url, {})
    assert caught.value.message == message


# --- bad input never raises --------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text() | st.from_regex(r"(https|oci|http)://[\[\]%:@a-z0-9.\-]{0,20}(/[^\s]{0,10})?", fullmatch=True))
def test_validate_chart_url_never_raises(url: str) -> None:
    errors = validate_chart_url(url)
    assert isinstance(errors, list) and all(isinstance(e, str) for e in errors)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_malformed_secrets_never_raise(auth: str) -> None:
    creds = secret_credentials(auth)
    assert creds.error == "" or creds.error.startswith(("illegal base64 data at input byte ", "registry secret"))
