"""MRC: case management for Migrant Resource Centres."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from mrc.config import Config


def create_app(config: Config | None = None) -> Flask:
    """Build the application: load config, bind extensions, register blueprints and CLI."""
    cfg = config or Config.from_env()
    cfg.check_production_safety()

    root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        template_folder=str(root / "templates"),
        static_folder=str(root / "mrc" / "static"),
    )
    app.config.from_mapping(cfg.to_flask())

    from mrc import database, errors, i18n, keys, models, security  # noqa: F401
    from mrc.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(root / "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    database.init_app(app)
    keys.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)

    from mrc import templating
    templating.init_app(app)

    _register_blueprints(app)

    from mrc.cli import register

    register(app)
    return app


def _register_blueprints(app: Flask) -> None:
    # Route modules are imported first so their views are attached before registration.
    from mrc.admin import bp as admin_bp
    from mrc.admin import routes as _admin  # noqa: F401
    from mrc.aggregates import bp as aggregates_bp
    from mrc.aggregates import routes as _aggregates  # noqa: F401
    from mrc.audit import bp as audit_bp
    from mrc.audit import routes as _audit  # noqa: F401
    from mrc.auth import bp as auth_bp
    from mrc.auth import routes as _auth  # noqa: F401
    from mrc.cases import bp as cases_bp
    from mrc.cases import routes as _cases  # noqa: F401
    from mrc.home import bp as home_bp
    from mrc.home import routes as _home  # noqa: F401
    from mrc.impact import bp as impact_bp
    from mrc.impact import routes as _impact  # noqa: F401
    from mrc.imports import bp as imports_bp
    from mrc.imports import routes as _imports  # noqa: F401
    from mrc.jobs import bp as jobs_bp
    from mrc.jobs import routes as _jobs  # noqa: F401
    from mrc.leaflets import bp as leaflets_bp
    from mrc.leaflets import routes as _leaflets  # noqa: F401
    from mrc.outreach import bp as outreach_bp
    from mrc.outreach import routes as _outreach  # noqa: F401
    from mrc.panels import bp as panels_bp
    from mrc.panels import routes as _panels  # noqa: F401
    from mrc.reports import bp as reports_bp
    from mrc.reports import routes as _reports  # noqa: F401

    blueprints: list[Any] = [home_bp, auth_bp, admin_bp, audit_bp, cases_bp, imports_bp, jobs_bp,
                             leaflets_bp, outreach_bp, panels_bp, aggregates_bp,
                             impact_bp, reports_bp]
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
