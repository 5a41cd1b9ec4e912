package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.time.Duration;
import java.util.Locale;

/** How often the operator compares the live schema with the changelog's (webmacs-migrate check in a Job). */
// Each check builds the expected schema in a scratch schema: once a minute is already more than drift needs.
@ValidationRule(value = "duration(self.interval) >= duration('1m')", message = "driftCheck.interval must be at least 1m")
public class DriftCheckSpec {

    @JsonPropertyDescription("The time between checks, e.g. 1h, 30m or 1h30m; at least 1m. The first check runs once the"
            + " database is Ready at its target, and again after every migration.")
    @Required
    @Pattern("^[0-9]+(h([0-9]+m)?([0-9]+s)?|m([0-9]+s)?|s)$")
    private String interval;

    public String getInterval() {
        return interval;
    }

    public void setInterval(String interval) {
        this.interval = interval;
    }

    /** The interval as a Duration: 1h30m is ISO-8601's PT1H30M. */
    @JsonIgnore
    public Duration period() {
        return Duration.parse("PT" + interval.toUpperCase(Locale.ROOT));
    }
}
