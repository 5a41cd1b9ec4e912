package io.webmacs.migration.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.webmacs.migration.api.DatabaseMigrationSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The digest of everything that should cause a migration run: the spec (but its rollout and driftCheck), the
 * changelog's content and the runner image.
 */
public final class Fingerprint {

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();
    private static final int LENGTH = 10;

    private Fingerprint() {
    }

    public static String of(DatabaseMigrationSpec spec, Map<String, String> changelogFiles, String runnerImage) {
        try {
            MessageDigest digest = sha256();
            ObjectNode runInputs = CANONICAL.valueToTree(spec);
            runInputs.remove("rollout"); // which pods wait is no reason to migrate again
            runInputs.remove("driftCheck"); // nor is how often the schema is checked
            digest.update(CANONICAL.writeValueAsBytes(runInputs));
            digest.update(CANONICAL.writeValueAsBytes(new TreeMap<>(changelogFiles)));
            digest.update(runnerImage.getBytes(StandardCharsets.UTF_8));
            return hex(digest);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The digest of {@code text}, as long as a fingerprint: a short stand-in for it, the same on every run. */
    public static String of(String text) {
        MessageDigest digest = sha256();
        digest.update(text.getBytes(StandardCharsets.UTF_8));
        return hex(digest);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest()).substring(0, LENGTH);
    }
}
