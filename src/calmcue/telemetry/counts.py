"""Team counts for IT: aggregate counters exported with the OpenTelemetry SDK over OTLP/HTTP.

Off unless the machine policy turns it on (a user's own settings file cannot). What is sent, and nothing else:
calls, cues per kind, callers' raised-voice minutes, talk-overs, CalmCue's own CPU time and dropped audio blocks,
with the team and site labels from policy (and the login name only if policy sets `include_user`). Never audio,
never a call's own numbers, never the host name.

It never blocks the app: recording is an in-memory add; the SDK's reader thread sends. The counters are
cumulative, so when the collector is down nothing is lost: the next successful export carries the totals
(bounded: one number per counter and label set, however long the collector stays down). Shutting down waits
at most `SHUTDOWN_S`.
"""

from __future__ import annotations

import getpass
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from calmcue import __version__
from calmcue.config.schema import TelemetrySettings
from calmcue.detector.calls import CallSummary

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics import MeterProvider

log = logging.getLogger(__name__)

SHUTDOWN_S = 2.0
EXPORT_TIMEOUT_S = 10.0  # one attempt to reach the collector (on the reader thread, never the app's)


class TeamCounts:
    """The counters and their exporter; `record_*` may be called from any thread and return at once."""

    def __init__(self, policy: TelemetrySettings) -> None:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.resources import Resource

        self.policy = policy
        self.exporter = _exporter(policy.endpoint, timeout_s=min(EXPORT_TIMEOUT_S, policy.export_interval_s))
        reader = PeriodicExportingMetricReader(self.exporter,
                                               export_interval_millis=policy.export_interval_s * 1000.0,
                                               export_timeout_millis=EXPORT_TIMEOUT_S * 1000.0)
        self.provider: MeterProvider = MeterProvider(resource=Resource(labels(policy)), metric_readers=[reader])
        meter = self.provider.get_meter("calmcue", __version__)
        self._calls = meter.create_counter("calmcue.calls", unit="{call}", description="Calls that ended")
        self._cues = meter.create_counter("calmcue.cues", unit="{cue}", description="Cues shown, by kind")
        self._raised = meter.create_counter("calmcue.customer_raised_voice", unit="min",
                                            description="Callers' raised-voice time")
        self._talk_overs = meter.create_counter("calmcue.talk_overs", unit="{talk_over}",
                                                description="Times the agent started talking over the caller")
        self._dropped = meter.create_counter("calmcue.dropped_blocks", unit="{block}",
                                             description="Audio blocks CalmCue could not analyse in time")
        meter.create_observable_counter("calmcue.process.cpu_time", callbacks=[_cpu_time], unit="s",
                                        description="CPU time used by CalmCue")
        self._last_dropped = 0

    def record_call(self, summary: CallSummary) -> None:
        self._calls.add(1)
        for kind, count in summary.cues.items():
            if count:
                self._cues.add(count, {"kind": kind})
        self._raised.add(summary.customer_raised_s / 60.0)
        self._talk_overs.add(summary.talk_over_count)

    def record_dropped(self, total_blocks: int) -> None:
        """The engine's running total of dropped blocks (a new engine starts again from 0)."""
        delta = total_blocks - self._last_dropped if total_blocks >= self._last_dropped else total_blocks
        self._last_dropped = total_blocks
        if delta > 0:
            self._dropped.add(delta)

    def shutdown(self, timeout_s: float = SHUTDOWN_S) -> bool:
        """Sends the last counts if the collector answers in time; never waits longer than `timeout_s`."""
        worker = threading.Thread(target=self.provider.shutdown, kwargs={"timeout_millis": timeout_s * 1000.0},
                                  name="calmcue-telemetry-stop", daemon=True)
        worker.start()
        worker.join(timeout_s)
        return not worker.is_alive()


def labels(policy: TelemetrySettings) -> dict[str, str]:
    out = {"service.name": "calmcue", "service.version": __version__}
    if policy.team:
        out["calmcue.team"] = policy.team
    if policy.site:
        out["calmcue.site"] = policy.site
    if policy.include_user:
        out["user.name"] = getpass.getuser()
    return out


def _cpu_time(_options: Any) -> list[Any]:
    from opentelemetry.metrics import Observation

    return [Observation(time.process_time())]


def _exporter(endpoint: str, *, timeout_s: float) -> Any:
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics.export import MetricExportResult

    class Exporter(OTLPMetricExporter):
        """Counts the outcomes and says once (one log line) when the collector cannot be reached."""

        sent = 0
        failed = 0
        failing = threading.Event()  # set once an export has failed (tests wait on it)

        def export(self, metrics_data: Any, timeout_millis: float | None = 10000, **kwargs: Any) -> Any:
            result = super().export(metrics_data, timeout_millis=timeout_millis, **kwargs)
            if result == MetricExportResult.SUCCESS:
                if self.failed and not self.sent:
                    log.info("team counts: the collector at %s answers now", endpoint)
                self.sent += 1
            else:
                self.failing.set()
                if self.failed == 0:
                    log.warning("team counts: the collector at %s does not answer; the counts are kept and sent "
                                "when it does", endpoint)
                self.failed += 1
            return result

    logging.getLogger("opentelemetry.exporter.otlp.proto.http").setLevel(logging.CRITICAL)  # ours says it once
    logging.getLogger("opentelemetry.exporter.otlp.common").setLevel(logging.CRITICAL)
    return Exporter(endpoint=endpoint, timeout=timeout_s)


def policy_settings() -> TelemetrySettings:
    """The telemetry settings from the machine policy alone (defaults and enforced); the user file is ignored."""
    from calmcue.config import paths
    from calmcue.config.loader import load_layers

    loaded = load_layers(policy=paths.policy_file(), user=None)
    for problem in loaded.problems:
        if "telemetry." in problem:
            log.warning("team counts: %s", problem)
    return loaded.settings.telemetry


def start(policy: TelemetrySettings | None = None) -> TeamCounts | None:
    """Team counts if the machine policy turns them on with a valid endpoint; otherwise None (nothing sent)."""
    policy = policy or policy_settings()
    if not policy.enabled:
        return None
    if not policy.endpoint:
        log.warning("team counts are enabled by policy but telemetry.endpoint is empty; nothing is sent")
        return None
    try:
        return TeamCounts(policy)
    except ImportError as err:
        log.warning("team counts need the OpenTelemetry SDK (%s); nothing is sent", err)
        return None
