"""The ``mrc`` command group (also ``flask --app wsgi mrc …``).

Each feature's ``commands.py`` lists its commands in ``COMMANDS`` (found through
:mod:`mrc.features`); key management lives in :mod:`mrc.keys`. A command parses its options
and calls a service; it commits once at the end, so a failed command leaves nothing
half-written. Data goes to stdout, progress and diagnostics to stderr.
"""

from __future__ import annotations

import sys

from flask import Flask
from flask.cli import AppGroup

from mrc import keys
from mrc.features import feature_modules

mrc_group = AppGroup("mrc", help="MRC administration commands.")


def register(app: Flask) -> None:
    """Attach the command group, with every feature's commands."""
    for module in [*feature_modules("commands"), keys]:
        for command in module.COMMANDS:
            if command.name not in mrc_group.commands:
                mrc_group.add_command(command)
    app.cli.add_command(mrc_group)


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
