"""The signature (Stripe's scheme) and the guard on where webhooks may point (SSRF)."""

from __future__ import annotations

import hashlib
import hmac
import socket

import pytest

from mrc.webhooks import signing, transport


def test_the_signature_is_hmac_sha256_of_time_dot_body() -> None:
    body = b'{"id":"session:1"}'
    value = signing.header("whsec_test", body, timestamp=1_700_000_000)
    expected = hmac.new(b"whsec_test", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert value == f"t=1700000000,v1={expected}"
    assert signing.verify("whsec_test", body, value, now=1_700_000_100)
    assert not signing.verify("whsec_other", body, value, now=1_700_000_100)
    assert not signing.verify("whsec_test", body + b"x", value, now=1_700_000_100)
    assert not signing.verify("whsec_test", body, value, now=1_700_000_000 + 301)  # replayed
    assert not signing.verify("whsec_test", body, "t=x,v1=00", now=1)
    assert signing.new_secret().startswith("whsec_") and len(signing.new_secret()) > 40


@pytest.mark.parametrize("url", [
    "http://example.org/hook",  # not https
    "https://10.1.2.3/hook", "https://192.168.0.10/hook", "https://172.16.5.5/",
    "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
    "https://127.0.0.1/hook", "https://[::1]/hook", "https://[::ffff:10.0.0.1]/",
    "https://localhost/hook", "https://printer.local/", "https://0.0.0.0/",
    "https://user:pass@example.org/", "ftp://example.org/", "https:///nohost",
])
def test_urls_that_are_refused(url: str) -> None:
    with pytest.raises(transport.RefusedURL):
        transport.parse(url, allow_local=False)


def test_local_receivers_only_with_the_setting() -> None:
    for url in ("http://127.0.0.1:8080/h", "http://localhost:9/h"):
        with pytest.raises(transport.RefusedURL):
            transport.parse(url, allow_local=False)
        assert transport.parse(url, allow_local=True).local
    with pytest.raises(transport.RefusedURL):  # other private addresses stay refused
        transport.parse("http://10.0.0.1/h", allow_local=True)
    target = transport.parse("https://hooks.example.org:8443/in?x=1", allow_local=False)
    assert (target.host, target.port, target.path) == ("hooks.example.org", 8443, "/in?x=1")


def test_a_name_that_resolves_to_a_private_address_is_refused(monkeypatch) -> None:
    def private(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]

    monkeypatch.setattr(socket, "getaddrinfo", private)
    with pytest.raises(transport.DeliveryError, match="private address"):
        transport.post("https://rebinding.example.org/", b"{}", {}, allow_local=False)


def test_the_verification_snippet_in_the_docs_works() -> None:
    """docs/api.md's Python snippet accepts our signature and refuses a wrong one."""
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    snippet = re.search(r"```python\n(import hashlib\n.*?)```", text, re.S)
    assert snippet is not None
    namespace: dict[str, object] = {}
    exec(compile(snippet.group(1), "docs/api.md", "exec"), namespace)  # noqa: S102
    verify = namespace["verify"]
    body = b'{"id":"ping:1"}'
    value = signing.header("whsec_doc", body)
    assert verify("whsec_doc", body, value)  # type: ignore[operator]
    assert not verify("whsec_doc", body + b" ", value)  # type: ignore[operator]
    assert not verify("whsec_other", body, value)  # type: ignore[operator]
