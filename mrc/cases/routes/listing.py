"""The MRC's client list (issue #10).

Filters, sort order and page number travel in the query string (GET): they say nothing about
anyone, so a filtered list can be bookmarked and the back button works. A **code prefix**
is different: the start of a client code is a fragment of a pseudonym, and URLs end up in
access logs, browser history and Referer headers. So the code-prefix search is a POST form
whose result page is rendered directly (no redirect to a URL that would carry it), and while
a prefix is searched every control that changes the page (the filters, the sort headers,
the pager) is a POST button that carries the prefix in a hidden field, never a link.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from mrc.auth.services import case_worker_required
from mrc.calendars import date_order
from mrc.cases import bp
from mrc.cases.listing import (
    CONSENT,
    COUNT_CAP,
    STATUSES,
    ListFilters,
    list_clients,
    normalise_code_prefix,
    parse_filters,
)
from mrc.cases.routes.common import Page, wave_label
from mrc.forms import date_hint, shown_date
from mrc.privacy.codes import InvalidCode
from mrc.routing import MAX_PAGE, page_arg
from mrc.settings import settings

STATUS_LABELS = {
    "active": _l("Active"),
    "due": _l("Follow-up due"),
    "done": _l("Follow-ups done"),
    "withdrawn": _l("Consent withdrawn"),
    "erased": _l("Erased"),
}
CONSENT_LABELS = {"yes": _l("Consent given"), "no": _l("No consent")}


class CodePrefixForm(FlaskForm):
    prefix = StringField(_l("Code starts with"), validators=[InputRequired(), Length(max=24)],
                         render_kw={"autocomplete": "off", "dir": "ltr", "spellcheck": "false",
                                    "autocapitalize": "characters", "placeholder": "K7Q3"})


def _posted_page() -> int:
    """``page`` of a POSTed list control, read like :func:`mrc.routing.page_arg`."""
    raw = request.form.get("page", "")
    if not raw.isdigit() or len(raw) > len(str(MAX_PAGE)):
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


def _order() -> str:
    """How the user's locale writes dates: the filter's date boxes accept that and ISO."""
    return date_order(str(get_locale()))


def _searched(form: CodePrefixForm) -> tuple[ListFilters, int]:
    """The filters of a POSTed code-prefix search, and the page's status code."""
    if form.validate():
        try:
            prefix = normalise_code_prefix(form.prefix.data or "")
        except InvalidCode:
            form.prefix.errors = [_("A client code has only letters and digits, like "
                                    "K7Q3-M9XP: type its first few.")]
        else:
            return parse_filters(request.form, _posted_page(), prefix, _order()), 200
    return parse_filters(request.form, _posted_page(), order=_order()), 400


@bp.route("/clients", methods=["GET", "POST"])
@case_worker_required
def client_list() -> Page:
    searching = request.method == "POST"
    form = CodePrefixForm(formdata=request.form if searching else None)
    if searching:
        filters, status = _searched(form)
    else:
        filters, status = parse_filters(request.args, page_arg(), order=_order()), 200
    result = list_clients(current_user, filters, settings().page_size)
    return render_template(
        "cases/list.html", form=form, filters=filters, result=result,
        statuses=[(s, STATUS_LABELS[s]) for s in STATUSES],
        consents=[(c, CONSENT_LABELS[c]) for c in CONSENT],
        status_labels=STATUS_LABELS, count_cap=COUNT_CAP, wave_label=wave_label,
        shown_date=shown_date, date_hint=date_hint()), status
