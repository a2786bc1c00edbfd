"""Numbers no id or page can have (``/cases/clients/99999999999999999999999``,
``?page=99999999999999999999``) are a 404 or the first page, never a database overflow."""

from __future__ import annotations

import pytest

from mrc.forms import int_or_none
from mrc.validation import MAX_ID

HUGE = "9" * 23


@pytest.mark.parametrize("path", [
    f"/cases/clients/{HUGE}", f"/cases/clients/{HUGE}/edit", f"/cases/followups/{HUGE}/attempt",
    f"/outreach/{HUGE}/edit", f"/cases/clients/{MAX_ID + 1}",
])
def test_a_huge_id_is_not_found(make_user, login, path: str) -> None:
    client = login(make_user("counsellor"))
    assert client.get(path).status_code == 404


def test_the_largest_id_is_an_ordinary_not_found(make_user, login) -> None:
    client = login(make_user("counsellor"))
    assert client.get(f"/cases/clients/{MAX_ID}").status_code == 404


@pytest.mark.parametrize(("role", "path"), [
    ("counsellor", "/cases/worklist"), ("counsellor", "/outreach/"),
    ("admin", "/admin/users"), ("admin", "/admin/audit/"), ("manager", "/admin/mrc-users"),
])
@pytest.mark.parametrize("page", [HUGE, "-3", "2x", "0", "1e9", "١٢"])
def test_a_page_number_out_of_range_shows_a_page(make_user, login, role: str, path: str,
                                                 page: str) -> None:
    client = login(make_user(role))
    response = client.get(path, query_string={"page": page})
    assert response.status_code == 200


@pytest.mark.parametrize("raw", [HUGE, str(MAX_ID + 1), "-1", "0", "1.5", " 3", "", None])
def test_select_values_that_name_no_record(raw: str | None) -> None:
    assert int_or_none(raw) is None


def test_select_values_that_can_name_a_record() -> None:
    assert int_or_none("7") == 7 and int_or_none(str(MAX_ID)) == MAX_ID
