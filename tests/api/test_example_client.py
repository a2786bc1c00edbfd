"""The example client in docs/ (issue #13) pulls a month's aggregates from the API: run
against the application itself, its CSV holds every published cell of the answer."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from mrc.api import tokens
from mrc.extensions import db

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "monthly_aggregates.py"


def load_script() -> Any:
    spec = importlib.util.spec_from_file_location("monthly_aggregates", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_client_writes_the_months_cells(client, make_user, make_client,
                                                    monkeypatch) -> None:
    for _ in range(6):
        make_client(baseline=date.today().replace(day=1))
    secret = tokens.create_token(make_user("supervisor", country="PK"), "example").secret
    db.session.commit()
    month = date.today().strftime("%Y-%m")
    answers: list[dict[str, Any]] = []

    @contextmanager
    def opener(request: Any) -> Any:  # the application in place of the network
        url = request.full_url.removeprefix("https://mrc.example.org")
        response = client.get(url, headers=dict(request.header_items()))
        assert response.status_code == 200, response.get_data(as_text=True)
        answers.append(response.get_json())
        yield io.BytesIO(response.get_data())

    script = load_script()
    document = script.fetch("https://mrc.example.org", secret, month, opener=opener)
    assert document["period"] == month and answers == [document]
    monkeypatch.setenv("MRC_TOKEN", secret)
    monkeypatch.setattr(script.urllib.request, "urlopen", opener)
    out = io.StringIO()
    script.main(["monthly_aggregates.py", "https://mrc.example.org", month], out)
    written = list(csv.reader(io.StringIO(out.getvalue())))
    cells = [(t["key"], r["key"], c["code"], "" if v is None else str(v))
             for t in document["tables"] for r in t["rows"]
             for c, v in zip(t["columns"], r["cells"], strict=True)]
    assert written[0] == ["period", "table", "row", "column", "value"]
    assert [tuple(row[1:]) for row in written[1:]] == cells and len(cells) > 10
    assert json.dumps(document)  # plain JSON all through
