package io.webmacs.migration.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** What a tier that cannot run does: says why and skips, and under CI fails the build instead. */
class TierTest {

    @Test
    void underCiATierThatCannotRunFailsWithItsReason() {
        assertThatThrownBy(() -> Tier.REAL_CLUSTER.unavailable("no kube-apiserver in /tmp/k8s", true))
                .isInstanceOf(AssertionError.class)
                .hasMessage("Real-cluster tests cannot run, and under CI=true no tier may be skipped: no kube-apiserver in /tmp/k8s");
    }

    @Test
    void elsewhereItIsSkippedSayingWhy() {
        assertThat(Tier.COMPOSE.unavailable("podman does not hold the image", false))
                .isEqualTo("Compose tests skipped: podman does not hold the image");
    }
}
