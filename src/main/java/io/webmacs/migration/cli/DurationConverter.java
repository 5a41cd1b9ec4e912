package io.webmacs.migration.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** {@code --timeout}: {@code 300s}, {@code 5m}, {@code 1h30m}, or a number of seconds. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern PART = Pattern.compile("(\\d+)([hms])");

    @Override
    public Duration convert(String value) {
        if (value.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(value));
        }
        if (!value.matches("(\\d+[hms])+")) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration like 300s, 5m or 1h30m");
        }
        Duration duration = Duration.ZERO;
        for (Matcher part = PART.matcher(value); part.find(); ) {
            long amount = Long.parseLong(part.group(1));
            duration = duration.plus(switch (part.group(2)) {
                case "h" -> Duration.ofHours(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofSeconds(amount);
            });
        }
        return duration;
    }
}
