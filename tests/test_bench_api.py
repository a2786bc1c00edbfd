"""The API benchmark's requests are the API's current ones: on a small demo each kind it
times answers as expected (a changed route, body or role would otherwise be timed as a
fast failure), and it leaves the rate limit as it found it."""

from __future__ import annotations

from argparse import Namespace
from typing import Any

from flask import Flask

from benchmarks import bench_api
from mrc.demo.services import load_demo
from mrc.extensions import db


def test_every_request_of_the_api_benchmark_succeeds_on_a_small_demo(
        app: Flask, network: dict[str, Any]) -> None:
    load_demo(3, 40)
    db.session.commit()
    limit = app.config["MRC_API_RATE_LIMIT"]
    result = bench_api.run(app, 40, Namespace(requests=2, pass_no=0))
    assert [m.name for m in result.measurements] == [
        "log a session", "aggregates", "aggregates right after a save", "impact estimates"]
    assert all(len(m.samples) == 2 and m.failures == 0 for m in result.measurements)
    assert [m.target_ms for m in result.measurements] == [100.0, 200.0, 200.0, 200.0]
    assert app.config["MRC_API_RATE_LIMIT"] == limit
