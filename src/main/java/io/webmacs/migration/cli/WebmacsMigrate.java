package io.webmacs.migration.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.webmacs.migration.cli.wait.WaitForReady;
import io.webmacs.migration.cli.wait.WaitResult;
import io.webmacs.migration.engine.Changelog;
import io.webmacs.migration.engine.DatabaseTarget;
import io.webmacs.migration.engine.MigrationEngine;
import io.webmacs.migration.result.ErrorMessages;
import io.webmacs.migration.result.Failure;
import io.webmacs.migration.result.MigrationException;
import io.webmacs.migration.result.MigrationResult;
import io.webmacs.migration.result.Verb;
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
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;

/** {@code webmacs-migrate}: the WebMACS schema migrations, with the verbs Alembic users know. */
// scope INHERIT: every command answers --help (and --version) too.
@Command(name = "webmacs-migrate", mixinStandardHelpOptions = true, versionProvider = WebmacsMigrate.Version.class,
        scope = ScopeType.INHERIT, sortOptions = false, usageHelpAutoWidth = true,
        description = "Migrates a WebMACS PostgreSQL database with Liquibase, and waits for a DatabaseMigration. Exit codes:"
                + " 0 done, 1 a changeset failed, 2 bad input, 3 database unreachable or login refused, 4 migration lock not"
                + " obtained in time; for wait, see: webmacs-migrate wait --help.")
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
                .setParameterExceptionHandler((e, a) -> {
                    String command = commandName(e.getCommandLine());
                    MigrationException usage = new MigrationException(Failure.USAGE, ErrorMessages.oneLine(e.getMessage())
                            + ". See: webmacs-migrate " + command + " --help");
                    return cli.report(Results.failed(command, usage, 0), usage);
                });
        return commandLine.execute(args);
    }

    private static String commandName(CommandLine commandLine) {
        return commandLine.getCommandName().equals("webmacs-migrate") ? "" : commandLine.getCommandName();
    }

    @Command(name = "upgrade", description = "Apply pending changesets up to REVISION (default head), adopting an"
            + " existing WebMACS database first.")
    int upgrade(@Parameters(arity = "0..1", defaultValue = Changelog.HEAD, paramLabel = "REVISION") String revision) {
        return withEngine(Verb.UPGRADE, engine -> engine.upgrade(revision));
    }

    @Command(name = "downgrade", description = "Roll back to REVISION (or base), or N revisions with -N. Refuses,"
            + " changing nothing, when a step would fail half-way.")
    int downgrade(@Parameters(paramLabel = "REVISION|-N") String revision) {
        return withEngine(Verb.DOWNGRADE, engine -> engine.downgrade(revision));
    }

    @Command(name = "current", description = "Print the revision the database is at.")
    int current() {
        return withEngine(Verb.CURRENT, MigrationEngine::status);
    }

    @Command(name = "history", description = "List applied revisions with when they ran, then pending ones.")
    int history() {
        return withEngine(Verb.HISTORY, MigrationEngine::status);
    }

    @Command(name = "stamp", description = "Record REVISION as applied without running anything.")
    int stamp(@Parameters(paramLabel = "REVISION") String revision) {
        return withEngine(Verb.STAMP, engine -> engine.stamp(revision));
    }

    @Command(name = "sql", description = "Print the SQL an upgrade to REVISION (default head) would run; with no"
            + " database given, for an empty database, offline.")
    int sql(@Parameters(arity = "0..1", defaultValue = Changelog.HEAD, paramLabel = "REVISION") String revision) {
        return guarded(Verb.SQL, () -> {
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

    @Command(name = "wait", sortOptions = false, description = {
        "Wait until the DatabaseMigration NAME is Ready for its current generation: status.observedGeneration equals"
                + " metadata.generation and the Ready condition is True (and, when the condition says which generation it"
                + " is for, that is the current one too). Then print: NAME is Ready at REVISION (generation N).",
        "A DatabaseMigration that does not exist yet is waited for. Stalled=True for the current generation ends the wait"
                + " at once. What it sees on the way goes to stderr. Needs get, list and watch on"
                + " databasemigrations.migrations.webmacs.io; reads no Secret.",
        "Exit codes: 0 Ready, 1 Stalled, 2 bad input, 3 Kubernetes API unreachable, access refused or bad kubeconfig,"
                + " 4 not Ready within --timeout."})
    int waitUntilReady(
            @Parameters(paramLabel = "NAME", description = "The DatabaseMigration.") String name,
            @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE",
                    description = "Default: the kubeconfig context's namespace, or the pod's own, else default.") String namespace,
            @Option(names = "--timeout", defaultValue = "5m", paramLabel = "DURATION", converter = DurationConverter.class,
                    description = "How long to wait, e.g. 300s, 5m, 1h30m. Default: ${DEFAULT-VALUE}.") Duration timeout,
            @Option(names = "--kubeconfig", paramLabel = "PATH",
                    description = "Default: $KUBECONFIG (one file), ~/.kube/config, or the pod's service account.")
            Path kubeconfig) {
        long started = System.nanoTime();
        return guarded(Verb.WAIT, () -> {
            WaitForReady.Outcome outcome = WaitForReady.await(name, namespace, timeout, kubeconfig, environment, err::println);
            return finish(outcome.result(), outcome.text(), outcome.failure());
        }, e -> WaitResult.failed(name, namespace, e, millisSince(started)));
    }

    private interface EngineCommand {
        MigrationEngine.Outcome run(MigrationEngine engine) throws SQLException;
    }

    private interface CommandBody {
        int run() throws Exception;
    }

    private int withEngine(Verb verb, EngineCommand work) {
        long started = System.nanoTime();
        return guarded(verb, () -> {
            DatabaseTarget target = target(firstSet(url, environment.get("DATABASE_URL")));
            Changelog changelog = Changelog.load(changelogPath);
            try (MigrationEngine engine = MigrationEngine.connect(target, changelog, lockTimeout())) {
                MigrationEngine.Outcome outcome = work.run(engine);
                MigrationResult result = Results.of(verb, changelog, outcome, millisSince(started));
                return finish(result, TextReport.of(verb, result), outcome.failure());
            }
        });
    }

    private int guarded(Verb verb, CommandBody body) {
        long started = System.nanoTime();
        return guarded(verb, body, e -> Results.failed(verb.word(), e, millisSince(started)));
    }

    /** Runs a command body; any failure becomes one error line, a JSON result and its exit code. */
    private int guarded(Verb verb, CommandBody body, Function<MigrationException, Object> failedResult) {
        LIQUIBASE_LOG.setLevel(verbose ? Level.INFO : Level.SEVERE);
        try {
            return body.run();
        } catch (MigrationException e) {
            return report(failedResult.apply(e), e);
        } catch (Exception e) {
            MigrationException unexpected = new MigrationException(Failure.CHANGESET_FAILED,
                    "Unexpected failure: " + ErrorMessages.rootCause(e), e);
            return report(failedResult.apply(unexpected), unexpected);
        }
    }

    private DatabaseTarget target(String url) {
        if (url == null || url.isBlank()) {
            throw new MigrationException(Failure.USAGE, "No database given: pass --url or set DATABASE_URL.");
        }
        return DatabaseTarget.parse(url, firstSet(username, environment.get("DATABASE_USERNAME")),
                firstSet(password, environment.get("DATABASE_PASSWORD")));
    }

    /** Prints the result as text or JSON, writes it to --result-file, and returns the exit code. */
    private int finish(Object result, String text, MigrationException failure) throws IOException {
        String json = json(result);
        writeResultFile(json);
        if (output == Output.json) {
            out.println(json);
        } else if (text != null) {
            out.print(redact(text));
        }
        if (failure != null) {
            err.println("error: " + redact(failure.getMessage()));
        }
        out.flush();
        return failure == null ? 0 : failure.failure().exitCode();
    }

    /** Prints the one-line error, writes the error result, and returns the exit code. */
    private int report(Object result, MigrationException e) {
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

    private String json(Object result) throws IOException {
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

    /** {@code --timeout}: {@code 300s}, {@code 5m}, {@code 1h30m}, or a number of seconds. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern PART = Pattern.compile("(\\d+)([hms])");

        @Override
        public Duration convert(String value) {
            if (value.matches("\\d+")) {
                return Duration.ofSeconds(Long.parseLong(value));
            }
            if (!value.matches("(\\d+[hms])+")) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration like 300s, 5m or 1h30m");
            }
            Duration duration = Duration.ZERO;
            for (Matcher part = PART.matcher(value); part.find(); ) {
                long amount = Long.parseLong(part.group(1));
                duration = duration.plus(switch (part.group(2)) {
                    case "h" -> Duration.ofHours(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    default -> Duration.ofSeconds(amount);
                });
            }
            return duration;
        }
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
