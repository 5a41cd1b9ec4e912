package io.webmacs.migration.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A condition counts only for the generation its status, and the condition itself when it says, was written for. */
class CurrentConditionTest {

    @Test
    void aTrueConditionOfTheCurrentGenerationsStatusIsTrue() {
        assertThat(CurrentCondition.isTrue(2L, 2L, "True", 2L)).isTrue();
        assertThat(CurrentCondition.isTrue(2L, 2L, "True", null)).as("a condition that names no generation is its status's").isTrue();
    }

    @Test
    void theLastGenerationsReadyRightAfterAnApplyIsNotTrue() {
        assertThat(CurrentCondition.isTrue(3L, 2L, "True", 2L)).isFalse();
        assertThat(CurrentCondition.isTrue(3L, 2L, "True", null)).as("the status is for generation 2").isFalse();
        assertThat(CurrentCondition.isTrue(3L, 3L, "True", 2L)).as("the condition is for generation 2").isFalse();
    }

    @Test
    void aConditionThatIsNotTrueOrAResourceWithoutGenerationIsNotTrue() {
        assertThat(CurrentCondition.isTrue(2L, 2L, "False", 2L)).isFalse();
        assertThat(CurrentCondition.isTrue(2L, 2L, "Unknown", 2L)).isFalse();
        assertThat(CurrentCondition.isTrue(2L, 2L, null, 2L)).isFalse();
        assertThat(CurrentCondition.isTrue(null, null, "True", null)).isFalse();
    }

    @Test
    void theRuleReadsTheSameFromAStatusAsJsonMaps() {
        Map<String, Object> status = Map.of("observedGeneration", 2);
        Map<String, Object> stale = Map.of("observedGeneration", 1);

        assertThat(CurrentCondition.isTrue(2L, status, Map.of("type", "Ready", "status", "True", "observedGeneration", 2))).isTrue();
        assertThat(CurrentCondition.isTrue(2L, status, Map.of("type", "Ready", "status", "True"))).isTrue();
        assertThat(CurrentCondition.isTrue(2L, stale, Map.of("type", "Ready", "status", "True"))).isFalse();
        assertThat(CurrentCondition.isTrue(2L, status, Map.of("type", "Ready", "status", "True", "observedGeneration", 1))).isFalse();
        assertThat(CurrentCondition.isTrue(2L, status, Map.of("type", "Ready", "status", "False", "observedGeneration", 2))).isFalse();
        assertThat(CurrentCondition.isTrue(2L, status, null)).isFalse();
        assertThat(CurrentCondition.isTrue(2L, null, Map.of("type", "Ready", "status", "True"))).isFalse();
    }
}
