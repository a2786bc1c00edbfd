from flask import Blueprint

# No url_prefix: the blueprint serves /admin/… and every user's /account page.
bp = Blueprint("admin", __name__)
