"""Servers a fault test can stop and start again: a private PostgreSQL (from
:func:`tests.services.postgres_server`) and a redis-server on a fixed port."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from tests.services import ServiceUnavailable, _as_postgres, _pg_binary, free_port


def plain_url(url: str) -> str:
    """The libpq form of a SQLAlchemy URL (for a psycopg connection beside the app's)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class PostgresControl:
    """Stop and start the PostgreSQL server behind ``url`` (a superuser's URL on a server
    of :func:`tests.services.postgres_server`), with the options it was started with."""

    url: str
    data_dir: str
    options: str

    @classmethod
    def of(cls, url: str) -> PostgresControl:
        with psycopg.connect(plain_url(url)) as conn:
            data_dir, sockets, port = (conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
                                       for name in ("data_directory", "unix_socket_directories",
                                                    "port"))
        options = (f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=50")
        return cls(url, data_dir, options)

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres([_pg_binary("pg_ctl"), "-D", self.data_dir, *args]),
                       check=True, capture_output=True, timeout=90)

    def stop(self) -> None:
        """Shut the server down as a service restart does (``-m fast``): every session is
        terminated, open transactions are rolled back, committed ones stay."""
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        log = str(Path(self.data_dir).parent / "log")
        self._pg_ctl("-o", self.options, "-l", log, "-w", "-t", "60", "start")


class RestartableRedis:
    """A redis-server on one port that can be killed (SIGKILL, a crash) and started again
    on the same port and data folder. No persistence: what Redis held is gone after a crash,
    as it is with Debian's default snapshots for anything queued since the last one."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceUnavailable("redis-server not found (apt-get install redis-server)")
        self.binary, self.port = binary, free_port()
        self.workdir = tempfile.mkdtemp(prefix="mrc-redis-fault-")
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.workdir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise ServiceUnavailable(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def close(self) -> None:
        self.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)
