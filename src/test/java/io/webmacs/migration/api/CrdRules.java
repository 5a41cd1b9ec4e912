package io.webmacs.migration.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The committed CRD's checks, the way the API server makes them: its OpenAPI schema (with a JSON Schema validator) and its
 * CEL rules at every level (with cel-java).
 */
public final class CrdRules {

    public static final Path CRD = Path.of("crds/databasemigrations.migrations.webmacs.io-v1.yml");
    /**
     * The table of DatabaseMigrations the CRD refuses, checked with cel-java (CrdValidationRulesTest) and on a real API
     * server (CrdOnApiServerIT): what | metadata.name | spec | the schema's or CEL rule's message | the API server's.
     */
    public static final String REFUSED = "/crd/refused-databasemigrations.csv";
    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS).addVar("self", SimpleType.DYN).build();
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private CrdRules() {
    }

    /**
     * What the API server refuses in {@code object}, a whole DatabaseMigration: the schema's messages (prefixed by
     * {@code $.} and the field's path) and the messages of the CEL rules it breaks, from the root down.
     */
    public static List<String> violations(JsonNode object) throws Exception {
        List<String> violations = new ArrayList<>(schemaViolations(object));
        celViolations(openApiSchema(), JSON.convertValue(object, Object.class), violations);
        return violations;
    }

    /** The messages of the OpenAPI schema (without CEL) for {@code object}. */
    public static List<String> schemaViolations(JsonNode object) {
        return jsonSchema().validate(object).stream().map(ValidationMessage::getMessage).toList();
    }

    /** The messages of the rules that {@code database} (spec.database as plain maps and lists) breaks. */
    public static List<String> databaseViolations(Map<?, ?> database) throws Exception {
        return fieldViolations("database", database);
    }

    /** The messages of the rules on spec.{@code field} that {@code value} (as plain maps and lists) breaks. */
    public static List<String> fieldViolations(String field, Map<?, ?> value) throws Exception {
        return violations(spec().getProperties().get(field).getXKubernetesValidations(), value);
    }

    /** The schema of spec.{@code field}.{@code property}, as the committed CRD has it. */
    public static JSONSchemaProps property(String field, String property) {
        return spec().getProperties().get(field).getProperties().get(property);
    }

    /** The messages of the rules on spec itself that {@code spec} (as plain maps and lists) breaks. */
    public static List<String> specViolations(Map<?, ?> spec) throws Exception {
        return violations(spec().getXKubernetesValidations(), spec);
    }

    /** The rules of {@code schema} that {@code value} breaks, then those of its properties and items, as the API server walks them. */
    private static void celViolations(JSONSchemaProps schema, Object value, List<String> violations) throws Exception {
        if (value == null) {
            return;
        }
        violations.addAll(violations(schema.getXKubernetesValidations(), value));
        if (value instanceof Map<?, ?> map && schema.getProperties() != null) {
            for (Map.Entry<String, JSONSchemaProps> property : schema.getProperties().entrySet()) {
                celViolations(property.getValue(), map.get(property.getKey()), violations);
            }
        }
        if (value instanceof List<?> list && schema.getItems() != null && schema.getItems().getSchema() != null) {
            for (Object item : list) {
                celViolations(schema.getItems().getSchema(), item, violations);
            }
        }
    }

    private static List<String> violations(List<ValidationRule> rules, Object self) throws Exception {
        List<String> violations = new ArrayList<>();
        for (ValidationRule rule : rules == null ? List.<ValidationRule>of() : rules) {
            CelRuntime.Program program = RUNTIME.createProgram(COMPILER.compile(rule.getRule()).getAst());
            if (!Boolean.TRUE.equals(program.eval(Map.of("self", celValue(self))))) {
                violations.add(rule.getMessage());
            }
        }
        return violations;
    }

    /** JSON numbers as CEL's int (a Java long), as the API server sees them. */
    private static Object celValue(Object value) {
        if (value instanceof Integer number) {
            return number.longValue();
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> converted = new LinkedHashMap<>();
            map.forEach((k, v) -> converted.put(k, celValue(v)));
            return converted;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(CrdRules::celValue).toList();
        }
        return value;
    }

    private static JSONSchemaProps spec() {
        return openApiSchema().getProperties().get("spec");
    }

    private static JSONSchemaProps openApiSchema() {
        try (InputStream in = new FileInputStream(CRD.toFile())) {
            CustomResourceDefinition crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
            return crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The CRD's openAPIV3Schema without the x-kubernetes-* extensions, which JSON Schema does not know. */
    private static JsonSchema jsonSchema() {
        try {
            JsonNode schema = new YAMLMapper().readTree(CRD.toFile()).at("/spec/versions/0/schema/openAPIV3Schema");
            stripKubernetesExtensions(schema, false);
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(schema);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code fieldNames}: the node is a "properties" map, whose keys are field names rather than keywords. */
    private static void stripKubernetesExtensions(JsonNode node, boolean fieldNames) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (!fieldNames && field.getKey().startsWith("x-kubernetes-")) {
                    fields.remove();
                } else {
                    stripKubernetesExtensions(field.getValue(), !fieldNames && field.getKey().equals("properties"));
                }
            }
        } else if (node.isArray()) {
            node.forEach(item -> stripKubernetesExtensions(item, false));
        }
    }
}
