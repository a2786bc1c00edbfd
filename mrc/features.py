"""The feature packages, in one list, and how the application finds their parts.

A feature package (``mrc/<name>/``) may have a blueprint ``bp`` in its ``__init__`` (its views
in ``routes.py``), an ``init_app(app)``, a ``commands.py`` with ``COMMANDS`` for the ``mrc``
group, a ``tasks.py`` registering job kinds and a ``rotation.py`` registering key-rotation
steps. ``create_app``, the CLI, the job runner and ``mrc rotate-keys`` find them here, so
adding a feature means adding its name below and nothing else.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

# Order of blueprint registration and of commands in ``mrc --help``.
FEATURES = ("home", "auth", "admin", "audit", "org", "cases", "imports", "jobs", "leaflets",
            "outreach", "referrals", "survey", "panels", "aggregates", "trends", "impact",
            "reports", "webhooks", "api", "capture", "demo")


def feature_package(name: str) -> ModuleType:
    return importlib.import_module(f"mrc.{name}")


def feature_modules(module: str) -> list[ModuleType]:
    """``mrc.<feature>.<module>`` of every feature that has one, imported, in list order."""
    found = []
    for name in FEATURES:
        dotted = f"mrc.{name}.{module}"
        if importlib.util.find_spec(dotted) is not None:
            found.append(importlib.import_module(dotted))
    return found
