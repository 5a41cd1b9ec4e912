package io.webmacs.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EarlierChangelog;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** When the built-in changelog's index answers where a database is, and when it leaves that to Liquibase. */
class IndexedHistoryTest {

    static List<String> revisions() {
        return WebmacsFixtures.WEBMACS_REVISIONS;
    }

    @Test
    void theIndexTheBuildWroteIsTheBuiltInChangelogsWithLiquibasesChecksums() throws Exception {
        assertThat(ChangelogIndex.builtIn()).isEqualTo(ChangelogIndex.of(Changelog.load(null)));
        assertThat(ChangelogIndex.builtIn().entries()).hasSize(Changelog.load(null).parsed().getChangeSets().size());
    }

    @ParameterizedTest
    @MethodSource("revisions")
    void aDatabaseMigratedToARevisionIsAtThatRevision(String revision) throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade", revision);
        Changelog changelog = Changelog.load(null);
        int pending = changelog.changeSetsBetween(changelog.position(revision), changelog.revisions().size()).size();

        assertThat(read(db)).contains(new IndexedHistory.Position(revision, "005_oidc_sso", pending));
    }

    @Test
    void anAdoptedDatabaseIsAtTheRevisionItWasAdoptedAt() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeA(db, "003_fk_ondelete");
        Cli.against(db).ok("upgrade", "003_fk_ondelete");

        assertThat(read(db)).map(IndexedHistory.Position::revision).contains("003_fk_ondelete");
    }

    /**
     * The checksums a changeset also accepts (validCheckSum) are in the index, so its earlier form keeps the fast path,
     * once a run has recorded 004's contract (marked ran, after 005's rows).
     */
    @ParameterizedTest
    @EnumSource(EarlierChangelog.class)
    void aDatabaseMigratedWithTheEarlierFormOfChangedChangesetsIsAtItsRevision(EarlierChangelog form, @TempDir Path dir) throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).args("--changelog", form.write(dir).toString()).ok("upgrade");
        assertThat(read(db)).as("004's contract not recorded yet").isEmpty();

        Cli.against(db).ok("upgrade");

        assertThat(read(db)).contains(new IndexedHistory.Position("005_oidc_sso", "005_oidc_sso", 0));
    }

    @Test
    void anExpandedDatabaseWhoseContractIsPendingIsLeftToTheFullPath() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade", "--phase", "expand");

        assertThat(read(db)).isEmpty();
    }

    @Test
    void noHistoryYetIsLeftToTheFullPath() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeB(db);

        assertThat(read(db)).isEmpty();
    }

    @Test
    void aChangedChecksumIsLeftToTheFullPath() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade");
        db.execute("UPDATE databasechangelog SET md5sum = '9:00000000000000000000000000000000'"
                + " WHERE orderexecuted = (SELECT min(orderexecuted) FROM databasechangelog)");

        assertThat(read(db)).isEmpty();
    }

    @Test
    void aChangesetTheIndexDoesNotKnowIsLeftToTheFullPath() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade");
        db.execute("INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted, exectype, md5sum)"
                + " VALUES ('hotfix', 'ops', 'hotfix.sql', now(), 1000, 'EXECUTED', '9:1')");

        assertThat(read(db)).isEmpty();
    }

    @Test
    void aRevisionAppliedHalfWayIsLeftToTheFullPath() throws Exception {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade", "002_plugin_packages");
        db.execute("DELETE FROM databasechangelog WHERE tag = '002_plugin_packages'");

        assertThat(read(db)).isEmpty();
    }

    private static Optional<IndexedHistory.Position> read(TestDatabase db) {
        return IndexedHistory.read(DatabaseTarget.parse(db.jdbcUrl(), TestDatabase.USER, TestDatabase.PASSWORD));
    }
}
