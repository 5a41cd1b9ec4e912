package io.webmacs.migration.cli;

import io.webmacs.migration.engine.DatabaseTarget;
import io.webmacs.migration.result.Failure;
import io.webmacs.migration.result.MigrationException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/** A command's database settings: each option, else its environment variable (DATABASE_URL is WebMACS's own). */
record ConnectionSettings(String url, String username, String password) {

    static ConnectionSettings resolve(String url, String username, String password, Map<String, String> environment) {
        return new ConnectionSettings(firstSet(url, environment.get("DATABASE_URL")),
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

    /** The passwords no output may show: the one given and the one in the URL. */
    List<String> secrets() {
        return Stream.of(password, urlPassword()).filter(Objects::nonNull).toList();
    }

    private String urlPassword() {
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
