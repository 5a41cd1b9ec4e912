package io.webmacs.migration.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webmacs.migration.cli.WebmacsMigrate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Runs webmacs-migrate in this JVM, exactly as its main method would, and keeps what it printed. */
public final class Cli {

    /** One finished run. */
    public record Run(int exitCode, String out, String err) {
        public JsonNode json() {
            try {
                return new ObjectMapper().readTree(out);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + out, e);
            }
        }

        public List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    private final Map<String, String> environment = new HashMap<>();
    private final List<String> globalArgs = new ArrayList<>();

    /** A CLI pointed at {@code db} through --url/--username/--password. */
    public static Cli against(TestDatabase db) {
        return new Cli().args("--url", db.jdbcUrl(), "--username", TestDatabase.USER, "--password", TestDatabase.PASSWORD);
    }

    public static Cli withoutDatabase() {
        return new Cli();
    }

    public Cli env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    public Cli args(String... args) {
        globalArgs.addAll(List.of(args));
        return this;
    }

    public Run run(String... command) {
        return run(command, new ByteArrayOutputStream());
    }

    /** Runs {@code command} in another thread, for commands that wait; what it printed on stderr shows as it goes. */
    public Running start(String... command) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        return new Running(CompletableFuture.supplyAsync(() -> run(command, err)), err);
    }

    /** A run in another thread. */
    public record Running(CompletableFuture<Run> finished, ByteArrayOutputStream err) {
        public String errSoFar() {
            return err.toString(StandardCharsets.UTF_8);
        }
    }

    private Run run(String[] command, ByteArrayOutputStream err) {
        List<String> args = new ArrayList<>(globalArgs);
        args.addAll(List.of(command));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exitCode = WebmacsMigrate.run(args.toArray(String[]::new), environment,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs {@code command} and fails the test unless it exits 0. */
    public Run ok(String... command) {
        Run run = run(command);
        if (run.exitCode() != 0) {
            throw new AssertionError("webmacs-migrate " + String.join(" ", command) + " exited " + run.exitCode()
                    + "\nstdout: " + run.out() + "\nstderr: " + run.err());
        }
        return run;
    }
}
