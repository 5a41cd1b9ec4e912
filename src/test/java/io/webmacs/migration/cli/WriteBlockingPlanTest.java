package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.JsonNode;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EarlierChangelog;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code plan} flags each statement that blocks writes to an existing table for time proportional to its size, and not
 * the online form of the same change. The table {@code readings} has 5,000 rows, analyzed; each row below is revision v2
 * of a changelog whose v1 made it. Each finding names the work, the table's estimated rows and size, the lock, and why
 * it is held.
 */
class WriteBlockingPlanTest {

    private static final String V1 = """
            databaseChangeLog:
              - changeSet:
                  id: tables
                  author: app
                  changes:
                    - sql: {sql: "CREATE TABLE runs (id int PRIMARY KEY); CREATE TABLE readings (id int, run_id int, value int, note varchar(20))"}
                    - sql: {sql: "INSERT INTO runs SELECT generate_series(1, 10); INSERT INTO readings SELECT i, i % 10 + 1, i, 'x' FROM generate_series(1, 5000) i"}
              - changeSet: {id: v1, author: app, changes: [{tagDatabase: {tag: v1}}]}
            """;

    @TempDir
    static Path dir;
    private static TestDatabase db;

    @BeforeAll
    static void readingsAtV1() throws IOException {
        db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).args("--changelog", changelog("v1", "").toString()).ok("upgrade");
        db.execute("ANALYZE");
    }

    /** Each form: the changesets of v2 (YAML), and what the plan's BlocksWrites findings say, in order. */
    static Stream<Arguments> forms() {
        return Stream.of(
                arguments("an index built without CONCURRENTLY",
                        sql("ix", "CREATE INDEX ix_value ON readings (value)"),
                        List.of("app.yaml::ix::app scans readings (~5000 rows, SIZE) under SHARE, which blocks writes: CREATE INDEX without CONCURRENTLY")),
                arguments("an index built CONCURRENTLY, outside a transaction",
                        sql("ix", "CREATE INDEX CONCURRENTLY ix_value ON readings (value)", false), List.of()),
                arguments("a foreign key validated as it is added",
                        sql("fk", "ALTER TABLE readings ADD CONSTRAINT fk_run FOREIGN KEY (run_id) REFERENCES runs (id)"),
                        List.of("app.yaml::fk::app scans readings (~5000 rows, SIZE) under SHARE ROW EXCLUSIVE, which blocks writes: a foreign key"
                                + " validated as it is added, while writes to runs wait too")),
                arguments("a foreign key added NOT VALID, validated in a changeset of its own",
                        sql("fk", "ALTER TABLE readings ADD CONSTRAINT fk_run FOREIGN KEY (run_id) REFERENCES runs (id) NOT VALID")
                                + sql("validate", "ALTER TABLE readings VALIDATE CONSTRAINT fk_run"), List.of()),
                arguments("a foreign key added NOT VALID and validated in the same changeset",
                        sql("fk", "ALTER TABLE readings ADD CONSTRAINT fk_run FOREIGN KEY (run_id) REFERENCES runs (id) NOT VALID;"
                                + " ALTER TABLE readings VALIDATE CONSTRAINT fk_run"),
                        List.of("app.yaml::fk::app scans readings (~5000 rows, SIZE) under SHARE ROW EXCLUSIVE, which blocks writes: its changeset"
                                + " took SHARE ROW EXCLUSIVE on readings before and keeps it until it commits")),
                arguments("a CHECK validated as it is added",
                        sql("check", "ALTER TABLE readings ADD CONSTRAINT positive CHECK (value > 0)"),
                        List.of("app.yaml::check::app scans readings (~5000 rows, SIZE) under ACCESS EXCLUSIVE, which blocks writes: a CHECK constraint"
                                + " validated as it is added")),
                arguments("SET NOT NULL without a validated check",
                        sql("nn", "ALTER TABLE readings ALTER COLUMN value SET NOT NULL"),
                        List.of("app.yaml::nn::app scans readings (~5000 rows, SIZE) under ACCESS EXCLUSIVE, which blocks writes: SET NOT NULL without"
                                + " a validated CHECK (value IS NOT NULL)")),
                arguments("SET NOT NULL after a CHECK (value IS NOT NULL) added NOT VALID and validated in changesets of their own",
                        sql("check", "ALTER TABLE readings ADD CONSTRAINT value_nn CHECK (value IS NOT NULL) NOT VALID")
                                + sql("validate", "ALTER TABLE readings VALIDATE CONSTRAINT value_nn")
                                + sql("nn", "ALTER TABLE readings ALTER COLUMN value SET NOT NULL; ALTER TABLE readings DROP CONSTRAINT value_nn"),
                        List.of()),
                arguments("a type change that rewrites",
                        sql("type", "ALTER TABLE readings ALTER COLUMN value TYPE bigint"),
                        List.of("app.yaml::type::app rewrites readings (~5000 rows, SIZE) under ACCESS EXCLUSIVE, which blocks writes: a type change"
                                + " that rewrites every row (integer to bigint)")),
                arguments("a type change that does not",
                        sql("type", "ALTER TABLE readings ALTER COLUMN note TYPE varchar(50)"), List.of()),
                arguments("a volatile default",
                        sql("uid", "ALTER TABLE readings ADD COLUMN uid uuid DEFAULT gen_random_uuid()"),
                        List.of("app.yaml::uid::app rewrites readings (~5000 rows, SIZE) under ACCESS EXCLUSIVE, which blocks writes: a column whose"
                                + " default is volatile")),
                arguments("a default evaluated once",
                        sql("at", "ALTER TABLE readings ADD COLUMN received timestamptz DEFAULT now() NOT NULL"), List.of()),
                arguments("a backfill in the changeset that added the column",
                        sql("backfill", "ALTER TABLE readings ADD COLUMN doubled int; UPDATE readings SET doubled = value * 2"),
                        List.of("app.yaml::backfill::app rewrites readings (~5000 rows, SIZE) under ACCESS EXCLUSIVE, which blocks writes: its"
                                + " changeset took ACCESS EXCLUSIVE on readings before")),
                arguments("a backfill in a changeset of its own",
                        sql("add", "ALTER TABLE readings ADD COLUMN doubled int") + sql("backfill", "UPDATE readings SET doubled = value * 2"),
                        List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forms")
    void flagsWhatBlocksWritesForTimeProportionalToTheTableAndNotItsOnlineForm(String form, String changeSets, List<String> expected)
            throws IOException {
        JsonNode plan = Cli.against(db).args("--changelog", changelog("v2", changeSets).toString()).ok("--output", "json", "plan").json()
                .get("plan");

        List<String> blocking = new ArrayList<>();
        plan.get("findings").forEach(f -> {
            if (f.get("kind").asText().equals("BlocksWrites")) {
                String detail = f.get("detail").asText();
                // The size on disk varies with PostgreSQL's version; its form does not.
                blocking.add(f.get("changeset").asText() + " " + detail.substring(detail.indexOf(" -- ") + 4)
                        .replaceFirst("rows, \\d+ kB\\)", "rows, SIZE)"));
            }
        });
        assertThat(blocking).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(blocking.get(i)).startsWith(expected.get(i));
        }
        assertThat(plan.get("blocksWrites").asBoolean()).isEqualTo(!expected.isEmpty());
        assertThat(plan.path("blockedTableRows").asLong()).isEqualTo(expected.isEmpty() ? 0 : 5000);
    }

    @Test
    void theBuiltInUpgradeFrom002BlocksWritesOnlyToUsersWhereTheEarlierOneBlockedThemToDatapoints(@TempDir Path earlier) {
        TestDatabase webmacs = EmbeddedPostgresServer.newDatabase();
        Cli.against(webmacs).ok("upgrade", "002_plugin_packages");
        WebmacsFixtures.insertRows(webmacs, "002_plugin_packages");
        webmacs.execute("ANALYZE");

        JsonNode now = Cli.against(webmacs).ok("--output", "json", "plan").json().get("plan");
        JsonNode before = Cli.against(webmacs).args("--changelog", EarlierChangelog.writeTo(earlier).toString())
                .ok("--output", "json", "plan").json().get("plan");

        assertThat(blockedTables(now)).containsOnly("users");
        assertThat(now.get("blockedTableRows").asLong()).isEqualTo(3);
        assertThat(blockedTables(before)).contains("datapoints", "events", "log_entries", "webhook_deliveries");
        assertThat(before.get("blockedTableRows").asLong()).isEqualTo(2000);
    }

    private static List<String> blockedTables(JsonNode plan) {
        List<String> tables = new ArrayList<>();
        plan.get("findings").forEach(f -> {
            if (f.get("kind").asText().equals("BlocksWrites")) {
                tables.add(f.get("table").asText());
            }
        });
        return tables;
    }

    /** A changelog app.yaml: v1, then {@code changeSets} and the tag {@code tag} when it is not v1. */
    private static Path changelog(String tag, String changeSets) throws IOException {
        String v2 = tag.equals("v1") ? "" : changeSets + "  - changeSet: {id: v2, author: app, changes: [{tagDatabase: {tag: v2}}]}\n";
        Path changelog = Files.createDirectories(Files.createTempDirectory(dir, tag)).resolve("app.yaml");
        return Files.writeString(changelog, V1 + v2, StandardCharsets.UTF_8);
    }

    private static String sql(String id, String sql) {
        return sql(id, sql, true);
    }

    private static String sql(String id, String sql, boolean inTransaction) {
        return "  - changeSet: {id: " + id + ", author: app, runInTransaction: " + inTransaction + ", changes: [{sql: {sql: \"" + sql + "\"}}]}\n";
    }
}
