package io.webmacs.migration.cli;

import io.webmacs.migration.engine.DatabaseTarget;
import io.webmacs.migration.result.Failure;
import io.webmacs.migration.result.MigrationException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A command's database settings: each option, else its environment variable (DATABASE_URL is WebMACS's own); and
 * check's scratch database, {@code --dev-url}, if given.
 */
record ConnectionSettings(String url, String devUrl, String username, String password) {

    static ConnectionSettings resolve(String url, String devUrl, String username, String password, Map<String, String> environment) {
        return new ConnectionSettings(firstSet(url, environment.get("DATABASE_URL")), devUrl,
                firstSet(username, environment.get("DATABASE_USERNAME")),
                firstSet(password, environment.get("DATABASE_PASSWORD")));
    }

    /** The database to connect to; a usage error when none was given. */
    DatabaseTarget target() {
        if (url == null) {
            throw new MigrationException(Failure.USAGE, "No database given: pass --url or set DATABASE_URL.");
        }
        return DatabaseTarget.parse(url, username, password);
    }

    /**
     * The scratch database of {@code --dev-url}, or null. Its URL's own credentials come first, as it is often another
     * server than the target; else the target's.
     */
    DatabaseTarget devTarget() {
        if (devUrl == null) {
            return null;
        }
        DatabaseTarget dev = DatabaseTarget.parse(devUrl, null, null);
        return new DatabaseTarget(dev.jdbcUrl(), dev.username() != null ? dev.username() : username,
                dev.password() != null ? dev.password() : password);
    }

    /** The passwords no output may show: the one given and those in the URLs. */
    List<String> secrets() {
        return Stream.of(password, passwordIn(url), passwordIn(devUrl)).filter(Objects::nonNull).toList();
    }

    private static String passwordIn(String url) {
        try {
            return url == null ? null : DatabaseTarget.parse(url, null, null).password();
        } catch (MigrationException e) {
            return null; // a malformed URL: its own error says so, without repeating the URL
        }
    }

    private static String firstSet(String value, String fallback) {
        return value != null && !value.isBlank() ? value : (fallback == null || fallback.isBlank() ? null : fallback);
    }
}
