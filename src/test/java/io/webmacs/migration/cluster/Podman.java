package io.webmacs.migration.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** podman as it works on this kind of machine: runc, the cgroupfs manager and no default ulimits (setrlimit is refused). */
public final class Podman {

    private static final Path CONF = Path.of("target", "containers.conf").toAbsolutePath();

    private Podman() {
    }

    /** {@code podman ARGS}, ready to start. */
    public static ProcessBuilder command(List<String> args) {
        List<String> command = new ArrayList<>(List.of("podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs"));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("CONTAINERS_CONF", containersConf().toString());
        return builder;
    }

    /** Why podman cannot run {@code image} here, if it cannot. */
    public static Optional<String> unavailable(String image) {
        return hasImage(image) ? Optional.empty() : Optional.of("podman does not hold " + image + "; build it with image/build.sh");
    }

    /** Whether podman is installed and holds {@code image}. */
    public static boolean hasImage(String image) {
        try {
            return command(List.of("image", "exists", image)).start().waitFor() == 0;
        } catch (IOException e) {
            return false; // no podman
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Path containersConf() {
        try {
            if (!Files.exists(CONF)) {
                Files.createDirectories(CONF.getParent());
                Files.writeString(CONF, "[containers]\ndefault_ulimits = []\n");
            }
            return CONF;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
