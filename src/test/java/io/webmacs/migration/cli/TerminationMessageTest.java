package io.webmacs.migration.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.webmacs.migration.contract.MigrationResult;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What no compaction foresaw still fits the 4096 bytes a kubelet keeps, and still parses. */
class TerminationMessageTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aResultOfLongMultiByteAndControlTextAndManyRevisionsIsCutToFourKilobytesAndParses() throws Exception {
        // 3 bytes a character in UTF-8, and 6 bytes for each control character JSON escapes.
        String message = "Changeset app.yaml::x::app failed: " + "€".repeat(1400) + "\u0001".repeat(600);
        List<String> applied = IntStream.range(0, 300).mapToObj(i -> "v" + i + "_a_revision_of_a_custom_changelog").toList();
        MigrationResult result = new MigrationResult("upgrade", "v299_a_revision_of_a_custom_changelog", "v299", applied, List.of(),
                0, null, List.of(), List.of(), null, null, 5, null, null, List.of(), 0, null, null, new MigrationResult.Error("ChangesetFailed", message, "app.yaml::x::app"));

        String json = TerminationMessage.fit(JSON.valueToTree(result), JSON);

        assertThat(json.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(TerminationMessage.MAX_BYTES);
        JsonNode parsed = JSON.readTree(json);
        assertThat(parsed.get("revision").asText()).isEqualTo("v299_a_revision_of_a_custom_changelog");
        assertThat(parsed.at("/error/code").asText()).isEqualTo("ChangesetFailed");
        assertThat(parsed.at("/error/message").asText()).startsWith("Changeset app.yaml::x::app failed: €€€").endsWith("...");
        assertThat(parsed.get("applied").get(0).asText()).isEqualTo("v0_a_revision_of_a_custom_changelog");
    }

    @Test
    void aResultThatFitsIsWrittenAsItIs() throws Exception {
        MigrationResult result = new MigrationResult("current", "005_oidc_sso", "005_oidc_sso", List.of(), List.of(), 0, null,
                List.of(), List.of(), null, null, 3, null, null, List.of(), 0, null, null, null);

        assertThat(TerminationMessage.fit(JSON.valueToTree(result), JSON)).isEqualTo(JSON.writeValueAsString(result));
    }
}
