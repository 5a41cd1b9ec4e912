package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code plan} shows what an upgrade or downgrade would do, changing nothing, with a hash that only the database's state
 * and the changelog decide; {@code --plan-hash} runs exactly that plan or nothing.
 */
class PlanCommandTest {

    private static final List<String> REVISIONS = WebmacsFixtures.WEBMACS_REVISIONS;

    @TempDir
    Path dir;

    @Test
    void planAt003ListsTheDataMigrationOf004AndTheTablesItLocksAndChangesNothing() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "003_fk_ondelete");
        WebmacsFixtures.insertRows(db, "003_fk_ondelete");
        db.execute("ANALYZE");
        List<String> catalog = Catalog.of(db);
        List<String> history = db.rows("SELECT id, md5sum FROM databasechangelog ORDER BY orderexecuted");

        JsonNode plan = cli.ok("--output", "json", "plan").json().get("plan");

        assertThat(plan.get("direction").asText()).isEqualTo("upgrade");
        assertThat(plan.get("from").asText()).isEqualTo("003_fk_ondelete");
        assertThat(plan.get("to").asText()).isEqualTo("005_oidc_sso");
        assertThat(texts(plan.get("revisions"), "revision")).containsExactly("004_rbac_api_tokens", "005_oidc_sso");
        assertThat(plan.get("hash").asText()).matches("[0-9a-f]{64}");
        assertThat(plan.get("findings")).anySatisfy(f -> {
            assertThat(f.get("kind").asText()).isEqualTo("DataMigration");
            assertThat(f.get("table").asText()).isEqualTo("users");
            assertThat(f.get("changeset").asText()).endsWith("::004-users-admin-to-role::webmacs");
            assertThat(f.get("detail").asText()).isEqualTo("UPDATE public.users SET role = 'admin' WHERE admin = TRUE");
        }).anySatisfy(f -> {
            assertThat(f.get("kind").asText()).isEqualTo("DropColumn");
            assertThat(f.get("detail").asText()).isEqualTo("ALTER TABLE public.users DROP COLUMN admin");
        });
        // The version table is bookkeeping, not a data migration.
        assertThat(texts(plan.get("findings"), "table")).doesNotContain("alembic_version");
        assertThat(plan.get("locks")).anySatisfy(l -> {
            assertThat(l.get("table").asText()).isEqualTo("users");
            assertThat(l.get("mode").asText()).isEqualTo("ACCESS EXCLUSIVE");
            assertThat(l.get("estimatedRows").asLong()).isEqualTo(3);
        });
        // api_tokens is created by the plan: nobody else can be waiting for it.
        assertThat(texts(plan.get("locks"), "table")).contains("users", "alembic_version").doesNotContain("api_tokens");
        assertThat(Catalog.of(db)).isEqualTo(catalog);
        assertThat(db.rows("SELECT id, md5sum FROM databasechangelog ORDER BY orderexecuted")).isEqualTo(history);
    }

    @Test
    void textPlanNamesTheFindingsTheLocksAndTheSqlInOrder() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "003_fk_ondelete");

        String text = cli.ok("plan").out();

        assertThat(text).startsWith("Plan: upgrade from 003_fk_ondelete to 005_oidc_sso (head), 2 revision(s), ")
                .containsPattern("Plan hash: [0-9a-f]{64}\nPhase: all\n")
                .contains("  ! DropColumn", "    DataMigration", "users                    ACCESS EXCLUSIVE")
                .contains("-- Apply 004_rbac_api_tokens\n-- Changeset db/webmacs/004_rbac_api_tokens.xml::004-users-admin-to-role::webmacs (expand)\n"
                        + "-- locks users ACCESS EXCLUSIVE (blocks writes)\n"
                        + "ALTER TABLE public.users ADD role VARCHAR(20) DEFAULT 'viewer' NOT NULL;\n"
                        + "CREATE FUNCTION users_admin_role_sync()")
                .contains("-- locks users ACCESS EXCLUSIVE (blocks writes; scans it)\n"
                        + "UPDATE public.users SET role = 'admin' WHERE admin = TRUE;\n")
                .contains("-- Changeset db/webmacs/004_rbac_api_tokens.xml::004-users-drop-admin::webmacs (contract)\n");
        assertThat(text.indexOf("-- Apply 004_rbac_api_tokens")).isLessThan(text.indexOf("-- Apply 005_oidc_sso"));
        assertThat(text).contains("CREATE TABLE public.api_tokens (id SERIAL NOT NULL");
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "000_baseline", "001_plugins", "002_plugin_packages", "003_fk_ondelete", "004_rbac_api_tokens"})
    void theApprovedPlanFromEveryRevisionRunsAndReachesTheReferenceSchema(String revision) {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        if (!revision.equals("base")) {
            cli.ok("upgrade", revision);
        }
        JsonNode plan = cli.ok("--output", "json", "plan").json().get("plan");
        List<String> expected = REVISIONS.subList(REVISIONS.indexOf(revision) + 1, REVISIONS.size());

        assertThat(texts(plan.get("revisions"), "revision")).containsExactlyElementsOf(expected);
        assertThat(cli.ok("plan").out()).contains("Plan hash: " + plan.get("hash").asText());

        JsonNode upgrade = cli.ok("--output", "json", "upgrade", "--plan-hash", plan.get("hash").asText()).json();

        assertThat(texts(upgrade.get("applied"), null)).containsExactlyElementsOf(expected);
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
    }

    @Test
    void theSameStateAndChangelogGiveTheSameHashWhateverTheRows() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade", "002_plugin_packages");
        String empty = hash(Cli.against(db), "head");

        WebmacsFixtures.insertRows(db, "002_plugin_packages");
        db.execute("ANALYZE");

        assertThat(hash(Cli.against(db), "head")).isEqualTo(empty);
        assertThat(hash(Cli.against(db), "004_rbac_api_tokens")).isNotEqualTo(empty);
        Cli.against(db).ok("upgrade", "003_fk_ondelete");
        assertThat(hash(Cli.against(db), "head")).isNotEqualTo(empty);
    }

    @Test
    void aPlanIsForOneDatabaseAndItsApprovalRunsNothingOnAnotherAtTheSameRevision() {
        TestDatabase planned = EmbeddedPostgresServer.newDatabase();
        TestDatabase other = EmbeddedPostgresServer.newDatabase();
        Cli.against(planned).ok("upgrade", "003_fk_ondelete");
        Cli.against(other).ok("upgrade", "003_fk_ondelete");
        JsonNode plan = Cli.against(planned).ok("--output", "json", "plan").json().get("plan");
        List<String> catalog = Catalog.of(other);

        assertThat(plan.get("database").asText()).startsWith(planned.name() + ".public ");
        assertThat(hash(Cli.against(other), "head")).isNotEqualTo(plan.get("hash").asText());
        Cli.Run run = Cli.against(other).run("--output", "json", "upgrade", "--plan-hash", plan.get("hash").asText());

        assertPlanChangedAndNothingRan(run, plan.get("hash").asText(), other, catalog);
        assertThat(run.json().get("revision").asText()).isEqualTo("003_fk_ondelete");
    }

    @Test
    void aLoginThatMayNotReadTheClusterIdentifierPlansForTheServerItReaches() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli.against(db).ok("upgrade", "003_fk_ondelete");
        String owner = "owner_" + db.name();
        db.execute("CREATE ROLE " + owner + " LOGIN PASSWORD 'own3r'; GRANT ALL ON SCHEMA public TO " + owner
                + "; GRANT ALL ON ALL TABLES IN SCHEMA public TO " + owner
                + "; REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC");
        Cli asOwner = new Cli().args("--url", db.jdbcUrl(), "--username", owner, "--password", "own3r", "--output", "json");

        JsonNode plan = asOwner.ok("plan").json().get("plan");

        assertThat(plan.get("database").asText()).isEqualTo(db.name() + ".public on 127.0.0.1:" + db.port());
        assertThat(Cli.against(db).ok("--output", "json", "plan").json().at("/plan/database").asText())
                .matches(db.name() + "\\.public in cluster \\d+");
    }

    @Test
    void anUpgradeWhosePlanChangedSinceItWasApprovedRunsNothing() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "002_plugin_packages");
        String approved = hash(cli, "head");
        cli.ok("upgrade", "003_fk_ondelete");
        List<String> catalog = Catalog.of(db);

        Cli.Run run = cli.run("--output", "json", "upgrade", "--plan-hash", approved);

        assertPlanChangedAndNothingRan(run, approved, db, catalog);
        assertThat(run.json().get("revision").asText()).isEqualTo("003_fk_ondelete");
        assertThat(run.errLines()).singleElement().asString().contains("the plan is now ", "(upgrade from 003_fk_ondelete to");
    }

    /** Someone ran the approved plan's upgrade by hand already: the approved run has nothing to do, and succeeds. */
    @Test
    void anApprovedUpgradeOnADatabaseAlreadyAtItsTargetRunsNothingAndSucceeds() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db).args("--no-fast-path");
        cli.ok("upgrade", "003_fk_ondelete");
        String approved = hash(cli, "head");
        cli.ok("upgrade");
        List<String> history = db.rows("SELECT id, orderexecuted FROM databasechangelog ORDER BY orderexecuted");

        Cli.Run run = cli.run("--output", "json", "upgrade", "--plan-hash", approved);

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.json().get("applied")).isEmpty();
        assertThat(db.rows("SELECT id, orderexecuted FROM databasechangelog ORDER BY orderexecuted")).isEqualTo(history);
    }

    /** The approved plan went up to 004; someone took the database to head since: PlanChanged, not WrongDirection. */
    @Test
    void anApprovedUpgradeOnADatabaseMovedAboveItsTargetIsPlanChanged() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade", "003_fk_ondelete");
        String approved = hash(cli, "004_rbac_api_tokens");
        cli.ok("upgrade");
        WebmacsFixtures.insertRows(db, "005_oidc_sso");
        List<String> catalog = Catalog.of(db);

        Cli.Run upgrade = cli.run("--output", "json", "upgrade", "004_rbac_api_tokens", "--plan-hash", approved);
        Cli.Run downgrade = cli.run("--output", "json", "downgrade", "004_rbac_api_tokens", "--plan-hash", approved);

        assertPlanChangedAndNothingRan(upgrade, approved, db, catalog);
        assertPlanChangedAndNothingRan(downgrade, approved, db, catalog);
        assertThat(upgrade.errLines().get(0)).contains("(downgrade from 005_oidc_sso to 004_rbac_api_tokens");
        assertThat(db.rows("SELECT count(*) FROM users WHERE sso_subject_id IS NOT NULL")).as("the SSO identities")
                .doesNotContain("0");
    }

    /** Approved from head down to 003; someone took the database down to 002 since: no plan goes there from 002. */
    @Test
    void anApprovedDowngradeOnADatabaseMovedBelowItsTargetIsPlanChanged() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade");
        String approved = hash(cli, "003_fk_ondelete");
        cli.ok("downgrade", "002_plugin_packages");
        List<String> catalog = Catalog.of(db);

        Cli.Run run = cli.run("--output", "json", "downgrade", "003_fk_ondelete", "--plan-hash", approved);

        assertPlanChangedAndNothingRan(run, approved, db, catalog);
        assertThat(run.json().get("revision").asText()).isEqualTo("002_plugin_packages");
    }

    private static void assertPlanChangedAndNothingRan(Cli.Run run, String approved, TestDatabase db, List<String> catalog) {
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.json().at("/error/code").asText()).isEqualTo("PlanChanged");
        assertThat(run.errLines()).singleElement().asString()
                .startsWith("error: Not the approved plan " + approved + ": ").contains("Nothing was run");
        assertThat(Catalog.of(db)).isEqualTo(catalog);
    }

    @Test
    void aDowngradePlanNamesWhatItDestroysAndTheApprovedOneRuns() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade");
        WebmacsFixtures.insertRows(db, "005_oidc_sso");

        JsonNode plan = cli.ok("--output", "json", "plan", "003_fk_ondelete").json().get("plan");

        assertThat(plan.get("direction").asText()).isEqualTo("downgrade");
        assertThat(texts(plan.get("revisions"), "revision")).containsExactly("005_oidc_sso", "004_rbac_api_tokens");
        assertThat(plan.get("findings")).anySatisfy(f -> {
            assertThat(f.get("kind").asText()).isEqualTo("DropTable");
            assertThat(f.get("table").asText()).isEqualTo("api_tokens");
        }).anySatisfy(f -> {
            assertThat(f.get("kind").asText()).isEqualTo("DropColumn");
            assertThat(f.get("detail").asText()).contains("DROP COLUMN role");
        });
        // The admin column comes back and is filled in the same changeset before it becomes NOT NULL.
        assertThat(texts(plan.get("findings"), "kind")).doesNotContain("NotNullOnExistingColumn");

        cli.ok("downgrade", "003_fk_ondelete", "--plan-hash", plan.get("hash").asText());

        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("down-to-003"));
    }

    @Test
    void aDowngradeThatWouldFailHalfWayIsRefusedByThePlanToo() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);
        cli.ok("upgrade");
        WebmacsFixtures.insertRows(db, "005_oidc_sso");
        db.execute("UPDATE firmware_updates SET user_public_id = NULL");

        Cli.Run run = cli.run("--output", "json", "plan", "002_plugin_packages");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.json().at("/error/code").asText()).isEqualTo("DowngradeUnsafe");
    }

    @Test
    void anExistingWebmacsDatabaseIsPlannedFromTheRevisionItsTablesShow() {
        TestDatabase routeA = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeA(routeA, "004_rbac_api_tokens");
        TestDatabase routeB = EmbeddedPostgresServer.newDatabase();
        WebmacsFixtures.routeB(routeB);

        JsonNode a = Cli.against(routeA).ok("--output", "json", "plan").json().get("plan");
        JsonNode b = Cli.against(routeB).ok("--output", "json", "plan").json().get("plan");

        assertThat(a.get("from").asText()).isEqualTo("004_rbac_api_tokens");
        assertThat(a.get("adopts").asText()).isEqualTo("route-a");
        assertThat(texts(a.get("revisions"), "revision")).containsExactly("005_oidc_sso");
        assertThat(b.get("adopts").asText()).isEqualTo("route-b");
        assertThat(b.get("revisions")).isEmpty();
        assertThat(Cli.against(routeB).ok("plan").out()).startsWith("Nothing to do: at 005_oidc_sso (head).");
        assertThat(routeA.rows("SELECT to_regclass('databasechangelog')")).containsExactly("");
    }

    @Test
    void aCustomChangelogsTypeChangeAndNotNullOnAnExistingColumnAreDestructive() throws IOException {
        Path changelog = Files.writeString(dir.resolve("app.yaml"), """
                databaseChangeLog:
                  - changeSet: {id: things, author: app, changes: [{createTable: {tableName: things, columns: [{column: {name: id, type: int}}, {column: {name: note, type: varchar(20)}}]}}]}
                  - changeSet: {id: v1, author: app, changes: [{tagDatabase: {tag: v1}}]}
                  - changeSet: {id: shrink, author: app, changes: [{modifyDataType: {tableName: things, columnName: note, newDataType: varchar(5)}}]}
                  - changeSet: {id: require, author: app, changes: [{addNotNullConstraint: {tableName: things, columnName: id, columnDataType: int}}]}
                  - changeSet: {id: clean, author: app, changes: [{sql: {sql: "DELETE FROM things WHERE note IS NULL"}}]}
                  - changeSet: {id: v2, author: app, changes: [{tagDatabase: {tag: v2}}]}
                """, StandardCharsets.UTF_8);
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db).args("--changelog", changelog.toString());
        cli.ok("upgrade", "v1");

        JsonNode findings = cli.ok("--output", "json", "plan").json().at("/plan/findings");

        // Both also hold ACCESS EXCLUSIVE while they read (or rewrite) every row.
        assertThat(texts(findings, "kind")).containsExactly("TypeChange", "BlocksWrites", "NotNullOnExistingColumn", "BlocksWrites", "DeleteRows");
        assertThat(texts(findings, "changeset")).containsExactly("app.yaml::shrink::app", "app.yaml::shrink::app", "app.yaml::require::app",
                "app.yaml::require::app", "app.yaml::clean::app");
    }

    @Test
    void theBuiltInChangelogIsReviewedWholeBut004sTriggerAndTheDropTypesOfItsRollbacks() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db);

        JsonNode up = cli.ok("--output", "json", "plan").json().get("plan");
        JsonNode expand = cli.ok("--output", "json", "plan", "--phase", "expand").json().get("plan");
        cli.ok("upgrade");
        JsonNode down = cli.ok("--output", "json", "plan", "base").json().get("plan");

        // From an empty database every table is new: only what the review cannot place or read would show, which is 004's
        // trigger: the review does not read a function's body (expand creates it), and contract drops it.
        assertThat(texts(up.get("findings"), "kind")).containsExactly("Unreviewed", "Unreviewed", "DropObject", "DropObject");
        assertThat(up.get("findings")).allSatisfy(f -> assertThat(f.get("detail").asText()).contains("users_admin_role_sync"));
        assertThat(texts(expand.get("findings"), "kind")).containsExactly("Unreviewed", "Unreviewed");
        // JSqlParser does not parse DROP TYPE; the downgrade to base drops every table first, so it was destructive already.
        List<String> unreviewed = new ArrayList<>();
        down.get("findings").forEach(f -> {
            if (f.get("kind").asText().equals("Unreviewed") && !f.get("detail").asText().contains("users_admin_role_sync")) {
                unreviewed.add(f.get("detail").asText());
            }
        });
        assertThat(unreviewed).hasSize(11).allSatisfy(detail -> assertThat(detail).startsWith("DROP TYPE ").contains(" -- the SQL parser cannot read it"));
        assertThat(down.get("findings")).filteredOn(f -> f.get("kind").asText().equals("DropObject"))
                .allSatisfy(f -> assertThat(f.get("detail").asText()).contains("users_admin_role_sync"));
        assertThat(texts(down.get("findings"), "kind")).contains("DropTable");
    }

    @Test
    void aDoBlockAndADeleteInsideAWithAreFindingsThatMakeThePlanDestructive() throws IOException {
        Path changelog = Files.writeString(dir.resolve("app.yaml"), Fixtures.UNREVIEWED_CHANGELOG, StandardCharsets.UTF_8);
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Cli cli = Cli.against(db).args("--changelog", changelog.toString());
        cli.ok("upgrade", "v1");
        Path resultFile = dir.resolve("termination-log");

        JsonNode plan = cli.ok("--output", "json", "plan", "--result-file", resultFile.toString()).json().get("plan");

        assertThat(texts(plan.get("findings"), "kind")).containsExactly("Unreviewed", "DeleteRows");
        assertThat(texts(plan.get("findings"), "changeset")).containsExactly("app.yaml::purge::app", "app.yaml::archive::app");
        assertThat(plan.at("/findings/0/table").isNull()).as("a DO block names no table the planner knows").isTrue();
        assertThat(plan.at("/findings/0/detail").asText()).startsWith("DO $$ BEGIN DELETE FROM things WHERE note IS NULL; END $$ -- ")
                .contains("the SQL parser cannot read it");
        assertThat(plan.at("/findings/1/table").asText()).isEqualTo("things");
        assertThat(plan.get("destructive").asBoolean()).isTrue();
        assertThat(new ObjectMapper().readTree(Files.readString(resultFile)).at("/plan/destructive").asBoolean()).isTrue();
        assertThat(cli.ok("plan").out()).contains("Findings (destructive steps marked !)", "  ! Unreviewed               -  ",
                "  ! DeleteRows               things");
    }

    @Test
    void theResultFileHoldsACompactPlanThatFitsATerminationMessage() throws IOException {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Path resultFile = dir.resolve("termination-log");

        String text = Cli.against(db).ok("plan", "--result-file", resultFile.toString()).out();

        String compact = Files.readString(resultFile);
        assertThat(compact.getBytes(StandardCharsets.UTF_8).length).isLessThan(4096);
        assertThat(compact).doesNotContain("CREATE TABLE").contains("\"revision\":\"005_oidc_sso\"");
        assertThat(text).contains("Plan hash: " + new com.fasterxml.jackson.databind.ObjectMapper().readTree(compact).at("/plan/hash").asText());
    }

    @Test
    void planForAnUnknownRevisionIsBadInput() {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();

        Cli.Run run = Cli.against(db).run("plan", "999");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errLines()).singleElement().asString().contains("Unknown revision '999'");
    }

    private static String hash(Cli cli, String revision) {
        return cli.ok("--output", "json", "plan", revision).json().at("/plan/hash").asText();
    }

    /** The field {@code name} of each element, or each element itself when {@code name} is null. */
    private static List<String> texts(JsonNode array, String name) {
        List<String> texts = new ArrayList<>();
        StreamSupport.stream(array.spliterator(), false).forEach(n -> texts.add(name == null ? n.asText() : n.get(name).asText()));
        return texts;
    }
}
