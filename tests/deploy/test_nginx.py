"""deploy/nginx.conf in a real nginx in front of the app: evidence by X-Accel-Redirect, static
files from the collected folder, request ids and forwarded headers. Skipped where nginx is not
installed (Debian: apt-get install nginx)."""

import os
import pwd
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def nginx(live_server, settings, tmp_path):
    """nginx with deploy/nginx.conf, its upstream, port and the two folders pointed at this test."""
    settings.EVIDENCE_X_ACCEL = True
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "site.css").write_text("body { color: #333; }\n")
    upstream = live_server.url.removeprefix("http://")
    port = free_port()
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    conf = (
        conf.replace("server web:8000;", f"server {upstream};")
        .replace("listen 80 default_server;", f"listen 127.0.0.1:{port} default_server;")
        .replace("alias /srv/static/;", f"alias {static}/;")
        .replace("alias /data/evidence/;", f"alias {settings.MEDIA_ROOT}/;")
        .replace("/var/log/nginx/access.log", str(tmp_path / "access.log"))
    )
    (tmp_path / "site.conf").write_text(conf)
    (tmp_path / "nginx.conf").write_text(
        # Workers read the test's private tmp dir, so they run as the user running the tests.
        f"user {pwd.getpwuid(os.getuid()).pw_name};\n"
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\ndaemon off;\n"
        "events { worker_connections 64; }\n"
        f"http {{\n include /etc/nginx/mime.types;\n client_body_temp_path {tmp_path}/body;\n"
        f" proxy_temp_path {tmp_path}/proxy;\n include {tmp_path}/site.conf;\n}}\n"
    )
    proc = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/nginx-health", timeout=1)
            break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail(proc.stdout.read().decode())
    yield base
    proc.terminate()
    proc.wait(timeout=10)


class Browser:
    """A cookie-keeping client that does not follow redirects (we look at them)."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), self._NoRedirect()
        )

    def get(self, path: str, headers: dict | None = None):
        try:
            return self.opener.open(urllib.request.Request(self.base + path, headers=headers or {}), timeout=10)
        except urllib.error.HTTPError as error:
            return error


def _login(client, user, browser: Browser):
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    jar = next(h.cookiejar for h in browser.opener.handlers if isinstance(h, urllib.request.HTTPCookieProcessor))
    from http.cookiejar import Cookie

    jar.set_cookie(Cookie(0, "sessionid", cookie.value, None, False, "127.0.0.1", False, False, "/", True,
                          False, None, False, None, None, {}))


def test_nginx_sends_evidence_after_the_apps_permission_check(nginx, client, org, measure, drive):
    evidence = drive.in_progress(measure, with_evidence=True).evidence.get()
    browser = Browser(nginx)
    _login(client, org.leader_a, browser)

    response = browser.get(f"/evidence/{evidence.pk}/")

    from tests import factories as f

    assert response.status == 200
    assert response.read() == f.PDF_BYTES
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "nosniff" in response.headers["X-Content-Type-Options"]
    assert "X-Accel-Redirect" not in response.headers


def test_nginx_refuses_evidence_to_users_out_of_scope(nginx, client, org, measure, drive):
    evidence = drive.in_progress(measure, with_evidence=True).evidence.get()
    browser = Browser(nginx)
    _login(client, org.staff_b, browser)

    assert browser.get(f"/evidence/{evidence.pk}/").status == 404


def test_the_internal_location_cannot_be_asked_for_directly(nginx, measure, drive):
    evidence = drive.in_progress(measure, with_evidence=True).evidence.get()

    assert Browser(nginx).get(f"/_protected/evidence/{evidence.file.name}").status == 404


def test_nginx_serves_collected_static_files(nginx):
    response = Browser(nginx).get("/static/css/site.css")

    assert response.status == 200
    assert b"color: #333" in response.read()


def test_nginx_gives_the_app_a_request_id_and_returns_it(nginx):
    mine = Browser(nginx).get("/healthz", headers={"X-Request-ID": "client-chosen-1234"})
    generated = Browser(nginx).get("/healthz")

    assert mine.status == 200
    assert mine.headers.get_all("X-Request-ID") == ["client-chosen-1234"]
    assert len(generated.headers.get_all("X-Request-ID")) == 1
    assert len(generated.headers["X-Request-ID"]) == 32
