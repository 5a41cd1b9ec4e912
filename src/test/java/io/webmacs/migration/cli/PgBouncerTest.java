package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.webmacs.migration.engine.Changelog;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.PgBouncer;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Behind Debian's PgBouncer in transaction pooling mode, where a session advisory lock stays on whichever server
 * connection took it: runners take turns through a lease row, a killed runner's lease expires, a runner whose lease ran
 * out commits nothing more, and the DDL lock guard still guards without leaving its lock_timeout on the pool's server
 * connections.
 */
class PgBouncerTest {

    private static final String LEASE = "webmacs_migrate_lease";

    @Test
    void twoConcurrentUpgradesThroughThePoolerMigrateOnce() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        try (PgBouncer bouncer = PgBouncer.transactionPooling(db)) {
            Callable<JsonNode> upgrade = () -> Cli.against(bouncer.pooled()).ok("--output", "json", "upgrade").json();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<JsonNode>> runs = pool.invokeAll(List.of(upgrade, upgrade));

                assertThat(List.of(runs.get(0).get().get("applied").size(), runs.get(1).get().get("applied").size()))
                        .containsExactlyInAnyOrder(6, 0);
            } finally {
                pool.shutdownNow();
            }
        }
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        assertThat(db.count("databasechangelog")).isEqualTo(Changelog.load(null).parsed().getChangeSets().size());
        assertThat(db.count(LEASE)).as("the lease is given back").isZero();
    }

    @Test
    void aLiveRunnersLeaseMakesTheOtherGiveUpWithExitFourNamingIt() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        try (PgBouncer bouncer = PgBouncer.transactionPooling(db)) {
            Cli.against(bouncer.pooled()).ok("upgrade", "002_plugin_packages");
            leaseHeldFor(db, "webmacs-migrate 1@migrate-7f9c", "1 hour");

            Cli.Run run = Cli.against(bouncer.pooled()).run("--output", "json", "--lock-timeout", "1", "upgrade");

            assertThat(run.exitCode()).isEqualTo(4);
            assertThat(run.json().at("/error/code").asText()).isEqualTo("LockTimeout");
            assertThat(run.errLines()).last().asString().contains("1@migrate-7f9c", "held the migration lock");
        }
        assertThat(Cli.against(db).ok("current").out()).contains("002_plugin_packages");
    }

    /** What a killed runner leaves: its lease, renewed moments ago, and Liquibase's lock row. */
    @Test
    void aKilledRunnersLeaseBlocksTheNextOnlyUntilItExpires() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        try (PgBouncer bouncer = PgBouncer.transactionPooling(db)) {
            Cli.against(bouncer.pooled()).ok("upgrade", "002_plugin_packages");
            leaseHeldFor(db, "webmacs-migrate 1@killed-pod", "3 seconds");
            db.execute("UPDATE databasechangeloglock SET locked = true, lockgranted = now(), lockedby = 'killed-pod'");

            Cli.Run run = Cli.against(bouncer.pooled()).args("--lock-timeout", "20").ok("upgrade");

            assertThat(run.out()).contains("now at 005_oidc_sso (head)");
        }
        assertThat(db.rows("SELECT locked FROM databasechangeloglock")).containsExactly("f");
        assertThat(db.count(LEASE)).isZero();
    }

    /**
     * The pool full of what queues behind the migration: a reader holds {@code users} on one of the pool's two server
     * connections, the first runner's changeset waits for it on the other (the guard off, so it waits), and the first
     * runner's renewal finds no server connection free until its lease has run out. A second runner comes through
     * another PgBouncer (as with several PgBouncer replicas), takes the lease over and waits for {@code users} too. When
     * the reader commits, the first runner's changeset runs its statements, but its commit is refused and rolled back;
     * the second runner migrates. Each changeset ran once.
     */
    @Test
    void aRunnerWhoseLeaseRanOutCommitsNothingMoreAndTheNextOneMigratesOnce() throws Exception {
        TestDatabase db = WebmacsFixtures.migratedWithRows("003_fk_ondelete");
        Map<String, Long> rows = WebmacsFixtures.rowCounts(db);
        try (PgBouncer bouncer = PgBouncer.transactionPooling(db); PgBouncer another = PgBouncer.transactionPooling(db);
                Connection reader = readingUsers(bouncer.pooled().connect())) {
            Cli.Running first = Cli.against(bouncer.pooled()).start("--output", "json", "--ddl-lock-timeout", "0", "upgrade");
            await().atMost(Duration.ofSeconds(30)).until(() -> !db.rows("SELECT pid FROM pg_stat_activity"
                    + " WHERE wait_event_type = 'Lock' AND query LIKE 'ALTER TABLE public.users%'").isEmpty());
            await().atMost(Duration.ofSeconds(60)).until(() -> !db.rows("SELECT 1 FROM " + LEASE
                    + " WHERE expires_at < now()").isEmpty());
            Cli.Running second = Cli.against(another.pooled()).start("--output", "json", "upgrade");
            await().atMost(Duration.ofSeconds(30)).until(() -> second.errSoFar().contains("waiting for a lock"));
            reader.commit();
            Cli.Run lost = first.finished().get(60, TimeUnit.SECONDS);
            Cli.Run migrated = second.finished().get(120, TimeUnit.SECONDS);

            assertThat(lost.exitCode()).as(lost.err()).isEqualTo(4);
            assertThat(lost.json().at("/error/code").asText()).isEqualTo("LeaseLost");
            assertThat(lost.json().at("/error/changeset").asText()).endsWith("::004-users-admin-to-role::webmacs");
            assertThat(lost.json().get("revision").asText()).isEqualTo("003_fk_ondelete");
            assertThat(lost.json().get("applied")).isEmpty();
            assertThat(lost.errLines()).last().asString().contains("lost the migration lease", "took it over after it expired",
                    "rolled back was changeset db/webmacs/004_rbac_api_tokens.xml::004-users-admin-to-role::webmacs's");
            assertThat(migrated.exitCode()).as(migrated.err()).isZero();
            assertThat(migrated.json().get("revision").asText()).isEqualTo("005_oidc_sso");
            assertThat(migrated.json().get("applied")).extracting(JsonNode::asText)
                    .containsExactly("004_rbac_api_tokens", "005_oidc_sso");
        }
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        assertThat(db.rows("SELECT id FROM databasechangelog GROUP BY id, author, filename HAVING count(*) > 1")).isEmpty();
        assertThat(db.count("databasechangelog")).isEqualTo(Changelog.load(null).parsed().getChangeSets().size());
        assertThat(WebmacsFixtures.rowCounts(db)).containsAllEntriesOf(rows);
        assertThat(db.count(LEASE)).as("the lease is given back").isZero();
    }

    @Test
    void theGuardNamesTheBlockerThroughThePoolerAndLeavesNoLockTimeoutOnItsServerConnections() throws Exception {
        TestDatabase db = WebmacsFixtures.migratedWithRows("003_fk_ondelete");
        Map<String, Long> rows = WebmacsFixtures.rowCounts(db);
        try (PgBouncer bouncer = PgBouncer.transactionPooling(db); Connection reader = readingUsers(db.connect())) {

            Cli.Run run = Cli.against(bouncer.pooled()).run("--output", "json", "--ddl-lock-timeout", "1",
                    "--ddl-lock-budget", "4", "upgrade");

            assertThat(run.exitCode()).as(run.err()).isEqualTo(5);
            assertThat(run.json().at("/error/code").asText()).isEqualTo("LockNotAvailable");
            assertThat(run.json().at("/blockedBy/0/pid").asInt()).isEqualTo(pid(reader));
            assertThat(lockTimeoutsOfThePool(bouncer.pooled())).containsOnly("0");
        }
        assertThat(WebmacsFixtures.rowCounts(db)).isEqualTo(rows);
        assertThat(Cli.against(db).ok("current").out()).contains("003_fk_ondelete");
    }

    /** {@code reader} in a transaction that read users and stays open: it holds ACCESS SHARE on users until it ends. */
    private static Connection readingUsers(Connection reader) throws Exception {
        reader.setAutoCommit(false);
        reader.createStatement().executeQuery("SELECT count(*) FROM users").close();
        return reader;
    }

    private static void leaseHeldFor(TestDatabase db, String holder, String interval) {
        db.execute("INSERT INTO " + LEASE + " VALUES (1, '" + holder + "', now() + interval '" + interval + "')"
                + " ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at");
    }

    /** lock_timeout as each of the pool's two server connections has it: two clients in transactions get one each. */
    private static List<String> lockTimeoutsOfThePool(TestDatabase pooled) throws Exception {
        List<String> timeouts = new ArrayList<>();
        List<Connection> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Connection client = pooled.connect();
                clients.add(client);
                client.setAutoCommit(false);
                try (ResultSet rs = client.createStatement().executeQuery("SHOW lock_timeout")) {
                    rs.next();
                    timeouts.add(rs.getString(1));
                }
            }
        } finally {
            for (Connection client : clients) {
                client.close();
            }
        }
        return timeouts;
    }

    private static int pid(Connection connection) throws Exception {
        try (ResultSet rs = connection.createStatement().executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
