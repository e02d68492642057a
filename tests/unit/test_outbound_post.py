"""POSTs the collector makes itself (Slack): the SSRF guard first, no redirects, and which
failures may be tried again without the receiver seeing a message twice."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from collector import outbound
from tests.slack import SlackStandIn

DEV = {"ALLOW_PRIVATE_WEBHOOKS": True}


@pytest.fixture
def slack():
    stand_in = SlackStandIn().start()
    yield stand_in
    stand_in.stop()


def test_a_post_that_slack_takes_arrives_once(slack):
    assert outbound.post_json(slack.url, {"text": "hi"}, config=DEV) == 200
    assert slack.wait_for(1) == [{"text": "hi"}]


@pytest.mark.parametrize(("status", "retry"), [(503, True), (429, True), (404, False)])
def test_a_refusal_says_whether_to_try_again(slack, status, retry):
    slack.answer_with(status, "no_service")
    with pytest.raises(outbound.PostFailed) as caught:
        outbound.post_json(slack.url, {"text": "hi"}, config=DEV)
    assert (caught.value.status, caught.value.retry) == (status, retry)
    assert "no_service" in str(caught.value)


def test_loopback_is_refused_before_connecting_without_the_dev_flag(slack):
    with pytest.raises(outbound.OutboundRefused, match="loopback"):
        outbound.post_json(slack.url.replace("http:", "https:"), {"text": "hi"}, config={})
    assert slack.messages == []


def test_nothing_listening_may_be_tried_again():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(outbound.PostFailed) as caught:
        outbound.post_json(f"http://127.0.0.1:{port}/x", {"text": "hi"}, config=DEV)
    assert caught.value.retry is True


class _Redirect(BaseHTTPRequestHandler):
    def do_POST(self):
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/meta-data")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_redirect_is_not_followed():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(outbound.PostFailed) as caught:
            outbound.post_json(
                f"http://127.0.0.1:{server.server_port}/hook", {"text": "hi"}, config=DEV
            )
        assert (caught.value.status, caught.value.retry) == (302, False)
    finally:
        server.shutdown()
        server.server_close()
