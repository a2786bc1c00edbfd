"""Serve the app for the browser tests, in a process of its own:

    python -m tests.browser.serve DATABASE_URL TRANSLATIONS_DIR

prints the port it listens on, then serves until terminated. A process of its own because
Flask-Babel caches catalogues per process by locale only: two servers with different
catalogues (or the suite's own app) in one process would share them.
"""

from __future__ import annotations

import sys

from werkzeug.serving import make_server

from mrc import create_app
from tests.browser.harness import QuietHandler
from tests.conftest import make_config


def main(argv: list[str]) -> None:
    database_url, translations = argv
    app = create_app(make_config(database_url, WTF_CSRF_ENABLED=True, SERVER_NAME=None,
                                 BABEL_TRANSLATION_DIRECTORIES=translations))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
