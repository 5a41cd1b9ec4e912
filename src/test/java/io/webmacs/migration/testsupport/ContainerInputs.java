package io.webmacs.migration.testsupport;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapKeySelector;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a kubelet prepares before it starts a container, for the mock tier's {@link JobExecutor}: its environment resolved from Secrets, ConfigMaps and the
 * pod's own fields; its volumes as directories of this machine (ConfigMaps written out as files, emptyDirs empty), and
 * the files an image built FROM the shipped one adds ({@link Fixtures#EXTENDED_IMAGE}); and a file for its termination
 * message.
 *
 * @param pod the pod, as the API server has it
 * @param container the container as the pod spec has it
 * @param env the resolved environment
 * @param mounts each mount path of the container, with the directory of this machine that backs it
 * @param terminationLog the file of this machine backing the container's terminationMessagePath
 * @param configError why the kubelet would refuse to create the container (a missing Secret or key), or null
 */
public record ContainerInputs(Pod pod, Container container, Map<String, String> env, Map<String, Path> mounts, Path terminationLog,
        String configError) {

    private static final String DEFAULT_TERMINATION_LOG = "/dev/termination-log";
    /** What the kubelet keeps of a termination message file: its last 4 KiB (MaxContainerTerminationMessageLength). */
    private static final int TERMINATION_MESSAGE_BYTES = 4096;
    /** Where containers' volumes and termination logs live. */
    private static final Path SANDBOXES = Path.of("target", "containers").toAbsolutePath();

    /** Prepares {@code container} of {@code pod} in a new sandbox directory. */
    public static ContainerInputs prepare(KubernetesClient client, Pod pod, Container container) {
        String namespace = pod.getMetadata().getNamespace();
        String podName = pod.getMetadata().getName();
        List<Volume> volumes = pod.getSpec().getVolumes();
        try {
            Map<String, String> env = new HashMap<>(Map.of("HOSTNAME", podName)); // as the container runtime sets it
            for (EnvVar var : container.getEnv()) {
                env.put(var.getName(), value(client, namespace, podName, var));
            }
            Path sandbox = Files.createTempDirectory(Files.createDirectories(SANDBOXES), podName + "-" + container.getName() + "-");
            // Writable by any user, as the kubelet makes emptyDirs and the termination log for a container's user.
            Files.setPosixFilePermissions(sandbox, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path terminationLog = Files.createFile(sandbox.resolve("termination-log"));
            Files.setPosixFilePermissions(terminationLog, PosixFilePermissions.fromString("rw-rw-rw-"));
            return new ContainerInputs(pod, container, env, mountVolumes(client, namespace, container, volumes, sandbox), terminationLog, null);
        } catch (ConfigError e) {
            return new ContainerInputs(pod, container, Map.of(), Map.of(), null, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The container's args for a process on this machine: mount paths and the termination message path point to their files. */
    public List<String> argsOnThisMachine() {
        List<String> args = new ArrayList<>();
        for (String arg : container.getArgs()) {
            args.add(arg.equals(terminationMessagePath()) ? terminationLog.toString() : rewritePath(arg, mounts));
        }
        return args;
    }

    public String terminationMessagePath() {
        return Optional.ofNullable(container.getTerminationMessagePath()).orElse(DEFAULT_TERMINATION_LOG);
    }

    /**
     * The termination message the container wrote, as the kubelet reads it after the container exited: only the last
     * {@value #TERMINATION_MESSAGE_BYTES} bytes of the file (a longer message loses its start).
     */
    public String terminationMessage() {
        try {
            if (!Files.exists(terminationLog)) {
                return "";
            }
            byte[] written = Files.readAllBytes(terminationLog);
            int from = Math.max(0, written.length - TERMINATION_MESSAGE_BYTES);
            return new String(written, from, written.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The value of {@code var}, as the kubelet resolves it. */
    private static String value(KubernetesClient client, String namespace, String podName, EnvVar var) {
        EnvVarSource source = var.getValueFrom();
        if (source == null) {
            return Optional.ofNullable(var.getValue()).orElse("");
        }
        if (source.getSecretKeyRef() != null) {
            SecretKeySelector ref = source.getSecretKeyRef();
            Secret secret = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
            if (secret == null) {
                throw new ConfigError("secret \"" + ref.getName() + "\" not found");
            }
            // stringData: the fabric8 mock server stores it as given, where a real API server turns it into data.
            return Optional.ofNullable(secret.getStringData()).map(data -> data.get(ref.getKey()))
                    .or(() -> Optional.ofNullable(secret.getData()).map(data -> data.get(ref.getKey()))
                            .map(encoded -> new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8)))
                    .orElseThrow(() -> new ConfigError("couldn't find key " + ref.getKey() + " in Secret " + namespace + "/" + ref.getName()));
        }
        if (source.getConfigMapKeyRef() != null) {
            ConfigMapKeySelector ref = source.getConfigMapKeyRef();
            ConfigMap configMap = client.configMaps().inNamespace(namespace).withName(ref.getName()).get();
            if (configMap == null) {
                throw new ConfigError("configmap \"" + ref.getName() + "\" not found");
            }
            return Optional.ofNullable(configMap.getData()).map(data -> data.get(ref.getKey()))
                    .orElseThrow(() -> new ConfigError("couldn't find key " + ref.getKey() + " in ConfigMap " + namespace + "/" + ref.getName()));
        }
        if (source.getFieldRef() != null) {
            return switch (source.getFieldRef().getFieldPath()) {
                case "metadata.namespace" -> namespace;
                case "metadata.name" -> podName;
                default -> throw new IllegalStateException("the Job executor cannot resolve field " + source.getFieldRef().getFieldPath());
            };
        }
        throw new IllegalStateException("the Job executor cannot resolve env " + var.getName());
    }

    /** A reference the kubelet cannot resolve: the container is not created, and its waiting message says why. */
    private static final class ConfigError extends RuntimeException {
        ConfigError(String message) {
            super(message);
        }
    }

    /** Each mounted volume as a sandbox directory, by its mount path; ConfigMap volumes hold their keys as files. */
    private static Map<String, Path> mountVolumes(KubernetesClient client, String namespace, Container container, List<Volume> volumes,
            Path sandbox) throws IOException {
        Map<String, Path> mounts = new HashMap<>();
        if (Fixtures.EXTENDED_IMAGE.equals(container.getImage())) {
            // What that image has beyond the shipped one: the extension's folder, as its Containerfile copies it.
            mounts.put(Fixtures.EXTENDED_IMAGE_FOLDER, Fixtures.MY_NEW_TABLE_EXTENSION.getParent());
        }
        for (VolumeMount mount : container.getVolumeMounts()) {
            Volume volume = volumes.stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
            Path dir = Files.createDirectories(sandbox.resolve(mount.getName()));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(volume.getEmptyDir() != null ? "rwxrwxrwx" : "rwxr-xr-x"));
            if (volume.getConfigMap() != null) {
                ConfigMap configMap = client.configMaps().inNamespace(namespace).withName(volume.getConfigMap().getName()).get();
                for (Map.Entry<String, String> file : configMap.getData().entrySet()) {
                    Files.writeString(dir.resolve(file.getKey()), file.getValue());
                }
            }
            mounts.put(mount.getMountPath(), dir);
        }
        return mounts;
    }

    private static String rewritePath(String arg, Map<String, Path> mounts) {
        for (Map.Entry<String, Path> mount : mounts.entrySet()) {
            if (arg.startsWith(mount.getKey() + "/")) {
                return mount.getValue() + arg.substring(mount.getKey().length());
            }
        }
        return arg;
    }
}
