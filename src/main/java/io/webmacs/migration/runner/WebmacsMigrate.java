package io.webmacs.migration.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;

/** {@code webmacs-migrate}: the WebMACS schema migrations, with the verbs Alembic users know. */
// scope INHERIT: every command answers --help (and --version) too.
@Command(name = "webmacs-migrate", mixinStandardHelpOptions = true, versionProvider = WebmacsMigrate.Version.class,
        scope = ScopeType.INHERIT, sortOptions = false, usageHelpAutoWidth = true,
        description = "Migrates a WebMACS PostgreSQL database with Liquibase. Exit codes: 0 done, 1 a changeset failed,"
                + " 2 bad input, 3 database unreachable or login refused, 4 migration lock not obtained in time.")
public final class WebmacsMigrate {

    /** Keeps Liquibase's loggers configured: java.util.logging holds them weakly. */
    private static final Logger LIQUIBASE_LOG = Logger.getLogger("liquibase");

    @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "jdbc:postgresql://HOST:PORT/DB, or WebMACS's DATABASE_URL (postgresql+asyncpg://USER:PASSWORD@HOST:PORT/DB)."
                    + " Default: $DATABASE_URL.")
    String url;

    @Option(names = "--username", scope = ScopeType.INHERIT, description = "Default: $DATABASE_USERNAME, else the URL's.")
    String username;

    @Option(names = "--password", scope = ScopeType.INHERIT, description = "Default: $DATABASE_PASSWORD, else the URL's.")
    String password;

    @Option(names = "--changelog", scope = ScopeType.INHERIT, paramLabel = "PATH",
            description = "A Liquibase changelog file. Default: the built-in WebMACS changelog.")
    Path changelogPath;

    @Option(names = "--output", scope = ScopeType.INHERIT, defaultValue = "text", description = "text or json. Default: ${DEFAULT-VALUE}.")
    Output output;

    @Option(names = "--result-file", scope = ScopeType.INHERIT, paramLabel = "PATH",
            description = "Also write the JSON result here (e.g. /dev/termination-log).")
    Path resultFile;

    @Option(names = "--lock-timeout", scope = ScopeType.INHERIT, defaultValue = "300", paramLabel = "SECONDS",
            description = "How long to wait for another run on the same database. Default: ${DEFAULT-VALUE}.")
    long lockTimeoutSeconds;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Log what Liquibase does to stderr.")
    boolean verbose;

    enum Output { text, json }

    private final Map<String, String> environment;
    private final PrintStream out;
    private final PrintStream err;

    WebmacsMigrate(Map<String, String> environment, PrintStream out, PrintStream err) {
        this.environment = environment;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /** Runs one command line and returns its exit code. */
    public static int run(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
        WebmacsMigrate cli = new WebmacsMigrate(environment, out, err);
        CommandLine commandLine = new CommandLine(cli)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setParameterExceptionHandler((e, a) -> cli.report(commandName(e.getCommandLine()),
                        new MigrationException(Failure.USAGE, ErrorMessages.oneLine(e.getMessage())
                                + ". See: webmacs-migrate " + commandName(e.getCommandLine()) + " --help"), 0));
        return commandLine.execute(args);
    }

    private static String commandName(CommandLine commandLine) {
        return commandLine.getCommandName().equals("webmacs-migrate") ? "" : commandLine.getCommandName();
    }

    @Command(name = "upgrade", description = "Apply pending changesets up to REVISION (default head), adopting an"
            + " existing WebMACS database first.")
    int upgrade(@Parameters(arity = "0..1", defaultValue = Changelog.HEAD, paramLabel = "REVISION") String revision) {
        return withEngine("upgrade", engine -> engine.upgrade(revision));
    }

    @Command(name = "downgrade", description = "Roll back to REVISION (or base), or N revisions with -N. Refuses,"
            + " changing nothing, when a step would fail half-way.")
    int downgrade(@Parameters(paramLabel = "REVISION|-N") String revision) {
        return withEngine("downgrade", engine -> engine.downgrade(revision));
    }

    @Command(name = "current", description = "Print the revision the database is at.")
    int current() {
        return withEngine("current", MigrationEngine::status);
    }

    @Command(name = "history", description = "List applied revisions with when they ran, then pending ones.")
    int history() {
        return withEngine("history", MigrationEngine::status);
    }

    @Command(name = "stamp", description = "Record REVISION as applied without running anything.")
    int stamp(@Parameters(paramLabel = "REVISION") String revision) {
        return withEngine("stamp", engine -> engine.stamp(revision));
    }

    @Command(name = "sql", description = "Print the SQL an upgrade to REVISION (default head) would run; with no"
            + " database given, for an empty database, offline.")
    int sql(@Parameters(arity = "0..1", defaultValue = Changelog.HEAD, paramLabel = "REVISION") String revision) {
        return guarded("sql", () -> {
            Changelog changelog = Changelog.load(changelogPath);
            ByteArrayOutputStream sql = new ByteArrayOutputStream();
            String url = firstSet(this.url, environment.get("DATABASE_URL"));
            if (url == null) {
                MigrationEngine.offlineSql(changelog, revision, sql);
            } else {
                try (MigrationEngine engine = MigrationEngine.connect(target(url), changelog, lockTimeout())) {
                    engine.sql(revision, sql);
                }
            }
            out.print(sql.toString(StandardCharsets.UTF_8));
            out.flush();
            return 0;
        });
    }

    private interface EngineCommand {
        MigrationEngine.Outcome run(MigrationEngine engine) throws SQLException;
    }

    private interface CommandBody {
        int run() throws Exception;
    }

    private int withEngine(String command, EngineCommand work) {
        long started = System.nanoTime();
        return guarded(command, () -> {
            DatabaseTarget target = target(firstSet(url, environment.get("DATABASE_URL")));
            Changelog changelog = Changelog.load(changelogPath);
            try (MigrationEngine engine = MigrationEngine.connect(target, changelog, lockTimeout())) {
                MigrationEngine.Outcome outcome = work.run(engine);
                print(command, Results.of(command, changelog, outcome, millisSince(started)), outcome);
                return outcome.failure() == null ? 0 : outcome.failure().failure().exitCode();
            }
        });
    }

    /** Runs a command body; any failure becomes one error line, a JSON result and its exit code. */
    private int guarded(String command, CommandBody body) {
        long started = System.nanoTime();
        LIQUIBASE_LOG.setLevel(verbose ? Level.INFO : Level.SEVERE);
        try {
            return body.run();
        } catch (MigrationException e) {
            return report(command, e, started);
        } catch (Exception e) {
            return report(command, new MigrationException(Failure.CHANGESET_FAILED,
                    "Unexpected failure: " + ErrorMessages.rootCause(e), e), started);
        }
    }

    private DatabaseTarget target(String url) {
        if (url == null || url.isBlank()) {
            throw new MigrationException(Failure.USAGE, "No database given: pass --url or set DATABASE_URL.");
        }
        return DatabaseTarget.parse(url, firstSet(username, environment.get("DATABASE_USERNAME")),
                firstSet(password, environment.get("DATABASE_PASSWORD")));
    }

    private void print(String command, MigrationResult result, MigrationEngine.Outcome outcome) throws IOException {
        String json = json(result);
        writeResultFile(json);
        if (output == Output.json) {
            out.println(json);
        } else {
            out.print(redact(TextReport.of(command, result)));
        }
        if (outcome.failure() != null) {
            err.println("error: " + redact(outcome.failure().getMessage()));
        }
        out.flush();
    }

    /** Prints the one-line error, writes the error result, and returns the exit code. */
    private int report(String command, MigrationException e, long started) {
        MigrationResult result = Results.failed(command, e, millisSince(started));
        try {
            String json = json(result);
            writeResultFile(json);
            if (output == Output.json) {
                out.println(json);
            }
        } catch (IOException io) {
            err.println("warning: could not write the result: " + io.getMessage());
        }
        err.println("error: " + redact(e.getMessage()));
        return e.failure().exitCode();
    }

    private String json(MigrationResult result) throws IOException {
        return redact(new ObjectMapper().writeValueAsString(result));
    }

    private void writeResultFile(String json) {
        if (resultFile == null) {
            return;
        }
        try {
            Files.writeString(resultFile, json, StandardCharsets.UTF_8);
        } catch (IOException e) {
            err.println("warning: could not write --result-file " + resultFile + ": " + e.getMessage());
        }
    }

    /** A password never leaves the process, whatever a driver or Liquibase put in a message. */
    private String redact(String text) {
        String secret = firstSet(password, environment.get("DATABASE_PASSWORD"));
        String redacted = text;
        if (secret != null && secret.length() > 0) {
            redacted = redacted.replace(secret, "****");
        }
        String urlPassword = urlPassword();
        return urlPassword == null ? redacted : redacted.replace(urlPassword, "****");
    }

    private String urlPassword() {
        try {
            String url = firstSet(this.url, environment.get("DATABASE_URL"));
            return url == null ? null : DatabaseTarget.parse(url, null, null).password();
        } catch (MigrationException e) {
            return null;
        }
    }

    private Duration lockTimeout() {
        return Duration.ofSeconds(lockTimeoutSeconds);
    }

    private static long millisSince(long started) {
        return Duration.ofNanos(System.nanoTime() - started).toMillis();
    }

    private static String firstSet(String value, String fallback) {
        return value != null && !value.isBlank() ? value : (fallback == null || fallback.isBlank() ? null : fallback);
    }

    /** {@code --version}: this tool's and Liquibase's versions. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String own = WebmacsMigrate.class.getPackage().getImplementationVersion();
            return new String[] {"webmacs-migrate " + (own == null ? "dev" : own) + " (Liquibase "
                    + liquibase.util.LiquibaseUtil.getBuildVersion() + ", Apache-2.0)"};
        }
    }
}
