"""A device key inside a TPM 2.0 (Linux, tpm2-tools): ECDSA P-256, created in and never leaving it.

Files kept in the data folder (all useless without this very TPM): the key's public and
TPM-wrapped private blobs, an attestation key (AK, restricted signing key) and the AK's
TPM2_Certify of the device key, which IT checks at enrolment (trust/tpm_cert.py).

Every operation starts from the owner hierarchy's primary storage key, recreated each time from
the TPM's seed (same template, same key), and flushes transient objects after each tool: without
a resource manager (a socket simulator, /dev/tpm0) objects would otherwise pile up in the TPM's
few slots. The TPM is found at /dev/tpmrm0 or /dev/tpm0, or named by WFHAUDIT_TPM_TCTI (a
tpm2-tools TCTI string such as `swtpm:host=127.0.0.1,port=2321`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from wfhaudit.crypto.custody import TPM_PUBLIC_NAME
from wfhaudit.crypto.tpm_attest import parse_public
from wfhaudit.errors import KeyFileError

TCTI_ENV = "WFHAUDIT_TPM_TCTI"
TPM_DEVICES = ("/dev/tpmrm0", "/dev/tpm0")  # the kernel's resource manager first
TOOLS_PATH = "/usr/local/bin:/usr/bin:/bin"
PRIVATE_NAME = "device-key.tpm.priv"
AK_PUBLIC, AK_PRIVATE = "device-ak.tpm.pub", "device-ak.tpm.priv"
ATTEST, ATTEST_SIG = "device-key.tpm.attest", "device-key.tpm.attest.sig"
PRIMARY = ("tpm2_createprimary", "-C", "o", "-g", "sha256", "-G", "ecc256", "-c", "primary.ctx",
           "-Q")
NON_EXPORTABLE = "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign"
AK_ATTRIBUTES = "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign"


class TpmError(KeyFileError):
    """No TPM, no tools, or a TPM command failed (exit 3)."""


def find_tcti() -> str:
    """The TCTI to reach this machine's TPM; TpmError with the fix when there is none."""
    named = os.environ.get(TCTI_ENV)
    if named:
        return named
    for dev in TPM_DEVICES:
        if os.path.exists(dev):
            return f"device:{dev}"
    raise TpmError("no TPM 2.0 found on this machine (no /dev/tpmrm0 or /dev/tpm0); use "
                   f"`--custody user` or `system`, or name a TPM with {TCTI_ENV}")


class _Session:
    """tpm2-tools run in a private temp folder, flushing transient objects after each."""

    def __init__(self, tcti: str, work: Path) -> None:
        self.env = {"PATH": TOOLS_PATH, "TPM2TOOLS_TCTI": tcti, "LC_ALL": "C"}
        self.work = work

    def run(self, *argv: str) -> bytes:
        exe = shutil.which(argv[0], path=TOOLS_PATH)
        if exe is None:
            raise TpmError(f"{argv[0]} not found: install tpm2-tools")
        try:
            done = subprocess.run([exe, *argv[1:]], cwd=self.work, env=self.env,
                                  capture_output=True, timeout=60, check=False)
        except subprocess.TimeoutExpired:
            raise TpmError(f"{argv[0]}: the TPM did not answer within 60 s") from None
        self._flush()
        if done.returncode != 0:
            err = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise TpmError(f"{argv[0]} failed: {err[-1] if err else done.returncode}")
        return done.stdout

    def _flush(self) -> None:
        exe = shutil.which("tpm2_flushcontext", path=TOOLS_PATH)
        if exe is not None:
            subprocess.run([exe, "-t"], cwd=self.work, env=self.env, capture_output=True,
                           timeout=60, check=False)


