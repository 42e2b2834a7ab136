"""A worker, health check or backup started by the app reaches the very database its parent uses —
on the embedded stack's unix socket as well as on a TCP server (issue: `make test` on a fresh clone)."""

import subprocess
import sys
import uuid
from pathlib import Path

import dj_database_url
import pytest

from accounts.models import Court
from courtreform.childenv import child_env, database_url, with_database

ROOT = Path(__file__).resolve().parents[1]


def test_a_socket_directory_survives_the_url_and_parses_back_to_the_same_server():
    embedded = {"USER": "postgres", "PASSWORD": "", "HOST": "/tmp/clone/var/pg/data", "PORT": "",
                "NAME": "test_courtreform_gw0", "OPTIONS": {}}

    url = database_url(embedded)
    parsed = dj_database_url.parse(url)

    assert url == "postgresql://postgres@/test_courtreform_gw0?host=/tmp/clone/var/pg/data"
    assert parsed["OPTIONS"]["host"] == "/tmp/clone/var/pg/data"
    assert (parsed["NAME"], parsed["USER"]) == ("test_courtreform_gw0", "postgres")
    assert database_url(parsed) == url  # what settings hold after parsing builds the same URL again


def test_a_tcp_server_keeps_its_port_password_and_ssl_mode():
    server = {"USER": "app", "PASSWORD": "p@ss/word", "HOST": "db.court.local", "PORT": 6432,
              "NAME": "courtreform", "OPTIONS": {"sslmode": "require"}}

    parsed = dj_database_url.parse(database_url(server))

    assert (parsed["HOST"], parsed["PORT"], parsed["PASSWORD"], parsed["NAME"]) == (
        "db.court.local", 6432, "p@ss/word", "courtreform")
    assert parsed["OPTIONS"]["sslmode"] == "require"


def test_another_database_on_the_same_socket_keeps_the_socket():
    url = "postgresql://postgres@/courtreform?host=/srv/var/pg/data"

    assert with_database(url, "postgres") == "postgresql://postgres@/postgres?host=/srv/var/pg/data"


@pytest.mark.django_db(transaction=True)
def test_a_child_process_reads_the_row_its_parent_just_committed():
    """Whatever server the suite runs on (embedded socket or 127.0.0.1), the child lands in the same test database."""
    name = f"子进程检查法院{uuid.uuid4().hex[:8]}"
    Court.objects.create(name=name)
    script = (
        "import django; django.setup(); from accounts.models import Court; "
        f"print(Court.objects.filter(name={name!r}).count())"
    )

    child = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=child_env(LOG_LEVEL="WARNING"),
                           capture_output=True, text=True, timeout=120)

    assert child.returncode == 0, child.stderr
    assert child.stdout.strip().splitlines()[-1] == "1"


def test_no_test_or_script_builds_a_database_url_by_hand():
    """The one rule: a child's database comes from child_env()/database_url(). A URL formatted by hand from
    USER, HOST and PORT loses the embedded stack's socket (the fresh-clone failure)."""
    needles = ['f"postgresql' + "://{", "f'postgresql" + "://{"]
    hand_made = [
        str(path.relative_to(ROOT))
        for folder in ("tests", "scripts", "bench")
        for path in (ROOT / folder).rglob("*.py")
        if any(needle in path.read_text() for needle in needles)
    ]

    assert hand_made == []
