package io.webmacs.migration.cluster;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/** A test class of the real-cluster tier: skipped, with the reason printed once, where the control plane was not built. */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RealCluster.BinariesBuilt.class)
public @interface RealCluster {

    /** Runs the class only when {@link ControlPlane#unavailable()} has nothing to say. */
    final class BinariesBuilt implements ExecutionCondition {

        private static final AtomicBoolean PRINTED = new AtomicBoolean();

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return ControlPlane.unavailable().map(reason -> {
                if (PRINTED.compareAndSet(false, true)) {
                    System.out.println("Real-cluster tests skipped: " + reason);
                }
                return ConditionEvaluationResult.disabled("real-cluster tier skipped: " + reason);
            }).orElseGet(() -> ConditionEvaluationResult.enabled("the control plane is built"));
        }
    }
}
