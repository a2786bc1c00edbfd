"""``mrc serve`` runs the production web server (gunicorn), whose ``Server`` header does not
name the server software or its version, and whose workers give every request its own
application context (its own ``g``: user, CSRF token, database session)."""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.services import free_port, migrated_instance

PASSWORD = "serve-test-password-1"  # noqa: S105 (a test instance's own user)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """``mrc serve`` with one worker on a migrated instance holding an admin ``admin1``."""
    env = migrated_instance(folder)
    subprocess.run([sys.executable, "-m", "mrc", "create-user", "--username", "admin1",
                    "--role", "admin", "--password", PASSWORD], env=env, check=True,
                   capture_output=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "mrc", "serve", "--bind",
                               f"127.0.0.1:{port}", "--workers", "1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/login", timeout=5).close()  # noqa: S310
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "mrc serve did not answer within 60 s"
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stderr is not None:
            server.stderr.close()


def _csrf(page: bytes) -> str:
    found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1).decode()


def test_mrc_serve_answers_and_hides_the_server_name(tmp_path: Path) -> None:
    with served(tmp_path) as base, urllib.request.urlopen(f"{base}/login",  # noqa: S310
                                                          timeout=5) as response:
        status, headers, body = response.status, response.headers, response.read()
    assert status == 200 and b"<html" in body
    assert headers["Server"] == "MRC"
    assert "gunicorn" not in str(headers).lower()


def test_a_worker_does_not_share_one_user_or_token_between_requests(tmp_path: Path) -> None:
    """Workers forked inside the command's app context once shared it: after one user logged
    in, a visitor without a cookie was served that user's pages, and everyone got one CSRF
    token."""
    with served(tmp_path) as base:
        jar = http.cookiejar.CookieJar()
        user = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        token = _csrf(user.open(f"{base}/login", timeout=5).read())
        form = urllib.parse.urlencode({"username": "admin1", "password": PASSWORD,
                                       "csrf_token": token}).encode()
        assert user.open(f"{base}/login", data=form, timeout=5).geturl() != f"{base}/login"
        assert user.open(f"{base}/admin/", timeout=5).status == 200

        stranger = urllib.request.build_opener(_NoRedirect())
        try:
            stranger.open(f"{base}/admin/", timeout=5)
            raise AssertionError("a visitor without a cookie was served the admin page")
        except urllib.error.HTTPError as answer:
            assert answer.code == 302 and "/login" in answer.headers["Location"]
        tokens = {_csrf(stranger.open(f"{base}/login", timeout=5).read()) for _ in range(2)}
        assert len(tokens) == 2 and token not in tokens
