package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.webmacs.migration.engine.AdvisoryLock;
import io.webmacs.migration.engine.Changelog;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Two runners never both migrate, and a runner that died never blocks the next one. */
class ConcurrencyTest {

    @Test
    void twoConcurrentUpgradesMigrateOnceAndTheSecondReportsUpToDate() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Callable<JsonNode> upgrade = () -> Cli.against(db).ok("--output", "json", "upgrade").json();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<JsonNode>> runs = pool.invokeAll(List.of(upgrade, upgrade));
            JsonNode first = runs.get(0).get();
            JsonNode second = runs.get(1).get();

            assertThat(List.of(first.get("applied").size(), second.get("applied").size())).containsExactlyInAnyOrder(6, 0);
            assertThat(List.of(first.get("revision").asText(), second.get("revision").asText())).containsOnly("005_oidc_sso");
        } finally {
            pool.shutdownNow();
        }
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        assertThat(db.count("databasechangelog")).isEqualTo(Changelog.load(null).parsed().getChangeSets().size());
    }

    @Test
    void aRunnerThatDiedMidMigrationLeavesNoLockBehind() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db).args("--lock-timeout", "2");
        cli.ok("upgrade", "002_plugin_packages");
        // What a killed runner leaves: Liquibase's lock row still set, its session (and advisory lock) gone.
        try (Connection dead = db.connect()) {
            takeAdvisoryLock(dead);
            dead.createStatement().execute("UPDATE databasechangeloglock SET locked = true, lockgranted = now(),"
                    + " lockedby = 'killed-pod'");
        }

        Cli.Run run = cli.ok("upgrade");

        assertThat(run.out()).contains("now at 005_oidc_sso (head)");
        assertThat(db.rows("SELECT locked FROM databasechangeloglock")).containsExactly("f");
    }

    @Test
    void aLiveRunnerHoldingTheLockMakesTheOtherGiveUpWithExitFour() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db).args("--lock-timeout", "1", "--output", "json");
        try (Connection live = db.connect()) {
            takeAdvisoryLock(live);

            Cli.Run run = cli.run("upgrade");

            assertThat(run.exitCode()).isEqualTo(4);
            assertThat(run.json().at("/error/code").asText()).isEqualTo("LockTimeout");
            assertThat(run.errLines()).singleElement().asString().contains("held the migration lock", "--lock-timeout");
        }
        assertThat(Catalog.of(db)).isEmpty();
    }

    private static void takeAdvisoryLock(Connection connection) throws Exception {
        try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_lock(?)")) {
            lock.setLong(1, AdvisoryLock.KEY);
            lock.execute();
        }
    }
}
