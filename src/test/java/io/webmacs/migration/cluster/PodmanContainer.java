package io.webmacs.migration.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A pod's container run as a real container of its image, with podman and runc, honouring the pod spec as a kubelet
 * would: command and args, env (through an env file, so no Secret shows in a process list), the container's volumes
 * and a file of this machine at its terminationMessagePath, the user from the security context (else the image's),
 * runAsNonRoot, a read-only root filesystem, dropped and added capabilities, and no privilege escalation. All
 * containers use the host's network.
 */
final class PodmanContainer {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PodmanContainer() {
    }

    /** Starts the container {@code inputs} prepared; its output goes to {@code log}. */
    static Started start(ContainerInputs inputs, Path log) throws IOException, InterruptedException {
        Container container = inputs.container();
        String user = user(inputs);
        if (runAsNonRoot(inputs) && !isNonRootUid(user)) {
            // The kubelet reports this as CreateContainerConfigError; no pod of these tests should come here.
            throw new IllegalStateException("container has runAsNonRoot and image will run as " + (user.isEmpty() ? "root" : user));
        }
        String name = "k8s_" + container.getName() + "_" + inputs.pod().getMetadata().getName() + "_" + UUID.randomUUID().toString().substring(0, 8);
        List<String> run = new ArrayList<>(List.of("run", "--rm", "--name", name, "--network=host",
                "--hostname", inputs.pod().getMetadata().getName(), "--user", user,
                "--env-file", envFile(inputs).toString()));
        SecurityContext security = Optional.ofNullable(container.getSecurityContext()).orElseGet(SecurityContext::new);
        if (Boolean.TRUE.equals(security.getReadOnlyRootFilesystem())) {
            run.add("--read-only");
        }
        if (Boolean.FALSE.equals(security.getAllowPrivilegeEscalation())) {
            run.add("--security-opt=no-new-privileges");
        }
        Capabilities capabilities = Optional.ofNullable(security.getCapabilities()).orElseGet(Capabilities::new);
        capabilities.getDrop().forEach(cap -> run.add("--cap-drop=" + cap));
        capabilities.getAdd().forEach(cap -> run.add("--cap-add=" + cap));
        for (VolumeMount mount : container.getVolumeMounts()) {
            run.add("--volume=" + inputs.mounts().get(mount.getMountPath()) + ":" + mount.getMountPath()
                    + (Boolean.TRUE.equals(mount.getReadOnly()) ? ":ro" : ""));
        }
        run.add("--volume=" + inputs.terminationLog() + ":" + inputs.terminationMessagePath());
        if (!container.getCommand().isEmpty()) {
            run.add("--entrypoint=" + JSON.writeValueAsString(container.getCommand()));
        }
        run.add(container.getImage());
        run.addAll(container.getArgs());
        return new Started(name, podman(run, log));
    }

    /** A container started: its name and the podman process attached to it. */
    record Started(String name, Process process) {

        /** Waits for the container to exit; removes it if this thread is interrupted first. */
        int waitFor() throws InterruptedException {
            try {
                return process.waitFor();
            } finally {
                if (process.isAlive()) {
                    stop();
                }
            }
        }

        /** Stops the container at once, as a pod deletion with no grace period does. */
        void stop() {
            try {
                podman(List.of("rm", "--force", "--time", "0", name)).waitFor(30, TimeUnit.SECONDS);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The user the container runs as: its security context's, else the pod's, else the image's own. */
    private static String user(ContainerInputs inputs) throws IOException, InterruptedException {
        PodSecurityContext pod = Optional.ofNullable(inputs.pod().getSpec().getSecurityContext()).orElseGet(PodSecurityContext::new);
        SecurityContext container = Optional.ofNullable(inputs.container().getSecurityContext()).orElseGet(SecurityContext::new);
        Long uid = Optional.ofNullable(container.getRunAsUser()).orElse(pod.getRunAsUser());
        Long gid = Optional.ofNullable(container.getRunAsGroup()).orElse(pod.getRunAsGroup());
        if (uid != null) {
            return gid == null ? uid.toString() : uid + ":" + gid;
        }
        Process inspect = podman(List.of("image", "inspect", "--format", "{{.Config.User}}", inputs.container().getImage()));
        String user = new String(inspect.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        inspect.waitFor();
        return user;
    }

    private static boolean runAsNonRoot(ContainerInputs inputs) {
        Boolean container = inputs.container().getSecurityContext() == null ? null : inputs.container().getSecurityContext().getRunAsNonRoot();
        Boolean pod = inputs.pod().getSpec().getSecurityContext() == null ? null : inputs.pod().getSpec().getSecurityContext().getRunAsNonRoot();
        return Boolean.TRUE.equals(Optional.ofNullable(container).orElse(pod));
    }

    /** As the kubelet checks runAsNonRoot: a numeric uid other than 0 (a user name cannot be verified). */
    private static boolean isNonRootUid(String user) {
        String uid = user.split(":")[0];
        return uid.matches("\\d+") && !uid.equals("0");
    }

    private static Path envFile(ContainerInputs inputs) throws IOException {
        Path file = inputs.terminationLog().resolveSibling("env");
        Files.writeString(file, inputs.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n", "", "\n")));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static Process podman(List<String> args) throws IOException {
        return Podman.command(args).start();
    }

    private static Process podman(List<String> args, Path log) throws IOException {
        return Podman.command(args).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }
}
