package io.webmacs.migration.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A WebMACS-like Alembic project in a folder: its versions directory (WebMACS's revisions 001 to 005, with their ids
 * and chain only, then a 006 from {@code src/test/resources/alembic}), and Alembic itself, Debian's python3-alembic, run online as WebMACS runs it.
 */
public record AlembicProject(Path dir) {

    /** Debian's Python, which has python3-alembic and python3-psycopg2 (a Python first on PATH may have neither). */
    public static final String PYTHON = "/usr/bin/python3";
    /** WebMACS's revisions 001 to 005 (SCHEMA.md 6), each after the one before it. */
    private static final List<String> WEBMACS_REVISIONS = List.of("001_plugins", "002_plugin_packages", "003_fk_ondelete",
            "004_rbac_api_tokens", "005_oidc_sso");
    /** A revision file as Alembic's template writes it, reduced to its place in the chain: importing 006 reads only that. */
    private static final String REVISION_FILE = """
            \"""WebMACS's revision %1$s

            Revision ID: %1$s
            Revises: %2$s
            \"""
            from typing import Sequence, Union

            revision: str = "%1$s"
            down_revision: Union[str, None] = %3$s
            branch_labels: Union[str, Sequence[str], None] = None
            depends_on: Union[str, Sequence[str], None] = None


            def upgrade() -> None:
                pass


            def downgrade() -> None:
                pass
            """;

    /** Why Alembic cannot run here, if it cannot. */
    public static Optional<String> missing() {
        try {
            Process check = new ProcessBuilder(PYTHON, "-c", "import alembic, psycopg2").redirectErrorStream(true).start();
            String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return check.waitFor() == 0 ? Optional.empty()
                    : Optional.of(PYTHON + " has no Alembic or psycopg2 (apt-get install python3-alembic python3-psycopg2): " + said);
        } catch (IOException e) {
            return Optional.of("no " + PYTHON + " (apt-get install python3-alembic python3-psycopg2)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    /** A project in {@code dir} whose revision 006 is the resource {@code alembic/<revision006>}. */
    public static AlembicProject with(Path dir, String revision006) {
        AlembicProject project = new AlembicProject(dir);
        try {
            Files.createDirectories(project.versions());
            String down = null;
            for (String revision : WEBMACS_REVISIONS) {
                Files.writeString(project.versions().resolve(revision + ".py"),
                        REVISION_FILE.formatted(revision, down == null ? "" : down, down == null ? "None" : '"' + down + '"'));
                down = revision;
            }
            copy(revision006, project.versions().resolve("006_my_new_table.py"));
            copy("online/env.py", dir.resolve("env.py"));
            Files.writeString(dir.resolve("alembic.ini"), "[alembic]\nscript_location = " + dir + "\nversion_locations = "
                    + project.versions() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return project;
    }

    public Path versions() {
        return dir.resolve("versions");
    }

    /** {@code alembic upgrade head} online against {@code db}, as WebMACS's developers run it. */
    public void upgradeHead(TestDatabase db) {
        List<String> command = new ArrayList<>(List.of(PYTHON, "-m", "alembic", "-c", dir.resolve("alembic.ini").toString(), "-x",
                "url=postgresql://" + TestDatabase.USER + ":" + TestDatabase.PASSWORD + "@" + db.host() + ":" + db.port() + "/"
                        + db.name(), "upgrade", "head"));
        try {
            Process alembic = new ProcessBuilder(command).redirectErrorStream(true).start();
            String said = new String(alembic.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (alembic.waitFor() != 0) {
                throw new AssertionError("alembic upgrade head failed: " + said);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static void copy(String resource, Path to) throws IOException {
        try (InputStream in = AlembicProject.class.getResourceAsStream("/alembic/" + resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource /alembic/" + resource);
            }
            Files.copy(in, to);
        }
    }
}
