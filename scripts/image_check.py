"""``make image-check``: prove that the production image builds and starts, on a machine without a
Docker engine (podman with chroot isolation).

1. Stand-in base images for the Dockerfile's FROM lines (python:3.11-slim, node:22-slim), made from
   Debian's packages with debootstrap and cached: the root file system as a tarball under
   IMAGE_CHECK_CACHE, the images in podman's own storage. A second run reuses both.
2. ``podman build`` of the project's own Dockerfile, unchanged.
3. The image's commands as docker-compose.yml gives them, with the compose file's environment
   (HTTPS=1 included), run with ``buildah run --isolation chroot`` against the PostgreSQL and Redis
   of IMAGE_CHECK_DATABASE_URL / IMAGE_CHECK_REDIS_URL (the host's network is shared): migrate, the
   web server (/healthz, /readyz, a vendored and an own static file, the login page, the plain-HTTP
   redirect, the compose healthcheck), ``check --deploy``, the "tls" service's command,
   ``scripts/backup_check.py``, and the worker until it answers ``celery inspect ping`` (the
   compose healthcheck command).
4. docker-compose.yml against the compose specification's JSON schema (check-jsonschema), and every
   command and healthcheck of the app's services exists in the image.

Prints the image size and the time from starting the web server to its first healthy answer.
What this does not prove: the official base images and Docker's networking, volumes and
healthcheck scheduling (README, "镜像检查").
"""

import hashlib
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import yaml

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("IMAGE_CHECK_CACHE", "/var/cache/courtreform-image-check"))
DATABASE_URL = os.environ.get("IMAGE_CHECK_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/cr_image")
REDIS_URL = os.environ.get("IMAGE_CHECK_REDIS_URL", "redis://127.0.0.1:6379/4")
IMAGE = "localhost/courtreform:image-check"
CONTAINER = "courtreform-image-check"
DEBIAN = "localhost/courtreform-stand-in/debian:bookworm"
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")

# The stand-ins. Only this check makes them; the shipped Dockerfile names the official images.
# The RUN steps of a build reach the registries through this machine's proxy, whose certificate
# authority is in the host's bundle only: the stand-ins carry that bundle and point pip/npm at it.
# Like Debian's official images, apt keeps no package caches in the layers (docker-clean).
LIKE_OFFICIAL = r"""FROM {debian}
RUN printf '%s\n' 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };' \
    'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };' \
    'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";' > /etc/apt/apt.conf.d/docker-clean
"""
STAND_INS = {
    "python:3.11-slim": LIKE_OFFICIAL + """\
RUN apt-get update && apt-get install -y --no-install-recommends python3.11 python3-venv ca-certificates \\
    && rm -rf /var/lib/apt/lists/*
# The official image's python and pip are first on the PATH and install system-wide: a venv does it.
RUN python3.11 -m venv /opt/python
ENV PATH=/opt/python/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
""",
    "node:22-slim": LIKE_OFFICIAL + """\
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm ca-certificates \\
    && rm -rf /var/lib/apt/lists/*
""",
}
CA_LINES = """\
COPY host-ca.crt /etc/ssl/certs/ca-certificates.crt
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \\
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
"""

timings: dict[str, float] = {}


def say(message: str) -> None:
    print(f"image-check: {message}", flush=True)


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("check", True)
    return subprocess.run([str(a) for a in args], **kwargs)


def output(*args) -> str:
    return run(*args, capture_output=True, text=True).stdout.strip()


@contextmanager
def timed(name: str):
    start = time.monotonic()
    yield
    timings[name] = time.monotonic() - start


def image_exists(name: str) -> bool:
    return run("podman", "image", "exists", name, check=False).returncode == 0


# --- 1. stand-in bases ---------------------------------------------------------------------------
def debian_base() -> None:
    if image_exists(DEBIAN):
        return
    tarball = CACHE / "bookworm-minbase.tar"
    if not tarball.exists():
        say(f"debootstrap bookworm (minbase) into {CACHE} (once)")
        CACHE.mkdir(parents=True, exist_ok=True)
        rootfs = CACHE / "rootfs"
        shutil.rmtree(rootfs, ignore_errors=True)
        run("debootstrap", "--variant=minbase", "bookworm", rootfs, "http://deb.debian.org/debian",
            stdout=subprocess.DEVNULL)
        partial = tarball.with_suffix(".partial")
        run("tar", "-C", rootfs, "-cf", partial, ".")
        partial.rename(tarball)
        shutil.rmtree(rootfs, ignore_errors=True)
    with open(tarball, "rb") as handle:
        run("podman", "import", "-", DEBIAN, stdin=handle, stdout=subprocess.DEVNULL)


