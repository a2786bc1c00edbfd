"""The ``mrc`` command group (also ``flask --app wsgi mrc …``), with every feature's commands.

Each feature's ``commands.py`` lists its commands in ``COMMANDS`` (found through
:mod:`mrc.features`); key management lives in :mod:`mrc.keys`. A command parses its options
and calls a service; it commits once at the end, so a failed command leaves nothing
half-written. Data goes to stdout, progress and diagnostics to stderr. The console script
itself is :mod:`mrc.cli`.
"""

from __future__ import annotations

from flask import Flask
from flask.cli import AppGroup

from mrc import keys, serving
from mrc.features import feature_modules

mrc_group = AppGroup("mrc", help="MRC administration commands.")


def register(app: Flask) -> None:
    """Attach the command group, with every feature's commands."""
    for module in [*feature_modules("commands"), keys, serving]:
        for command in module.COMMANDS:
            if command.name not in mrc_group.commands:
                mrc_group.add_command(command)
    app.cli.add_command(mrc_group)
