package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --changelog-extension}: a changelog whose revisions continue the built-in one (WebMACS's documentation example,
 * 006_my_new_table) works with every verb across the seam, alembic_version follows it, and a bad one is refused.
 */
class ChangelogExtensionTest {

    private static final String REVISION = "006_my_new_table";
    /** What 006 adds to the 005 reference catalog. */
    private static final List<String> MY_NEW_TABLE = List.of(
            "column|my_new_table|created_on|timestamp with time zone|NOT NULL|now()",
            "column|my_new_table|id|integer|NOT NULL|nextval('my_new_table_id_seq'::regclass)",
            "column|my_new_table|name|character varying(255)|NOT NULL|",
            "column|my_new_table|public_id|character varying(100)|NOT NULL|",
            "constraint|my_new_table|my_new_table_pkey|p|PRIMARY KEY (id)",
            "constraint|my_new_table|my_new_table_public_id_key|u|UNIQUE (public_id)",
            "sequence|my_new_table_id_seq|my_new_table|id");

    /** The same table, as WebMACS's Alembic would have created it. */
    @TempDir
    Path dir;

    private static Cli extended(TestDatabase db) {
        return Cli.against(db).args("--changelog-extension", Fixtures.MY_NEW_TABLE_EXTENSION.toString());
    }

    @Test
    void upgradeOfAnEmptyDatabaseReaches006AndAlembicVersionFollows() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();

        JsonNode result = extended(db).ok("--output", "json", "upgrade").json();

