"""The SMS gateway: the simulator logs and keeps messages; the HTTP adapter posts JSON to a
real (local) HTTP server and reads its answer."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from residents import sms


class _Provider(BaseHTTPRequestHandler):
    """A tiny SMS provider: accepts with an id, or refuses when told to."""

    received: list = []
    status = 200

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, dict(self.headers), json.loads(body)))
        answer = json.dumps({"id": "msg-42"} if self.status < 400 else
                            {"error": "bad number"}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_args):
        pass


@pytest.fixture
def provider():
    _Provider.received = []
    _Provider.status = 200
    server = HTTPServer(("127.0.0.1", 0), _Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_http_adapter_posts_json_with_the_token_and_keeps_the_id(app, db, provider):
    url = f"http://127.0.0.1:{provider.server_port}/v1/sms"
    app.config.update(SMS_BACKEND="http", SMS_URL=url, SMS_TOKEN="secret-token",
                      SMS_SENDER="ISPNantes")
    try:
        delivery = sms.send("+33612345678", "Votre code : 123456")
    finally:
        app.config.update(SMS_BACKEND="simulator", SMS_URL=None)
    assert delivery.ok and delivery.provider_ref == "msg-42"
    path, headers, body = _Provider.received[0]
    assert path == "/v1/sms"
    assert headers["Authorization"] == "Bearer secret-token"
    assert body == {"from": "ISPNantes", "to": "+33612345678", "text": "Votre code : 123456"}


def test_a_refusal_of_the_provider_is_a_failed_delivery_not_an_exception(app, provider):
    _Provider.status = 422
    gateway = sms.HttpGateway(f"http://127.0.0.1:{provider.server_port}/", None, "X")
    delivery = gateway.send("+33612345678", "hello")
    assert not delivery.ok and "422" in delivery.error and "bad number" in delivery.error


def test_an_unreachable_provider_is_a_failed_delivery(app):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    delivery = sms.HttpGateway(f"http://127.0.0.1:{port}/", None, "X", timeout=2).send(
        "+33612345678", "hello")
    assert not delivery.ok and delivery.error.startswith("unreachable")


def test_the_simulator_logs_the_message_for_the_lab_terminal(db, caplog):
    with caplog.at_level(logging.INFO, logger="residents.sms"):
        delivery = sms.send("+33612345678", "Votre code : 654321")
    assert delivery.ok
    assert "SMS to 06 12 34 56 78: Votre code : 654321" in caplog.text
    assert sms.OUTBOX[-1] == ("+33612345678", "Votre code : 654321")