def stand_in_containerfile(name: str) -> str:
    text = STAND_INS[name].replace("{debian}", DEBIAN) + CA_LINES
    return text + f"LABEL org.courtreform.stand-in={hashlib.sha256(text.encode()).hexdigest()[:16]}\n"


def stand_in_is_current(name: str) -> bool:
    """Built from this very Containerfile (its hash is the label): edit a recipe and it is rebuilt."""
    if not image_exists(f"docker.io/library/{name}"):
        return False
    label = output("podman", "image", "inspect", "--format", '{{index .Labels "org.courtreform.stand-in"}}',
                   f"docker.io/library/{name}")
    return stand_in_containerfile(name).endswith(f"stand-in={label}\n")


def stand_in_bases() -> None:
    missing = [name for name in STAND_INS if not stand_in_is_current(name)]
    if not missing:
        say("stand-in bases cached: " + ", ".join(STAND_INS))
        return
    debian_base()
    for name in missing:
        say(f"building the stand-in for {name}")
        with tempfile.TemporaryDirectory() as context:
            shutil.copy(HOST_CA, Path(context) / "host-ca.crt")
            (Path(context) / "Containerfile").write_text(stand_in_containerfile(name))
            run("podman", "build", "--isolation", "chroot", "--pull=never", "-q",
                "-t", f"docker.io/library/{name}", "-t", f"localhost/{name}", context,
                stdout=subprocess.DEVNULL)


# --- 2. the project's image ------------------------------------------------------------------------
def build_image() -> None:
    say("podman build of ./Dockerfile")
    log = ROOT / "var" / "image-check-build.log"
    log.parent.mkdir(exist_ok=True)
    with open(log, "w") as handle:
        result = run("podman", "build", "--isolation", "chroot", "--pull=never", "-f", ROOT / "Dockerfile",
                     "-t", IMAGE, ROOT, stdout=handle, stderr=subprocess.STDOUT, check=False)
    if result.returncode:
        print(log.read_text()[-6000:], file=sys.stderr)
        raise SystemExit(f"image-check: FAILED: podman build (exit {result.returncode}); full log in {log}")


