"""The shapes every feature's views share, so that routes stay thin.

:func:`form_page` is the POST cycle of a form page: validate, save through a service, then
flash and redirect; on bad input the page comes back (400) with every entry kept and the
service's errors attached to their fields. The request commits at its end
(:mod:`mrc.transactions`), so nothing here commits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import Flask, abort, current_app, flash, render_template, request
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from mrc import database
from mrc.config import API_PATH
from mrc.extensions import db
from mrc.forms import attach_errors
from mrc.validation import MAX_ID, ValidationError

Page = str | Response | tuple[str, int]

MAX_PAGE = 1_000_000


class RecordIdConverter(IntegerConverter):
    """``<int:…>`` in every route: a non-negative whole number that fits an id column; a
    larger one is a 404 like any id that names nothing."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: routes bind their converters when added."""
    app.url_map.converters["int"] = RecordIdConverter
    app.before_request(refuse_what_forms_never_send)


V = TypeVar("V", bound=Callable[..., Any])


def takes_files(view: V) -> V:
    """Mark a view whose form has a file field (under ``@bp.route``, above the rest)."""
    setattr(view, "takes_files", True)  # noqa: B010 - an attribute of a function
    return view


def refuse_what_forms_never_send() -> None:
    """400 for a body no form of the application sends: a file to a view that takes none
    (``takes_files``), or JSON. Flask-WTF would hand the file, or the JSON numbers and
    lists, to text and date fields, whose validators then fail with a TypeError (a 500).
    The JSON API (under ``API_PATH``) reads JSON bodies itself, and checks their types."""
    if request.method in database.SAFE_METHODS or request.path.startswith(API_PATH):
        return
    if request.is_json:
        abort(400)
    view = current_app.view_functions.get(request.endpoint or "")
    if request.files and not getattr(view, "takes_files", False):
        abort(400)


def page_arg(name: str = "page") -> int:
    """The page number of a list (``?page=``): 1 when missing or not a number, and never
    beyond :data:`MAX_PAGE` (views clamp it further to the pages that exist)."""
    raw = request.args.get(name, "")
    if not raw.isdigit() or len(raw) > len(str(MAX_PAGE)):
        return 1
    return min(max(int(raw), 1), MAX_PAGE)
T = TypeVar("T")
ErrorContext = Callable[[dict[str, str]], Mapping[str, Any]]


def _general_errors(other: dict[str, str]) -> Mapping[str, Any]:
    return {"errors": other}


def form_page(form: FlaskForm, save: Callable[[], T], template: str,
              done: Callable[[T], Response], *, error_context: ErrorContext = _general_errors,
              rollback: bool = False, **context: Any) -> Page:
    """Render ``template`` with ``form`` or, when it validates, call ``save()`` and return
    ``done(result)`` (which flashes and redirects).

    ``error_context`` turns the service errors that belong to no field into template
    variables (default: ``errors``). ``rollback`` discards what a failed service flushed
    before the page is shown again, so it shows the stored state."""
    other: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            result = save()
        except ValidationError as exc:
            if rollback:
                db.session.rollback()
            other = attach_errors(form, exc.errors)
        else:
            return done(result)
    status = 400 if form.is_submitted() else 200
    return render_template(template, form=form, **error_context(other), **context), status


def flash_submitted(problem: str | None, started: str | None = None) -> None:
    """Tell the user whether a background job was handed on (``jobs.submit``'s result)."""
    if problem:
        flash(problem, "error")
    elif started:
        flash(started, "info")
