"""A self-signed certificate for the receiver: the CAD does not validate it (protocols/glow.md).

Made once and kept, so the receiver's identity does not change at every restart. Pure Python with
`cryptography` (a Home Assistant dependency); blocking, so callers run it in an executor.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import logging
import os
from pathlib import Path
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

_LOGGER = logging.getLogger(__name__)
VALID_FOR = timedelta(days=3650)


def _write_private(path: Path, data: bytes, mode: int) -> None:
    """Write a file whole with its final mode from the first byte: created 0600 under a temporary
    name (never readable by others, even for a moment), then renamed over the old one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def ensure_certificate(directory: Path, *, renew: bool = False) -> tuple[Path, Path]:
    """cert.pem and key.pem in the directory, made now if missing (or `renew`)."""
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    if cert_path.exists() and key_path.exists() and not renew:
        return cert_path, key_path
    directory.mkdir(parents=True, exist_ok=True)
    # RSA rather than EC: the CAD's TLS stack is an embedded one; RSA is what every such stack has.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lanmeter.cad.sensornet.info")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + VALID_FOR)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("*.cad.sensornet.info")]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    private_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(key_path, private_key, 0o600)
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return cert_path, key_path


def server_context(directory: Path) -> ssl.SSLContext:
    """TLS 1.2+ server context with the kept certificate; a corrupt or mismatched pair is
    replaced by a new one (the CAD does not check it, so nothing else has to change)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    cert_path, key_path = ensure_certificate(directory)
    try:
        context.load_cert_chain(cert_path, key_path)
    except (ssl.SSLError, ValueError, OSError) as err:
        _LOGGER.warning(
            "Glow receiver: its certificate in %s could not be loaded (%s); made a new one",
            directory,
            err,
        )
        cert_path, key_path = ensure_certificate(directory, renew=True)
        context.load_cert_chain(cert_path, key_path)
    return context
