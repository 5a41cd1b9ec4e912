package io.webmacs.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.contract.Phase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import liquibase.changelog.ChangeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChangelogTest {

    @TempDir
    Path dir;

    @Test
    void builtInChangelogHasTheWebmacsRevisionsInOrder() {
        Changelog changelog = Changelog.load(null);

        assertThat(changelog.revisions()).containsExactlyElementsOf(WebmacsFixtures.WEBMACS_REVISIONS);
        assertThat(changelog.head()).isEqualTo("005_oidc_sso");
        assertThat(changelog.resolve("head")).isEqualTo("005_oidc_sso");
        assertThat(changelog.position("base")).isZero();
        assertThat(changelog.position("003_fk_ondelete")).isEqualTo(4);
    }

    @Test
    void builtInChangesetIdentitiesDoNotDependOnWhereTheChangelogIsRead() {
        Changelog.load(null).parsed().getChangeSets().forEach(changeSet ->
                assertThat(changeSet.getFilePath()).as(changeSet.getId()).matches("db/webmacs/00[0-5]_[a-z_]+\\.xml"));
    }

    @Test
    void builtInChangelogsOnlyContractIsTheDropOf004sAdmin() {
        Changelog changelog = Changelog.load(null);

        assertThat(changelog.parsed().getChangeSets()).filteredOn(c -> Changelog.phaseOf(c) == Phase.CONTRACT)
                .extracting(ChangeSet::getId).containsExactly("004-users-drop-admin");
        assertThat(changelog.changeSets("004_rbac_api_tokens")).last().isEqualTo(changelog.tagChangeSet("004_rbac_api_tokens"));
    }

    @Test
    void aChangesetLabelledContractIsOfTheContractPhaseAndEveryOtherOfExpand() throws IOException {
        Changelog changelog = Changelog.load(write("phases.yaml", """
                databaseChangeLog:
                  - changeSet: {id: add, author: t, changes: [{sql: {sql: SELECT 1}}]}
                  - changeSet: {id: drop, author: t, labels: contract, changes: [{sql: {sql: SELECT 2}}]}
                  - changeSet: {id: other, author: t, labels: reporting, changes: [{sql: {sql: SELECT 3}}]}
                  - changeSet: {id: tag, author: t, changes: [{tagDatabase: {tag: v1}}]}
                """));

        assertThat(changelog.parsed().getChangeSets()).extracting(Changelog::phaseOf)
                .containsExactly(Phase.EXPAND, Phase.CONTRACT, Phase.EXPAND, Phase.EXPAND);
    }

    @Test
    void unknownRevisionIsRejectedListingTheKnownOnes() {
        assertThatThrownBy(() -> Changelog.load(null).resolve("006_nope"))
                .isInstanceOfSatisfying(MigrationException.class, e -> {
                    assertThat(e.failure()).isEqualTo(Failure.UNKNOWN_REVISION);
                    assertThat(e.getMessage()).contains("006_nope", "005_oidc_sso (head)");
                });
    }

    @Test
    void missingFileIsAnInvalidChangelog() {
        assertInvalid(dir.resolve("nope.xml"), "is not a readable file");
    }

    @Test
    void changelogThatDoesNotParseIsInvalid() throws IOException {
        assertInvalid(write("broken.xml", "<databaseChangeLog><changeSet id='1'"), "does not parse");
    }

    @Test
    void changelogWithoutTagsIsInvalid() throws IOException {
        assertInvalid(write("untagged.yaml", """
                databaseChangeLog:
                  - changeSet:
                      id: one
                      author: t
                      changes:
                        - sql: {sql: SELECT 1}
                """), "no tagDatabase changeset");
    }

    @Test
    void changesetsAfterTheLastTagAreInvalid() throws IOException {
        assertInvalid(write("tail.yaml", """
                databaseChangeLog:
                  - changeSet: {id: one, author: t, changes: [{tagDatabase: {tag: v1}}]}
                  - changeSet: {id: two, author: t, changes: [{sql: {sql: SELECT 1}}]}
                """), "after its last tag, starting with two");
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static void assertInvalid(Path path, String message) {
        assertThatThrownBy(() -> Changelog.load(path)).isInstanceOfSatisfying(MigrationException.class, e -> {
            assertThat(e.failure()).isEqualTo(Failure.INVALID_CHANGELOG);
            assertThat(e.getMessage()).contains(message);
        });
    }
}
