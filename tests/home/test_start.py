"""The start page sends each role to where its daily work is."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("role", "mrc", "target"), [
    ("counsellor", "PK-ISB", "/cases/worklist"),
    ("manager", "PK-ISB", "/cases/worklist"),
    ("supervisor", None, "/dashboard/"),
    ("evaluator", None, "/panels/"),
    ("admin", None, "/admin/"),
])
def test_start_page_redirects_each_role(make_user, login, role, mrc, target) -> None:
    client = login(make_user(role, mrc=mrc))
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(target)


def test_start_page_needs_a_login(client, network) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
