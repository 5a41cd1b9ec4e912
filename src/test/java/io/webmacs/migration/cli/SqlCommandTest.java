package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code sql} prints what an upgrade would run, offline for an empty database or for a live one, changing nothing. */
class SqlCommandTest {

    @Test
    void offlineSqlBuildsTheHeadSchemaAndItsHistoryWhenRunByHand() {
        String script = Cli.withoutDatabase().ok("sql").out();
        assertThat(script).contains("CREATE TABLE users", "id SERIAL NOT NULL").doesNotContain("IDENTITY");

        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        db.execute(script);

        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        assertThat(Cli.against(db).ok("current").out().trim()).isEqualTo("005_oidc_sso (head)");
    }

    @Test
    void offlineSqlStopsAtTheRequestedRevision() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();

        db.execute(Cli.withoutDatabase().ok("sql", "003_fk_ondelete").out());

        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("003"));
    }

    @Test
    void sqlAgainstALiveDatabaseShowsOnlyWhatIsPendingAndChangesNothing() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "003_fk_ondelete");
        List<String> catalog = Catalog.of(db);

        String script = cli.ok("sql").out();

        assertThat(script).contains("ALTER TABLE public.users ADD role", "CREATE TABLE public.api_tokens")
                .doesNotContain("CREATE TABLE public.users");
        assertThat(Catalog.of(db)).isEqualTo(catalog);
        assertThat(cli.ok("current").out().trim()).isEqualTo("003_fk_ondelete");
    }

    @Test
    void sqlForAnExistingWebmacsDatabaseShowsWhatRunsAfterAdoption() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeA(db, "004_rbac_api_tokens");
        List<String> catalog = Catalog.of(db);

        String script = Cli.against(db).ok("sql").out();

        assertThat(script).startsWith("-- Existing WebMACS database (route-a) at 004_rbac_api_tokens")
                .contains("ALTER TABLE public.users ADD sso_provider").doesNotContain("CREATE TABLE public.api_tokens");
        assertThat(Catalog.of(db)).isEqualTo(catalog);
        assertThat(db.rows("SELECT to_regclass('databasechangelog')")).containsExactly("");
    }

    @Test
    void offlineSqlForAnUnknownRevisionIsBadInput() {
        Cli.Run run = Cli.withoutDatabase().run("sql", "999");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.errLines()).singleElement().asString().contains("Unknown revision '999'");
    }

    @Test
    void sqlOfAPhaseShowsItsChangesetsNamedWithTheirPhase() {
        String expand = Cli.withoutDatabase().ok("sql", "--phase", "expand").out();

        assertThat(expand).contains("-- Changeset db/webmacs/004_rbac_api_tokens.xml::004-users-admin-to-role::webmacs (expand)\n",
                "CREATE TRIGGER users_admin_role_sync").doesNotContain("DROP COLUMN admin", "(contract)");
        Cli.Run contract = Cli.withoutDatabase().run("sql", "--phase", "contract");
        assertThat(contract.exitCode()).isEqualTo(2);
        assertThat(contract.errLines()).singleElement().asString().contains("no expand to contract");

        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "--phase", "expand");
        List<String> catalog = Catalog.of(db);

        assertThat(cli.ok("sql", "--phase", "contract").out())
                .contains("-- Changeset db/webmacs/004_rbac_api_tokens.xml::004-users-drop-admin::webmacs (contract)\n",
                        "ALTER TABLE public.users DROP COLUMN admin")
                .doesNotContain("(expand)", "CREATE TABLE");
        assertThat(Catalog.of(db)).isEqualTo(catalog);
    }
}
