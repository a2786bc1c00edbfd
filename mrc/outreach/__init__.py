from flask import Blueprint

bp = Blueprint("outreach", __name__, url_prefix="/outreach")
