"""Team counts end to end: the real OpenTelemetry SDK and OTLP/HTTP exporter against a real local receiver that
decodes the protobuf with opentelemetry-proto; the collector down, then up; a collector that never answers."""

from __future__ import annotations

import gzip
import queue
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)

from calmcue.config.loader import load_settings_file
from calmcue.config.schema import TelemetrySettings
from calmcue.detector.calls import CallSummary
from calmcue.errors import ConfigError
from calmcue.telemetry import counts as telemetry

BOUND_S = 30.0


def summary(*, cues: dict[str, int], raised_s: float, talk_overs: int) -> CallSummary:
    return CallSummary(start_s=0.0, end_s=60.0, duration_s=60.0, ended_by="call_audio_gap", call_audio=True,
                       agent_talk_s=30.0, customer_talk_s=25.0, agent_talk_share=30 / 55, customer_talk_share=25 / 55,
                       longest_agent_monologue_s=12.0, talk_over_count=talk_overs, customer_raised_s=raised_s,
                       customer_raised_count=1, agent_let_them_finish=False, agent_raised_s=0.0,
                       agent_raised_count=0, agent_level_vs_baseline_db=0.5, agent_pace_ratio=1.0,
                       cues={"raised_voice": 0, "talk_over": 0, "fast_speech": 0, "no_pause": 0} | cues)


