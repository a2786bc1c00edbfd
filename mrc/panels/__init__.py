from flask import Blueprint

bp = Blueprint("panels", __name__, url_prefix="/panels")
