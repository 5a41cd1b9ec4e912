package io.webmacs.migration.cli;

import io.webmacs.migration.cli.approve.ApprovePlan;
import io.webmacs.migration.cli.approve.ApproveResult;
import io.webmacs.migration.cli.wait.WaitForReady;
import io.webmacs.migration.cli.wait.WaitResult;
import io.webmacs.migration.contract.ErrorMessages;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.Finding;
import io.webmacs.migration.contract.MigrateCommand;
import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.contract.MigrationResult;
import io.webmacs.migration.contract.Phase;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.engine.AlembicRevision;
import io.webmacs.migration.engine.Changelog;
import io.webmacs.migration.engine.DatabaseTarget;
import io.webmacs.migration.engine.IndexedHistory;
import io.webmacs.migration.engine.MigrationEngine;
import io.webmacs.migration.engine.OfflineSql;
import io.webmacs.migration.engine.RevisionChecklist;
import io.webmacs.migration.engine.RevisionFile;
import io.webmacs.migration.engine.ServerErrors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine;

/** {@code webmacs-migrate}: the WebMACS schema migrations, with the verbs Alembic users know. */
// scope INHERIT: every command answers --help (and --version) too.
@Command(name = "webmacs-migrate", mixinStandardHelpOptions = true, versionProvider = WebmacsMigrate.Version.class,
        scope = ScopeType.INHERIT, sortOptions = false, usageHelpAutoWidth = true,
        description = "Migrates a WebMACS PostgreSQL database with Liquibase, and waits for a DatabaseMigration. Exit codes:"
                + " 0 done, 1 a changeset failed, 2 bad input, 3 database unreachable or login refused, 4 migration lock not"
                + " obtained in time, or (behind a pooler) lost, 5 a table lock not obtained within --ddl-lock-budget, 6 the"
                + " schema differs from the changelog's (check), 7 the server broke a changeset off for a passing reason"
                + " (deadlock, serialization failure, resources; run again); for wait and approve, see their --help.")
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

    @Option(names = MigrateCommand.CHANGELOG, scope = ScopeType.INHERIT, paramLabel = "PATH",
            description = "A Liquibase changelog file. Default: the built-in WebMACS changelog.")
    Path changelogPath;

    @Option(names = MigrateCommand.CHANGELOG_EXTENSION, scope = ScopeType.INHERIT, paramLabel = "PATH",
            description = "A Liquibase changelog whose revisions continue the built-in one after its head, each ending in a"
                    + " tagDatabase changeset named after its Alembic revision id; alembic_version follows them. Not with "
                    + MigrateCommand.CHANGELOG + ".")
    Path extensionPath;

    @Option(names = "--output", scope = ScopeType.INHERIT, defaultValue = "text", description = "text or json. Default: ${DEFAULT-VALUE}.")
    ResultWriter.Format output;

    @Option(names = MigrateCommand.RESULT_FILE, scope = ScopeType.INHERIT, paramLabel = "PATH",
            description = "Also write the JSON result here (e.g. /dev/termination-log).")
    Path resultFile;

    @Option(names = "--lock-timeout", scope = ScopeType.INHERIT, defaultValue = "5m", paramLabel = "DURATION",
            converter = DurationConverter.LockTimeout.class, description = "How long to wait while another run migrates the"
                    + " same database, e.g. 300s, 5m, or a number of seconds; 0 tries once. From 0s to 24h."
                    + " Default: ${DEFAULT-VALUE}.")
    Duration lockTimeout;

    @Mixin
    DdlLockOptions ddlLocks;

    @Option(names = "--no-fast-path", scope = ScopeType.INHERIT, description = "Always start Liquibase, also where the"
            + " built-in changelog's index shows there is nothing to do (current, upgrade to where the database is).")
    boolean noFastPath;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Log what Liquibase does to stderr, and show the"
            + " query text of sessions that block a changeset.")
    boolean verbose;

    private final Map<String, String> environment;
    private final PrintStream out;
    private final PrintStream err;
    private ConnectionSettings connection;
    /** The changelog, parsed once: the fast path with an extension needs it too. */
    private Changelog changelog;
    /** check's --dev-url; its password is one of the secrets no output shows. */
    private String devUrl;

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
                    return cli.writer().report(Results.failed(command, usage, 0), usage);
                });
        return commandLine.execute(args);
    }

    private static String commandName(CommandLine commandLine) {
        return commandLine.getCommandName().equals("webmacs-migrate") ? "" : commandLine.getCommandName();
    }

    @Command(name = "upgrade", description = "Apply pending changesets up to REVISION (default head), adopting an"
            + " existing WebMACS database first.")
    int upgrade(@Parameters(arity = "0..1", defaultValue = Changelog.HEAD, paramLabel = "REVISION") String revision,
            @Option(names = MigrateCommand.PLAN_HASH, paramLabel = "HASH", description = PLAN_HASH) String planHash,
            @Option(names = Phase.OPTION, defaultValue = "all", paramLabel = "PHASE", description = PHASE) Phase phase) {
        return withEngine(Verb.UPGRADE, phase, position -> position.isAt(revision), engine -> engine.upgrade(revision, phase, planHash));
    }

    @Command(name = "downgrade", description = "Roll back to REVISION (or base), or N revisions with -N. Refuses,"
            + " changing nothing, when a step would fail half-way.")
    int downgrade(@Parameters(paramLabel = "REVISION|-N", converter = RevisionOrSteps.class) String revision,
            @Option(names = MigrateCommand.PLAN_HASH, paramLabel = "HASH", description = PLAN_HASH) String planHash) {
        return withEngine(Verb.DOWNGRADE, null, NEVER, engine -> engine.downgrade(revision, planHash));
    }

    @Command(name = "plan", description = "Show what an upgrade to REVISION (default head), or a downgrade to a lower one,"
            + " would do: the revisions and changesets in order, their SQL, destructive steps, data migrations and the table"
            + " locks with row estimates, and the plan's hash to approve. Reads only.")
    int plan(@Parameters(arity = "0..1", defaultValue = Changelog.HEAD, paramLabel = "REVISION") String revision,
            @Option(names = Phase.OPTION, defaultValue = "all", paramLabel = "PHASE", description = PHASE) Phase phase) {
        return withEngine(Verb.PLAN, phase, NEVER, engine -> engine.plan(revision, phase));
    }

    @Command(name = "current", description = "Print the revision the database is at.")
    int current() {
        return withEngine(Verb.CURRENT, null, position -> true, MigrationEngine::status);
    }

    @Command(name = "history", description = "List applied revisions with when they ran, then pending ones.")
    int history() {
        return withEngine(Verb.HISTORY, null, NEVER, MigrationEngine::status);
    }

    @Command(name = "stamp", description = "Record REVISION as applied without running anything.")
    int stamp(@Parameters(paramLabel = "REVISION") String revision) {
        return withEngine(Verb.STAMP, null, NEVER, engine -> engine.stamp(revision));
    }

    @Command(name = "sql", description = "Print the SQL an upgrade to REVISION (default head) would run, each changeset"
            + " named with its phase; with no database given, for an empty database, offline.")
    int sql(@Parameters(arity = "0..1", defaultValue = Changelog.HEAD, paramLabel = "REVISION") String revision,
            @Option(names = Phase.OPTION, defaultValue = "all", paramLabel = "PHASE", description = PHASE) Phase phase) {
        return guarded(Verb.SQL, () -> {
            Changelog changelog = changelog();
            ByteArrayOutputStream sql = new ByteArrayOutputStream();
            if (connection().url() == null) {
                OfflineSql.write(changelog, revision, phase, sql);
            } else {
                try (MigrationEngine engine = connect(connection().target(), changelog)) {
                    engine.sql(revision, phase, sql);
                }
            }
            out.print(SqlReport.of(sql.toString(StandardCharsets.UTF_8), changelog));
            out.flush();
            return 0;
        });
    }

    @Command(name = "check", description = "Compare the schema with the one the changelog defines at the database's"
            + " revision (tables, columns, constraints, indexes, enum types, sequences). Reads only: the expected schema is"
            + " built in a scratch schema that is rolled back. Exit 6 when they differ.")
    int check(@Option(names = "--dev-url", paramLabel = "URL", description = "Build the expected schema on this database"
            + " instead (same forms as --url; its own credentials, else $DEV_DATABASE_USERNAME and $DEV_DATABASE_PASSWORD, else"
            + " the target's); needed with a custom --changelog. Nothing is kept there either. Default: $DEV_DATABASE_URL.")
            String devUrl) {
        this.devUrl = devUrl;
        return withEngine(Verb.CHECK, null, NEVER, engine -> engine.check(connection().devTarget()));
    }

    @Command(name = "revision", sortOptions = false, description = {
        "Import the Alembic revision REV (an id, or head) of the scripts in VERSIONS_DIR as the next revision of the"
                + " changelog extension: Alembic's own offline mode writes its SQL (upgrade and downgrade), run by --python"
                + " with a generated env that imports nothing of the application; the SQL goes into REVISION.xml beside the"
                + " extension, as one changeset with its rollback and the tag changeset REVISION, and the extension includes it"
                + " (it is created when missing). Needs no database.",
        "REVISION is the Alembic id when it reads as WebMACS's own (006_my_new_table), else the next number and the"
                + " message (006_add_my_new_table). The review checklist (type and constraint changes, foreign keys without"
                + " ON DELETE or without an index, NOT NULL columns added without a default, dropped columns and tables) is"
                + " printed as warnings; with --strict they exit 2 and nothing is written."})
    int revision(
            @Option(names = "--from-alembic", arity = "2", required = true, paramLabel = "VERSIONS_DIR REV",
                    description = "The folder of the Alembic revision files (WebMACS's backend/alembic/versions), and the"
                    + " revision to import.") String[] fromAlembic,
            @Option(names = "--python", defaultValue = "python3", paramLabel = "PYTHON",
                    description = "The Python that has Alembic. Default: ${DEFAULT-VALUE}.") String python,
            @Option(names = "--strict", description = "Findings of the review exit 2, and nothing is written.") boolean strict) {
        long started = System.nanoTime();
        return guarded(Verb.REVISION, () -> {
            Path extension = extensionPath;
            if (extension == null) {
                throw new MigrationException(Failure.USAGE, "revision needs " + MigrateCommand.CHANGELOG_EXTENSION
                        + " PATH: the XML changelog that extends the built-in one, where the revision goes.");
            }
            AlembicRevision alembic = AlembicRevision.read(python, Path.of(fromAlembic[0]), fromAlembic[1]);
            String tag = RevisionFile.tagFor(alembic, extension);
            List<Finding> findings = RevisionChecklist.review(tag + "::" + RevisionFile.AUTHOR, alembic.upgrade());
            MigrationException refused = strict && !findings.isEmpty() ? new MigrationException(Failure.REVIEW_FINDINGS, "The"
                    + " revision has " + findings.size() + " review finding(s) and --strict is set: nothing was written. Change the"
                    + " Alembic revision, or import it without --strict.") : null;
            String file = refused == null ? RevisionFile.write(alembic, tag, extension).file().toString() : null;
            RevisionResult result = RevisionResult.of(tag, alembic.id(), file, extension.toString(), findings,
                    millisSince(started), refused);
            return writer().finish(result, result.text(), refused);
        }, e -> RevisionResult.failed(e, millisSince(started)));
    }

    @Command(name = "wait", sortOptions = false, description = {
        "Wait until the DatabaseMigration NAME is Ready for its current generation: status.observedGeneration equals"
                + " metadata.generation and the Ready condition is True (and, when the condition says which generation it"
                + " is for, that is the current one too). Then print: NAME is Ready at REVISION (generation N).",
        "A DatabaseMigration that does not exist yet is waited for. Stalled=True for the current generation ends the wait"
                + " at once. What it sees on the way goes to stderr. Drifted=True (spec.driftCheck found schema drift) is a"
                + " warning on stderr and in the JSON result's drift; the wait still succeeds. Needs get, list and watch on"
                + " databasemigrations.migrations.webmacs.io; reads no Secret.",
        "Exit codes: 0 Ready, 1 Stalled, 2 bad input, 3 Kubernetes API unreachable, access refused or bad kubeconfig,"
                + " 4 not Ready within --timeout."})
    int waitUntilReady(
            @Parameters(paramLabel = "NAME", description = "The DatabaseMigration.") String name,
            @Option(names = "--timeout", defaultValue = "5m", paramLabel = "DURATION", converter = DurationConverter.WaitTimeout.class,
                    description = "How long to wait, e.g. 300s, 5m, 1h30m, or a number of seconds; from 1s to 24h."
                    + " Default: ${DEFAULT-VALUE}.") Duration timeout,
            @Mixin KubernetesOptions kubernetes) {
        long started = System.nanoTime();
        return guarded(Verb.WAIT, () -> {
            WaitForReady.Outcome outcome = WaitForReady.await(name, kubernetes.namespace, timeout, kubernetes.kubeconfig,
                    environment, err::println);
            return writer().finish(outcome.result(), outcome.text(), outcome.failure());
        }, e -> WaitResult.failed(name, kubernetes.namespace, e, millisSince(started)));
    }

    @Command(name = "approve", sortOptions = false, description = {
        "Approve the plan the DatabaseMigration NAME awaits (approval.mode Manual, Reconciling reason AwaitingApproval):"
                + " print the plan with its SQL from the ConfigMap status.plan.configMap, then set the annotation"
                + " migrations.webmacs.io/approved-plan to status.plan.hash. Needs get and patch on"
                + " databasemigrations.migrations.webmacs.io and get on configmaps; reads no Secret.",
        "Exit codes: 0 approved, 2 nothing awaits approval or the plan is not --hash (PlanChanged), 3 Kubernetes API"
                + " unreachable, access refused or bad kubeconfig."})
    int approve(
            @Parameters(paramLabel = "NAME", description = "The DatabaseMigration.") String name,
            @Option(names = "--hash", paramLabel = "HASH", description = "Approve only if the awaited plan has this hash,"
                    + " the one you reviewed.") String hash,
            @Mixin KubernetesOptions kubernetes) {
        long started = System.nanoTime();
        return guarded(Verb.APPROVE, () -> {
            ApprovePlan.Outcome outcome = ApprovePlan.approve(name, kubernetes.namespace, hash, kubernetes.kubeconfig,
                    environment);
            return writer().finish(outcome.result(), outcome.text(), outcome.failure());
        }, e -> ApproveResult.failed(name, kubernetes.namespace, e, millisSince(started)));
    }

    private static final Predicate<IndexedHistory.Position> NEVER = position -> false;
    private static final String PHASE = "expand: the pending changesets that keep the previous application working,"
            + " tags included; contract: the pending changesets labelled contract, which remove what only the previous"
            + " application uses (refused, changing nothing, until expand is complete up to REVISION); all: both, in changelog"
            + " order. Default: ${DEFAULT-VALUE}.";
    private static final String PLAN_HASH = "Run only if the plan is still the one with this hash (see: plan); otherwise"
            + " change nothing and fail with PlanChanged.";

    private interface EngineCommand {
        MigrationEngine.Outcome run(MigrationEngine engine) throws SQLException;
    }

    private interface CommandBody {
        int run() throws Exception;
    }

    /**
     * Runs {@code work} on the engine; but when the built-in changelog's index shows the database at a position where
     * {@code answered} says there is nothing to do, answers from that alone, without starting Liquibase. {@code phase}
     * is the command's, or null.
     */
    private int withEngine(Verb verb, Phase phase, Predicate<IndexedHistory.Position> answered, EngineCommand work) {
        long started = System.nanoTime();
        return guarded(verb, () -> {
            DatabaseTarget target = connection().target();
            if (changelogPath == null && !noFastPath) {
                Optional<IndexedHistory.Position> position = (extensionPath == null ? IndexedHistory.read(target)
                        : IndexedHistory.read(target, changelog())).filter(answered);
                if (position.isPresent()) {
                    MigrationResult result = Results.at(verb, phase, position.get(), millisSince(started));
                    return writer().finish(result, TextReport.of(verb, result), null);
                }
            }
            Changelog changelog = changelog();
            try (MigrationEngine engine = connect(target, changelog)) {
                MigrationEngine.Outcome outcome = work.run(engine);
                MigrationResult result = Results.of(verb, phase, changelog, outcome, millisSince(started));
                return writer().finish(result, TextReport.of(verb, result), outcome.failure());
            }
        });
    }

    private int guarded(Verb verb, CommandBody body) {
        long started = System.nanoTime();
        return guarded(verb, body, e -> Results.failed(verb.word(), e, millisSince(started)));
    }

    /** Runs a command body; any failure becomes one error line, a JSON result and its exit code. */
    private int guarded(Verb verb, CommandBody body, Function<MigrationException, Object> failedResult) {
        // Off unless --verbose: a failure ends in one error line, and the DDL lock guard says what it waits for.
        LIQUIBASE_LOG.setLevel(verbose ? Level.INFO : Level.OFF);
        try {
            return body.run();
        } catch (MigrationException e) {
            return writer().report(failedResult.apply(e), e);
        } catch (Exception e) {
            MigrationException unexpected = ServerErrors.failure(e, "Unexpected failure", Failure.CHANGESET_FAILED);
            return writer().report(failedResult.apply(unexpected), unexpected);
        }
    }

    /** The changelog the options name: the built-in one, a custom one, or the built-in one with an extension. */
    private Changelog changelog() {
        if (changelogPath != null && extensionPath != null) {
            throw new MigrationException(Failure.USAGE, MigrateCommand.CHANGELOG + " replaces the built-in changelog and "
                    + MigrateCommand.CHANGELOG_EXTENSION + " continues it: give one of them.");
        }
        if (changelog == null) {
            changelog = extensionPath == null ? Changelog.load(changelogPath) : Changelog.extended(extensionPath);
        }
        return changelog;
    }

    /** The database settings, resolved once picocli has set the options. */
    private ConnectionSettings connection() {
        if (connection == null) {
            connection = ConnectionSettings.resolve(url, devUrl, username, password, environment);
        }
        return connection;
    }

    private ResultWriter writer() {
        return new ResultWriter(output, resultFile, connection().secrets(), out, err);
    }

    /**
     * The engine on {@code target}, with the options' lock settings; what the DDL lock guard waits for goes to stderr,
     * without a secret.
     */
    private MigrationEngine connect(DatabaseTarget target, Changelog changelog) {
        ResultWriter writer = writer();
        return MigrationEngine.connect(target, changelog, lockTimeout, ddlLocks.settings(verbose),
                line -> err.println(writer.redact(line)));
    }

    private static long millisSince(long started) {
        return Duration.ofNanos(System.nanoTime() - started).toMillis();
    }

    /**
     * {@code --version}: this tool's and Liquibase's versions, which the build writes next to this class. picocli asks
     * for them on every command; reading them from Liquibase's own jar meant starting Liquibase, or searching the
     * image's whole class path for its build properties.
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties versions = new Properties();
            try (InputStream in = WebmacsMigrate.class.getResourceAsStream("version.properties")) {
                versions.load(in);
            }
            return new String[] {"webmacs-migrate " + versions.getProperty("version") + " (Liquibase "
                    + versions.getProperty("liquibase") + ", Apache-2.0)"};
        }
    }
}
