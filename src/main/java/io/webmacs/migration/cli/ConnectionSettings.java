package io.webmacs.migration.cli;

import io.webmacs.migration.contract.DatabaseVariables;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.engine.DatabaseTarget;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A command's database settings: each option, else its environment variable (DATABASE_URL is WebMACS's own); and
 * check's scratch database, {@code --dev-url} or DEV_DATABASE_URL, if given.
 */
record ConnectionSettings(String url, String devUrl, String username, String password, String devUsername, String devPassword) {

    static ConnectionSettings resolve(String url, String devUrl, String username, String password, Map<String, String> environment) {
        DatabaseVariables target = DatabaseVariables.TARGET;
        DatabaseVariables dev = DatabaseVariables.DEV;
        return new ConnectionSettings(firstSet(url, environment.get(target.url())), firstSet(devUrl, environment.get(dev.url())),
                firstSet(username, environment.get(target.username())), firstSet(password, environment.get(target.password())),
                firstSet(null, environment.get(dev.username())), firstSet(null, environment.get(dev.password())));
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
     * server than the target; then DEV_DATABASE_USERNAME and DEV_DATABASE_PASSWORD; else the target's.
     */
    DatabaseTarget devTarget() {
        if (devUrl == null) {
            return null;
        }
        DatabaseTarget dev = DatabaseTarget.parse(devUrl, null, null);
        return new DatabaseTarget(dev.jdbcUrl(), firstSet(dev.username(), firstSet(devUsername, username)),
                firstSet(dev.password(), firstSet(devPassword, password)));
    }

    /** What no output may show: the passwords given, and those in the URLs (an sslpassword included). */
    List<String> secrets() {
        return Stream.of(Stream.of(password, devPassword), secretsIn(url), secretsIn(devUrl)).flatMap(s -> s)
                .filter(Objects::nonNull).toList();
    }

    private static Stream<String> secretsIn(String url) {
        try {
            return url == null ? Stream.empty() : DatabaseTarget.parse(url, null, null).secrets().stream();
        } catch (MigrationException e) {
            return Stream.empty(); // a malformed URL: its own error says so, without repeating the URL
        }
    }

    private static String firstSet(String value, String fallback) {
        return value != null && !value.isBlank() ? value : (fallback == null || fallback.isBlank() ? null : fallback);
    }
}
