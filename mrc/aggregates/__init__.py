from flask import Blueprint

bp = Blueprint("aggregates", __name__, url_prefix="/dashboard")
