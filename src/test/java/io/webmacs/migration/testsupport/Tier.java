package io.webmacs.migration.testsupport;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;

/**
 * A test tier that needs something the machine may lack (binaries built from Go modules, podman images, Debian's
 * pgbouncer). Where it is missing, a developer's build skips the tier and says why; under
 * {@code CI=true}, which CI systems set, the build fails with the same reason instead, so a green CI has run every tier.
 */
public enum Tier {

    REAL_CLUSTER("Real-cluster tests"),
    COMPOSE("Compose tests"),
    PGBOUNCER("PgBouncer tests"),
    IMAGE_SBOM("The image SBOM test"),
    RBAC_AUDIT("The RBAC audit of the real-cluster scenarios"),
    ALEMBIC("Alembic import tests"),
    PROMTOOL("Prometheus rule and dashboard tests"),
    RELEASE("The release test");

    private static final Set<Tier> REPORTED = ConcurrentHashMap.newKeySet();

    private final String what;

    Tier(String what) {
        this.what = what;
    }

    /** For an {@code ExecutionCondition}: enabled, or disabled with the reason (a failure under CI=true). */
    public ConditionEvaluationResult condition(Optional<String> missing) {
        return missing.map(reason -> ConditionEvaluationResult.disabled(unavailable(reason)))
                .orElseGet(() -> ConditionEvaluationResult.enabled(what + " can run"));
    }

    /** Inside a test or its setup: returns, or aborts the test with the reason (fails it under CI=true). */
    public void require(Optional<String> missing) {
        missing.ifPresent(reason -> Assumptions.abort(unavailable(reason)));
    }

    private String unavailable(String reason) {
        return unavailable(reason, "true".equals(System.getenv("CI")));
    }

    /** Says, once per tier, that it is skipped and why; under CI throws instead. */
    String unavailable(String reason, boolean underCi) {
        if (underCi) {
            throw new AssertionError(what + " cannot run, and under CI=true no tier may be skipped: " + reason);
        }
        String message = what + " skipped: " + reason;
        if (REPORTED.add(this)) {
            System.out.println(message);
        }
        return message;
    }
}
