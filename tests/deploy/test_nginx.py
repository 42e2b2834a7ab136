"""deploy/nginx.conf in a real nginx in front of the app: HTTPS only (port 80 redirects), with the
certificate deploy/tls-init.sh generates; evidence by X-Accel-Redirect, static files from the
collected folder, request ids and forwarded headers. Skipped where nginx is not installed (Debian:
apt-get install nginx)."""

import os
import pwd
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from http.cookiejar import CookieJar
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


class Nginx:
    def __init__(self, http: str, https: str, certificate: Path):
        self.http, self.https, self.certificate = http, https, certificate


@contextmanager
def running_nginx(upstream: str, tmp_path: Path, media_root: str):
    """nginx with deploy/nginx.conf, its upstream, ports, certificate and the two folders pointed at
    this test; the certificate is the self-signed one deploy/tls-init.sh makes on a first start."""
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "site.css").write_text("body { color: #333; }\n")
    tls = tmp_path / "tls"
    subprocess.run(["sh", str(ROOT / "deploy" / "tls-init.sh"), str(tls)], check=True, capture_output=True,
                   env={**os.environ, "ALLOWED_HOSTS": "127.0.0.1"})
    port, tls_port = free_port(), free_port()
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    conf = (
        conf.replace("server web:8000;", f"server {upstream};")
        .replace("listen 80 default_server;", f"listen 127.0.0.1:{port} default_server;")
        .replace("listen 443 ssl default_server;", f"listen 127.0.0.1:{tls_port} ssl default_server;")
        .replace("/etc/nginx/tls/", f"{tls}/")
        .replace("alias /srv/static/;", f"alias {static}/;")
        .replace("alias /data/evidence/;", f"alias {media_root}/;")
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
    try:
        yield Nginx(http=base, https=f"https://127.0.0.1:{tls_port}", certificate=tls / "tls.crt")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def nginx(live_server, settings, tmp_path):
    settings.EVIDENCE_X_ACCEL = True
    with running_nginx(live_server.url.removeprefix("http://"), tmp_path, settings.MEDIA_ROOT) as server:
        yield server


@pytest.fixture
def upstream_headers():
    """A stand-in upstream that records the headers nginx sends it."""
    seen: list[dict] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            seen.append(dict(self.headers))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_port}", seen
    server.shutdown()


class Browser:
    """A cookie-keeping client that does not follow redirects (we look at them). Over HTTPS it
    trusts the site's certificate and checks that it names the host, like a browser told to."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, nginx: Nginx, *, https: bool = True):
        self.base = nginx.https if https else nginx.http
        context = ssl.create_default_context(cafile=str(nginx.certificate))
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), self._NoRedirect(),
            urllib.request.HTTPSHandler(context=context),
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


def test_plain_http_only_redirects_to_https(nginx):
    for path in ("/login/", "/healthz", "/static/css/site.css", "/evidence/1/"):
        response = Browser(nginx, https=False).get(path)

        assert response.status == 301
        assert response.headers["Location"] == f"https://127.0.0.1{path}"


def test_the_container_healthcheck_still_answers_on_port_80(nginx):
    assert Browser(nginx, https=False).get("/nginx-health").status == 200


def test_the_app_is_told_the_request_came_over_https(upstream_headers, tmp_path):
    # With HTTPS=1 the app trusts exactly this header (SECURE_PROXY_SSL_HEADER): no redirect loop.
    upstream, seen = upstream_headers
    with running_nginx(upstream, tmp_path, str(tmp_path)) as nginx:
        Browser(nginx).get("/login/")

    assert seen[0]["X-Forwarded-Proto"] == "https"


def test_nginx_speaks_only_current_tls_versions(nginx):
    old = ssl.create_default_context(cafile=str(nginx.certificate))
    old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_1
    old.set_ciphers("DEFAULT:@SECLEVEL=0")
    port = int(nginx.https.rsplit(":", 1)[1])

    with pytest.raises(ssl.SSLError), socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        old.wrap_socket(sock, server_hostname="127.0.0.1")
