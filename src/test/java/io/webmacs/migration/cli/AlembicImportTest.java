package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.webmacs.migration.testsupport.AlembicProject;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.Tier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code revision --from-alembic} imports WebMACS's next revision, written as WebMACS writes its revisions, from the SQL
 * of Alembic's own offline mode: the changeset file and the extension's include are written, and the revision applied
 * through Liquibase leaves exactly the schema Alembic itself leaves, and rolls back to exactly the 005 reference.
 */
class AlembicImportTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void needsAlembic() {
        Tier.ALEMBIC.require(AlembicProject.missing());
    }

    @Test
    void theDocumentationsExampleBecomes006AndAppliesAsAlembicAppliesItAndRollsBackTo005() throws IOException {
        AlembicProject project = AlembicProject.with(dir.resolve("webmacs"), "006_my_new_table.py");
        Path changelogs = Files.createDirectories(dir.resolve("changelogs"));
        Path extension = changelogs.resolve("extension.xml");

        JsonNode result = Cli.withoutDatabase().ok("revision", "--from-alembic", project.versions().toString(), "head",
                "--changelog-extension", extension.toString(), "--python", AlembicProject.PYTHON, "--output", "json").json();

        assertThat(result.get("revision").asText()).isEqualTo("006_my_new_table");
        assertThat(result.get("alembicRevision").asText()).isEqualTo("006_my_new_table");
        assertThat(result.get("findings")).isEmpty();
        Path file = changelogs.resolve("006_my_new_table.xml");
        assertThat(result.get("file").asText()).isEqualTo(file.toString());
        String written = Files.readString(file);
        assertThat(written).contains("CREATE TABLE my_new_table", "<rollback>", "DROP TABLE my_new_table",
                "<tagDatabase tag=\"006_my_new_table\"/>").doesNotContainIgnoringCase("alembic_version");
        assertThat(Files.readString(extension)).contains("<include file=\"006_my_new_table.xml\" relativeToChangelogFile=\"true\"/>");

        TestDatabase byAlembic = EmbeddedPostgresServer.newDatabase();
        Cli.against(byAlembic).ok("upgrade", "005_oidc_sso");
        project.upgradeHead(byAlembic);
        assertThat(byAlembic.rows("SELECT version_num FROM alembic_version")).containsExactly("006_my_new_table");

        TestDatabase byLiquibase = EmbeddedPostgresServer.newDatabase();
        Cli.against(byLiquibase).ok("upgrade", "005_oidc_sso");
        Cli extended = Cli.against(byLiquibase).args("--changelog-extension", extension.toString());
        assertThat(extended.ok("--output", "json", "upgrade").json().get("applied").get(0).asText()).isEqualTo("006_my_new_table");
        assertThat(Catalog.of(byLiquibase)).isEqualTo(Catalog.of(byAlembic)).isNotEqualTo(Catalog.reference("005"));
        assertThat(byLiquibase.rows("SELECT version_num FROM alembic_version")).as("WebMACS's alembic current agrees")
                .containsExactly("006_my_new_table");

        extended.ok("downgrade", "-1");
        assertThat(Catalog.of(byLiquibase)).isEqualTo(Catalog.reference("005"));
    }

    @Test
    void theFirstRevisionOfANewExtensionMakesItsFolder() {
        AlembicProject project = AlembicProject.with(dir.resolve("webmacs"), "006_my_new_table.py");
        Path extension = dir.resolve("not-yet").resolve("extension.xml");

        Cli.withoutDatabase().ok("revision", "--from-alembic", project.versions().toString(), "head",
                "--changelog-extension", extension.toString(), "--python", AlembicProject.PYTHON);

        assertThat(extension).exists();
        assertThat(extension.resolveSibling("006_my_new_table.xml")).exists();
    }

    @Test
    void aForeignKeyWithoutIndexAndOnDeleteIsReportedAndStrictWritesNothingAndExits2() throws IOException {
        AlembicProject project = AlembicProject.with(dir.resolve("webmacs"), "006_my_new_table_unindexed_fk.py");
        Path extension = dir.resolve("extension.xml");
        String[] command = {"revision", "--from-alembic", project.versions().toString(), "006_my_new_table",
            "--changelog-extension", extension.toString(), "--python", AlembicProject.PYTHON};

        Cli.Run strict = Cli.withoutDatabase().run(append(command, "--strict", "--output", "json"));

        assertThat(strict.exitCode()).isEqualTo(2);
        assertThat(strict.json().get("error").get("code").asText()).isEqualTo("ReviewFindings");
        assertThat(kinds(strict.json())).containsExactlyInAnyOrder("ForeignKeyWithoutOnDelete", "UnindexedForeignKey");
        assertThat(strict.json().get("findings")).allSatisfy(f -> assertThat(f.get("table").asText()).isEqualTo("my_new_table"));
        assertThat(strict.errLines()).singleElement().asString().startsWith("error: The revision has 2 review finding(s)");
        assertThat(extension).doesNotExist();
        assertThat(dir.resolve("006_my_new_table.xml")).doesNotExist();

        Cli.Run warned = Cli.withoutDatabase().ok(command);
        assertThat(warned.out()).contains("warning: ForeignKeyWithoutOnDelete on my_new_table: CREATE TABLE my_new_table",
                "warning: UnindexedForeignKey on my_new_table: CREATE TABLE my_new_table");
        assertThat(dir.resolve("006_my_new_table.xml")).exists();
    }

    @Test
    void withoutAlembicItSaysSoAndWritesNothing() {
        AlembicProject project = AlembicProject.with(dir.resolve("webmacs"), "006_my_new_table.py");
        Path extension = dir.resolve("extension.xml");

        Cli.Run run = Cli.withoutDatabase().run("revision", "--from-alembic", project.versions().toString(), "head",
                "--changelog-extension", extension.toString(), "--python", dir.resolve("no-python").toString(), "--output", "json");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.json().get("error").get("code").asText()).isEqualTo("AlembicUnavailable");
        assertThat(run.errLines()).singleElement().asString().contains("needs Python 3 with Alembic");
        assertThat(extension).doesNotExist();
    }

    @Test
    void anUnknownRevisionIsAlembicsOwnErrorAndWritesNothing() {
        AlembicProject project = AlembicProject.with(dir.resolve("webmacs"), "006_my_new_table.py");
        Path extension = dir.resolve("extension.xml");

        Cli.Run run = Cli.withoutDatabase().run("revision", "--from-alembic", project.versions().toString(), "007_nothing",
                "--changelog-extension", extension.toString(), "--python", AlembicProject.PYTHON);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errLines()).singleElement().asString().startsWith("error: Alembic failed: ").contains("007_nothing");
        assertThat(extension).doesNotExist();
    }

    private static List<String> kinds(JsonNode result) {
        return StreamSupport.stream(result.get("findings").spliterator(), false).map(f -> f.get("kind").asText()).toList();
    }

    private static String[] append(String[] command, String... more) {
        String[] all = java.util.Arrays.copyOf(command, command.length + more.length);
        System.arraycopy(more, 0, all, command.length, more.length);
        return all;
    }
}
