package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webmacs.migration.engine.AdvisoryLock;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code check}: the live schema against the changelog's at the database's revision, on a real PostgreSQL. */
class CheckCommandTest {

    /** create_all's 17 foreign key names, 6 column definitions, 2 indexes and the missing alembic_version (SCHEMA.md 5). */
    private static final int ROUTE_B_KNOWN = 26;

    @TempDir
    Path dir;

    static List<String> revisions() {
        return WebmacsFixtures.WEBMACS_REVISIONS;
    }

    @ParameterizedTest
    @MethodSource("revisions")
    void everyRevisionUpgradedFromEmptyHasNoDrift(String revision) {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade", revision);

        JsonNode result = Cli.against(db).ok("--output", "json", "check").json();

        assertThat(result.get("command").asText()).isEqualTo("check");
        assertThat(result.get("revision").asText()).isEqualTo(revision);
        assertThat(result.at("/drift/revision").asText()).isEqualTo(revision);
        assertThat(result.at("/drift/differences")).isEmpty();
        assertThat(result.at("/drift/route").isMissingNode()).isTrue();
        assertThat(result.get("error").isNull()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"000_baseline", "002_plugin_packages", "003_fk_ondelete", "005_oidc_sso"})
    void routeADatabaseIsComparedAtTheRevisionItsTablesShowBeforeAndAfterAdoption(String revision) {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeA(db, revision);
        WebmacsFixtures.insertRows(db, revision);
        Cli cli = Cli.against(db);

        JsonNode beforeAdoption = cli.ok("--output", "json", "check").json();
        cli.ok("upgrade", revision);
        JsonNode afterAdoption = cli.ok("--output", "json", "check").json();

        for (JsonNode result : List.of(beforeAdoption, afterAdoption)) {
            assertThat(result.get("revision").asText()).isEqualTo(revision);
            assertThat(result.at("/drift/differences")).isEmpty();
            assertThat(result.at("/drift/known").isMissingNode()).isTrue();
        }
        assertThat(beforeAdoption.get("adoptable").asText()).isEqualTo(revision.equals("000_baseline") ? "route-b" : "route-a");
    }

    @Test
    void routeBDatabaseIsComparedWithCreateAllsShapeBeforeAndAfterAdoption() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeB(db);
        Cli cli = Cli.against(db);

        Cli.Run text = cli.ok("check");
        JsonNode beforeAdoption = cli.ok("--output", "json", "check").json();
        cli.ok("upgrade");
        JsonNode afterAdoption = cli.ok("--output", "json", "check").json();

