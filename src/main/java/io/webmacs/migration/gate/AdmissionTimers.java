package io.webmacs.migration.gate;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.webmacs.migration.config.OperatorMetric;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * webmacs_migration_webhook_admission_duration_seconds, one histogram per outcome, all registered at once: every outcome
 * shows from the start at 0, so that an alert's increase() sees the first error too. The buckets reach the API
 * server's longest webhook timeout (30 s); its default is 5 s.
 */
final class AdmissionTimers {

    private static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

    private final Map<AdmissionOutcome, Timer> timers = new EnumMap<>(AdmissionOutcome.class);

    AdmissionTimers(MeterRegistry registry) {
        for (AdmissionOutcome outcome : AdmissionOutcome.values()) {
            timers.put(outcome, OperatorMetric.WEBHOOK_ADMISSION_DURATION.timer().tag("outcome", outcome.label())
                    .serviceLevelObjectives(BUCKETS).register(registry));
        }
    }

    /** A review answered with {@code outcome}, {@code nanos} after its request arrived. */
    void record(AdmissionOutcome outcome, long nanos) {
        timers.get(outcome).record(Duration.ofNanos(nanos));
    }
}