        assertThat(result.get("revision").asText()).isEqualTo(REVISION);
        assertThat(result.get("head").asText()).isEqualTo(REVISION);
        assertThat(texts(result.get("applied"))).endsWith("005_oidc_sso", REVISION);
        assertThat(Catalog.of(db)).filteredOn(f -> !f.contains("my_new_table")).containsExactlyElementsOf(Catalog.reference("005"));
        assertThat(Catalog.of(db)).filteredOn(f -> f.contains("my_new_table")).containsExactlyInAnyOrderElementsOf(MY_NEW_TABLE);
        assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly(REVISION);
        assertThat(extended(db).ok("current").out().trim()).isEqualTo(REVISION + " (head)");
        assertThat(extended(db).ok("history").out()).contains(REVISION);
        JsonNode history = extended(db).ok("--output", "json", "history").json();
        assertThat(history.get("history")).last().satisfies(r -> {
            assertThat(r.get("revision").asText()).isEqualTo(REVISION);
            assertThat(r.get("appliedAt").isNull()).isFalse();
        });
    }

    @Test
    void downgradeOneStepReturnsExactlyToThe005ReferenceAndUpgradeComesBack() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = extended(db);
        cli.ok("upgrade");

        cli.ok("downgrade", "-1");

        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly("005_oidc_sso");
        assertThat(cli.ok("current").out().trim()).isEqualTo("005_oidc_sso");

        cli.ok("downgrade", "003_fk_ondelete");
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("down-to-003"));
        assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly("003_fk_ondelete");
        cli.ok("upgrade");
        assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly(REVISION);
    }

    @Test
    void aDatabaseAt005OfTheBuiltInChangelogPlansAndUpgradesTo006() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade");

        // The built-in index answers for the built-in part; head and pending are the extension's.
        JsonNode current = extended(db).ok("--output", "json", "current").json();
        assertThat(current.get("revision").asText()).isEqualTo("005_oidc_sso");
        assertThat(current.get("head").asText()).isEqualTo(REVISION);
        assertThat(current.get("pending").asInt()).isEqualTo(3);
        assertThat(extended(db).ok("current").out()).isEqualTo(extended(db).args("--no-fast-path").ok("current").out());
        JsonNode plan = extended(db).ok("--output", "json", "plan").json().get("plan");
        assertThat(plan.get("from").asText()).isEqualTo("005_oidc_sso");
        assertThat(plan.get("to").asText()).isEqualTo(REVISION);
        assertThat(StreamSupport.stream(plan.get("revisions").spliterator(), false).map(r -> r.get("revision").asText()))
                .containsExactly(REVISION);

        JsonNode upgraded = extended(db).ok("--output", "json", "upgrade").json();

        assertThat(texts(upgraded.get("applied"))).containsExactly(REVISION);
        assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly(REVISION);
        assertThat(extended(db).ok("--output", "json", "upgrade").json().get("applied")).isEmpty();
    }

    @Test
    void checkAt006IsCleanOnAScratchDatabase() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        TestDatabase dev = EmbeddedPostgresServer.newDatabase();
        extended(db).ok("upgrade");

        JsonNode drift = extended(db).ok("--output", "json", "check", "--dev-url", dev.jdbcUrl()).json().get("drift");

        assertThat(drift.get("revision").asText()).isEqualTo(REVISION);
        assertThat(drift.get("differences")).isEmpty();
    }

    @Test
    void stampMovesAlembicVersionAcrossTheSeam() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade");
        db.execute(Fixtures.MY_NEW_TABLE_DDL);

        extended(db).ok("stamp", REVISION);
        assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly(REVISION);
        assertThat(extended(db).ok("current").out().trim()).isEqualTo(REVISION + " (head)");

        extended(db).ok("stamp", "005_oidc_sso");
        assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly("005_oidc_sso");
    }

    @Test
    void aWebmacsDatabaseAtABuiltInRevisionIsAdoptedAndUpgradedTo006() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeA(db, "003_fk_ondelete");

        JsonNode result = extended(db).ok("--output", "json", "upgrade").json();

        assertThat(result.get("adopted").asText()).isEqualTo("route-a");
        assertThat(texts(result.get("applied"))).containsExactly("004_rbac_api_tokens", "005_oidc_sso", REVISION);
        assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly(REVISION);
    }

    /** WebMACS's own Alembic moved it to an imported revision: adopted there, nothing run, and the schema checks clean. */
    @Test
    void aDatabaseWebmacsMovedTo006IsAdoptedAt006() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        TestDatabase dev = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeA(db, "005_oidc_sso");
        db.execute(Fixtures.MY_NEW_TABLE_DDL);
        db.execute("UPDATE alembic_version SET version_num = '" + REVISION + "'");
        List<String> before = Catalog.of(db);

        JsonNode result = extended(db).ok("--output", "json", "upgrade").json();

        assertThat(result.get("adopted").asText()).isEqualTo("route-a");
        assertThat(result.get("revision").asText()).isEqualTo(REVISION);
        assertThat(texts(result.get("applied"))).isEmpty();
        assertThat(Catalog.of(db)).isEqualTo(before);
        assertThat(extended(db).ok("current").out().trim()).isEqualTo(REVISION + " (head)");
        assertThat(extended(db).ok("--output", "json", "check", "--dev-url", dev.jdbcUrl()).json().get("drift").get("differences")).isEmpty();
    }

    @Test
    void aDatabaseWhoseAlembicVersionNamesAnImportedRevisionOverAnIncompleteBuiltInSchemaIsRefused() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeA(db, "004_rbac_api_tokens");
        db.execute("UPDATE alembic_version SET version_num = '" + REVISION + "'");
        List<String> before = Catalog.of(db);

        Cli.Run run = extended(db).run("upgrade");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("alembic_version says '" + REVISION + "'", "the tables are those of 004_rbac_api_tokens");
        assertThat(Catalog.of(db)).isEqualTo(before);
    }

    @Test
    void offlineSqlRunsTheExtensionAndMovesAlembicVersion() {
        String sql = Cli.withoutDatabase().args("--changelog-extension", Fixtures.MY_NEW_TABLE_EXTENSION.toString())
                .ok("sql").out();

        assertThat(sql).contains("CREATE TABLE my_new_table")
                .contains("UPDATE alembic_version SET version_num = '" + REVISION + "' WHERE version_num = '005_oidc_sso'")
                .contains("'006-tag-database', 'webmacs', '006_my_new_table.xml'");
    }

    @Test
    void revisionsListsTheChangelogAcrossTheSeamWithoutADatabase() {
        Cli.Run run = Cli.withoutDatabase().args("--changelog-extension", Fixtures.MY_NEW_TABLE_EXTENSION.toString(), "--output", "json")
                .ok("revisions");

        JsonNode result = run.json();
        assertThat(result.get("command").asText()).isEqualTo("revisions");
        assertThat(result.get("head").asText()).isEqualTo(REVISION);
        assertThat(result.get("revisions").findValuesAsText("name")).containsExactly("000_baseline", "001_plugins", "002_plugin_packages",
                "003_fk_ondelete", "004_rbac_api_tokens", "005_oidc_sso", REVISION);
        // 006: my_new_table, the alembic_version update and the tag.
        assertThat(result.get("revisions").get(5).get("changeSets").asInt()).isEqualTo(3);
        assertThat(Cli.withoutDatabase().args("--changelog-extension", Fixtures.MY_NEW_TABLE_EXTENSION.toString()).ok("revisions").out())
                .containsPattern("(?m)^000_baseline +15 changesets$").containsPattern("(?m)^006_my_new_table \\(head\\) +3 changesets\\n\\z");
    }

    private static String extension(String... changeSets) {
        return """
                <databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
                    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                    xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-latest.xsd">
                """ + String.join("\n", changeSets) + "</databaseChangeLog>";
    }

    private static String create(String id) {
        return "<changeSet id=\"" + id + "\" author=\"me\"><sql>CREATE TABLE t6 (id int)</sql>"
                + "<rollback><sql>DROP TABLE t6</sql></rollback></changeSet>";
    }

    private static String tag(String revision) {
        return "<changeSet id=\"tag-" + revision.replace(' ', '-') + "\" author=\"me\"><tagDatabase tag=\"" + revision + "\"/></changeSet>";
    }

    static Stream<Arguments> badExtensions() {
        return Stream.of(
                Arguments.of("no tag", extension(create("006-create")), "has no tagDatabase changeset"),
                Arguments.of("changesets after its last tag", extension(create("006-create"), tag("006_ok"), create("007-create")),
                        "changeset(s) after its last tag, starting with 007-create"),
                Arguments.of("a built-in revision's name", extension(create("006-create"), tag("005_oidc_sso")),
                        "names revision(s) 005_oidc_sso of the built-in changelog"),
                Arguments.of("a built-in changeset id", extension(create("005-add-users-sso-identity"), tag("006_ok")),
                        "reuses the built-in changeset id(s) 005-add-users-sso-identity"),
                Arguments.of("a revision alembic_version cannot hold", extension(create("006-create"), tag("006 my new table")),
                        "cannot be Alembic revision ids"),
                Arguments.of("XML that does not parse", extension(create("006-create")).replace("</sql>", ""), "does not parse"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badExtensions")
    void aBadExtensionIsRefusedAndChangesNothing(String what, String xml, String message) throws IOException {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade");
        List<String> before = state(db);
        Path extension = Files.writeString(dir.resolve("extension.xml"), xml);

        Cli.Run run = Cli.against(db).args("--changelog-extension", extension.toString()).run("upgrade");

        assertThat(run.exitCode()).as(what).isEqualTo(2);
        assertThat(run.errLines()).as(what).singleElement().asString()
                .startsWith("error: Changelog extension ").contains(message);
        assertThat(state(db)).as(what).isEqualTo(before);
    }

    @Test
    void changelogAndChangelogExtensionExcludeEachOther() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();

        Cli.Run run = extended(db).args("--changelog", Fixtures.MY_NEW_TABLE_EXTENSION.toString()).run("upgrade");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--changelog replaces the built-in changelog and --changelog-extension continues it");
        assertThat(Catalog.of(db)).isEmpty();
    }

    private static List<String> state(TestDatabase db) {
        List<String> state = new ArrayList<>(Catalog.of(db));
        state.addAll(db.rows("SELECT id, md5sum FROM databasechangelog ORDER BY orderexecuted"));
        state.addAll(db.rows("SELECT version_num FROM alembic_version"));
        return state;
    }

    private static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }
}
