"""The per-test transaction really isolates tests, even when code under test commits."""

from sqlalchemy import func, select

from mrc.auth.models import User
from mrc.extensions import db


def test_a_committing_test(make_user):
    make_user("admin", None)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_b_sees_nothing_of_the_previous_test(app):
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
