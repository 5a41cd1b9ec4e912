package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Downgrades check their preconditions first and change nothing when a step would fail half-way. */
class DowngradeSafetyTest {

    @Test
    void downgradeBelow003WithUserlessFirmwareUpdatesIsRefusedNamingTheRows() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade");
        WebmacsFixtures.insertRows(db, "005_oidc_sso");
        db.execute("DELETE FROM users WHERE username = 'carol'"); // ON DELETE SET NULL leaves f3 without a user
        List<String> catalog = Catalog.of(db);
        Map<String, Long> rows = WebmacsFixtures.rowCounts(db);

        Cli.Run run = cli.run("--output", "json", "downgrade", "002_plugin_packages");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errLines()).singleElement().asString()
                .contains("Downgrade refused, nothing was changed", "firmware_updates", "id=3 (version 1.2.0)");
        assertThat(run.json().at("/error/code").asText()).isEqualTo("DowngradeUnsafe");
        assertThat(Catalog.of(db)).isEqualTo(catalog);
        assertThat(WebmacsFixtures.rowCounts(db)).isEqualTo(rows);
        assertThat(cli.ok("current").out().trim()).isEqualTo("005_oidc_sso (head)");
    }

    @Test
    void downgradeGoesThroughOnceTheRowsAreFixed() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade");
        WebmacsFixtures.insertRows(db, "005_oidc_sso");
        db.execute("UPDATE firmware_updates SET user_public_id = NULL WHERE version = '1.2.0'");
        assertThat(cli.run("downgrade", "002_plugin_packages").exitCode()).isEqualTo(2);

        db.execute("UPDATE firmware_updates SET user_public_id = 'u1' WHERE user_public_id IS NULL");
        cli.ok("downgrade", "002_plugin_packages");

        assertThat(cli.ok("current").out().trim()).isEqualTo("002_plugin_packages");
    }

    @Test
    void downgradeBelow004MapsRolesBackLossilyAsAlembicDoesAndKeepsTheOtherRows() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "003_fk_ondelete");
        WebmacsFixtures.insertRows(db, "003_fk_ondelete");
        Map<String, Long> rows = WebmacsFixtures.rowCounts(db);
        cli.ok("upgrade");
        db.execute("UPDATE users SET role = 'operator' WHERE username = 'carol'");

        cli.ok("downgrade", "003_fk_ondelete");

        assertThat(WebmacsFixtures.rowCounts(db)).isEqualTo(rows);
        assertThat(db.rows("SELECT username || '=' || admin FROM users ORDER BY username"))
                .containsExactly("alice=true", "bob=false", "carol=false");
    }

    @Test
    void createAllBuiltDatabaseIsNotDowngradedHalfWay() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeB(db);
        Cli cli = Cli.against(db);
        cli.ok("upgrade");
        List<String> catalog = Catalog.of(db);

        Cli.Run oneStep = cli.run("downgrade", "-1");
        Cli.Run below003 = cli.run("downgrade", "002_plugin_packages");

        assertThat(oneStep.exitCode()).isEqualTo(2);
        assertThat(oneStep.errLines()).singleElement().asString().contains("drops an index", "ix_users_sso_lookup");
        assertThat(below003.exitCode()).isEqualTo(2);
        assertThat(below003.errLines()).singleElement().asString()
                .contains("events.events_user_public_id_fkey", "not supported");
        assertThat(Catalog.of(db)).isEqualTo(catalog);
        assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly("005_oidc_sso");
        assertThat(cli.ok("current").out().trim()).isEqualTo("005_oidc_sso (head)");
    }

    @Test
    void downgradeByStepsCountsRevisionsAndRefusesToGoBelowBase() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "002_plugin_packages");

        Cli.Run tooFar = cli.run("downgrade", "-4");
        cli.ok("downgrade", "-2");

        assertThat(tooFar.exitCode()).isEqualTo(2);
        assertThat(tooFar.errLines()).singleElement().asString().contains("Cannot go down 4 revision(s) from 002_plugin_packages");
        assertThat(cli.ok("current").out().trim()).isEqualTo("000_baseline");
    }

    @Test
    void upgradeAndDowngradeRefuseTheWrongDirection() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "003_fk_ondelete");

        Cli.Run up = cli.run("upgrade", "001_plugins");
        Cli.Run down = cli.run("downgrade", "head");

        assertThat(up.exitCode()).isEqualTo(2);
        assertThat(up.errLines()).singleElement().asString().contains("upgrade never rolls back", "downgrade 001_plugins");
        assertThat(down.exitCode()).isEqualTo(2);
        assertThat(down.errLines()).singleElement().asString().contains("nothing to downgrade", "upgrade 005_oidc_sso");
        assertThat(cli.ok("current").out().trim()).isEqualTo("003_fk_ondelete");
        assertThat(cli.run("--output", "json", "upgrade", "001_plugins").json().get("revision").asText())
                .as("the refusal says where the database is").isEqualTo("003_fk_ondelete");
    }
}
