package io.webmacs.migration.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.webmacs.migration.testsupport.Manifests;
import io.webmacs.migration.testsupport.Tier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's RBAC checked both ways against what it really did: the API server's audit logs of the real-cluster
 * scenarios that run it (installed with {@code deploy/operator.yaml} and with the chart's defaults) hold every request
 * of its ServiceAccount. Every request was granted, and every grant of {@code deploy/operator.yaml} was used by some
 * request, but for the few listed in {@link #UNREACHED} with the path that needs them. Runs after the scenarios, in
 * Maven's {@code rbac-audit} execution of failsafe; it needs their audit logs from this build.
 */
class RbacAuditIT {

    private static final List<String> SCENARIOS = List.of(OperatorOnApiServerIT.CLUSTER, HelmInstallOnApiServerIT.CLUSTER);
    /** The start of this Maven build, from failsafe's {@code rbac-audit} execution: older audit logs are an earlier build's. */
    private static final String BUILD_STARTED = "webmacs.build.started";
    /** Grants that no scenario uses, each with the path that needs it: "verb resource" (as in {@link RbacGrant}) to why. */
    private static final Map<String, String> UNREACHED = Map.of(
            "update coordination.k8s.io/leases in webmacs-migration-operator (Role webmacs-migration-operator/webmacs-migration-operator-leader-election)",
            "the operator SDK's LeaderElectionManager refuses to start without it (a SelfSubjectRulesReview); the elector patches");

    /** What Kubernetes lets every authenticated user do: discovery, and asking what it may do itself. */
    private static final Pattern KUBERNETES_DEFAULTS = Pattern.compile(
            "allowed by ClusterRoleBinding \"system:(discovery|basic-user|public-info-viewer)\"");

    private static List<AuditedRequest> requests;

    @BeforeAll
    static void readTheScenariosAuditLogs() {
        Tier.RBAC_AUDIT.require(notRunInThisBuild());
        requests = SCENARIOS.stream().flatMap(s -> AuditedRequest.read(ControlPlane.auditLog(s)).stream())
                .filter(r -> r.user().equals(OperatorCluster.SERVICE_ACCOUNT)).toList();
    }

    @Test
    void everyRequestOfTheOperatorWasGranted() {
        Set<RbacGrant> grants = grants();

        assertThat(requests).isNotEmpty().filteredOn(r -> !KUBERNETES_DEFAULTS.matcher(r.authorizedBy()).find())
                .filteredOn(r -> grants.stream().noneMatch(g -> g.allows(r)))
                .as("requests no grant of deploy/operator.yaml allows").isEmpty();
        assertThat(requests).filteredOn(r -> !r.authorized()).as("requests RBAC refused").isEmpty();
    }

    @Test
    void everyGrantOfTheOperatorWasUsedBySomeScenario() {
        Set<String> unused = grants().stream().filter(g -> requests.stream().noneMatch(g::allows)).map(RbacGrant::toString)
                .collect(Collectors.toSet());

        assertThat(unused).as("grants no request of the scenarios used").containsExactlyInAnyOrderElementsOf(UNREACHED.keySet());
    }

    private static Set<RbacGrant> grants() {
        return RbacGrant.boundTo(OperatorCluster.SERVICE_ACCOUNT, Manifests.read(Path.of("deploy", "operator.yaml")));
    }

    /** Which scenarios did not leave an audit log in this build, if any (a build that ran only some test classes). */
    private static Optional<String> notRunInThisBuild() {
        Instant started = Instant.parse(System.getProperty(BUILD_STARTED, Instant.MAX.toString()));
        List<String> missing = SCENARIOS.stream().filter(s -> !writtenSince(ControlPlane.auditLog(s), started)).toList();
        return missing.isEmpty() ? Optional.empty()
                : Optional.of("no audit log of the scenarios " + missing + " from this build (" + BUILD_STARTED + " " + started + ")");
    }

    private static boolean writtenSince(Path file, Instant started) {
        try {
            return Files.exists(file) && !Files.getLastModifiedTime(file).toInstant().isBefore(started);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
