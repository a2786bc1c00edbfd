from flask import Blueprint, Flask

bp = Blueprint("aggregates", __name__, url_prefix="/dashboard")


def init_app(app: Flask) -> None:
    """Keep the summary tables in step with the records: connect to the capture services'
    signals (:mod:`mrc.signals`) and hook the commit of every session. Process-wide and
    idempotent, so every application built in a process (web, CLI, job worker, tests) has
    the hooks exactly once."""
    from mrc.aggregates import deltas  # here, not at import: the package import stays light

    deltas.install()
