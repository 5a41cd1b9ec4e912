package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.Webmacs003Users;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import io.webmacs.migration.testsupport.WebmacsHeadUsers;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Expand and contract of the built-in changelog, told by WebMACS's own queries on users: the application before 004
 * ({@link Webmacs003Users}) and at head ({@link WebmacsHeadUsers}) log in, register users and change who is an admin.
 */
class ExpandContractTest {

    /** What expand leaves next to head's catalog: the baseline's admin, and the trigger that keeps it in step with role. */
    private static final List<String> EXPANDED = List.of(
            "column|users|admin|boolean|NOT NULL|",
            "function|users_admin_role_sync||trigger",
            "trigger|users|users_admin_role_sync|CREATE TRIGGER users_admin_role_sync BEFORE INSERT OR UPDATE OF admin, role ON"
                    + " public.users FOR EACH ROW EXECUTE FUNCTION users_admin_role_sync()");

    /** The bug this phase split fixes: one step to head drops admin, and every query of the application before 004 fails. */
    @Test
    void theSinglePhaseUpgradeBreaksTheApplicationBefore004() throws SQLException {
        TestDatabase db = WebmacsFixtures.migratedWithRows("003_fk_ondelete");
        Webmacs003Users old = new Webmacs003Users(db);
        assertThat(old.isAdmin("a@x")).isTrue();

        Cli.against(db).ok("upgrade");

        assertThatThrownBy(() -> old.isAdmin("a@x")).hasMessageContaining("column users.admin does not exist");
        assertThatThrownBy(() -> old.register("dave", false)).hasMessageContaining("column \"admin\" of relation \"users\" does not exist");
    }

    @Test
    void afterExpandBothApplicationsWorkAndAgreeOnWhoIsAnAdminAndContractLeavesHeadsCatalog() throws SQLException {
        TestDatabase db = WebmacsFixtures.migratedWithRows("003_fk_ondelete");
        Webmacs003Users old = new Webmacs003Users(db);
        WebmacsHeadUsers head = new WebmacsHeadUsers(db);
        Cli cli = Cli.against(db);

        JsonNode expand = cli.ok("--output", "json", "upgrade", "--phase", "expand").json();

        assertThat(expand.get("phase").asText()).isEqualTo("expand");
        assertThat(expand.get("revision").asText()).isEqualTo("005_oidc_sso");
        assertThat(expand.get("applied")).extracting(JsonNode::asText).containsExactly("004_rbac_api_tokens", "005_oidc_sso");
        assertThat(expand.get("contractPending")).extracting(JsonNode::asText).containsExactly("004_rbac_api_tokens");
        assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly("005_oidc_sso");
        assertThat(Catalog.of(db)).containsExactlyInAnyOrderElementsOf(expanded());
        // The rows that were there: the admin kept admin and got the role; the others are viewers.
        assertThat(old.isAdmin("a@x")).isTrue();
        assertThat(head.role("a@x")).isEqualTo("admin");
        assertThat(head.role("b@x")).isEqualTo("viewer");

        old.register("dave", true);
        old.register("erin", false);
        head.register("frank", "admin");
        head.register("gina", "operator");
        assertThat(head.role("dave@lab")).isEqualTo("admin");
        assertThat(head.role("erin@lab")).isEqualTo("viewer");
        assertThat(old.isAdmin("frank@lab")).isTrue();
        assertThat(old.isAdmin("gina@lab")).isFalse();

        old.setAdmin("erin@lab", true);
        old.setAdmin("dave@lab", false);
        head.setRole("gina@lab", "admin");
        head.setRole("frank@lab", "operator");
        assertThat(head.role("erin@lab")).isEqualTo("admin");
        assertThat(head.role("dave@lab")).isEqualTo("viewer");
        assertThat(old.isAdmin("gina@lab")).isTrue();
        assertThat(old.isAdmin("frank@lab")).isFalse();
        assertThat(db.rows("SELECT count(*) FROM users WHERE admin <> (role = 'admin')")).containsExactly("0");

        assertThat(cli.ok("current").out()).isEqualTo("005_oidc_sso (head), contract pending: 004_rbac_api_tokens\n");
        assertThat(cli.ok("history").out()).containsPattern("004_rbac_api_tokens +applied \\S+, contract pending\n")
                .containsPattern("005_oidc_sso \\(head\\) +applied \\S+\n");
        assertThat(cli.ok("--output", "json", "history").json().at("/history/4/contractPending").asBoolean()).isTrue();
        assertThat(cli.ok("--output", "json", "check").json().at("/drift/differences")).isEmpty();

        JsonNode contract = cli.ok("--output", "json", "upgrade", "--phase", "contract").json();

        assertThat(contract.get("phase").asText()).isEqualTo("contract");
        assertThat(contract.get("applied")).isEmpty();
        assertThat(contract.get("contracted")).extracting(JsonNode::asText).containsExactly("004_rbac_api_tokens");
        assertThat(contract.get("contractPending")).isEmpty();
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        assertThat(head.role("erin@lab")).isEqualTo("admin");
        assertThat(head.role("frank@lab")).isEqualTo("operator");
        head.register("hugo", "viewer");
        assertThat(head.role("hugo@lab")).isEqualTo("viewer");
        assertThatThrownBy(() -> old.isAdmin("a@x")).hasMessageContaining("column users.admin does not exist");
        assertThat(cli.ok("current").out()).isEqualTo("005_oidc_sso (head)\n");
        cli.ok("check");
    }

