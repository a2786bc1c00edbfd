"""Ears on the ground (#12): weekly trend signals for ministries (see docs/trends.md)."""

from flask import Blueprint

bp = Blueprint("trends", __name__, url_prefix="/signals")
