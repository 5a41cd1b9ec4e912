package io.webmacs.migration.api;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The CEL rules of the committed CRD on spec and its fields, evaluated with cel-java the way the API server evaluates them. */
public final class CrdRules {

    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS).addVar("self", SimpleType.DYN).build();
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

    private CrdRules() {
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

    private static List<String> violations(List<ValidationRule> rules, Map<?, ?> self) throws Exception {
        List<String> violations = new ArrayList<>();
        for (ValidationRule rule : rules) {
            CelRuntime.Program program = RUNTIME.createProgram(COMPILER.compile(rule.getRule()).getAst());
            if (!Boolean.TRUE.equals(program.eval(Map.of("self", self)))) {
                violations.add(rule.getMessage());
            }
        }
        return violations;
    }

    private static JSONSchemaProps spec() {
        try (InputStream in = new FileInputStream("crds/databasemigrations.migrations.webmacs.io-v1.yml")) {
            CustomResourceDefinition crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
            return crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().getProperties().get("spec");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
