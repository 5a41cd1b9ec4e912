package io.webmacs.migration.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.webmacs.migration.api.DatabaseMigrationStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The revisions a database serves, from its migration's status: the expand of a pending contract keeps the previous one. */
class ServedRevisionsTest {

    static final List<String> WEBMACS = List.of("000_baseline", "001_plugins", "002_plugin_packages", "003_fk_ondelete",
            "004_rbac_api_tokens", "005_oidc_sso");

    @Test
    void withNothingPendingOnlyTheRevisionTheDatabaseIsAt() {
        assertThat(served("005_oidc_sso")).hasToString("005_oidc_sso");
    }

    @Test
    void aPendingContractServesFromTheRevisionBeforeItsEarliestRevision() {
        assertThat(served("005_oidc_sso", "005_oidc_sso", "004_rbac_api_tokens")).hasToString("003_fk_ondelete to 005_oidc_sso");
        assertThat(served("005_oidc_sso", "005_oidc_sso")).hasToString("004_rbac_api_tokens to 005_oidc_sso");
        assertThat(served("000_baseline", "000_baseline")).hasToString("base to 000_baseline");
    }

    @Test
    void anEmptyPendingListIsNothingPending() {
        assertThat(served("004_rbac_api_tokens", new String[0])).hasToString("004_rbac_api_tokens");
    }

    /** Narrower, never wider: a pending revision the changelog does not have, or one above the database, is left out. */
    @Test
    void pendingRevisionsTheChangelogDoesNotPlaceAreLeftOut() {
        assertThat(served("005_oidc_sso", "009_future")).hasToString("005_oidc_sso");
        assertThat(served("003_fk_ondelete", "004_rbac_api_tokens")).hasToString("003_fk_ondelete");
    }

    @Test
    void nothingIsServedWhileTheRevisionIsUnknown() {
        assertThat(ServedRevisions.of(null, WEBMACS)).isEmpty();
        assertThat(ServedRevisions.of(new DatabaseMigrationStatus(), WEBMACS)).isEmpty();
        assertThat(ServedRevisions.of(status("009_future"), WEBMACS)).isEmpty();
    }

    @Test
    void anEmptyDatabaseServesBase() {
        assertThat(served("base")).hasToString("base");
    }

    @Test
    void atOneRevisionAndLater() {
        assertThat(ServedRevisions.at("004_rbac_api_tokens", WEBMACS)).hasToString("004_rbac_api_tokens");
        assertThat(ServedRevisions.at("003_fk_ondelete", WEBMACS).andLater()).hasToString("003_fk_ondelete to 005_oidc_sso");
        assertThatThrownBy(() -> ServedRevisions.at("009_future", WEBMACS)).hasMessageContaining("009_future is not one of base, 000_baseline");
    }

    static ServedRevisions served(String revision, String... contractPending) {
        DatabaseMigrationStatus status = status(revision);
        status.setContractPending(List.of(contractPending));
        return ServedRevisions.of(status, WEBMACS).orElseThrow();
    }

    private static DatabaseMigrationStatus status(String revision) {
        DatabaseMigrationStatus status = new DatabaseMigrationStatus();
        status.setRevision(revision);
        return status;
    }
}
