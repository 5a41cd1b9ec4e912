package io.webmacs.migration.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.contract.MigrationResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a command's result goes: stdout as text or JSON, the --result-file (a pod's termination message), and one error
 * line on stderr. A password never leaves the process, whatever a driver or Liquibase put in a message.
 */
final class ResultWriter {

    /** {@code --output}. */
    enum Format { text, json }

    /** Loaded on first use: a text result without --result-file needs no JSON, and Jackson takes a while to start. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    private final Format format;
    private final Path resultFile;
    private final List<String> secrets;
    private final PrintStream out;
    private final PrintStream err;

    ResultWriter(Format format, Path resultFile, List<String> secrets, PrintStream out, PrintStream err) {
        this.format = format;
        this.resultFile = resultFile;
        this.secrets = secrets.stream().filter(s -> !s.isEmpty()).toList();
        this.out = out;
        this.err = err;
    }

    /** Prints the result as text or JSON, writes it to --result-file, and returns the exit code. */
    int finish(Object result, String text, MigrationException failure) throws IOException {
        writeJson(result);
        if (format == Format.text && text != null) {
            out.print(redact(text));
        }
        if (failure != null) {
            err.println("error: " + redact(failure.getMessage()));
        }
        out.flush();
        return failure == null ? 0 : failure.failure().exitCode();
    }

    /** Prints the one-line error, writes the error result, and returns the exit code. */
    int report(Object result, MigrationException e) {
        try {
            writeJson(result);
        } catch (IOException io) {
            err.println("warning: could not write the result: " + io.getMessage());
        }
        err.println("error: " + redact(e.getMessage()));
        return e.failure().exitCode();
    }

    /**
     * The JSON result to stdout with --output json, and to --result-file, where a migration result comes compact and
     * the whole fits what a termination message holds.
     */
    private void writeJson(Object result) throws IOException {
        if (resultFile != null) {
            writeResultFile(TerminationMessage.fit(redacted(result instanceof MigrationResult migration ? migration.compact() : result),
                    Json.MAPPER));
        }
        if (format == Format.json) {
            out.println(Json.MAPPER.writeValueAsString(redacted(result)));
        }
    }

    /**
     * The result as a JSON tree with every secret taken out of its text values, before it is written: replacing text in
     * the written JSON could break it (a password {@code null}, or one with a quote, which JSON escapes).
     */
    private JsonNode redacted(Object result) {
        JsonNode tree = Json.MAPPER.valueToTree(result);
        redactValues(tree);
        return tree;
    }

    private void redactValues(JsonNode node) {
        if (node instanceof ObjectNode object) {
            object.fields().forEachRemaining(field -> field.setValue(redactedValue(field.getValue())));
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                array.set(i, redactedValue(array.get(i)));
            }
        }
    }

    private JsonNode redactedValue(JsonNode value) {
        if (value.isTextual()) {
            return TextNode.valueOf(redact(value.asText()));
        }
        redactValues(value);
        return value;
    }

    private void writeResultFile(String json) {
        try {
            Files.writeString(resultFile, json, StandardCharsets.UTF_8);
        } catch (IOException e) {
            err.println("warning: could not write --result-file " + resultFile + ": " + e.getMessage());
        }
    }

    /** {@code text} with every secret replaced by {@code ****}. */
    String redact(String text) {
        String redacted = text;
        for (String secret : secrets) {
            redacted = redacted.replace(secret, "****");
        }
        return redacted;
    }
}
