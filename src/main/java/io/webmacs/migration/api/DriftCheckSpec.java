package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.webmacs.migration.contract.DurationSetting;

/** How often the operator compares the live schema with the changelog's (webmacs-migrate check in a Job). */
public class DriftCheckSpec {

    // Each check builds the expected schema in a scratch schema: once a minute is already more than drift needs.
    @JsonPropertyDescription("The time between checks, e.g. 1h, 30m or 1h30m (a bare number is seconds), from "
            + DurationSetting.DRIFT_CHECK_INTERVAL_MIN + " to " + DurationSetting.DRIFT_CHECK_INTERVAL_MAX + " (a week). The first check runs once the database is Ready at its target, and again after every migration.")
    @Required
    @Pattern(DurationFormat.PATTERN)
    @ValidationRule(value = DurationFormat.NOT_A_DURATION + " || (" + DurationFormat.VALUE + " >= duration('"
            + DurationSetting.DRIFT_CHECK_INTERVAL_MIN + "') && " + DurationFormat.VALUE + " <= duration('"
            + DurationSetting.DRIFT_CHECK_INTERVAL_MAX + "'))", message = "driftCheck.interval must be between "
            + DurationSetting.DRIFT_CHECK_INTERVAL_MIN + " and " + DurationSetting.DRIFT_CHECK_INTERVAL_MAX + ", e.g. 30m, 1h or 24h")
    private String interval;

    @JsonPropertyDescription("A scratch database where each check builds the schema the changelog defines, then rolls it"
            + " back; required with a changelog ConfigMap, whose SQL never runs on the database it checks. Any database the"
            + " login may create a schema in, best on the same PostgreSQL version. Default: the built-in changelog's schema"
            + " is built in a scratch schema of the database itself.")
    private DatabaseSpec devDatabase;

    public String getInterval() {
        return interval;
    }

    public void setInterval(String interval) {
        this.interval = interval;
    }

    public DatabaseSpec getDevDatabase() {
        return devDatabase;
    }

    public void setDevDatabase(DatabaseSpec devDatabase) {
        this.devDatabase = devDatabase;
    }
}
