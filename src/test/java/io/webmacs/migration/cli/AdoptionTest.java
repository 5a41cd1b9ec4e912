package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.webmacs.migration.engine.Changelog;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Existing WebMACS databases, full of rows, are adopted by upgrade and end at head with every row kept. */
class AdoptionTest {

    private static final List<String> ALEMBIC_VERSION_FACTS = List.of(
            "column|alembic_version|version_num|character varying(32)|NOT NULL|",
            "constraint|alembic_version|alembic_version_pkc|p|PRIMARY KEY (version_num)");

    static List<String> revisions() {
        return WebmacsFixtures.WEBMACS_REVISIONS;
    }

    @ParameterizedTest
    @MethodSource("revisions")
    void routeADatabaseAtAnyRevisionIsAdoptedThenUpgradedToTheExactHead(String revision) {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeA(db, revision);
        WebmacsFixtures.insertRows(db, revision);
        Map<String, Long> before = WebmacsFixtures.rowCounts(db);

        JsonNode result = Cli.against(db).ok("--output", "json", "upgrade").json();

        assertThat(result.get("adopted").asText()).isEqualTo(revision.equals("000_baseline") ? "route-b" : "route-a");
        assertThat(result.get("revision").asText()).isEqualTo("005_oidc_sso");
        List<String> pendingAfterAdoption = revisions().subList(revisions().indexOf(revision) + 1, revisions().size());
        assertThat(result.get("applied")).extracting(JsonNode::asText).containsExactlyElementsOf(pendingAfterAdoption);
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        assertThat(WebmacsFixtures.rowCounts(db)).containsAllEntriesOf(before);
        assertThat(db.rows("SELECT username || '=' || role FROM users ORDER BY username"))
                .containsExactly("alice=admin", "bob=" + (revision.compareTo("004") >= 0 ? "operator" : "viewer"), "carol=viewer");
    }

