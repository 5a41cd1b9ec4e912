package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EarlierChangelog;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Databases migrated with the built-in changelog before 003 and 004 took their online forms keep a valid history: the
 * changed changesets accept their earlier checksums, and such databases upgrade, report, check and downgrade as before.
 */
class EarlierChangelogTest {

    @TempDir
    Path dir;

    @Test
    void aDatabaseAt003FromTheEarlierChangelogUpgradesToHeadThenDowngradesToBaseStepByStep() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli earlier = Cli.against(db).args("--changelog", EarlierChangelog.writeTo(dir).toString());
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

    @Test
    void aDatabaseAtHeadFromTheEarlierChangelogIsAtHeadWithNothingToDoAndDowngradesToBase() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).args("--changelog", EarlierChangelog.writeTo(dir).toString()).ok("upgrade");
        WebmacsFixtures.insertRows(db, "005_oidc_sso");
        List<String> history = db.rows("SELECT id, md5sum FROM databasechangelog ORDER BY orderexecuted");
        Cli cli = Cli.against(db);

        assertThat(cli.ok("current").out().trim()).isEqualTo("005_oidc_sso (head)");
        assertThat(cli.ok("current", "--no-fast-path").out().trim()).isEqualTo("005_oidc_sso (head)");
        assertThat(cli.ok("--output", "json", "upgrade", "--no-fast-path").json().get("applied")).isEmpty();
        assertThat(cli.ok("--output", "json", "plan").json().at("/plan/revisions")).isEmpty();
        cli.ok("check");
        assertThat(db.rows("SELECT id, md5sum FROM databasechangelog ORDER BY orderexecuted")).isEqualTo(history);

        cli.ok("downgrade", "003_fk_ondelete");
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("down-to-003"));
        assertThat(db.rows("SELECT username, admin FROM users ORDER BY username"))
                .containsExactly("alice|t", "bob|f", "carol|f");
        cli.ok("downgrade", "base");
        assertThat(Catalog.of(db)).isEmpty();
    }
}
