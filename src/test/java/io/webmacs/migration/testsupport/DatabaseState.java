package io.webmacs.migration.testsupport;

import java.util.List;
import java.util.Map;

/**
 * What a test compares to show that no statement ran on a database: its catalog, the row count of every WebMACS table,
 * and Liquibase's history.
 */
public record DatabaseState(List<String> catalog, Map<String, Long> rows, List<String> history) {

    public static DatabaseState of(TestDatabase db) {
        boolean hasHistory = !db.rows("SELECT to_regclass('databasechangelog')").get(0).isEmpty();
        return new DatabaseState(Catalog.of(db), WebmacsFixtures.rowCounts(db),
                hasHistory ? db.rows("SELECT id || ' ' || md5sum FROM databasechangelog ORDER BY orderexecuted") : List.of());
    }
}
