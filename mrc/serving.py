"""``mrc serve``: the production web server (gunicorn) with MRC's settings.

The Flask dev server of ``make run`` is for one machine; production runs ``mrc serve`` (or
the equivalent ``gunicorn wsgi:app``) behind a reverse proxy that terminates TLS. The
``Server`` response header says ``MRC`` only: which server and version answers is of use to
an attacker, not to a user.
"""

from __future__ import annotations

import contextvars
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from mrc.database import release_connections

SERVER_HEADER = "MRC"


def _hide_server_name() -> None:
    # gunicorn writes "Server: gunicorn" from a module global read per response.
    import gunicorn.http.wsgi

    gunicorn.http.wsgi.SERVER = SERVER_HEADER


def run_gunicorn(app: Flask, bind: str, workers: int, timeout: int) -> None:
    """Serve ``app`` with gunicorn until stopped (blocks). The workers are forked from this
    process, each with the app built here (it holds no open database connection yet)."""
    from gunicorn.app.base import BaseApplication

    class _Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in {"bind": bind, "workers": workers, "timeout": timeout,
                               "accesslog": "-", "errorlog": "-"}.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    _hide_server_name()
    # Not in the command's app context: forked workers would inherit it, and Flask reuses an
    # active app context for every request (one ``g`` and one database session shared by
    # all requests of a worker: the user Flask-Login caches in ``g`` would serve the next
    # visitor, and the CSRF token would be one for everybody).
    contextvars.Context().run(_Server().run)


@click.command("serve")
@click.option("--bind", default="127.0.0.1:8000", show_default=True,
              help="Address and port (the reverse proxy forwards to it).")
@click.option("--workers", default=4, show_default=True, type=click.IntRange(min=1),
              help="Worker processes (about two per core).")
@click.option("--timeout", default=60, show_default=True, type=click.IntRange(min=5),
              help="Seconds before a silent worker is restarted.")
@with_appcontext
def serve_command(bind: str, workers: int, timeout: int) -> None:
    """Run the production web server (gunicorn) for this configuration."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    release_connections()  # the forked workers open their own connections
    run_gunicorn(app, bind, workers, timeout)


COMMANDS = [serve_command]
