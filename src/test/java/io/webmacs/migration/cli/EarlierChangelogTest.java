package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EarlierChangelog;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Databases migrated with the built-in changelog before 003 and 004 took their online forms, or before 004 was split into
 * expand and contract, keep a valid history: the changed changesets accept their earlier checksums, 004's contract is
 * marked ran where admin is gone already, and such databases upgrade, report, check and downgrade as before.
 */
class EarlierChangelogTest {

    @TempDir
    Path dir;

    /** The row Liquibase writes for 004's contract on a database whose 004 dropped admin in one step. */
    private static final String CONTRACT_MARKED_RAN = "004-users-drop-admin|MARK_RAN";

    @ParameterizedTest
    @EnumSource(EarlierChangelog.class)
    void aDatabaseAt003FromTheEarlierChangelogUpgradesToHeadThenDowngradesToBaseStepByStep(EarlierChangelog form) {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli earlier = Cli.against(db).args("--changelog", form.write(dir).toString());
        earlier.ok("upgrade", "003_fk_ondelete");
        WebmacsFixtures.insertRows(db, "003_fk_ondelete");
        Map<String, Long> rows = WebmacsFixtures.rowCounts(db);
        Cli cli = Cli.against(db);

        assertThat(cli.ok("current").out().trim()).isEqualTo("003_fk_ondelete");
        assertThat(cli.ok("current", "--no-fast-path").out().trim()).isEqualTo("003_fk_ondelete");
        cli.ok("check");
        assertThat(cli.ok("--output", "json", "upgrade").json().get("applied")).hasSize(2);

        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        rows.put("api_tokens", 0L);
        assertThat(WebmacsFixtures.rowCounts(db)).isEqualTo(rows);
        assertThat(db.rows("SELECT username, role FROM users ORDER BY username"))
                .containsExactly("alice|admin", "bob|viewer", "carol|viewer");
        for (String expected : List.of("down-to-004", "down-to-003", "down-to-002", "down-to-001", "down-to-base")) {
            cli.ok("downgrade", "-1");
            assertThat(Catalog.of(db)).as("after downgrade -1 to %s", expected)
                    .containsExactlyElementsOf(Catalog.reference(expected));
        }
    }

    /**
     * Its 004 dropped admin in one step: 004's contract is settled (not pending, no drift) before any run records it,
     * and upgrade records it as ran without running it.
     */
    @ParameterizedTest
    @EnumSource(EarlierChangelog.class)
    void aDatabaseAtHeadFromTheEarlierChangelogIsAtHeadWithNothingToDoAndDowngradesToBase(EarlierChangelog form) {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).args("--changelog", form.write(dir).toString()).ok("upgrade");
        WebmacsFixtures.insertRows(db, "005_oidc_sso");
        List<String> history = db.rows("SELECT id, exectype FROM databasechangelog ORDER BY orderexecuted");
        Cli cli = Cli.against(db);

        assertThat(cli.ok("current").out().trim()).isEqualTo("005_oidc_sso (head)");
        assertThat(cli.ok("--output", "json", "current").json().get("contractPending")).isEmpty();
        assertThat(cli.ok("history").out()).doesNotContain("contract pending");
        assertThat(cli.ok("--output", "json", "plan").json().at("/plan/revisions")).isEmpty();
        cli.ok("check");
        assertThat(db.rows("SELECT id, exectype FROM databasechangelog ORDER BY orderexecuted")).isEqualTo(history);

        assertThat(cli.ok("--output", "json", "upgrade", "--no-fast-path").json().get("applied")).isEmpty();
        List<String> recorded = new ArrayList<>(history);
        recorded.add(CONTRACT_MARKED_RAN);
        assertThat(db.rows("SELECT id, exectype FROM databasechangelog ORDER BY orderexecuted")).isEqualTo(recorded);
        assertThat(cli.ok("current").out().trim()).isEqualTo("005_oidc_sso (head)");
        assertThat(cli.ok("current", "--no-fast-path").out().trim()).isEqualTo("005_oidc_sso (head)");
        cli.ok("check");

        cli.ok("downgrade", "003_fk_ondelete");
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("down-to-003"));
        assertThat(db.rows("SELECT username, admin FROM users ORDER BY username"))
                .containsExactly("alice|t", "bob|f", "carol|f");
        cli.ok("downgrade", "base");
        assertThat(Catalog.of(db)).isEmpty();
    }

    /** Down from head before any run recorded 004's contract: 004's rollback brings admin back all the same. */
    @Test
    void aDatabaseAtHeadFromTheChangelogBeforeExpandDowngradesBeforeAnyUpgradeRecordedTheContract() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).args("--changelog", EarlierChangelog.BEFORE_EXPAND.write(dir).toString()).ok("upgrade");
        WebmacsFixtures.insertRows(db, "005_oidc_sso");
        Cli cli = Cli.against(db);

        cli.ok("downgrade", "-1");
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("down-to-004"));
        cli.ok("downgrade", "003_fk_ondelete");

        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("down-to-003"));
        assertThat(db.rows("SELECT username, admin FROM users ORDER BY username")).containsExactly("alice|t", "bob|f", "carol|f");
        assertThat(db.rows("SELECT id FROM databasechangelog WHERE id LIKE '004%'")).isEmpty();
    }
}
