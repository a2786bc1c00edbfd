"""MRC: case management for Migrant Resource Centres."""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

from flask import Flask

from mrc.config import Config
from mrc.features import FEATURES, feature_package


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

    from mrc import database, errors, i18n, keys, security, settings, transactions
    from mrc import models as _models  # noqa: F401  (every table in the metadata)
    from mrc.extensions import babel, csrf, db, login_manager, migrate

    settings.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(root / "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    database.init_app(app)
    transactions.init_app(app)
    keys.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)

    from mrc import routing, templating
    templating.init_app(app)

    routing.init_app(app)
    _register_features(app)

    from mrc.commands import register

    register(app)
    return app


def _register_features(app: Flask) -> None:
    """Each feature's views, blueprint and ``init_app`` (:mod:`mrc.features`)."""
    for name in FEATURES:
        package = feature_package(name)
        blueprint = getattr(package, "bp", None)
        if blueprint is not None and find_spec(f"mrc.{name}.routes") is not None:
            import_module(f"mrc.{name}.routes")  # attaches the views to the blueprint
            app.register_blueprint(blueprint)
        init = getattr(package, "init_app", None)
        if init is not None:
            init(app)
