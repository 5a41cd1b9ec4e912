package io.webmacs.migration.cluster;

import io.webmacs.migration.testsupport.Tier;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class of the real-cluster tier: skipped, with the reason printed once, where the control plane, the node or
 * kstatus cannot run here (not built, not installed, or the images not in podman); under CI=true it fails instead (see
 * {@link Tier}).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RealCluster.BinariesBuilt.class)
public @interface RealCluster {

    /** Runs the class only when {@link ControlPlane}, {@link Node} and {@link Kstatus} have nothing to say against it. */
    final class BinariesBuilt implements ExecutionCondition {

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            Optional<String> missing = ControlPlane.unavailable().or(Node::unavailable).or(Kstatus::unavailable);
            return Tier.REAL_CLUSTER.condition(missing);
        }
    }
}
