"""Webhooks (issue #13): subscriptions per event type, signed deliveries, retries with
backoff, a delivery log. ``docs/api.md`` ("Webhooks") is the receiver's guide.

:mod:`~mrc.webhooks.events` says what can be received by whom and turns events into
deliveries at commit; :mod:`~mrc.webhooks.delivery` sends them (RQ, or ``mrc webhook
send-due``); :mod:`~mrc.webhooks.signing` and :mod:`~mrc.webhooks.transport` are the
signature and the guarded HTTP client; :mod:`~mrc.webhooks.services` the subscriptions.
The API's views are :mod:`mrc.api.webhooks`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Connect to the signals and hook the commit of every session (process-wide and
    idempotent, as :func:`mrc.aggregates.init_app`)."""
    from mrc.webhooks import receivers

    receivers.install()
