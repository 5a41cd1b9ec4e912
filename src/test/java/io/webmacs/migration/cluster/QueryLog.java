package io.webmacs.migration.cluster;

import io.webmacs.migration.testsupport.TestDatabase;
import java.util.List;

/**
 * Where the {@link StandInBackend}s record every query they send, and its error if it failed: a row each in
 * {@value #TABLE}, in the database they query, written by the same session right after the query. So a record outlives
 * its pod (the Deployment controller deletes the old ReplicaSet's pods during a rollout, and their logs with them), is
 * never lost between a query and its record (no second connection that could fail on its own), and lies outside the
 * schema {@code public}, which the changelog migrates and {@code Catalog} compares with WebMACS's reference.
 */
record QueryLog(TestDatabase db) {

    static final String TABLE = "stand_in.queries";

    /** What one version of the backend sent after a point of the log: its queries and how many failed. */
    record Tally(long queries, long failures) {
    }

    static QueryLog createIn(TestDatabase db) {
        db.execute("CREATE SCHEMA stand_in; CREATE TABLE " + TABLE + " (id bigserial PRIMARY KEY, at timestamptz NOT NULL"
                + " DEFAULT clock_timestamp(), app text NOT NULL, pod text NOT NULL, statement text NOT NULL, error text)");
        return new QueryLog(db);
    }

    /** The point the log has reached: what is recorded from now on comes after it. */
    long mark() {
        return Long.parseLong(db.rows("SELECT coalesce(max(id), 0) FROM " + TABLE).get(0));
    }

    /** What {@code backend} sent after {@code mark}. */
    Tally after(long mark, StandInBackend backend) {
        return between(mark, Long.MAX_VALUE, backend);
    }

    /** What {@code backend} sent after {@code from}, up to {@code to}. */
    Tally between(long from, long to, StandInBackend backend) {
        String[] counts = db.rows("SELECT count(*), count(error) FROM " + TABLE + " WHERE id > " + from + " AND id <= " + to
                + " AND app = '" + backend.app() + "'").get(0).split("\\|");
        return new Tally(Long.parseLong(counts[0]), Long.parseLong(counts[1]));
    }

    /** The pods of {@code backend} that have had a query answered. */
    List<String> servingPods(StandInBackend backend) {
        return db.rows("SELECT DISTINCT pod FROM " + TABLE + " WHERE error IS NULL AND app = '" + backend.app() + "'");
    }

    /** Every failed query, and how often: {@code app|statement|error|count}. */
    List<String> failures() {
        return db.rows("SELECT app, statement, error, count(*) FROM " + TABLE + " WHERE error IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3");
    }
}
