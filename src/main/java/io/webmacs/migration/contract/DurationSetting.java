package io.webmacs.migration.contract;

import java.time.Duration;
import java.util.Locale;

/**
 * The durations a user sets, on the command line or in a DatabaseMigration: the one grammar they share and each one's
 * allowed range. The CRD's patterns are {@link #GRAMMAR}, and its CEL limits are the bounds below written as text (an
 * annotation takes only constants); CrdValidationRulesTest holds the generated CRD to them.
 */
public enum DurationSetting {
    /** {@code --lock-timeout}: how long to wait while another run migrates the same database; 0 tries once. */
    LOCK_TIMEOUT(Duration.ZERO, Duration.ofHours(24)),
    /**
     * {@code --ddl-lock-timeout}, {@code spec.runner.ddlLockTimeout}: PostgreSQL's lock_timeout, an int of milliseconds
     * (at most 2147483647 ms, about 24.8 days); 0 turns the guard off.
     */
    DDL_LOCK_TIMEOUT(Duration.ZERO, read(DurationSetting.DDL_LOCK_TIMEOUT_MAX)),
    /** {@code --ddl-lock-budget}: how long to keep trying a changeset whose table lock is taken; 0 tries once. */
    DDL_LOCK_BUDGET(Duration.ZERO, Duration.ofHours(24)),
    /** {@code --cancel-blockers-after}: how long a session idle in a transaction may block before it is terminated. */
    CANCEL_BLOCKERS_AFTER(Duration.ofSeconds(1), Duration.ofHours(24)),
    /** {@code wait --timeout}. */
    WAIT_TIMEOUT(Duration.ofSeconds(1), Duration.ofHours(24)),
    /** {@code spec.driftCheck.interval}: each check builds a scratch schema, so once a minute is already more than drift needs. */
    DRIFT_CHECK_INTERVAL(read(DurationSetting.DRIFT_CHECK_INTERVAL_MIN), read(DurationSetting.DRIFT_CHECK_INTERVAL_MAX));

    /**
     * 300s, 5m, 1h30m, 1h0m30s, or a number of seconds: hours, minutes and seconds in that order. At most 6 digits a
     * part, so that no value overflows Go's duration (the API server's CEL) before its range is checked.
     */
    public static final String GRAMMAR = "^[0-9]{1,6}(h([0-9]{1,6}m)?([0-9]{1,6}s)?|m([0-9]{1,6}s)?|s)?$";

    /** The bounds the CRD's CEL rules check, as text. */
    public static final String DDL_LOCK_TIMEOUT_MAX = "24h";
    public static final String DRIFT_CHECK_INTERVAL_MIN = "1m";
    public static final String DRIFT_CHECK_INTERVAL_MAX = "168h";

    /** {@code --ddl-lock-timeout} when not given, and so {@code spec.runner.ddlLockTimeout} when not set. */
    public static final String DDL_LOCK_TIMEOUT_DEFAULT = "2s";

    private final Duration min;
    private final Duration max;

    DurationSetting(Duration min, Duration max) {
        this.min = min;
        this.max = max;
    }

    public Duration min() {
        return min;
    }

    public Duration max() {
        return max;
    }

    /** {@code text} as a duration in this setting's range; otherwise an IllegalArgumentException that says the range. */
    public Duration parse(String text) {
        Duration duration = read(text, " " + range());
        if (duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
            throw new IllegalArgumentException("'" + text + "' is not " + range());
        }
        return duration;
    }

    /** {@code text} as a duration, whatever its range (as a resource stored before a bound was set may have it). */
    public static Duration read(String text) {
        return read(text, "");
    }

    private static Duration read(String text, String range) {
        if (!text.matches(GRAMMAR)) {
            throw new IllegalArgumentException("'" + text + "' is not a duration" + range + ": write it as 300s, 5m, 1h30m or a"
                    + " number of seconds");
        }
        return text.matches("[0-9]+") ? Duration.ofSeconds(Long.parseLong(text)) : Duration.parse("PT" + text.toUpperCase(Locale.ROOT));
    }

    /** The range in words, e.g. {@code between 0s and 24h}. */
    public String range() {
        return "between " + format(min) + " and " + format(max);
    }

    /** {@code duration} in the grammar, e.g. {@code 24h}, {@code 1h30m} or {@code 0s}. */
    public static String format(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        return (duration.toHours() > 0 ? duration.toHours() + "h" : "")
                + (duration.toMinutesPart() > 0 ? duration.toMinutesPart() + "m" : "")
                + (duration.toSecondsPart() > 0 ? duration.toSecondsPart() + "s" : "");
    }
}