    @Test
    void contractBeforeExpandIsCompleteIsRefusedChangingNothing() {
        TestDatabase db = WebmacsFixtures.migratedWithRows("003_fk_ondelete");
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "004_rbac_api_tokens", "--phase", "expand");
        List<String> history = db.rows("SELECT id FROM databasechangelog ORDER BY orderexecuted");

        Cli.Run refused = cli.run("--output", "json", "upgrade", "--phase", "contract");

        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.json().at("/error/code").asText()).isEqualTo("ExpandPending");
        assertThat(refused.err()).contains("Expand is not complete up to 005_oidc_sso", "upgrade 005_oidc_sso --phase expand");
        assertThat(db.rows("SELECT id FROM databasechangelog ORDER BY orderexecuted")).isEqualTo(history);
        assertThat(cli.ok("--output", "json", "upgrade", "004_rbac_api_tokens", "--phase", "contract").json().get("contracted"))
                .extracting(JsonNode::asText).containsExactly("004_rbac_api_tokens");
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("004"));
    }

    @Test
    void checkFindsAdminDroppedByHandWhileTheContractIsPending() {
        TestDatabase db = WebmacsFixtures.migratedWithRows("003_fk_ondelete");
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "--phase", "expand");
        db.execute("DROP TRIGGER users_admin_role_sync ON users; DROP FUNCTION users_admin_role_sync(); ALTER TABLE users DROP COLUMN admin");

        Cli.Run check = cli.run("--output", "json", "check");

        assertThat(check.exitCode()).isEqualTo(6);
        assertThat(check.json().at("/drift/differences")).extracting(d -> d.get("change").asText() + " " + d.get("name").asText())
                .contains("Missing users.admin");
    }

    /** Liquibase rolls back in the order changesets ran; 004's contract ran after 005, and downgrade -1 leaves it be. */
    @Test
    void downgradeUndoesWhatRanOfTheRevisionsAboveTheTargetWhateverTheOrderThePhasesRanIn() throws SQLException {
        TestDatabase db = WebmacsFixtures.migratedWithRows("003_fk_ondelete");
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "--phase", "expand");
        cli.ok("upgrade", "--phase", "contract");

        cli.ok("downgrade", "-1");

        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("down-to-004"));
        assertThat(cli.ok("current").out()).isEqualTo("004_rbac_api_tokens\n");
    }

    @Test
    void downgradeFromTheExpandedStateRollsBackOnlyWhatRanAndKeepsWhoIsAnAdmin() throws SQLException {
        TestDatabase db = WebmacsFixtures.migratedWithRows("003_fk_ondelete");
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "--phase", "expand");
        new WebmacsHeadUsers(db).register("frank", "admin");
        new WebmacsHeadUsers(db).register("gina", "operator");

        cli.ok("downgrade", "-1");
        List<String> expandedAt004 = new ArrayList<>(Catalog.reference("004"));
        expandedAt004.addAll(EXPANDED);
        assertThat(Catalog.of(db)).containsExactlyInAnyOrderElementsOf(expandedAt004);
        assertThat(cli.ok("current").out()).isEqualTo("004_rbac_api_tokens, contract pending: 004_rbac_api_tokens\n");

        cli.ok("downgrade", "003_fk_ondelete");

        // admin as the baseline made it (no default): the contract never dropped it.
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("003"));
        Webmacs003Users old = new Webmacs003Users(db);
        assertThat(old.isAdmin("a@x")).isTrue();
        assertThat(old.isAdmin("frank@lab")).isTrue();
        assertThat(old.isAdmin("gina@lab")).isFalse();
        cli.ok("check");

        cli.ok("upgrade");
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
    }

    private static List<String> expanded() {
        List<String> facts = new ArrayList<>(Catalog.reference("005"));
        facts.addAll(EXPANDED);
        return facts;
    }
}
