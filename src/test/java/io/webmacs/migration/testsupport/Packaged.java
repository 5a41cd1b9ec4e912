package io.webmacs.migration.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The artifacts {@code ./mvnw package} builds, each started in its own JVM as a container would start it. */
public final class Packaged {

    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    public static final Path CLI = Path.of("target", "webmacs-migrate.jar");
    public static final Path OPERATOR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private Packaged() {
    }

    /** {@code java -jar target/webmacs-migrate.jar ARGS} with {@code env}, its output appended to {@code log}. */
    public static Process cli(List<String> args, Map<String, String> env, Path log) {
        List<String> command = new ArrayList<>(List.of(JAVA.toString(), "-jar", CLI.toString()));
        command.addAll(args);
        return start(command, env, log);
    }

    /** The operator, {@code java -jar target/quarkus-app/quarkus-run.jar} (prod profile), its output appended to {@code log}. */
    public static Process operator(Map<String, String> env, Path log) {
        return start(List.of(JAVA.toString(), "-jar", OPERATOR.toString()), env, log);
    }

    private static Process start(List<String> command, Map<String, String> env, Path log) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // A container sees its own environment only, not the test JVM's.
        builder.environment().keySet().retainAll(List.of("PATH"));
        builder.environment().putAll(env);
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
