#!/usr/bin/env python3
"""Pull one month's protected aggregates from MRC's JSON API and write them as CSV.

    MRC_TOKEN=mrc_… python3 monthly_aggregates.py https://mrc.example.org 2026-11 > nov.csv

Standard library only. The token is a supervisor's (``mrc api-token create``); the figures
are the dashboard's, protected exactly as it publishes them (a withheld cell is empty).
A 429 is waited out as ``Retry-After`` says; any other error stops with the problem's title.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any, TextIO

Opener = Callable[[urllib.request.Request], Any]


def fetch(base_url: str, token: str, month: str, breakdown: str = "mrc",
          opener: Opener | None = None, tries: int = 5) -> dict[str, Any]:
    """The ``/api/v1/aggregates`` document of ``month`` (``YYYY-MM``)."""
    opener = opener or urllib.request.urlopen
    if not base_url.startswith(("https://", "http://")):
        raise SystemExit("the address of MRC starts with https://")
    query = urllib.parse.urlencode({"period": month, "breakdown": breakdown})
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        f"{base_url.rstrip('/')}/api/v1/aggregates?{query}",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    for _ in range(tries):
        try:
            with opener(request) as response:
                return dict(json.load(response))
        except urllib.error.HTTPError as error:
            if error.code != 429:
                problem = json.load(error)
                raise SystemExit(f"MRC answered {error.code}: {problem.get('title')}"
                                 f" {problem.get('detail', '')}".rstrip()) from None
            time.sleep(int(error.headers.get("Retry-After", "5")))
    raise SystemExit("MRC kept answering 429: try later")


def rows(document: dict[str, Any]) -> Iterator[list[Any]]:
    """One CSV row per published cell: table, row, column, value (empty when withheld)."""
    yield ["period", "table", "row", "column", "value"]
    for table in document["tables"]:
        codes = [column["code"] for column in table["columns"]]
        for row in table["rows"]:
            for code, value in zip(codes, row["cells"], strict=True):
                yield [document["period"], table["key"], row["key"], code,
                       "" if value is None else value]


def main(argv: list[str], out: TextIO = sys.stdout) -> None:
    if len(argv) != 3 or "MRC_TOKEN" not in os.environ:
        raise SystemExit(__doc__)
    csv.writer(out).writerows(rows(fetch(argv[1], os.environ["MRC_TOKEN"], argv[2])))


if __name__ == "__main__":
    main(sys.argv)
