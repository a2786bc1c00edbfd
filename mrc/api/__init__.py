"""The JSON API for ministry systems (issue #13), under ``/api/v1/``.

Built in steps. What stands: per-user API tokens (:mod:`mrc.api.tokens`; ``mrc api-token``
creates, lists and revokes them). The routes, the OpenAPI document, webhooks and offline
capture follow; ``docs/api.md`` says what is there."""
