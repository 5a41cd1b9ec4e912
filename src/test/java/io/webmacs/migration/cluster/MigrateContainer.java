package io.webmacs.migration.cluster;

import io.webmacs.migration.runner.WebmacsMigrate;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** How the tests run a migrate container: webmacs-migrate with the container's args and env; returns its exit code. */
@FunctionalInterface
public interface MigrateContainer {

    /** {@code java -jar target/webmacs-migrate.jar} in its own JVM, as the image runs it; killed if the caller is interrupted. */
    MigrateContainer PACKAGED = (args, env, log) -> {
        Process process = Packaged.cli(args, env, log);
        try {
            return process.waitFor();
        } finally {
            process.destroyForcibly();
        }
    };

    /** webmacs-migrate's entry point in this JVM: quick, for tests and benchmarks of the operator rather than the CLI. */
    MigrateContainer IN_PROCESS = (args, env, log) -> {
        try (PrintStream out = new PrintStream(new FileOutputStream(log.toFile(), true), true, StandardCharsets.UTF_8)) {
            return WebmacsMigrate.run(args.toArray(String[]::new), env, out, out);
        }
    };

    /** Runs it, its output appended to {@code log}. */
    int run(List<String> args, Map<String, String> env, Path log) throws IOException, InterruptedException;
}
