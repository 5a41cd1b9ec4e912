package io.webmacs.migration.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The checks of the Kubernetes `restricted` Pod Security Standard that a pod spec decides. */
public final class RestrictedPodSecurity {

    private RestrictedPodSecurity() {
    }

    public static void assertMeets(String where, PodSpec pod) {
        PodSecurityContext podSc = Objects.requireNonNullElseGet(pod.getSecurityContext(), PodSecurityContext::new);
        assertThat(pod.getHostNetwork()).as(where + ": hostNetwork").isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getHostPID()).as(where + ": hostPID").isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getHostIPC()).as(where + ": hostIPC").isNotEqualTo(Boolean.TRUE);
        assertThat(podSc.getRunAsUser()).as(where + ": pod runAsUser").isNotEqualTo(Long.valueOf(0));
        assertThat(podSc.getSeccompProfile() == null || allowedSeccomp(podSc.getSeccompProfile()))
                .as(where + ": pod seccompProfile").isTrue();
        for (Volume volume : Objects.requireNonNullElse(pod.getVolumes(), List.<Volume>of())) {
            assertThat(volume.getHostPath()).as(where + ": hostPath volume " + volume.getName()).isNull();
        }

        List<Container> containers = new ArrayList<>(pod.getContainers());
        containers.addAll(Objects.requireNonNullElse(pod.getInitContainers(), List.of()));
        assertThat(containers).as(where + ": containers").isNotEmpty();
        for (Container container : containers) {
            String c = where + ", container " + container.getName() + ": ";
            SecurityContext sc = Objects.requireNonNullElseGet(container.getSecurityContext(), SecurityContext::new);

            Boolean nonRoot = sc.getRunAsNonRoot() != null ? sc.getRunAsNonRoot() : podSc.getRunAsNonRoot();
            assertThat(nonRoot).as(c + "runAsNonRoot").isTrue();
            assertThat(sc.getRunAsUser()).as(c + "runAsUser").isNotEqualTo(Long.valueOf(0));

            SeccompProfile seccomp = sc.getSeccompProfile() != null ? sc.getSeccompProfile() : podSc.getSeccompProfile();
            assertThat(seccomp).as(c + "seccompProfile").isNotNull();
            assertThat(seccomp.getType()).as(c + "seccompProfile").isEqualTo("RuntimeDefault");

            assertThat(sc.getAllowPrivilegeEscalation()).as(c + "allowPrivilegeEscalation").isFalse();
            assertThat(sc.getPrivileged()).as(c + "privileged").isNotEqualTo(Boolean.TRUE);

            Capabilities caps = Objects.requireNonNullElseGet(sc.getCapabilities(), Capabilities::new);
            assertThat(caps.getDrop()).as(c + "capabilities.drop").contains("ALL");
            assertThat(Objects.requireNonNullElse(caps.getAdd(), List.of())).as(c + "capabilities.add").isSubsetOf("NET_BIND_SERVICE");
            assertThat(container.getPorts()).as(c + "hostPort")
                    .allSatisfy(p -> assertThat(p.getHostPort()).isIn(null, 0));
        }
    }

    private static boolean allowedSeccomp(SeccompProfile profile) {
        return "RuntimeDefault".equals(profile.getType()) || "Localhost".equals(profile.getType());
    }
}