        assertThat(text.out()).isEqualTo("No drift: the schema is the changelog's at 005_oidc_sso (head); left out " + ROUTE_B_KNOWN
                + " known differences of a database built by WebMACS's create_all (route-b).\n");
        assertThat(beforeAdoption.at("/drift/route").asText()).isEqualTo("route-b");
        assertThat(beforeAdoption.at("/drift/known").asInt()).isEqualTo(ROUTE_B_KNOWN);
        assertThat(beforeAdoption.at("/drift/differences")).isEmpty();
        assertThat(afterAdoption.at("/drift/route").asText()).isEqualTo("route-b");
        assertThat(afterAdoption.at("/drift/known").asInt()).as("alembic_version is there now").isEqualTo(ROUTE_B_KNOWN - 1);
        assertThat(afterAdoption.at("/drift/differences")).isEmpty();
    }

    @Test
    void stampedRouteBDatabaseHasNoDrift() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeBStamped(db);

        JsonNode result = Cli.against(db).ok("--output", "json", "check").json();

        assertThat(result.at("/drift/route").asText()).isEqualTo("route-b");
        assertThat(result.at("/drift/known").asInt()).isEqualTo(ROUTE_B_KNOWN - 1);
        assertThat(result.at("/drift/differences")).isEmpty();
    }

    static Stream<Arguments> handMadeDrift() {
        return Stream.of(
                arguments("CREATE INDEX ix_events_name ON events (name)", "Unexpected", "index", "events.ix_events_name",
                        null, "CREATE INDEX ix_events_name ON events USING btree (name)"),
                arguments("ALTER TABLE webhooks DROP COLUMN secret", "Missing", "column", "webhooks.secret",
                        "character varying(255) NULL", null),
                arguments("ALTER TABLE plugin_packages ALTER COLUMN plugin_ids SET DEFAULT '{}'", "Changed", "column",
                        "plugin_packages.plugin_ids", "text NOT NULL DEFAULT '[]'::text", "text NOT NULL DEFAULT '{}'::text"),
                arguments("ALTER TYPE pluginstatus ADD VALUE 'retired'", "Changed", "enum", "pluginstatus",
                        "'inactive', 'connected', 'error', 'demo'", "'inactive', 'connected', 'error', 'demo', 'retired'"),
                arguments("DROP INDEX ix_users_email", "Missing", "index", "users.ix_users_email",
                        "CREATE UNIQUE INDEX ix_users_email ON users USING btree (email)", null),
                arguments("ALTER TABLE firmware_updates ALTER COLUMN user_public_id SET NOT NULL", "Changed", "column",
                        "firmware_updates.user_public_id", "character varying NULL", "character varying NOT NULL"),
                arguments("ALTER TABLE rules DROP CONSTRAINT fk_rules_event_public_id", "Missing", "constraint",
                        "rules.fk_rules_event_public_id", "FOREIGN KEY (event_public_id) REFERENCES events(public_id) ON DELETE CASCADE", null),
                arguments("CREATE TABLE notes (id int)", "Unexpected", "table", "notes", null, "id"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("handMadeDrift")
    void handMadeDriftOnAHeadDatabaseIsFoundAndNamed(String sql, String change, String object, String name, String expected,
            String actual) {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade");
        db.execute(sql);

        Cli.Run run = Cli.against(db).run("--output", "json", "check");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(6);
        JsonNode difference = run.json().at("/drift/differences");
        assertThat(difference).hasSize(1);
        assertThat(difference.get(0).get("change").asText()).isEqualTo(change);
        assertThat(difference.get(0).get("object").asText()).isEqualTo(object);
        assertThat(difference.get(0).get("name").asText()).isEqualTo(name);
        assertThat(difference.get(0).get("expected").isNull() ? null : difference.get(0).get("expected").asText()).isEqualTo(expected);
        assertThat(difference.get(0).get("actual").isNull() ? null : difference.get(0).get("actual").asText()).isEqualTo(actual);
        assertThat(run.json().at("/error/code").asText()).isEqualTo("SchemaDrift");
        assertThat(run.errLines()).singleElement().asString().startsWith("error: The schema differs from 005_oidc_sso").contains(name);
    }

    @Test
    void aDroppedIndexIsNamedInTheTextOutputAndTheErrorLine() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade");
        db.execute("DROP INDEX ix_users_email");

        Cli.Run run = Cli.against(db).run("check");

        assertThat(run.exitCode()).isEqualTo(6);
        assertThat(run.out()).isEqualTo("""
                missing index users.ix_users_email
                1 difference from the changelog's schema at 005_oidc_sso (head).
                """);
        assertThat(run.errLines()).containsExactly("error: The schema differs from 005_oidc_sso (the changelog's schema at the"
                + " database's revision) in 1 place: missing index users.ix_users_email. Repair the schema, or make the change"
                + " in a new revision of the changelog and upgrade.");
    }

    @Test
    void routeBDatabaseWithARealDifferenceStillReportsIt() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeB(db);
        db.execute("ALTER TABLE rules RENAME CONSTRAINT rules_event_public_id_fkey TO rules_event_fkey;"
                + " ALTER TABLE rules DROP CONSTRAINT rules_user_public_id_fkey;"
                + " ALTER TABLE rules ADD CONSTRAINT rules_user_public_id_fkey FOREIGN KEY (user_public_id) REFERENCES users(public_id)");

        Cli.Run run = Cli.against(db).run("--output", "json", "check");

        assertThat(run.exitCode()).isEqualTo(6);
        JsonNode drift = run.json().get("drift");
        assertThat(drift.get("route").asText()).isEqualTo("route-b");
        assertThat(drift.get("known").asInt()).isEqualTo(ROUTE_B_KNOWN - 2);
        assertThat(drift.get("differences")).extracting(d -> d.get("change").asText() + " " + d.get("name").asText()).containsExactly(
                "Missing rules.fk_rules_event_public_id",
                "Missing rules.fk_rules_user_public_id",
                "Unexpected rules.rules_event_fkey",
                "Unexpected rules.rules_user_public_id_fkey");
    }

    @Test
    void emptyDatabaseIsAtBaseAndExpectsNothing() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();

        Cli.Run clean = Cli.against(db).ok("check");
        db.execute("CREATE TABLE notes (id serial PRIMARY KEY, body text)");
        Cli.Run stray = Cli.against(db).run("check");

        assertThat(clean.out()).isEqualTo("No drift: the schema is the changelog's at base.\n");
        assertThat(stray.exitCode()).isEqualTo(6);
        assertThat(stray.out()).isEqualTo("""
                unexpected table notes
                unexpected sequence notes_id_seq
                2 differences from the changelog's schema at base.
                """);
    }

    @Test
    void checkTakesNoLockAndLeavesNoTrace() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade");
        WebmacsFixtures.insertRows(db, "005_oidc_sso");
        db.execute("DROP INDEX ix_users_email");
        TestDatabase unadopted = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeA(unadopted, "003_fk_ondelete");
        Map<TestDatabase, Trace> before = Map.of(db, Trace.of(db), unadopted, Trace.of(unadopted));

        try (Connection other = db.connect(); Statement s = other.createStatement()) {
            s.execute("SELECT pg_advisory_lock(" + AdvisoryLock.KEY + ")");
            assertThat(Cli.against(db).run("--lock-timeout", "1", "check").exitCode()).isEqualTo(6);
        }
        assertThat(Cli.against(unadopted).run("check").exitCode()).isZero();

        before.forEach((database, trace) -> assertThat(Trace.of(database)).isEqualTo(trace));
        assertThat(unadopted.rows("SELECT to_regclass('databasechangelog'), to_regclass('databasechangeloglock')"))
                .containsExactly("|");
    }

    @Test
    void devUrlBuildsTheExpectedSchemaOnAnotherDatabaseForALoginThatMayNotCreateSchemas() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade");
        String reader = "reader_" + db.name();
        db.execute("CREATE ROLE " + reader + " LOGIN PASSWORD 'r3ad-only'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + reader);
        TestDatabase dev = EmbeddedPostgresServer.newDatabase();
        dev.execute("CREATE TABLE unrelated (id int)");
        List<String> devSchemas = dev.rows("SELECT nspname FROM pg_namespace ORDER BY 1");
        Cli asReader = new Cli().args("--url", db.jdbcUrl(), "--username", reader, "--password", "r3ad-only", "--output", "json");

        Cli.Run withoutDev = asReader.run("check");
        Cli.Run withDev = asReader.run("check", "--dev-url", dev.sqlAlchemyUrl());

        assertThat(withoutDev.exitCode()).isEqualTo(2);
        assertThat(withoutDev.json().at("/error/code").asText()).isEqualTo("UsageError");
        assertThat(withoutDev.errLines()).singleElement().asString().contains("may not create one", "--dev-url");
        assertThat(withDev.exitCode()).as(withDev.err()).isZero();
        assertThat(withDev.json().at("/drift/differences")).isEmpty();
        assertThat(withDev.out() + withDev.err()).doesNotContain(TestDatabase.PASSWORD);
        assertThat(dev.rows("SELECT nspname FROM pg_namespace ORDER BY 1")).isEqualTo(devSchemas);
        assertThat(Catalog.of(dev)).containsExactly("column|unrelated|id|integer|NULL|");
    }

    @Test
    void customChangelogIsCheckedAgainstItsOwnSchemaBuiltOnlyOnTheDevDatabase() throws IOException {
        Path changelog = Files.writeString(dir.resolve("app.yaml"), """
                databaseChangeLog:
                  - changeSet: {id: things, author: app, changes: [{createTable: {tableName: things, columns: [
                      {column: {name: id, type: int, constraints: {primaryKey: true, primaryKeyName: things_pkey}}},
                      {column: {name: name, type: varchar(50)}}]}}]}
                  - changeSet: {id: v1, author: app, changes: [{tagDatabase: {tag: v1}}]}
                  - changeSet: {id: things-name, author: app, changes: [{createIndex: {tableName: things, indexName: ix_things_name,
                      columns: [{column: {name: name}}]}}]}
                  - changeSet: {id: v2, author: app, changes: [{tagDatabase: {tag: v2}}]}
                """);
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        TestDatabase dev = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db).args("--changelog", changelog.toString());
        String devUrl = dev.sqlAlchemyUrl();

        cli.ok("upgrade", "v1");
        Cli.Run atV1 = cli.ok("check", "--dev-url", devUrl);
        cli.ok("upgrade");
        Cli.Run atV2 = cli.ok("check", "--dev-url", devUrl);
        db.execute("DROP INDEX ix_things_name");
        Cli.Run drifted = cli.run("check", "--dev-url", devUrl);

        assertThat(atV1.out()).isEqualTo("No drift: the schema is the changelog's at v1.\n");
        assertThat(atV2.out()).isEqualTo("No drift: the schema is the changelog's at v2 (head).\n");
        assertThat(drifted.exitCode()).isEqualTo(6);
        assertThat(drifted.out()).startsWith("missing index things.ix_things_name\n");
        assertThat(Catalog.of(dev)).as("nothing kept on the dev database").isEmpty();
    }

    /** As the operator's check Jobs pass it: the scratch database and its own login in the environment. */
    @Test
    void theDevDatabaseAndItsLoginComeFromTheEnvironmentToo() throws IOException {
        Path changelog = Files.writeString(dir.resolve("app.yaml"), """
                databaseChangeLog:
                  - changeSet: {id: things, author: app, changes: [{sql: {sql: "CREATE TABLE things (id int)"}}]}
                  - changeSet: {id: v1, author: app, changes: [{tagDatabase: {tag: v1}}]}
                """);
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        TestDatabase dev = EmbeddedPostgresServer.newDatabase();
        String scratch = "scratch_" + dev.name();
        dev.execute("CREATE ROLE " + scratch + " LOGIN PASSWORD 'scr4tch-Pw'; GRANT CREATE ON DATABASE " + dev.name() + " TO " + scratch);
        Cli cli = Cli.against(db).args("--changelog", changelog.toString());
        cli.ok("upgrade");

        Cli.Run run = cli.env("DEV_DATABASE_URL", dev.jdbcUrl()).env("DEV_DATABASE_USERNAME", scratch)
                .env("DEV_DATABASE_PASSWORD", "scr4tch-Pw").run("--output", "json", "check");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.json().at("/drift/differences").size()).isZero();
        assertThat(run.out() + run.err()).doesNotContain("scr4tch-Pw");
    }

    /**
     * Building the expected schema runs the changelog's SQL. A custom changelog's could take real locks on production
     * tables, or COMMIT and persist: it never runs on the target.
     */
    @Test
    void aCustomChangelogIsNeverRunOnTheTargetToCheckIt() throws IOException {
        Path changelog = Files.writeString(dir.resolve("app.yaml"), """
                databaseChangeLog:
                  - changeSet: {id: things, author: app, changes: [{sql: {sql: "CREATE TABLE things (id int)"}}]}
                  - changeSet: {id: v1, author: app, changes: [{tagDatabase: {tag: v1}}]}
                  - changeSet: {id: audit, author: app, changes: [{sql: {sql: "COMMIT; CREATE TABLE public.audit_trail (id int)"}}]}
                  - changeSet: {id: v2, author: app, changes: [{tagDatabase: {tag: v2}}]}
                """);
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db).args("--changelog", changelog.toString());
        cli.ok("upgrade", "v1");
        List<String> catalog = Catalog.of(db);

        Cli.Run run = cli.run("--output", "json", "check");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.json().at("/error/code").asText()).isEqualTo("UsageError");
        assertThat(run.errLines()).singleElement().asString().contains("never on the target", "--dev-url");
        assertThat(Catalog.of(db)).isEqualTo(catalog);
        assertThat(db.rows("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'webmacs_check%'")).isEmpty();
    }

    /** A concurrent index build is built as a plain one in the scratch schema: the index is the same. */
    @Test
    void aChangesetThatBuildsAnIndexConcurrentlyIsCheckedAsItsPlainBuild() throws IOException {
        Path changelog = Files.writeString(dir.resolve("concurrently.yaml"), """
                databaseChangeLog:
                  - changeSet: {id: things, author: app, changes: [{sql: {sql: CREATE TABLE things (id int)}}]}
                  - changeSet: {id: things-id, author: app, runInTransaction: false, changes: [
                      {sql: {sql: CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix_things_id ON things (id)}}]}
                  - changeSet: {id: v1, author: app, changes: [{tagDatabase: {tag: v1}}]}
                """);
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db).args("--changelog", changelog.toString());
        cli.ok("upgrade");
        String devUrl = EmbeddedPostgresServer.newDatabase().sqlAlchemyUrl();

        Cli.Run matching = cli.run("--output", "json", "check", "--dev-url", devUrl);
        db.execute("DROP INDEX ix_things_id");
        Cli.Run drifted = cli.run("--output", "json", "check", "--dev-url", devUrl);

        assertThat(matching.exitCode()).as(matching.err()).isZero();
        assertThat(drifted.exitCode()).isEqualTo(6);
        assertThat(drifted.json().at("/drift/differences/0/name").asText()).isEqualTo("things.ix_things_id");
    }

    @Test
    void changesetThatMustRunOutsideATransactionCannotBeBuiltAndIsNamed() throws IOException {
        Path changelog = Files.writeString(dir.resolve("vacuum.yaml"), """
                databaseChangeLog:
                  - changeSet: {id: things, author: app, changes: [{sql: {sql: CREATE TABLE things (id int)}}]}
                  - changeSet: {id: things-vacuum, author: app, runInTransaction: false, changes: [{sql: {sql: VACUUM things}}]}
                  - changeSet: {id: v1, author: app, changes: [{tagDatabase: {tag: v1}}]}
                """);
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db).args("--changelog", changelog.toString());
        cli.ok("upgrade");

        Cli.Run run = cli.run("--output", "json", "check", "--dev-url", EmbeddedPostgresServer.newDatabase().sqlAlchemyUrl());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.json().at("/error/code").asText()).isEqualTo("InvalidChangelog");
        assertThat(run.errLines()).singleElement().asString().contains("vacuum.yaml::things-vacuum::app", "one transaction");
        assertThat(db.rows("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'webmacs_check%'")).isEmpty();
    }

    @Test
    void theResultFileOfASchemaFarFromTheChangelogsStillFitsATerminationMessage() throws IOException {
        Path changelog = Files.writeString(dir.resolve("nothing.yaml"), """
                databaseChangeLog:
                  - changeSet: {id: v1, author: app, changes: [{tagDatabase: {tag: v1}}]}
                """);
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade");
        Path resultFile = dir.resolve("termination-log");
        Cli cli = Cli.against(db).args("--changelog", changelog.toString(), "--result-file", resultFile.toString());
        cli.ok("stamp", "v1");

        Cli.Run run = cli.run("--output", "json", "check", "--dev-url", EmbeddedPostgresServer.newDatabase().sqlAlchemyUrl());

        assertThat(run.exitCode()).isEqualTo(6);
        assertThat(run.json().at("/drift/differences").size()).isGreaterThan(40);
        assertThat(Files.size(resultFile)).isLessThan(4096);
        assertThat(new ObjectMapper().readTree(resultFile.toFile()).at("/drift/omitted").asInt())
                .isEqualTo(run.json().at("/drift/differences").size() - 10);
    }

    @Test
    void badInputFailsAsForTheOtherVerbs() throws IOException {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Path broken = Files.writeString(dir.resolve("broken.yaml"), "databaseChangeLog: [ {changeSet: ");

        Cli.Run malformed = Cli.withoutDatabase().run("--url", "postgresql+asyncpg://webmacs:hunter2@/webmacs", "check");
        Cli.Run malformedDev = Cli.against(db).run("check", "--dev-url", "postgresql://webmacs:hunter2@/dev");
        Cli.Run unreachable = Cli.withoutDatabase().run("--url", "jdbc:postgresql://127.0.0.1:1/webmacs", "check");
        Cli.Run unreachableDev = Cli.against(db).run("check", "--dev-url", "postgresql://webmacs:hunter2@127.0.0.1:1/dev");
        Cli.Run invalid = Cli.against(db).run("--changelog", broken.toString(), "check");

        assertThat(malformed.exitCode()).isEqualTo(2);
        assertThat(malformedDev.exitCode()).isEqualTo(2);
        assertThat(malformed.errLines()).singleElement().asString().contains("no host");
        assertThat(unreachable.exitCode()).isEqualTo(3);
        assertThat(unreachableDev.exitCode()).isEqualTo(3);
        assertThat(unreachableDev.errLines()).singleElement().asString().contains("127.0.0.1:1/dev");
        assertThat(invalid.exitCode()).isEqualTo(2);
        assertThat(invalid.errLines()).singleElement().asString().contains("does not parse");
        for (Cli.Run run : List.of(malformed, malformedDev, unreachable, unreachableDev)) {
            assertThat(run.out() + run.err()).doesNotContain("hunter2");
        }
    }

    /** What check must leave as it was: schemas, catalog, Liquibase's history, and the rows of every table. */
    private record Trace(List<String> schemas, List<String> catalog, List<String> history, Map<String, Long> rows,
            List<String> alembicVersion) {

        static Trace of(TestDatabase db) {
            boolean hasHistory = !db.rows("SELECT to_regclass('databasechangelog')").get(0).isEmpty();
            return new Trace(db.rows("SELECT nspname FROM pg_namespace ORDER BY 1"), Catalog.of(db),
                    hasHistory ? db.rows("SELECT id, dateexecuted, orderexecuted, tag FROM databasechangelog ORDER BY orderexecuted")
                            : List.of(),
                    WebmacsFixtures.rowCounts(db), db.rows("SELECT version_num FROM alembic_version"));
        }
    }
}
