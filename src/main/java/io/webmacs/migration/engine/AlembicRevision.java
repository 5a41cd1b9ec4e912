package io.webmacs.migration.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * One Alembic revision and the SQL Alembic's own offline mode writes for it ({@code alembic upgrade A:B --sql} and
 * {@code alembic downgrade B:A --sql}), run by the author's Python with a generated env that imports nothing of the
 * application: no connection, no models ({@code target_metadata} None), dialect postgresql.
 *
 * @param id Alembic's revision id, e.g. {@code 006_my_new_table} or {@code a1b2c3d4e5f6}
 * @param downRevision the revision it follows
 * @param message the first line of its docstring ({@code alembic revision -m MESSAGE})
 * @param upgrade its upgrade statements, without Alembic's transaction and alembic_version statements
 * @param downgrade its downgrade statements, likewise
 * @param inTransaction whether Alembic runs it all in one transaction (false when it uses an autocommit block)
 */
public record AlembicRevision(String id, String downRevision, String message, List<String> upgrade, List<String> downgrade,
        boolean inTransaction) {

    /** As {@link RevisionFile} writes it: Alembic's statements, its comment naming the Alembic revision. */
    public RevisionSql sql() {
        return new RevisionSql(RevisionSql.IMPORTED, "Alembic revision " + id + " (after " + downRevision + "): " + message,
                upgrade, downgrade, inTransaction);
    }

    /** Offline mode only: statements are written out, never run, so the env needs neither a URL nor a driver. */
    private static final String ENV_PY = """
            from alembic import context
            context.configure(dialect_name="postgresql", target_metadata=None, literal_binds=True)
            with context.begin_transaction():
                context.run_migrations()
            """;

    /** Prints the revision's id, parent and docstring as JSON, read by Alembic's own script directory. */
    private static final String DESCRIBE = """
            import json, sys
            from alembic.config import Config
            from alembic.script import ScriptDirectory
            script = ScriptDirectory.from_config(Config(sys.argv[1])).get_revision(sys.argv[2])
            print(json.dumps({"id": script.revision, "down": script.down_revision, "doc": script.doc}))
            """;

    /**
     * Reads revision {@code revision} (an id, or {@code head}) of the Alembic scripts in {@code versionsDir} with
     * {@code python}, and its SQL both ways.
     *
     * @throws MigrationException AlembicUnavailable when python or Alembic is missing; AlembicFailed when Alembic refuses
     */
    public static AlembicRevision read(String python, Path versionsDir, String revision) {
        if (!Files.isDirectory(versionsDir)) {
            throw new MigrationException(Failure.USAGE, "The Alembic versions directory " + versionsDir + " does not exist;"
                    + " name the folder that holds the revision files (WebMACS's backend/alembic/versions).");
        }
        Path env = null;
        try {
            env = Files.createTempDirectory("webmacs-alembic-env");
            Path ini = writeEnv(env, versionsDir.toAbsolutePath());
            JsonNode described = new ObjectMapper().readTree(run(python, List.of("-c", DESCRIBE, ini.toString(), revision)));
            String id = described.get("id").asText();
            JsonNode down = described.get("down");
            if (!down.isTextual()) {
                throw new MigrationException(Failure.USAGE, "Alembic revision " + id + (down.isNull() ? " has no down_revision"
                        : " is a merge of " + down) + "; a revision to import continues one line of revisions after 005_oidc_sso.");
            }
            String upgrade = run(python, List.of("-m", "alembic", "-c", ini.toString(), "upgrade", down.asText() + ":" + id, "--sql"));
            String downgrade = run(python, List.of("-m", "alembic", "-c", ini.toString(), "downgrade", id + ":" + down.asText(), "--sql"));
            OfflineScript up = OfflineScript.of(upgrade);
            String doc = described.get("doc").isNull() ? "" : described.get("doc").asText();
            return new AlembicRevision(id, down.asText(), doc.lines().findFirst().orElse("").trim(), up.statements(),
                    OfflineScript.of(downgrade).statements(), up.inTransaction());
        } catch (IOException e) {
            throw new MigrationException(Failure.ALEMBIC_FAILED, "Could not run Alembic: " + e.getMessage(), e);
        } finally {
            delete(env);
        }
    }

    /**
     * alembic.ini and env.py in {@code env}, with the revisions in {@code versionsDir}; configparser reads {@code %} as
     * interpolation, and paths are separated by the OS's separator so that a space in a path stays in it.
     */
    private static Path writeEnv(Path env, Path versionsDir) throws IOException {
        Files.writeString(env.resolve("env.py"), ENV_PY, StandardCharsets.UTF_8);
        Path ini = env.resolve("alembic.ini");
        Files.writeString(ini, "[alembic]\nscript_location = " + env.toString().replace("%", "%%") + "\nversion_locations = "
                + versionsDir.toString().replace("%", "%%") + "\nversion_path_separator = os\n", StandardCharsets.UTF_8);
        return ini;
    }

    /** Runs {@code python} with {@code args}; returns what it printed on stdout, or throws with what it said on stderr. */
    private static String run(String python, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(python));
        command.addAll(args);
        Process process;
        try {
            process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new MigrationException(Failure.ALEMBIC_UNAVAILABLE, "Cannot run " + python + " (" + e.getMessage() + "); importing"
                    + " an Alembic revision needs Python 3 with Alembic: install them (Debian: python3-alembic), or name the"
                    + " Python that has them with --python.", e);
        }
        process.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        String out = readAll(process.getInputStream());
        int exit;
        try {
            exit = process.waitFor();
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while Alembic ran", e);
        }
        if (exit != 0) {
            String said = err.join().strip();
            if (said.contains("No module named alembic") || said.contains("No module named 'alembic'")) {
                throw new MigrationException(Failure.ALEMBIC_UNAVAILABLE, python + " has no Alembic; install it (Debian:"
                        + " python3-alembic; or pip install alembic), or name the Python that has it with --python.");
            }
            String last = said.lines().reduce((first, second) -> second).orElse("exit " + exit);
            throw new MigrationException(Failure.ALEMBIC_FAILED, "Alembic failed: " + last);
        }
        return out;
    }

    private static String readAll(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temporary folder left behind is harmless.
        }
    }

    /**
     * What {@code alembic --sql} printed, as statements: its comments, its BEGIN and COMMIT, and its alembic_version
     * statements left out (the engine keeps alembic_version). A COMMIT before the end means an autocommit block: Alembic
     * runs part of the revision outside a transaction.
     */
    record OfflineScript(List<String> statements, boolean inTransaction) {

        private static final Set<String> TRANSACTION = Set.of("BEGIN;", "COMMIT;");

        static OfflineScript of(String sql) {
            // Alembic writes BEGIN; and COMMIT; on lines of their own. Liquibase's splitter would take BEGIN for the start of
            // a block, so they go first.
            List<String> lines = sql.lines().toList();
            long commits = lines.stream().filter(l -> l.strip().equalsIgnoreCase("COMMIT;")).count();
            String body = String.join("\n", lines.stream().filter(l -> !TRANSACTION.contains(l.strip().toUpperCase(Locale.ROOT))).toList());
            List<String> statements = new ArrayList<>();
            for (String statement : liquibase.util.StringUtil.processMultiLineSQL(body, true, true, null)) {
                if (!StatementReview.touchesOnly(statement, "alembic_version")) {
                    statements.add(statement.strip());
                }
            }
            return new OfflineScript(List.copyOf(statements), commits <= 1);
        }
    }
}
