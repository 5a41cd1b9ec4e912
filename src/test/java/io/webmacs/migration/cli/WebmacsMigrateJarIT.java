package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.webmacs.migration.testsupport.ApiServer;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.PgBouncer;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The packaged CLI, run as users run it: {@code java -jar target/webmacs-migrate.jar}, in its own JVM. */
class WebmacsMigrateJarIT {

    private static final Path JAR = Path.of("target", "webmacs-migrate.jar");

    private record Result(int exitCode, String out, String err) {
    }

    @Test
    void upgradeStepDownToBaseAndUpAgainMatchTheReferenceAtEveryStep() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        List<String> connection = List.of("--url", db.jdbcUrl(), "--username", TestDatabase.USER, "--password", TestDatabase.PASSWORD);

        assertThat(run(Map.of(), "upgrade", connection).exitCode()).isZero();
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        assertThat(run(Map.of(), "current", connection).out()).isEqualTo("005_oidc_sso (head)\n");

        for (String expected : List.of("down-to-004", "down-to-003", "down-to-002", "down-to-001", "down-to-base")) {
            assertThat(run(Map.of(), "downgrade", connection, "-1").exitCode()).isZero();
            assertThat(Catalog.of(db)).as(expected).containsExactlyElementsOf(Catalog.reference(expected));
        }
        assertThat(run(Map.of(), "downgrade", connection, "-1").exitCode()).isZero();
        assertThat(Catalog.of(db)).isEmpty();