# --- 3. running the image ---------------------------------------------------------------------------
def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error} forms, and $$ for a literal $."""

    def replace(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        if variables.get(name):
            return variables[name]
        if op == ":?":
            raise SystemExit(f"image-check: compose needs {name}: {arg}")
        return arg if op == ":-" else ""

    value = re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", replace, value)
    return value.replace("$$", "$")


def compose_file() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def app_services(compose: dict) -> dict[str, dict]:
    return {name: svc for name, svc in compose["services"].items() if svc.get("build")}


SECRET = secrets.token_urlsafe(50)
AUDIT_KEY = secrets.token_urlsafe(50)


def app_environment(compose: dict, service: str = "web") -> dict[str, str]:
    """A service's environment as compose gives it, pointed at this machine's servers.

    Two database roles, as in compose: the owner (migrate, backups) is this check's DATABASE_URL; the app
    role (web, worker, beat: DATABASE_ROLE=app) is "courtreform_app" on the same database, whose password
    the migrate service's `setup_db_roles` sets from DATABASE_APP_URL (the server here trusts it anyway).
    """
    variables = {"POSTGRES_PASSWORD": "image-check", "APP_DB_PASSWORD": "image-check", "SECRET_KEY": SECRET}
    declared = compose["services"][service].get("environment") or {}
    env = {key: interpolate(str(value), variables) for key, value in declared.items()}
    parts = urlparse(DATABASE_URL)
    app_url = parts._replace(netloc=f"courtreform_app:image-check@{parts.hostname}:{parts.port or 5432}").geturl()
    env.update(DATABASE_URL=DATABASE_URL, DATABASE_APP_URL=app_url, REDIS_URL=REDIS_URL, SECRET_KEY=SECRET,
               AUDIT_HMAC_KEY=AUDIT_KEY, ALLOWED_HOSTS="127.0.0.1,localhost")
    return env


def command_of(service: dict, key: str = "command") -> list[str]:
    value = service[key]
    return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]


class Container:
    """One buildah working container of the image; commands run in it with chroot isolation."""

    def __init__(self, env: dict[str, str]):
        run("buildah", "rm", CONTAINER, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run("buildah", "from", "--pull-never", "--name", CONTAINER, IMAGE, stdout=subprocess.DEVNULL)
        self.env = env
        self.processes: list[subprocess.Popen] = []

    def argv(self, command: list[str], user: str | None = None, env: dict[str, str] | None = None) -> list[str]:
        env_args = [arg for key, value in {**self.env, **(env or {})}.items() for arg in ("--env", f"{key}={value}")]
        user_args = ["--user", user] if user else []
        return ["buildah", "run", "--isolation", "chroot", *user_args, *env_args, CONTAINER, "--", *command]

    def run(self, command: list[str], user: str | None = None, env: dict[str, str] | None = None,
            **kwargs) -> subprocess.CompletedProcess:
        return run(*self.argv(command, user, env), **kwargs)

    def start(self, command: list[str], log: Path) -> subprocess.Popen:
        handle = open(log, "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(self.argv(command), stdout=handle, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes.append(process)
        return process

    def close(self) -> None:
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)
        run("buildah", "rm", CONTAINER, check=False, stdout=subprocess.DEVNULL)


def servers_reachable() -> None:
    """Before a long build: the image's processes reach these servers over TCP (a unix socket, like the
    embedded PostgreSQL's, is in a directory only its owner may enter, not the image's app user)."""
    import psycopg
    import redis

    parts = urlparse(DATABASE_URL)
    try:
        psycopg.connect(urlunparse(parts._replace(path="/postgres")), connect_timeout=5).close()
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5).ping()
    except Exception as error:  # any failure here is reported as it is, and ends the check
        raise SystemExit(f"image-check: FAILED: PostgreSQL {DATABASE_URL} / Redis {REDIS_URL} not reachable "
                         f"(set IMAGE_CHECK_DATABASE_URL / IMAGE_CHECK_REDIS_URL): {error}") from error


def fresh_database() -> None:
    import psycopg

    parts = urlparse(DATABASE_URL)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunparse(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str, *, https: bool = True) -> tuple[int, dict, bytes]:
    # Behind nginx every request carries X-Forwarded-Proto; with HTTPS=1 the app redirects without it.
    headers = {"X-Forwarded-Proto": "https"} if https else {}
    opener = urllib.request.build_opener(NoRedirect())
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def expect(what: str, ok: bool, detail: str = "") -> None:
    if not ok:
        raise SystemExit(f"image-check: FAILED: {what} {detail}".rstrip())
    say(f"ok   {what}")


def wait_for(what: str, probe, process: subprocess.Popen, log: Path, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            raise SystemExit(f"image-check: FAILED: {what}: the process exited\n{log.read_text()[-4000:]}")
        if probe():
            return time.monotonic() - start
        time.sleep(0.5)
    raise SystemExit(f"image-check: FAILED: {what} within {timeout:.0f} s\n{log.read_text()[-4000:]}")


def check_web(container: Container, compose: dict, logs: Path) -> None:
    web = compose["services"]["web"]
    port = free_port()
    command = command_of(web)
    command[command.index("-b") + 1] = f"127.0.0.1:{port}"  # port 8000 may be taken on this machine
    base = f"http://127.0.0.1:{port}"
    process = container.start(command, logs / "web.log")

    def healthy() -> bool:
        try:
            return get(base + "/healthz")[0] == 200
        except OSError:
            return False

    timings["time to a healthy web server"] = wait_for("web /healthz", healthy, process, logs / "web.log", 180)
    expect("/healthz 200", True)
    status, _, body = get(base + "/readyz")
    expect("/readyz 200 (migrations applied)", status == 200, body.decode(errors="replace"))
    status, headers, body = get(base + "/static/vendor/bootstrap/css/bootstrap.min.css")
    expect("vendored static file (bootstrap from npm)", status == 200 and b"Bootstrap" in body[:300], str(status))
    status, _, body = get(base + "/static/css/app.css")
    expect("own static file (static/css/app.css)", status == 200 and body, str(status))
    status, _, body = get(base + "/login/")
    expect("login page", status == 200 and b'name="password"' in body and b"csrfmiddlewaretoken" in body,
           str(status))
    status, headers, _ = get(base + "/login/", https=False)
    expect("plain HTTP is redirected to HTTPS (HTTPS=1)",
           status == 301 and headers.get("Location", "").startswith("https://"), str(status))
    healthcheck = [part.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for part in web["healthcheck"]["test"][1:]]
    result = container.run(healthcheck, check=False, capture_output=True, text=True)
    expect("the web service's compose healthcheck", result.returncode == 0, result.stderr[-2000:])


def check_worker(container: Container, compose: dict, logs: Path) -> None:
    worker = compose["services"]["worker"]
    process = container.start(command_of(worker), logs / "worker.log")
    test = worker["healthcheck"]["test"]
    probe = ["sh", "-c", interpolate(test[1], {})] if test[0] == "CMD-SHELL" else test[1:]

    def answers() -> bool:
        return container.run(probe, check=False, capture_output=True).returncode == 0

    timings["worker answers inspect ping"] = wait_for("worker celery inspect ping", answers, process,
                                                      logs / "worker.log", 180)
    expect("worker answers `celery inspect ping` (its compose healthcheck)", True)


def commands_in_image(container: Container, compose: dict) -> None:
    programs: set[str] = set()
    for service in app_services(compose).values():
        argv = command_of(service)
        if argv[:2] == ["sh", "-c"]:
            programs.update(shlex.split(part)[0] for part in re.split(r"&&|\|\||;", argv[2]))
        programs.add(argv[0])
        test = service.get("healthcheck", {}).get("test")
        if test:
            programs.add(shlex.split(test[1])[0] if test[0] == "CMD-SHELL" else test[1])
    script = 'for p in "$@"; do command -v "$p" >/dev/null || { echo "missing: $p"; exit 1; }; done'
    result = container.run(["sh", "-c", script, "sh", *sorted(programs)], check=False, capture_output=True,
                           text=True)
    expect(f"every compose command is in the image ({', '.join(sorted(programs))})", result.returncode == 0,
           result.stdout)


def check_tls_service(container: Container, compose: dict) -> None:
    """The "tls" service's command, as root like in compose: a self-signed pair when there is none."""
    command = command_of(compose["services"]["tls"])
    command[-1] = "/tmp/image-check-tls"
    first = container.run(command, user="root", check=False, capture_output=True, text=True)
    expect("the tls service generates a self-signed pair on first start and says so",
           first.returncode == 0 and "SELF-SIGNED" in first.stderr, first.stdout + first.stderr)
    second = container.run(command, user="root", check=False, capture_output=True, text=True)
    expect("the tls service keeps the pair it finds", second.returncode == 0 and "using the certificate"
           in second.stdout, second.stdout + second.stderr)


