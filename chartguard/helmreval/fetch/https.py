"""``https://`` charts: one GET of the archive, as Helm's HTTP getter does it (401/403 moves on to the next credential)."""

from __future__ import annotations

import re

from .auth import Credentials, basic_auth
from .transport import MAX_CHART_BYTES, FetchError, _Client
from .url import GoURL

_AUTH_ISSUE = re.compile(r"failed to fetch .* : (?P<status>.+)")


class AuthIssue(Exception):
    pass


def fetch_https_chart(client: _Client, url: GoURL, creds: Credentials) -> bytes:
    headers = {"Accept": "application/gzip,application/octet-stream"}
    if creds.username and creds.password:  # Helm sets Basic auth only when both are non-empty
        headers["Authorization"] = basic_auth(creds.username, creds.password)
    response = client.get(url, headers, limit=MAX_CHART_BYTES, oras=False)
    if response.status != 200:
        message = f"failed to fetch {url.string()} : {response.status_line}"
        match = _AUTH_ISSUE.search(message)
        if match and match["status"].startswith(("401", "403")):
            raise AuthIssue(message)
        raise FetchError(message)
    return response.body
