package io.webmacs.migration.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code release/publish.sh} and what it runs besides podman: cosign and the helm CLI, which test/release-tools/build.sh
 * builds from their Go modules. The script finds them first on its PATH; the tests verify with the same cosign.
 */
final class Release {

    static final String BUILD_COMMAND = "test/release-tools/build.sh";
    static final Path SCRIPT = Path.of("release", "publish.sh").toAbsolutePath();
    private static final Path TOOLS = Path.of(Optional.ofNullable(System.getenv("WEBMACS_RELEASE_TOOLS_DIR"))
            .orElse(System.getProperty("user.home") + "/.cache/webmacs-release-tools"));

    /** What publish.sh printed on stdout: the image and the chart it published, each as REPOSITORY@DIGEST. */
    record Published(String image, String chart) {

        static Published of(String stdout) {
            return new Published(field(stdout, "image"), field(stdout, "chart"));
        }

        private static String field(String stdout, String name) {
            return stdout.lines().filter(line -> line.startsWith(name + " ")).map(line -> line.substring(name.length() + 1))
                    .findFirst().orElseThrow(() -> new IllegalStateException("publish.sh printed no " + name + ": " + stdout));
        }

        String imageDigest() {
            return image.substring(image.indexOf('@') + 1);
        }
    }

    /** A cosign key pair, made by {@code cosign generate-key-pair} with {@code password}. */
    record SigningKey(Path privateKey, Path publicKey, String password) {

        static SigningKey generate(Path dir, String password) {
            try {
                Files.createDirectories(dir);
                ControlPlane.Result made = run(List.of(tool("cosign"), "generate-key-pair", "--output-key-prefix", dir.resolve("cosign").toString()),
                        Map.of("COSIGN_PASSWORD", password));
                if (made.exitCode() != 0) {
                    throw new IllegalStateException("cosign generate-key-pair failed: " + made.output());
                }
                return new SigningKey(dir.resolve("cosign.key"), dir.resolve("cosign.pub"), password);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The environment publish.sh takes the key from: the key itself and its password, never on a command line. */
        Map<String, String> environment() {
            try {
                return Map.of("COSIGN_KEY", Files.readString(privateKey), "COSIGN_PASSWORD", password);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private Release() {
    }

    /** Why publish.sh cannot run here, if it cannot. */
    static Optional<String> unavailable() {
        return Stream.of("cosign", "helm").filter(name -> !Files.isExecutable(TOOLS.resolve(name))).findFirst()
                .map(name -> TOOLS.resolve(name) + " is missing; build it with " + BUILD_COMMAND);
    }

    /** Runs {@code release/publish.sh ARGS} with {@code environment} added; its stdout, with its stderr in {@code errors}. */
    static ControlPlane.Result publish(List<String> args, Map<String, String> environment, Path errors) {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(args);
        ProcessBuilder builder = withTools(new ProcessBuilder(command), environment).redirectError(errors.toFile());
        return ControlPlane.Result.of(builder);
    }

    /** Runs cosign ARGS; stdout and stderr together. */
    static ControlPlane.Result cosign(String... args) {
        List<String> command = new ArrayList<>(List.of(tool("cosign")));
        command.addAll(List.of(args));
        return run(command, Map.of());
    }

    private static ControlPlane.Result run(List<String> command, Map<String, String> environment) {
        return ControlPlane.Result.of(withTools(new ProcessBuilder(command), environment).redirectErrorStream(true));
    }

    /** {@code builder} with the built cosign and helm first on its PATH, and {@code environment} added. */
    private static ProcessBuilder withTools(ProcessBuilder builder, Map<String, String> environment) {
        builder.environment().put("PATH", TOOLS + ":" + System.getenv("PATH"));
        builder.environment().putAll(environment);
        return builder;
    }

    private static String tool(String name) {
        return TOOLS.resolve(name).toString();
    }
}
