package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EarlierChangelog;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebMACS keeps writing datapoints while 003 replaces their foreign keys: an insert loop, as sensors write, never waits
 * longer than the DDL lock timeout plus a margin. The table is small so that the test stays fast; its validation is made
 * as slow as on a big table by leaving the planner only a nested loop of sequential scans (40,000 datapoints against
 * 4,000 events, a few seconds), which the database's settings give every session, the migration's included. The
 * earlier changelog's 003, which validated each key as it added it, holds the inserts for that whole validation: the
 * setup makes the old form visible.
 */
class OnlineMigrationTest {

    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration MARGIN = Duration.ofSeconds(1);

    @Test
    void insertsWaitNoLongerThanTheLockTimeoutWhile003ValidatesTheForeignKeysOfDatapoints() throws Exception {
        TestDatabase db = at002WithSlowValidation();

        Duration worst = worstInsertDuring(db, Cli.against(db));

        assertThat(worst).isLessThan(LOCK_TIMEOUT.plus(MARGIN));
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("003"));
    }

    @Test
    void theEarlierChangelogs003HeldTheInsertsForTheWholeValidation(@TempDir Path dir) throws Exception {
        TestDatabase db = at002WithSlowValidation();

        Duration worst = worstInsertDuring(db, Cli.against(db).args("--changelog", EarlierChangelog.writeTo(dir).toString()));

        assertThat(worst).isGreaterThan(LOCK_TIMEOUT.plus(MARGIN));
    }

    private static TestDatabase at002WithSlowValidation() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade", "002_plugin_packages");
        db.execute("""
                INSERT INTO users (public_id, email, username, password_hash, admin) VALUES ('u1', 'a@x', 'alice', 'h', true);
                INSERT INTO events (public_id, name, min_value, max_value, unit, type, user_public_id)
                  SELECT 'e' || i, 'event ' || i, 0, 1, 'C', 'sensor', 'u1' FROM generate_series(1, 4000) AS i;
                INSERT INTO datapoints (public_id, value, event_public_id)
                  SELECT 'd' || i, i, 'e' || (i % 4000 + 1) FROM generate_series(1, 40000) AS i;
                ANALYZE;
                """);
        for (String plan : List.of("hashjoin", "mergejoin", "indexscan", "indexonlyscan", "bitmapscan")) {
            db.execute("ALTER DATABASE " + db.name() + " SET enable_" + plan + " = off");
        }
        return db;
    }

    /** Inserts a datapoint every 5 ms while {@code cli} upgrades to 003; the longest an insert took. */
    private static Duration worstInsertDuring(TestDatabase db, Cli cli) throws Exception {
        AtomicBoolean migrating = new AtomicBoolean(true);
        CompletableFuture<Duration> inserts = CompletableFuture.supplyAsync(() -> insertUntil(db, migrating));
        try {
            cli.ok("--ddl-lock-timeout", LOCK_TIMEOUT.toSeconds() + "s", "upgrade", "003_fk_ondelete");
        } finally {
            migrating.set(false);
        }
        return inserts.get();
    }

    private static Duration insertUntil(TestDatabase db, AtomicBoolean migrating) {
        long worst = 0;
        int inserted = 0;
        try (Connection connection = db.connect();
                PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO datapoints (public_id, value, event_public_id) VALUES ('sensor-' || ?, 1.5, 'e1')")) {
            while (migrating.get()) {
                long started = System.nanoTime();
                insert.setInt(1, inserted++);
                insert.executeUpdate();
                worst = Math.max(worst, System.nanoTime() - started);
                Thread.sleep(5);
            }
        } catch (SQLException | InterruptedException e) {
            throw new IllegalStateException("insert " + inserted + " failed", e);
        }
        assertThat(inserted).as("inserts made while migrating").isGreaterThan(10);
        return Duration.ofNanos(worst);
    }
}
