from flask import Blueprint

bp = Blueprint("leaflets", __name__, url_prefix="/leaflets")