def _session(tcti: str) -> tuple[_Session, tempfile.TemporaryDirectory[str]]:
    tmp = tempfile.TemporaryDirectory(prefix="wfh-tpm-")
    os.chmod(tmp.name, 0o700)
    return _Session(tcti, Path(tmp.name)), tmp


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0),
                 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def create_tpm_key(folder: Path, tcti: str | None = None) -> TpmKey:
    """Create the device key and an attestation key in the TPM, and the AK's certification."""
    tcti = tcti or find_tcti()
    session, tmp = _session(tcti)
    with tmp:
        session.run(*PRIMARY)
        for pub, priv, alg, attrs in (("key.pub", "key.priv", "ecc256:ecdsa-sha256",
                                       NON_EXPORTABLE),
                                      ("ak.pub", "ak.priv", "ecc256:ecdsa-sha256:null",
                                       AK_ATTRIBUTES)):
            session.run("tpm2_create", "-C", "primary.ctx", "-G", alg, "-a", attrs, "-u", pub,
                        "-r", priv, "-Q")
        for name, pub, priv in (("key", "key.pub", "key.priv"), ("ak", "ak.pub", "ak.priv")):
            session.run("tpm2_load", "-C", "primary.ctx", "-u", pub, "-r", priv, "-c",
                        f"{name}.ctx", "-Q")
        session.run("tpm2_certify", "-c", "key.ctx", "-C", "ak.ctx", "-g", "sha256", "-o",
                    "attest", "-s", "attest.sig", "-f", "plain", "-Q")
        w = session.work
        for src, dst in (("key.priv", PRIVATE_NAME), ("ak.pub", AK_PUBLIC), ("ak.priv", AK_PRIVATE),
                         ("attest", ATTEST), ("attest.sig", ATTEST_SIG),
                         ("key.pub", TPM_PUBLIC_NAME)):  # the public last: it marks the key
            _write_private(folder / dst, (w / src).read_bytes())
    return load_tpm_key(folder, tcti)


def load_tpm_key(folder: Path, tcti: str | None = None) -> TpmKey:
    """The TPM key kept in folder (its public part is read here; the TPM is used to sign)."""
    blob = (folder / TPM_PUBLIC_NAME).read_bytes()
    return TpmKey(folder, parse_public(blob).key, tcti)


def certification(folder: Path) -> dict[str, bytes]:
    """The parts IT checks at enrolment: key and AK public areas, attestation, signature."""
    return {"public": (folder / TPM_PUBLIC_NAME).read_bytes(),
            "attest": (folder / ATTEST).read_bytes(),
            "signature": (folder / ATTEST_SIG).read_bytes(),
            "akPublic": (folder / AK_PUBLIC).read_bytes()}


@dataclass(frozen=True)
class TpmKey:
    """A signing key inside the TPM: `sign` and `public_key` like a software key."""

    folder: Path
    public: ec.EllipticCurvePublicKey
    tcti: str | None = None

    def public_key(self) -> ec.EllipticCurvePublicKey:
        """The ECDSA P-256 public key."""
        return self.public

    def sign(self, data: bytes) -> bytes:
        """ECDSA P-256 / SHA-256 signature (DER) made by the TPM over data."""
        session, tmp = _session(self.tcti or find_tcti())
        with tmp:
            w = session.work
            (w / "digest").write_bytes(hashlib.sha256(data).digest())
            for name in (TPM_PUBLIC_NAME, PRIVATE_NAME):
                (w / name).write_bytes((self.folder / name).read_bytes())
            session.run(*PRIMARY)
            session.run("tpm2_load", "-C", "primary.ctx", "-u", TPM_PUBLIC_NAME, "-r",
                        PRIVATE_NAME, "-c", "key.ctx", "-Q")
            session.run("tpm2_sign", "-c", "key.ctx", "-g", "sha256", "-d", "-s", "ecdsa",
                        "-f", "plain", "-o", "sig", "digest")
            sig = (w / "sig").read_bytes()
        try:
            self.public.verify(sig, data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise TpmError("the TPM's signature does not verify with the key's public part") \
                from None
        return sig
