package io.webmacs.migration.reconciler;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.inject.Singleton;

/**
 * Two or more operator replicas are safe: only the holder of this Lease (in the operator's namespace) reconciles.
 * Active in the prod profile (quarkus.operator-sdk.activate-leader-election-for-profiles).
 */
@Singleton
public class LeaderElection extends LeaderElectionConfiguration {

    public LeaderElection() {
        super("webmacs-migration-operator");
    }
}
