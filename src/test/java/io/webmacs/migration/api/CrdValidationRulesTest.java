package io.webmacs.migration.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CEL rules of the committed CRD, evaluated the way the API server evaluates them on spec.database. */
class CrdValidationRulesTest {

    private static List<ValidationRule> databaseRules;

    @BeforeAll
    static void loadRules() throws Exception {
        try (InputStream in = new FileInputStream("crds/databasemigrations.migrations.webmacs.io-v1.yml")) {
            CustomResourceDefinition crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
            databaseRules = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema()
                    .getProperties().get("spec").getProperties().get("database").getXKubernetesValidations();
        }
    }

    @Test
    void exactlyOneOfUrlAndUrlFrom() throws Exception {
        Map<String, Object> secretRef = Map.of("secretKeyRef", Map.of("name", "webmacs-db", "key", "DATABASE_URL"));

        assertThat(violations(Map.of("url", "jdbc:postgresql://db:5432/webmacs"))).isEmpty();
        assertThat(violations(Map.of("urlFrom", secretRef))).isEmpty();
        assertThat(violations(Map.of("url", "jdbc:postgresql://db/webmacs", "urlFrom", secretRef)))
                .containsExactly("set exactly one of url and urlFrom");
        assertThat(violations(Map.of("passwordFrom", secretRef))).containsExactly("set exactly one of url and urlFrom");
    }

    @Test
    void aPasswordNeverSitsInTheResource() throws Exception {
        assertThat(violations(Map.of("url", "postgresql+asyncpg://webmacs@db:5432/webmacs"))).isEmpty();
        assertThat(violations(Map.of("url", "postgresql+asyncpg://webmacs:secret@db:5432/webmacs")))
                .singleElement().asString().startsWith("url must not contain a password");
    }

    private static List<String> violations(Map<String, Object> database) throws Exception {
        CelCompiler compiler = CelCompilerFactory.standardCelCompilerBuilder()
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS).addVar("self", SimpleType.DYN).build();
        CelRuntime runtime = CelRuntimeFactory.standardCelRuntimeBuilder().build();
        List<String> violations = new ArrayList<>();
        for (ValidationRule rule : databaseRules) {
            CelRuntime.Program program = runtime.createProgram(compiler.compile(rule.getRule()).getAst());
            if (!Boolean.TRUE.equals(program.eval(Map.of("self", database)))) {
                violations.add(rule.getMessage());
            }
        }
        return violations;
    }
}
