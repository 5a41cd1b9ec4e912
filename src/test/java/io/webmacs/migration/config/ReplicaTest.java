package io.webmacs.migration.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplicaTest {

    /** With hostNetwork every replica on a node has the node's HOSTNAME; the downward API's POD_NAME tells them apart. */
    @Test
    void theReplicaIsItsPodByTheDownwardApiElseItsHostname() {
        assertThat(Replica.name(Map.of("POD_NAME", "wmo-7d9-abcde", "HOSTNAME", "node-1"))).isEqualTo("wmo-7d9-abcde");
        assertThat(Replica.name(Map.of("HOSTNAME", "wmo-7d9-abcde"))).isEqualTo("wmo-7d9-abcde");
        assertThat(Replica.name(Map.of())).isEqualTo("webmacs-migration-operator");
    }
}
