"""A failed statement's parameters (a client's data) are not in the exception's text, which
Flask logs and error reports copy."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from mrc.extensions import db


def test_a_failed_statement_does_not_carry_its_parameters(app) -> None:
    secret = "+923001234567"
    with pytest.raises(DBAPIError) as failed, db.session.begin_nested():
        db.session.execute(text("INSERT INTO no_such_table (phone) VALUES (:phone)"),
                           {"phone": secret})
    assert secret not in str(failed.value)
    assert "hidden due to hide_parameters" in str(failed.value)
