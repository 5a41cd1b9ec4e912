package io.webmacs.migration.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Debian's containerd with its CRI plugin, as the node's container runtime: its state and socket under the node's run
 * directory, its images in a store kept across runs, runc as the runtime, the CNI plugins of Debian's
 * containernetworking-plugins for the pods' network, and {@link Node#PAUSE_IMAGE} as every pod's sandbox. Images come
 * from podman, or from a registry configured as a node's administrator does it, with a {@code hosts.toml} in its
 * registry configuration directory ({@code config_path}, {@link #pullFromPlainHttp}). This machine refuses a negative
 * {@code oom_score_adj}, which the kubelet asks for its pods' sandboxes (-998): containerd's
 * {@code restrict_oom_score_adj} keeps each at least containerd's own (0).
 */
final class Containerd {

    /** Where images are kept across runs, so that only a changed image is imported again. */
    private static final Path IMAGE_STORE = Path.of(System.getProperty("user.home"), ".cache", "webmacs-node", "containerd");
    private static final String NAMESPACE = "k8s.io";

    private final Path state;
    private final Path registries;
    private final Daemon daemon;

    private Containerd(Path state, Path registries, Daemon daemon) {
        this.state = state;
        this.registries = registries;
        this.daemon = daemon;
    }

    /** Starts containerd with its state in {@code runDir}, its pods on {@code cniConfig}, its log in {@code logDir}. */
    static Containerd start(Path runDir, String cniConfig, Path logDir) throws IOException {
        Path state = Files.createDirectories(runDir.resolve("containerd"));
        Path cni = Files.createDirectories(runDir.resolve("cni"));
        Files.writeString(cni.resolve("10-webmacs-node.conflist"), cniConfig);
        Path registries = Files.createDirectories(runDir.resolve("certs.d"));
        Path config = Files.writeString(runDir.resolve("containerd.toml"), """
                version = 2
                root = "%s"
                state = "%s"
                oom_score = 0
                [grpc]
                  address = "%s"
                [plugins."io.containerd.internal.v1.opt"]
                  path = "%s"
                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "%s"
                  restrict_oom_score_adj = true
                  netns_mounts_under_state_dir = true
                  [plugins."io.containerd.grpc.v1.cri".registry]
                    config_path = "%s"
                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = "/usr/lib/cni"
                    conf_dir = "%s"
                  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                    runtime_type = "io.containerd.runc.v2"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                      Root = "%s"
                """.formatted(Files.createDirectories(IMAGE_STORE), state, state.resolve("containerd.sock"), runDir.resolve("opt"),
                Node.PAUSE_IMAGE, registries, cni, runDir.resolve("runc")));
        Containerd containerd = new Containerd(state, registries, Daemon.start("containerd", logDir.resolve("containerd.log"),
                List.of("containerd", "--config", config.toString())));
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> containerd.ctr("version").exitCode() == 0);
        } catch (RuntimeException e) {
            containerd.daemon.stop(); // else it keeps the image store locked, and the next node's containerd waits on it
            throw e;
        }
        return containerd;
    }

    /** The CRI endpoint, for the kubelet. */
    String endpoint() {
        return "unix://" + state.resolve("containerd.sock");
    }

    long pid() {
        return daemon.pid();
    }

    /**
     * Makes the store hold exactly {@code images}, as podman has them now: an image podman rebuilt is imported again
     * ({@code podman save}, {@code ctr images import}), and images no longer wanted are removed.
     */
    void holdExactly(List<String> images) {
        List<String> held = ctr("images", "ls", "-q").lines();
        List<String> wanted = new ArrayList<>(images);
        for (String image : images) {
            String id = "sha256:" + podman("image", "inspect", "--format", "{{.Id}}", image).trim();
            wanted.add(id);
            if (!held.contains(id) || !held.contains(image)) {
                importFromPodman(image);
            }
        }
        List<String> unwanted = ctr("images", "ls", "-q").lines().stream().filter(ref -> !wanted.contains(ref)).toList();
        if (!unwanted.isEmpty()) {
            ctr(Stream.concat(Stream.of("images", "rm"), unwanted.stream()).toArray(String[]::new));
        }
    }

    private void importFromPodman(String image) {
        try {
            List<Process> pipeline = ProcessBuilder.startPipeline(List.of(
                    Podman.command(List.of("save", "--format", "docker-archive", image)),
                    new ProcessBuilder(ctrCommand("images", "import", "-")).redirectErrorStream(true)));
            Process importer = pipeline.get(1);
            String output = new String(importer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (importer.waitFor() != 0 || pipeline.get(0).waitFor() != 0) {
                throw new IllegalStateException("cannot import " + image + " from podman into containerd: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Lets the node pull from the registry {@code host} ({@code address:port}) over plain HTTP, as a node's administrator
     * does: {@code hosts.toml} in the directory named after it. containerd reads it at each pull; nothing restarts.
     */
    void pullFromPlainHttp(String host) {
        try {
            Path dir = Files.createDirectories(registries.resolve(host));
            Files.writeString(dir.resolve("hosts.toml"), """
                    server = "http://%s"
                    [host."http://%s"]
                      capabilities = ["pull", "resolve"]
                    """.formatted(host, host));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The ids of the containers that have a running process (a task): none once the kubelet has stopped every pod. */
    List<String> runningContainers() {
        return ctr("tasks", "ls", "-q").lines();
    }

    /** The process id of container {@code id}, as this machine sees it. */
    long pid(String id) {
        return ctr("tasks", "ls").lines().stream().map(line -> line.trim().split("\\s+")).filter(columns -> columns[0].equals(id))
                .map(columns -> Long.parseLong(columns[1])).findFirst()
                .orElseThrow(() -> new IllegalStateException("container " + id + " runs no process"));
    }

    /** Stops containerd, having first deleted its containers (processes, then records), so that only images stay. */
    void stop() {
        for (String task : runningContainers()) {
            ctr("tasks", "kill", "--signal", "SIGKILL", task);
            ctr("tasks", "delete", "--force", task);
        }
        List<String> containers = ctr("containers", "ls", "-q").lines();
        if (!containers.isEmpty()) {
            ctr(Stream.concat(Stream.of("containers", "delete"), containers.stream()).toArray(String[]::new));
        }
        daemon.stop();
    }

    /** ctr's output; a failure is the caller's to judge by the exit code. */
    ControlPlane.Result ctr(String... args) {
        return ControlPlane.Result.of(ctrCommand(args));
    }

    private List<String> ctrCommand(String... args) {
        List<String> command = new ArrayList<>(List.of("ctr", "--address", state.resolve("containerd.sock").toString(), "--namespace", NAMESPACE));
        command.addAll(List.of(args));
        return command;
    }

    private static String podman(String... args) {
        ControlPlane.Result result = ControlPlane.Result.of(Podman.command(List.of(args)));
        if (result.exitCode() != 0) {
            throw new IllegalStateException("podman " + String.join(" ", args) + " failed: " + result.output());
        }
        return result.output();
    }

    /** Of the commands and CNI plugins the node needs (Debian's containerd, runc, containernetworking-plugins, iptables), those missing here. */
    static List<String> missing() {
        Stream<String> commands = Stream.of("containerd", "ctr", "runc", "iptables", "ip").filter(command -> Stream.of(System.getenv("PATH")
                .split(":")).noneMatch(dir -> Files.isExecutable(Path.of(dir, command))));
        Stream<String> plugins = Stream.of("bridge", "host-local", "loopback", "portmap").map(plugin -> "/usr/lib/cni/" + plugin)
                .filter(plugin -> !Files.isExecutable(Path.of(plugin)));
        return Stream.concat(commands, plugins).toList();
    }
}