def validate_compose() -> None:
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = run(checker, "--builtin-schema", "vendor.compose-spec", ROOT / "docker-compose.yml", check=False,
                 capture_output=True, text=True)
    expect("docker-compose.yml is valid against the compose specification's schema", result.returncode == 0,
           result.stdout + result.stderr)


def main() -> int:
    for tool in ("podman", "buildah", "debootstrap"):
        if not shutil.which(tool):
            raise SystemExit(f"image-check: {tool} is not installed (make image-deps)")
    started = time.monotonic()
    servers_reachable()
    compose = compose_file()
    validate_compose()
    with timed("stand-in bases"):
        stand_in_bases()
    with timed("podman build"):
        build_image()
    size = json.loads(output("podman", "image", "inspect", IMAGE))[0]["Size"]
    logs = ROOT / "var" / "image-check"
    logs.mkdir(parents=True, exist_ok=True)
    fresh_database()
    container = Container(app_environment(compose))
    try:
        commands_in_image(container, compose)
        with timed("migrate (the migrate service's command)"):
            result = container.run(command_of(compose["services"]["migrate"]), env=app_environment(compose, "migrate"),
                                   check=False, capture_output=True, text=True)
        expect("migrate + collectstatic (the migrate service's command)", result.returncode == 0,
               (result.stdout + result.stderr)[-4000:])
        result = container.run(["python", "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                               check=False, capture_output=True, text=True)
        expect("`manage.py check --deploy` is clean with the compose environment", result.returncode == 0,
               result.stdout + result.stderr)
        script = ("import django; django.setup(); from django.db import connection; c = connection.cursor(); "
                  "c.execute('SELECT current_user'); print(c.fetchone()[0])")
        result = container.run(["python", "-c", script], check=False, capture_output=True, text=True)
        expect("web and worker connect as courtreform_app, which does not own the audit log",
               result.returncode == 0 and result.stdout.strip().splitlines()[-1:] == ["courtreform_app"],
               result.stdout + result.stderr)
        check_tls_service(container, compose)
        # Backups are the owner's work (README, 备份与恢复), as the migrate service's environment gives it.
        result = container.run(["python", "scripts/backup_check.py"], env=app_environment(compose, "migrate"),
                               check=False, capture_output=True, text=True)
        expect("backup-check inside the image (pg_dump, tar, pg_restore, verify_audit)",
               result.returncode == 0 and "backup-check: OK" in result.stderr, (result.stdout + result.stderr)[-3000:])
        check_web(container, compose, logs)
        check_worker(container, compose, logs)
    finally:
        container.close()
    timings["total"] = time.monotonic() - started
    base = json.loads(output("podman", "image", "inspect", "docker.io/library/python:3.11-slim"))[0]["Size"]
    say(f"image {IMAGE}: {size / 1e6:.0f} MB, of which {(size - base) / 1e6:.0f} MB on top of the "
        f"python:3.11-slim base ({base / 1e6:.0f} MB here)")
    for name, seconds in timings.items():
        say(f"{name}: {seconds:.1f} s")
    say("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