        assertThat(run(Map.of(), "upgrade", connection).exitCode()).isZero();
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
    }

    @Test
    void webmacsDatabaseUrlFromTheEnvironmentWorksAndItsPasswordStaysHidden() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeA(db, "003_fk_ondelete");
        WebmacsFixtures.insertRows(db, "003_fk_ondelete");
        Map<String, Long> rows = WebmacsFixtures.rowCounts(db);

        Result result = run(Map.of("DATABASE_URL", db.sqlAlchemyUrl()), "upgrade", List.of(), "--output", "json");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("\"adopted\":\"route-a\"", "\"revision\":\"005_oidc_sso\"").doesNotContain(TestDatabase.PASSWORD);
        assertThat(WebmacsFixtures.rowCounts(db)).containsAllEntriesOf(rows);
    }

    @Test
    void checkOnAHeadDatabaseWithAHandDroppedIndexExitsSixNamingIt() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        List<String> connection = List.of("--url", db.jdbcUrl(), "--username", TestDatabase.USER, "--password", TestDatabase.PASSWORD);
        assertThat(run(Map.of(), "upgrade", connection).exitCode()).isZero();
        Result clean = run(Map.of(), "check", connection);
        db.execute("DROP INDEX ix_users_email");
        Path resultFile = Files.createTempFile("termination-log", ".json");

        Result drifted = run(Map.of(), "check", connection, "--result-file", resultFile.toString());

        assertThat(clean.exitCode()).as(clean.err()).isZero();
        assertThat(clean.out()).isEqualTo("No drift: the schema is the changelog's at 005_oidc_sso (head).\n");
        assertThat(drifted.exitCode()).isEqualTo(6);
        assertThat(drifted.out()).startsWith("missing index users.ix_users_email\n");
        assertThat(drifted.err().lines()).singleElement().asString()
                .startsWith("error: The schema differs from 005_oidc_sso").contains("missing index users.ix_users_email");
        assertThat(Files.readString(resultFile)).contains("\"command\":\"check\"", "\"code\":\"SchemaDrift\"",
                "\"name\":\"users.ix_users_email\"");
    }

    /**
     * The fast path's promise, seen in the JVM's class loading: an up-to-date database is answered without starting
     * Liquibase, whose every service hangs off {@code liquibase.Scope}.
     */
    @Test
    void currentAndANoOpUpgradeOnAnUpToDateDatabaseNeverStartLiquibase() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        List<String> connection = List.of("--url", db.jdbcUrl(), "--username", TestDatabase.USER, "--password", TestDatabase.PASSWORD);
        assertThat(run(Map.of(), "upgrade", connection).exitCode()).isZero();

        assertThat(loadsLiquibaseScope("current", connection)).isFalse();
        assertThat(loadsLiquibaseScope("upgrade", connection)).isFalse();
        assertThat(loadsLiquibaseScope("current", connection, "--no-fast-path")).isTrue();
    }

    private static boolean loadsLiquibaseScope(String command, List<String> connection, String... args) throws Exception {
        Path log = Files.createTempFile("class-load", ".log");
        Result result = run(Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + log), command, connection, args);
        assertThat(result.exitCode()).as(result.err()).isZero();
        try (var lines = Files.lines(log)) {
            return lines.anyMatch(line -> line.contains(" liquibase.Scope "));
        }
    }

    @Test
    void versionNamesThisBuildAndLiquibase() throws Exception {
        Result version = run(Map.of(), "--version", List.of());

        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).matches("webmacs-migrate \\d+\\.\\d+\\.\\d+\\S* \\(Liquibase 4\\.33\\.0, Apache-2\\.0\\)\\s*");
    }

    @Test
    void offlineSqlNeedsNoDatabase() throws Exception {
        Result result = run(Map.of(), "sql", List.of());

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("CREATE TABLE users (");
        assertThat(result.out().strip()).endsWith(";");
        assertThat(result.err()).isEmpty();
    }

    @Test
    void planAt003ListsTheDataMigrationOf004AndTheTablesItLocks() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        List<String> connection = List.of("--url", db.jdbcUrl(), "--username", TestDatabase.USER, "--password", TestDatabase.PASSWORD);
        assertThat(run(Map.of(), "upgrade", connection, "003_fk_ondelete").exitCode()).isZero();
        List<String> catalog = Catalog.of(db);

        Result plan = run(Map.of(), "plan", connection);

        assertThat(plan.exitCode()).as(plan.err()).isZero();
        assertThat(plan.out()).startsWith("Plan: upgrade from 003_fk_ondelete to 005_oidc_sso (head)")
                .contains("DataMigration            users              db/webmacs/004_rbac_api_tokens.xml::004-users-admin-to-role::webmacs",
                        "UPDATE public.users SET role = 'admin' WHERE admin = TRUE",
                        "users                    ACCESS EXCLUSIVE");
        assertThat(plan.err()).isEmpty();
        assertThat(Catalog.of(db)).isEqualTo(catalog);
    }

    @Test
    void waitWatchesTheApiServerUntilTheMigrationIsReady() throws Exception {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        try (KubernetesClient client = server.createClient()) {
            ApiServer api = new ApiServer(client);
            api.installCrd();
            api.create("lab", "webmacs");
            api.reconciling("lab", "webmacs", 1, "Migrating", "Job webmacs-8d41e07c52-1 is running");
            Path dir = Files.createTempDirectory("wait");
            Path out = dir.resolve("out");
            Path err = dir.resolve("err");
            Process waiting = javaJar(Map.of("KUBECONFIG", api.kubeconfig(dir, "lab").toString()), "wait", List.of("webmacs"))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            awaitFileContains(err, "Reconciling: Migrating");

            api.ready("lab", "webmacs", 1, "005_oidc_sso");

            assertThat(waiting.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(waiting.exitValue()).as(Files.readString(err)).isZero();
            assertThat(Files.readString(out)).isEqualTo("webmacs is Ready at 005_oidc_sso (generation 1)\n");
            assertThat(Files.readString(err)).as("progress only, no logging from the libraries").isEqualTo("""
                    webmacs: Reconciling: Migrating: Job webmacs-8d41e07c52-1 is running
                    webmacs: Ready: UpToDate: At 005_oidc_sso
                    """);
        } finally {
            server.destroy();
        }
    }

    @Test
    void runnerKilledMidMigrationDoesNotBlockTheNextOne() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        List<String> options = killMidMigration(db, db);

        Result next = run(Map.of(), "upgrade", options, "--lock-timeout", "60", "--output", "json");

        assertThat(next.exitCode()).as(next.err()).isZero();
        assertThat(next.out()).contains("\"applied\":[\"v1\"]");
        assertThat(db.rows("SELECT to_regclass('slow_thing')")).containsExactly("slow_thing");
        assertThat(db.rows("SELECT locked FROM databasechangeloglock")).containsExactly("f");
    }

    /** Behind PgBouncer in transaction pooling mode the killed runner leaves its lease row, which expires. */
    @Test
    void runnerKilledMidMigrationBehindPgBouncerBlocksTheNextOnlyUntilItsLeaseExpires() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        try (PgBouncer bouncer = PgBouncer.transactionPooling(db)) {
            List<String> options = killMidMigration(bouncer.pooled(), db);
            assertThat(db.rows("SELECT holder FROM webmacs_migrate_lease")).singleElement().asString().startsWith("webmacs-migrate ");

            Result next = run(Map.of(), "upgrade", options, "--lock-timeout", "60", "--output", "json");

            assertThat(next.exitCode()).as(next.err()).isZero();
            assertThat(next.out()).contains("\"applied\":[\"v1\"]");
        }
        assertThat(db.rows("SELECT to_regclass('slow_thing')")).containsExactly("slow_thing");
        assertThat(db.count("webmacs_migrate_lease")).isZero();
    }

    /**
     * A runner killed while a statement of its changeset runs (a minute's sleep here; a long data migration or index in
     * life): the server ends its session within seconds, rolling the changeset back and releasing the migration lock,
     * instead of running the statement to its end for nobody.
     */
    @Test
    void aRunnerKilledMidStatementLosesItsSessionAtOnce() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Path changelog = Files.writeString(Files.createTempDirectory("changelog").resolve("changelog.yaml"), Fixtures.INTERRUPTIBLE_CHANGELOG);
        Process killed = javaJar(Map.of(), "upgrade", List.of("--url", db.jdbcUrl(), "--username", TestDatabase.USER, "--changelog",
                changelog.toString())).start();
        String session = db.awaitSleepingRunner();

        killed.destroyForcibly().waitFor();

        await().atMost(Duration.ofSeconds(20)).until(() -> !db.hasSession(session));
        assertThat(db.count("things")).as("the changeset in flight rolled back").isZero();
    }

    /** Kills a runner of {@code target} (forcibly: no shutdown hook runs) while its first changeset runs; its options. */
    private static List<String> killMidMigration(TestDatabase target, TestDatabase direct) throws Exception {
        Path changelog = Files.writeString(Files.createTempDirectory("changelog").resolve("slow.yaml"), """
                databaseChangeLog:
                  - changeSet: {id: slow, author: t, changes: [{sql: {sql: "CREATE TABLE slow_thing (id int); SELECT pg_sleep(2)"}}]}
                  - changeSet: {id: v1, author: t, changes: [{tagDatabase: {tag: v1}}]}
                """);
        List<String> options = List.of("--url", target.jdbcUrl(), "--username", TestDatabase.USER, "--changelog",
                changelog.toString());
        Process killed = javaJar(Map.of(), "upgrade", options).start();
        awaitQueryRunning(direct, "pg_sleep");
        killed.destroyForcibly().waitFor();
        return options;
    }

    private static void awaitQueryRunning(TestDatabase db, String text) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            // Active only: the session of an earlier poll, still ending, shows this very query, which names the text too.
            if (!db.rows("SELECT pid FROM pg_stat_activity WHERE query LIKE '%" + text + "%' AND state = 'active'"
                    + " AND pid <> pg_backend_pid()").isEmpty()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no query with " + text + " started");
    }

    private static void awaitFileContains(Path file, String text) throws IOException, InterruptedException {
        for (int i = 0; i < 600; i++) {
            if (Files.readString(file).contains(text)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(file + " never showed " + text + ": " + Files.readString(file));
    }

    private static ProcessBuilder javaJar(Map<String, String> env, String command, List<String> options, String... args) {
        List<String> commandLine = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString(), command));
        commandLine.addAll(options);
        commandLine.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(commandLine);
        builder.environment().remove("DATABASE_URL");
        builder.environment().putAll(env);
        return builder;
    }

    private static Result run(Map<String, String> env, String command, List<String> options, String... args)
            throws IOException, InterruptedException {
        ProcessBuilder builder = javaJar(env, command, options, args);
        Path out = Files.createTempFile("webmacs-migrate", ".out");
        Path err = Files.createTempFile("webmacs-migrate", ".err");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        int exitCode = process.waitFor();
        return new Result(exitCode, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
