package io.webmacs.migration.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** webmacs_migration_operator_leader: whether this replica reconciles, as leader election decides it. */
class LeaderElectionTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final LeaderElection election = new LeaderElection(registry);

    @Test
    void withoutLeaderElectionTheReplicaReconciles() {
        election.register(null);

        assertThat(leader()).isEqualTo(1);
    }

    @Test
    void withLeaderElectionTheReplicaReconcilesOnlyWhileItHoldsTheLease() {
        LeaderElectionConfiguration configuration = election.leaderElection(settings(true));
        election.register(null);
        assertThat(leader()).as("waiting for the Lease").isZero();

        configuration.getLeaderCallbacks().orElseThrow().onStartLeading();

        assertThat(leader()).isEqualTo(1);
    }

    @Test
    void electionTurnedOffInTheSettingsLeavesTheReplicaReconciling() {
        assertThat(election.leaderElection(settings(false))).isNull();
        election.register(null);

        assertThat(leader()).isEqualTo(1);
    }

    private double leader() {
        return registry.get(OperatorMetric.LEADER.exportedName()).gauge().value();
    }

    /** webmacs.leader-election.enabled; leader election reads nothing else. */
    private static OperatorSettings settings(boolean electing) {
        return new OperatorSettings() {
            @Override
            public Runner runner() {
                throw new UnsupportedOperationException();
            }

            @Override
            public LeaderElection leaderElection() {
                return () -> electing;
            }

            @Override
            public Webhook webhook() {
                throw new UnsupportedOperationException();
            }
        };
    }
}
