from mrc.cases.models import Client
from mrc.extensions import db


def test_login_and_register_client(make_user, login, make_client):
    user = make_user("counsellor", "PK-ISB")
    c = login(user)
    record = make_client("PK-ISB", sessions=2, phone="0300 1234567")
    assert record.code and len(record.followups) == 2
    assert db.session.get(Client, record.id).phone_enc != "+923001234567"
    assert c.get("/").status_code == 302