    /** admin is gone at 004 and later: adoption records both phases of their revisions, so no contract is pending. */
    @ParameterizedTest
    @ValueSource(strings = {"004_rbac_api_tokens", "005_oidc_sso"})
    void routeADatabaseAt004OrLaterIsAdoptedWithBothPhases(String revision) {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeA(db, revision);
        Cli cli = Cli.against(db);

        cli.ok("upgrade", revision, "--phase", "expand");

        assertThat(db.rows("SELECT exectype FROM databasechangelog WHERE id = '004-users-drop-admin'")).containsExactly("EXECUTED");
        assertThat(cli.ok("--output", "json", "current").json().get("contractPending")).isEmpty();
        assertThat(cli.ok("--output", "json", "upgrade", revision, "--phase", "contract").json().get("contracted")).isNull();
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference(revision.substring(0, 3)));
    }

    @Test
    void routeBDatabaseIsAdoptedAtHeadWithoutChangingItsSchemaOrRows() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeB(db);
        assertThat(Catalog.of(db)).as("fixture is create_all's schema").containsExactlyElementsOf(Catalog.reference("createall-head"));
        WebmacsFixtures.insertRows(db, "005_oidc_sso");
        Map<String, Long> before = WebmacsFixtures.rowCounts(db);

        JsonNode result = Cli.against(db).ok("--output", "json", "upgrade").json();

        assertThat(result.get("adopted").asText()).isEqualTo("route-b");
        assertThat(result.get("applied")).isEmpty();
        assertThat(result.get("revision").asText()).isEqualTo("005_oidc_sso");
        assertThat(Catalog.of(db)).containsExactlyInAnyOrderElementsOf(withAlembicVersion(Catalog.reference("createall-head")));
        assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly("005_oidc_sso");
        assertThat(WebmacsFixtures.rowCounts(db)).isEqualTo(before);
    }

    @Test
    void stampedRouteBDatabaseIsRecognisedAndAdopted() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeBStamped(db);
        WebmacsFixtures.insertRows(db, "005_oidc_sso");
        Map<String, Long> before = WebmacsFixtures.rowCounts(db);

        JsonNode result = Cli.against(db).ok("--output", "json", "upgrade").json();

        assertThat(result.get("adopted").asText()).isEqualTo("route-b-stamped");
        assertThat(result.get("revision").asText()).isEqualTo("005_oidc_sso");
        assertThat(Catalog.of(db)).containsExactlyInAnyOrderElementsOf(withAlembicVersion(Catalog.reference("createall-head")));
        assertThat(WebmacsFixtures.rowCounts(db)).isEqualTo(before);
    }

    @Test
    void adoptionHappensOnceAndHistoryShowsWhatWasAdopted() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeA(db, "003_fk_ondelete");
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "003_fk_ondelete");

        JsonNode again = cli.ok("--output", "json", "upgrade").json();

        assertThat(again.get("adopted").isNull()).isTrue();
        assertThat(again.get("applied")).extracting(JsonNode::asText).containsExactly("004_rbac_api_tokens", "005_oidc_sso");
        assertThat(cli.ok("history").out()).contains("003_fk_ondelete          applied");
    }

    @Test
    void currentAndHistoryShowAnExistingDatabaseBeforeAdoptingItAndChangeNothing() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeA(db, "002_plugin_packages");
        Cli cli = Cli.against(db);

        JsonNode current = cli.ok("--output", "json", "current").json();

        assertThat(current.get("revision").asText()).isEqualTo("002_plugin_packages");
        assertThat(current.get("adoptable").asText()).isEqualTo("route-a");
        assertThat(current.get("pending").asInt()).isEqualTo(Changelog.load(null).after("002_plugin_packages").getChangeSets().size());
        assertThat(cli.ok("current").out())
                .isEqualTo("002_plugin_packages (existing route-a database, not adopted yet; upgrade adopts it)\n");
        assertThat(cli.ok("history").out().lines()).containsExactly(
                "000_baseline             present; upgrade adopts it",
                "001_plugins              present; upgrade adopts it",
                "002_plugin_packages      present; upgrade adopts it",
                "003_fk_ondelete          pending",
                "004_rbac_api_tokens      pending",
                "005_oidc_sso (head)      pending");
        assertThat(db.rows("SELECT to_regclass('databasechangelog')")).containsExactly("");
    }

    @Test
    void theSqlAlchemyUrlWebmacsUsesWorksUnchanged() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeA(db, "002_plugin_packages");

        Cli.Run run = Cli.withoutDatabase().env("DATABASE_URL", db.sqlAlchemyUrl()).ok("upgrade");

        assertThat(run.out()).contains("now at 005_oidc_sso (head)").doesNotContain(TestDatabase.PASSWORD);
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
    }

    @Test
    void databaseWithOnlySomeWebmacsTablesIsRefusedAndLeftAlone() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        db.execute("CREATE TABLE users (id serial PRIMARY KEY); CREATE TABLE events (id serial PRIMARY KEY)");
        List<String> catalog = Catalog.of(db);

        Cli.Run run = Cli.against(db).run("upgrade");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errLines()).singleElement().asString().contains("not a WebMACS schema", "blacklist_tokens");
        assertThat(Catalog.of(db)).isEqualTo(catalog);
        assertThat(db.rows("SELECT to_regclass('databasechangelog')")).containsExactly("");
    }

    @Test
    void alembicVersionThatContradictsTheTablesIsRefused() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeA(db, "003_fk_ondelete");
        db.execute("UPDATE alembic_version SET version_num = '005_oidc_sso'");

        Cli.Run run = Cli.against(db).run("--output", "json", "upgrade");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.json().at("/error/code").asText()).isEqualTo("UnrecognisedSchema");
        assertThat(run.json().at("/error/message").asText()).contains("alembic_version says '005_oidc_sso'", "003_fk_ondelete");
        assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly("005_oidc_sso");
    }

    private static List<String> withAlembicVersion(List<String> catalog) {
        List<String> facts = new ArrayList<>(catalog);
        facts.addAll(ALEMBIC_VERSION_FACTS);
        return facts;
    }
}
