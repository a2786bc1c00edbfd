"""The ``mrc`` console script: builds the application from the environment and runs the
command group of :mod:`mrc.commands` inside it."""

from __future__ import annotations

import sys

from mrc import keys
from mrc.commands import mrc_group


def main() -> None:
    """Console script entry point: ``mrc <command>``."""
    from mrc import create_app

    if sys.argv[1:2] == ["new-key"]:
        # Before create_app: a production configuration refuses to start without the key.
        keys.new_key_command.main(args=sys.argv[2:], prog_name="mrc new-key")
        return
    app = create_app()
    with app.app_context():
        mrc_group.main(args=sys.argv[1:], prog_name="mrc")
