package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The built-in changelog reproduces WebMACS's reference catalogs at every revision, up and down. */
class SchemaCatalogTest {

    static List<String> revisions() {
        return WebmacsFixtures.WEBMACS_REVISIONS;
    }

    /** The reference catalog of route A after {@code alembic upgrade REV}. */
    static String referenceOf(String revision) {
        return revision.equals("000_baseline") ? revision : revision.substring(0, 3);
    }

    @ParameterizedTest
    @MethodSource("revisions")
    void upgradeOfAnEmptyDatabaseGivesTheReferenceCatalog(String revision) {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();

        Cli.against(db).ok("upgrade", revision);

        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference(referenceOf(revision)));
        assertThat(Cli.against(db).ok("current").out().trim())
                .isEqualTo(revision.equals("005_oidc_sso") ? "005_oidc_sso (head)" : revision);
    }

    @Test
    void stepwiseDowngradeFromHeadMatchesAlembicsDowngradesThenUpgradeMatchesAgain() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade");

        List<String> expectedAfterEachStep = List.of("down-to-004", "down-to-003", "down-to-002", "down-to-001", "down-to-base");
        for (String expected : expectedAfterEachStep) {
            cli.ok("downgrade", "-1");
            assertThat(Catalog.of(db)).as("after downgrade -1 to %s", expected)
                    .containsExactlyElementsOf(Catalog.reference(expected));
        }
        assertThat(cli.ok("current").out().trim()).isEqualTo("000_baseline");

        cli.ok("downgrade", "-1");
        assertThat(Catalog.of(db)).as("base is an empty schema").isEmpty();
        assertThat(cli.ok("current").out().trim()).isEqualTo("base");

        for (String revision : revisions()) {
            cli.ok("upgrade", revision);
            assertThat(Catalog.of(db)).as("upgrade %s after the round trip", revision)
                    .containsExactlyElementsOf(Catalog.reference(referenceOf(revision)));
        }
    }

    /**
     * Down to a revision, then up again one at a time. Below 004, users.admin keeps the DEFAULT false that 004's
     * rollback gave it (as with Alembic), so those states equal the down-to catalogs; from 004 on it is gone.
     */
    @ParameterizedTest(name = "head -> {0} -> head")
    @ValueSource(strings = {"004_rbac_api_tokens", "003_fk_ondelete", "002_plugin_packages", "001_plugins", "000_baseline"})
    void upgradeAgainAfterADowngradeMatchesAtEveryStep(String downTo) {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade");
        cli.ok("downgrade", downTo);

        for (String revision : revisions().subList(revisions().indexOf(downTo) + 1, revisions().size())) {
            cli.ok("upgrade", revision);
            String expected = revision.compareTo("004") < 0 ? "down-to-" + referenceOf(revision) : referenceOf(revision);
            assertThat(Catalog.of(db)).as("%s again", revision).containsExactlyElementsOf(Catalog.reference(expected));
        }
    }

    @Test
    void alembicVersionFollowsEveryStepSoAlembicCurrentAgrees() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "000_baseline");
        for (String revision : revisions().subList(1, revisions().size())) {
            cli.ok("upgrade", revision);
            assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly(revision);
        }
        cli.ok("downgrade", "001_plugins");
        assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly("001_plugins");
        cli.ok("downgrade", "000_baseline");
        assertThat(db.rows("SELECT version_num FROM alembic_version")).isEmpty();
    }
}
