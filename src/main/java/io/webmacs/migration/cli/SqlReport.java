package io.webmacs.migration.cli;

import io.webmacs.migration.engine.Changelog;
import java.util.Map;
import java.util.stream.Collectors;

/** The text of {@code sql}: Liquibase's SQL, with each changeset's phase after its name, as {@code plan} shows it. */
final class SqlReport {

    private static final String CHANGESET_MARK = "-- Changeset ";

    private SqlReport() {
    }

    /** {@code sql} with "-- Changeset FILE::ID::AUTHOR" lines of {@code changelog}'s changesets ending in " (expand)" or " (contract)". */
    static String of(String sql, Changelog changelog) {
        Map<String, String> phases = changelog.parsed().getChangeSets().stream()
                .collect(Collectors.toMap(c -> CHANGESET_MARK + c.toString(false), c -> Changelog.phaseOf(c).word(), (a, b) -> a));
        return sql.lines().map(line -> {
            String phase = phases.get(line.stripTrailing());
            return phase == null ? line : line.stripTrailing() + " (" + phase + ")";
        }).collect(Collectors.joining("\n", "", sql.endsWith("\n") ? "\n" : ""));
    }
}
