"""Fixtures of the API tests: the panel tests' population of followed-up clients."""

from tests.panels.conftest import population  # noqa: F401 - a fixture, used by name
