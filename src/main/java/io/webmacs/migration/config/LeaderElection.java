package io.webmacs.migration.config;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;

/**
 * Two or more operator replicas are safe: only the holder of the Lease webmacs-migration-operator (in the operator's
 * namespace) reconciles. Active in the prod profile unless webmacs.leader-election.enabled is false. The gauge
 * webmacs_migration_operator_leader says whether this replica reconciles.
 */
@Singleton
public class LeaderElection {

    static final String LEASE = "webmacs-migration-operator";

    private final MeterRegistry registry;
    private volatile boolean stopping;
    /** Whether the operator SDK asked for leader election: only then does this replica wait for the Lease to reconcile. */
    private volatile boolean electing;
    private volatile boolean leading;

    public LeaderElection(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The operator SDK asks for this bean; none (null) means no leader election. */
    @Produces
    @Dependent
    LeaderElectionConfiguration leaderElection(OperatorSettings settings) {
        if (!settings.leaderElection().enabled()) {
            return null;
        }
        electing = true;
        // No namespace: the operator's own. The identity is the replica's pod, also with hostNetwork. The SDK's own exit
        // on a lost lease is off (false): it also runs when the operator stops, inside the JVM's shutdown hook, where
        // System.exit blocks forever (java-operator-sdk#1614), so a deleted replica took its whole grace period to stop.
        return new LeaderElectionConfiguration(LEASE, null, LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE, LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
                Replica.name(), new LeaderCallbacks(() -> leading = true, this::stoppedLeading, leader -> { }), false);
    }

    /** Whether this replica reconciles: it holds the Lease, or there is no leader election (off, or not the prod profile). */
    public boolean reconciles() {
        return !electing || leading;
    }

    /** Registered at start by an observer, so that this bean exists in every profile, with leader election or without. */
    void register(@Observes StartupEvent event) {
        OperatorMetric.LEADER.gauge(this, election -> election.reconciles() ? 1 : 0).register(registry);
    }

    /** Before the operator SDK stops (its observer has the default priority): from now on losing the lease is expected. */
    void stopping(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        stopping = true;
    }

    private void stoppedLeading() {
        leading = false;
        if (!stopping) {
            // Another replica may hold the lease already: stop at once rather than reconcile beside it, and without the
            // shutdown hooks, which would wait for this very thread (System.exit here hung the process).
            Log.errorf("Lost the lease %s; exiting", LEASE);
            Runtime.getRuntime().halt(1);
        }
    }
}
