package io.webmacs.migration.testsupport;

import io.webmacs.migration.cli.WebmacsMigrate;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** How the tests run a migrate container: webmacs-migrate with the container's args, env and volumes; returns its exit code. */
@FunctionalInterface
public interface ContainerRunner {

    /** {@code java -jar target/webmacs-migrate.jar} in its own JVM, as the image runs it; killed if the caller is interrupted. */
    ContainerRunner PACKAGED = (inputs, log) -> {
        Process process = Packaged.cli(inputs.argsOnThisMachine(), inputs.env(), log);
        try {
            return process.waitFor();
        } finally {
            process.destroyForcibly();
        }
    };

    /** webmacs-migrate's entry point in this JVM: quick, for tests and benchmarks of the operator rather than the CLI. */
    ContainerRunner IN_PROCESS = (inputs, log) -> {
        try (PrintStream out = new PrintStream(new FileOutputStream(log.toFile(), true), true, StandardCharsets.UTF_8)) {
            return WebmacsMigrate.run(inputs.argsOnThisMachine().toArray(String[]::new), inputs.env(), out, out);
        }
    };

    /** Runs the container {@code inputs} prepared, its output appended to {@code log}. */
    int run(ContainerInputs inputs, Path log) throws IOException, InterruptedException;
}
