"""Real servers for the test suite: a throw-away PostgreSQL cluster (and Redis, for jobs).

Started on a random free port in a temporary directory and stopped afterwards. As root,
initdb and pg_ctl refuse to run, so they run as the ``postgres`` system user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_BIN_DIRS = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"]


class ServiceUnavailable(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for directory in PG_BIN_DIRS:
        candidate = Path(directory) / name
        if candidate.exists():
            return str(candidate)
    raise ServiceUnavailable(f"PostgreSQL binary {name!r} not found (apt-get install postgresql)")


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the URL of a fresh database on a private PostgreSQL server."""
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    base = Path(tempfile.mkdtemp(prefix="mrc-pg-"))
    data, sock_dir = base / "data", base / "sock"
    sock_dir.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock_dir, "postgres")
    port = free_port()
    try:
        subprocess.run(_as_postgres([initdb, "-D", str(data), "-U", "mrc", "-A", "trust",
                                     "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, capture_output=True)
        opts = (f"-p {port} -k {sock_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50")
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-o", opts, "-l",
                                     str(base / "log"), "-w", "-t", "60", "start"]),
                       check=True, capture_output=True)
        _create_database(port)
        yield f"postgresql+psycopg://mrc@127.0.0.1:{port}/mrc_test"
    except subprocess.CalledProcessError as exc:
        raise ServiceUnavailable(f"PostgreSQL failed to start: {exc.stderr!r}") from exc
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
                           capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


def _create_database(port: int) -> None:
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(f"postgresql://mrc@127.0.0.1:{port}/postgres",
                                 autocommit=True) as conn:
                conn.execute("CREATE DATABASE mrc_test")
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def redis_server() -> Iterator[str]:
    """Yield the URL of a private redis-server on a random port (no persistence)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceUnavailable("redis-server not found (apt-get install redis-server)")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="mrc-redis-")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", workdir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise ServiceUnavailable("redis-server did not start")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def extra_database(database_url: str, name: str) -> Iterator[str]:
    """A second, empty database beside the test database (for tests whose data must be
    committed and seen by other processes, such as job workers)."""
    if database_url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="mrc-extra-") as tmp:
            yield f"sqlite:///{Path(tmp) / (name + '.sqlite')}"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrated_instance(folder: Path) -> dict[str, str]:
    """The environment of an MRC instance of its own in ``folder``: a SQLite file migrated
    to the latest revision, no Redis, development mode. For tests that run the real console
    script or server in another process (they cannot see the test's rolled-back data)."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "REDIS_URL", "MRC_ENV")}
    env.update({"MRC_INSTANCE_DIR": str(folder),
                "DATABASE_URL": f"sqlite:///{folder / 'mrc.sqlite'}"})
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                   env=env, check=True, capture_output=True)
    return env
