"""Certificates for the mail tests' TLS servers (trustme: a throwaway authority)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import trustme


@pytest.fixture(scope="session")
def authority() -> trustme.CA:
    """A certificate authority made for this test run."""
    return trustme.CA()


@pytest.fixture(scope="session")
def server_tls(authority: trustme.CA) -> ssl.SSLContext:
    """A server context with a certificate for 127.0.0.1 signed by ``authority``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture(scope="session")
def ca_file(authority: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The authority's certificate as a PEM file, for the ca_file setting."""
    path = Path(tmp_path_factory.mktemp("ca")) / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return str(path)
