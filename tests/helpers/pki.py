"""Certificates for the HTTPS tests: a throwaway CA (trustme) and a 127.0.0.1/localhost certificate."""

from __future__ import annotations

from pathlib import Path

import trustme


def write_pki(ca: trustme.CA, folder: Path, token: str | None = None) -> dict[str, Path]:
    """Write ``ca.pem`` and a ``cert.pem``/``key.pem`` pair for 127.0.0.1 and localhost issued by ``ca``
    into ``folder`` (and a ``token`` file holding ``token``, when given); returns their paths by name."""
    folder.mkdir(parents=True, exist_ok=True)
    cert = ca.issue_cert("127.0.0.1", "localhost")
    paths = {"ca": folder / "ca.pem", "cert": folder / "cert.pem", "key": folder / "key.pem"}
    ca.cert_pem.write_to_path(str(paths["ca"]))
    cert.cert_chain_pems[0].write_to_path(str(paths["cert"]))
    cert.private_key_pem.write_to_path(str(paths["key"]))
    if token is not None:
        paths["token"] = folder / "token"
        paths["token"].write_text(token + "\n")
    return paths