class Receiver:
    """A minimal OTLP/HTTP metrics receiver on 127.0.0.1: each request decoded into a queue."""

    def __init__(self, port: int = 0) -> None:
        received: queue.Queue[ExportMetricsServiceRequest] = queue.Queue()
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                request = ExportMetricsServiceRequest()
                request.ParseFromString(body)
                received.put((self.path, self.headers.get("Content-Type"), request))
                reply = ExportMetricsServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/metrics"

    def wait_for(self, condition: Callable[[dict], bool], timeout_s: float = BOUND_S) -> tuple[dict, dict]:
        """Waits for a request whose sums satisfy `condition`; returns (sums, resource labels)."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, "no matching export arrived"
            try:
                path, content_type, request = self.received.get(timeout=remaining)
            except queue.Empty:
                continue
            assert path == "/v1/metrics" and content_type == "application/x-protobuf"
            found = sums(request)
            if condition(found):
                return found, resource_labels(request)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def sums(request: ExportMetricsServiceRequest) -> dict:
    out: dict = {}
    for rm in request.resource_metrics:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                for point in metric.sum.data_points:
                    attrs = tuple(sorted((a.key, a.value.string_value) for a in point.attributes))
                    out[(metric.name, attrs)] = point.as_double if point.HasField("as_double") else point.as_int
    return out


def resource_labels(request: ExportMetricsServiceRequest) -> dict:
    return {a.key: a.value.string_value for rm in request.resource_metrics for a in rm.resource.attributes}


def policy(endpoint: str, **extra: object) -> TelemetrySettings:
    return TelemetrySettings(enabled=True, endpoint=endpoint, export_interval_s=1.0, **extra)  # type: ignore[arg-type]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_counts_arrive_at_the_collector_with_the_team_label_and_no_identity(receiver: Receiver) -> None:
    counts = telemetry.start(policy(receiver.endpoint, team="blue", site="leeds"))
    assert counts is not None
    try:
        counts.record_call(summary(cues={"raised_voice": 2, "talk_over": 1}, raised_s=90.0, talk_overs=1))
        counts.record_call(summary(cues={"raised_voice": 1}, raised_s=30.0, talk_overs=2))
        counts.record_dropped(5)
        counts.record_dropped(7)
        found, labels = receiver.wait_for(lambda s: s.get(("calmcue.calls", ())) == 2)
    finally:
        assert counts.shutdown()
    assert found[("calmcue.cues", (("kind", "raised_voice"),))] == 3
    assert found[("calmcue.cues", (("kind", "talk_over"),))] == 1
    assert found[("calmcue.customer_raised_voice", ())] == pytest.approx(2.0)  # minutes
    assert found[("calmcue.talk_overs", ())] == 3
    assert found[("calmcue.dropped_blocks", ())] == 7
    assert found[("calmcue.process.cpu_time", ())] > 0
    assert labels["calmcue.team"] == "blue" and labels["calmcue.site"] == "leeds"
    assert not {"user.name", "host.name", "enduser.id"} & labels.keys()


def test_the_login_name_is_sent_only_when_policy_says_so(receiver: Receiver) -> None:
    counts = telemetry.start(policy(receiver.endpoint, include_user=True))
    assert counts is not None
    try:
        counts.record_call(summary(cues={}, raised_s=0.0, talk_overs=0))
        _, labels = receiver.wait_for(lambda s: s.get(("calmcue.calls", ())) == 1)
    finally:
        counts.shutdown()
    assert labels.get("user.name")


def test_counts_made_while_the_collector_is_down_are_sent_when_it_is_back() -> None:
    with socket.socket() as probe:  # a free port with nobody listening yet
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    counts = telemetry.start(policy(f"http://127.0.0.1:{port}/v1/metrics"))
    assert counts is not None
    receiver = None
    try:
        for _ in range(3):
            counts.record_call(summary(cues={"no_pause": 1}, raised_s=0.0, talk_overs=0))
        assert counts.exporter.failing.wait(BOUND_S), "the exporter never tried"
        receiver = Receiver(port)
        counts.record_call(summary(cues={"no_pause": 1}, raised_s=0.0, talk_overs=0))
        found, _ = receiver.wait_for(lambda s: s.get(("calmcue.calls", ())) == 4)
        assert found[("calmcue.cues", (("kind", "no_pause"),))] == 4
    finally:
        counts.shutdown()
        if receiver is not None:
            receiver.close()


def test_a_collector_that_never_answers_does_not_hold_up_the_app() -> None:
    silent = socket.socket()  # accepts connections into its backlog and never replies
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    counts = telemetry.start(policy(f"http://127.0.0.1:{silent.getsockname()[1]}/v1/metrics"))
    assert counts is not None
    done = threading.Event()

    def record() -> None:
        for _ in range(2000):
            counts.record_call(summary(cues={"talk_over": 1}, raised_s=1.0, talk_overs=1))
        done.set()

    try:
        threading.Thread(target=record, daemon=True).start()
        assert done.wait(BOUND_S), "recording blocked behind the exporter"
    finally:
        assert counts.shutdown(timeout_s=2.0) in (True, False)  # returns (bounded), whatever the collector does
        silent.close()


def test_off_by_default_and_without_an_endpoint() -> None:
    assert telemetry.start(TelemetrySettings()) is None
    assert telemetry.start(TelemetrySettings(enabled=True)) is None


def test_only_the_machine_policy_can_turn_team_counts_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALMCUE_POLICY_FILE", str(tmp_path / "policy.toml"))
    monkeypatch.setenv("CALMCUE_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.toml").write_text(
        '[telemetry]\nenabled = true\nendpoint = "http://127.0.0.1:9/v1/metrics"\n')
    assert telemetry.policy_settings().enabled is False
    (tmp_path / "policy.toml").write_text(
        '[enforced.telemetry]\nenabled = true\nendpoint = "http://127.0.0.1:9/v1/metrics"\nteam = "blue"\n')
    assert telemetry.policy_settings() == TelemetrySettings(enabled=True, endpoint="http://127.0.0.1:9/v1/metrics",
                                                            team="blue")


@pytest.mark.parametrize("endpoint", ["collector:4318", "ftp://collector/v1/metrics", "https://", "not a url"])
def test_an_endpoint_that_is_not_a_url_is_reported(tmp_path: Path, endpoint: str) -> None:
    path = tmp_path / "policy-like.toml"
    path.write_text(f'[telemetry]\nendpoint = "{endpoint}"\n')
    with pytest.raises(ConfigError, match=r"telemetry.endpoint = .* is not an http\(s\) URL"):
        load_settings_file(path)
