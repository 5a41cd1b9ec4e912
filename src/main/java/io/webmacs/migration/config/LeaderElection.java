package io.webmacs.migration.config;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;

/**
 * Two or more operator replicas are safe: only the holder of the Lease webmacs-migration-operator (in the operator's
 * namespace) reconciles. Active in the prod profile unless webmacs.leader-election.enabled is false.
 */
public class LeaderElection {

    static final String LEASE = "webmacs-migration-operator";

    /** The operator SDK asks for this bean; none (null) means no leader election. */
    @Produces
    @Dependent
    LeaderElectionConfiguration leaderElection(OperatorSettings settings) {
        // No namespace: the operator's own. The identity is the replica's pod, also with hostNetwork.
        return settings.leaderElection().enabled() ? new LeaderElectionConfiguration(LEASE, null, Replica.name()) : null;
    }
}
