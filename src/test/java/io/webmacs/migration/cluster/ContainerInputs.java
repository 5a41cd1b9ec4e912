package io.webmacs.migration.cluster;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapKeySelector;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a kubelet prepares before it starts a container, for a container run as a process on this machine: its
 * environment resolved from Secrets, ConfigMaps and the pod's own fields; its ConfigMap volumes written into a sandbox
 * directory; and its arguments with mount paths and the termination message path pointing into that sandbox.
 *
 * @param env the resolved environment
 * @param args the container's args, paths rewritten into the sandbox
 * @param terminationLog the host file standing for the container's terminationMessagePath
 * @param configError why the kubelet would refuse to create the container (a missing Secret or key), or null
 */
public record ContainerInputs(Map<String, String> env, List<String> args, Path terminationLog, String configError) {

    private static final String DEFAULT_TERMINATION_LOG = "/dev/termination-log";

    /** Prepares {@code container} of pod {@code namespace/podName} with the pod's {@code volumes} in a new sandbox directory. */
    public static ContainerInputs prepare(KubernetesClient client, String namespace, String podName, Container container,
            List<Volume> volumes) {
        try {
            Map<String, String> env = new HashMap<>(Map.of("HOSTNAME", podName)); // as the container runtime sets it
            for (EnvVar var : container.getEnv()) {
                env.put(var.getName(), value(client, namespace, podName, var));
            }
            Path sandbox = Files.createTempDirectory("pod-" + podName + "-");
            Path terminationLog = sandbox.resolve("termination-log");
            Map<String, Path> mounts = mountVolumes(client, namespace, container, volumes, sandbox);
            String terminationPath = Optional.ofNullable(container.getTerminationMessagePath()).orElse(DEFAULT_TERMINATION_LOG);
            List<String> args = new ArrayList<>();
            for (String arg : container.getArgs()) {
                args.add(arg.equals(terminationPath) ? terminationLog.toString() : rewritePath(arg, mounts));
            }
            return new ContainerInputs(env, args, terminationLog, null);
        } catch (ConfigError e) {
            return new ContainerInputs(Map.of(), List.of(), null, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The termination message the container wrote, as the kubelet reads it after the container exited. */
    public String terminationMessage() {
        try {
            return Files.exists(terminationLog) ? Files.readString(terminationLog) : "";
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
                default -> throw new IllegalStateException("the node agent cannot resolve field " + source.getFieldRef().getFieldPath());
            };
        }
        throw new IllegalStateException("the node agent cannot resolve env " + var.getName());
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
        for (VolumeMount mount : container.getVolumeMounts()) {
            Volume volume = volumes.stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
            Path dir = Files.createDirectories(sandbox.resolve(mount.getName()));
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
