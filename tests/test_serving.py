"""``mrc serve`` runs the production web server (gunicorn), whose ``Server`` header does not
name the server software or its version."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.services import free_port, migrated_instance


def test_mrc_serve_answers_and_hides_the_server_name(tmp_path: Path) -> None:
    env = migrated_instance(tmp_path)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "mrc", "serve", "--bind",
                               f"127.0.0.1:{port}", "--workers", "1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login",  # noqa: S310
                                            timeout=5) as response:
                    status, headers, body = response.status, response.headers, response.read()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "mrc serve did not answer within 60 s"
                time.sleep(0.3)
        assert status == 200 and b"<html" in body
        assert headers["Server"] == "MRC"
        assert "gunicorn" not in str(headers).lower()
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stderr is not None:
            server.stderr.close()
