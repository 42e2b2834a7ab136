"""Encrypted transport from the first start (等保三级 通信传输): deploy/tls-init.sh gives nginx the
court's certificate when the operator put one in place, and a self-signed one, said loudly in the
log, when there is none. Both the compose "tls" service and courtreform-tls.service run it."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "tls-init.sh"
pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")


def tls_init(directory: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", str(SCRIPT), str(directory)], capture_output=True, text=True,
                          env={**os.environ, **env})


def certificate_text(path: Path) -> str:
    return subprocess.run(["openssl", "x509", "-in", str(path), "-noout", "-text"], capture_output=True,
                          text=True, check=True).stdout


def operators_pair(directory: Path, name: str = "zgt.court.example") -> None:
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", f"/CN={name}",
                    "-keyout", str(directory / "tls.key"), "-out", str(directory / "tls.crt")],
                   check=True, capture_output=True)


def test_first_start_without_a_certificate_makes_a_self_signed_one_and_says_so(tmp_path):
    result = tls_init(tmp_path / "tls", ALLOWED_HOSTS="zgt.court.example,10.1.2.3")

    assert result.returncode == 0
    assert "SELF-SIGNED" in result.stderr
    text = certificate_text(tmp_path / "tls" / "tls.crt")
    assert "DNS:zgt.court.example" in text
    assert "IP Address:10.1.2.3" in text
    assert "IP Address:127.0.0.1" in text
    assert (tmp_path / "tls" / "tls.key").stat().st_mode & 0o077 == 0  # the key is for nginx's eyes only


def test_the_self_signed_pair_is_made_once_and_then_kept(tmp_path):
    tls_init(tmp_path, ALLOWED_HOSTS="zgt.court.example")
    first = (tmp_path / "tls.crt").read_bytes()

    again = tls_init(tmp_path, ALLOWED_HOSTS="zgt.court.example")

    assert again.returncode == 0
    assert "SELF-SIGNED" not in again.stderr
    assert (tmp_path / "tls.crt").read_bytes() == first


def test_the_courts_own_certificate_is_used_as_given(tmp_path):
    operators_pair(tmp_path)
    given = (tmp_path / "tls.crt").read_bytes(), (tmp_path / "tls.key").read_bytes()

    result = tls_init(tmp_path)

    assert result.returncode == 0
    assert "zgt.court.example" in result.stdout
    assert ((tmp_path / "tls.crt").read_bytes(), (tmp_path / "tls.key").read_bytes()) == given


def test_a_key_that_does_not_belong_to_the_certificate_is_refused(tmp_path):
    operators_pair(tmp_path / "a")
    operators_pair(tmp_path / "b")
    (tmp_path / "a" / "tls.key").write_bytes((tmp_path / "b" / "tls.key").read_bytes())

    result = tls_init(tmp_path / "a")

    assert result.returncode == 1
    assert "is not the private key of" in result.stderr


def test_half_a_pair_is_refused_rather_than_silently_replaced(tmp_path):
    operators_pair(tmp_path)
    (tmp_path / "tls.key").unlink()

    result = tls_init(tmp_path)

    assert result.returncode == 1
    assert "only one of" in result.stderr
    assert not (tmp_path / "tls.key").exists()
