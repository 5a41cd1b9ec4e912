package io.webmacs.migration.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.webmacs.migration.contract.ErrorMessages;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * A JSON result as a pod's termination message holds it. The kubelet keeps only the last 4096 bytes of the file, so a
 * longer result would lose its start and parse as nothing. A migration result comes compact already; what is still too
 * long (the long messages of a custom changelog, say) has its long texts shortened, then its longest list halved, then
 * its other texts shortened, until it fits.
 */
final class TerminationMessage {

    /** What the kubelet keeps of a termination message file. */
    static final int MAX_BYTES = 4096;
    /** Texts longer than this (messages, queries, statements) are shortened first. */
    private static final int LONG_TEXT = 200;
    /** Shorter texts (revisions, names) are left whole: cutting them would save little and lose what they say. */
    private static final int SHORTEST_CUT = 32;

    private TerminationMessage() {
    }

    /** {@code result} as JSON of at most {@link #MAX_BYTES} bytes; {@code result} is shortened in place where needed. */
    static String fit(JsonNode result, ObjectMapper mapper) throws JsonProcessingException {
        String json = mapper.writeValueAsString(result);
        while (json.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            Longest text = new Longest();
            text.find(result, true);
            Longest list = new Longest();
            list.find(result, false);
            if (text.size > LONG_TEXT || list.node == null && text.size > SHORTEST_CUT) {
                text.replace(TextNode.valueOf(ErrorMessages.abbreviate(text.node.asText(), text.size / 2)));
            } else if (list.node != null) {
                ArrayNode array = (ArrayNode) list.node;
                for (int keep = array.size() / 2; array.size() > keep; ) {
                    array.remove(array.size() - 1);
                }
            } else {
                throw new IllegalStateException("a result of short texts only cannot be this long: " + json.length() + " characters");
            }
            json = mapper.writeValueAsString(result);
        }
        return json;
    }

    /** The longest text value (or array) in a tree, and where it sits. */
    private static final class Longest {
        private JsonNode node;
        private int size;
        private ContainerNode<?> parent;
        private String field;
        private int index;

        void find(JsonNode tree, boolean texts) {
            if (tree instanceof ObjectNode object) {
                for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = fields.next();
                    consider(entry.getValue(), texts, object, entry.getKey(), -1);
                }
            } else if (tree instanceof ArrayNode array) {
                for (int i = 0; i < array.size(); i++) {
                    consider(array.get(i), texts, array, null, i);
                }
            }
        }

        private void consider(JsonNode value, boolean texts, ContainerNode<?> in, String name, int at) {
            int length = texts
                    ? (value.isTextual() ? value.asText().length() : 0)
                    : (value.isArray() ? value.size() : 0);
            if (length > size) {
                node = value;
                size = length;
                parent = in;
                field = name;
                index = at;
            }
            find(value, texts);
        }

        void replace(JsonNode with) {
            if (parent instanceof ObjectNode object) {
                object.set(field, with);
            } else {
                ((ArrayNode) parent).set(index, with);
            }
        }
    }
}
