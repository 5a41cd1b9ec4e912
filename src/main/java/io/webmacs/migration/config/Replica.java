package io.webmacs.migration.config;

import java.util.Map;
import java.util.Optional;

/**
 * This operator replica's name: its pod's, which names its leader-election identity and its webhook CA. POD_NAME comes
 * from the downward API (the chart sets it); HOSTNAME is the pod's name too, but the node's with hostNetwork, where two
 * replicas on one node would share it.
 */
public final class Replica {

    private Replica() {
    }

    public static String name() {
        return name(System.getenv());
    }

    static String name(Map<String, String> environment) {
        return Optional.ofNullable(environment.get("POD_NAME")).filter(n -> !n.isBlank())
                .or(() -> Optional.ofNullable(environment.get("HOSTNAME")).filter(n -> !n.isBlank()))
                .orElse("webmacs-migration-operator");
    }
}
