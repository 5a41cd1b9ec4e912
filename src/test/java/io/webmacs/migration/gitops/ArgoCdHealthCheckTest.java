package io.webmacs.migration.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Condition;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.contract.Conditions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.jse.JseBaseLib;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * Runs deploy/argocd/health.lua, the Argo CD health check for DatabaseMigration, in LuaJ against DatabaseMigration
 * objects shaped like the operator's status, and checks that argocd-cm.yaml carries the same script.
 */
class ArgoCdHealthCheckTest {

    private static final Path SCRIPT = Path.of("deploy", "argocd", "health.lua");
    private static final Path ARGOCD_CM = Path.of("deploy", "argocd", "argocd-cm.yaml");
    private static final Path FIXTURES = Path.of("src", "test", "resources", "gitops");
    private static final Path CRD = Path.of("crds", "databasemigrations.migrations.webmacs.io-v1.yml");
    private static final String HEALTH_KEY = "resource.customizations.health.migrations.webmacs.io_DatabaseMigration";
    private static final List<String> ARGO_STATUSES =
            List.of("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown");
    private static final YAMLMapper YAML = new YAMLMapper();

    /** What Argo CD gets back from the script. */
    record Health(String status, String message) {
    }

    static Stream<Arguments> fixtures() {
        return Stream.of(
                Arguments.of("ready.yaml", "Healthy", "005_oidc_sso"),
                Arguments.of("ready-drifted.yaml", "Healthy", "; warning: Drifted: SchemaDrift: 1 difference from the schema the"
                        + " changelog defines at 005_oidc_sso: missing index users.ix_users_email"),
                Arguments.of("migrating.yaml", "Progressing", "Migrating: Job webmacs-8d41e07c52-1 is migrating to 005_oidc_sso"),
                Arguments.of("retrying.yaml", "Progressing", "Retrying: Job webmacs-8d41e07c52-2 failed"),
                Arguments.of("stalled-changeset.yaml", "Degraded",
                        "ChangesetFailed: Job webmacs-8d41e07c52-1 failed: Changeset db/webmacs/004_rbac_api_tokens.xml"),
                Arguments.of("downgrade-not-allowed.yaml", "Degraded",
                        "DowngradeNotAllowed: The database is at 005_oidc_sso, above 003_fk_ondelete"),
                Arguments.of("stale-generation.yaml", "Progressing", "Waiting for the operator to observe generation 3"),
                Arguments.of("no-status.yaml", "Progressing", "Waiting for the operator to observe generation 1"),
                Arguments.of("defaulted-status.yaml", "Progressing", "Waiting for the operator to observe generation 1"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("fixtures")
    void mapsTheStatusToArgoCdHealth(String fixture, String expectedStatus, String expectedMessage) throws IOException {
        JsonNode object = YAML.readTree(FIXTURES.resolve(fixture).toFile());

        Health health = run(object, ArgoCdHealthCheckTest::argoLikeGlobals);

        assertThat(health.status()).as("hs.status for %s (message: %s)", fixture, health.message())
                .isEqualTo(expectedStatus);
        assertThat(health.message()).as("hs.message for %s", fixture).contains(expectedMessage);
        // The same verdict with LuaJ's full standard library: the script does not depend on what is loaded.
        assertThat(run(object, JsePlatform::standardGlobals)).isEqualTo(health);
    }

    @Test
    void healthyNamesTheRevision() throws IOException {
        Health health = run(YAML.readTree(FIXTURES.resolve("ready.yaml").toFile()), JsePlatform::standardGlobals);

        assertThat(health.message()).startsWith("At revision 005_oidc_sso (At 005_oidc_sso; applied ");
    }

    @Test
    void driftIsAWarningOnAHealthyResourceNotAFailure() throws IOException {
        Health drifted = run(YAML.readTree(FIXTURES.resolve("ready-drifted.yaml").toFile()), JsePlatform::standardGlobals);
        Health clean = run(YAML.readTree(FIXTURES.resolve("ready.yaml").toFile()), JsePlatform::standardGlobals);

        assertThat(drifted.status()).isEqualTo("Healthy");
        assertThat(drifted.message()).startsWith(clean.message() + "; warning: Drifted: SchemaDrift: ");
    }

    @Test
    void degradedIsTheStalledReasonAndMessage() throws IOException {
        JsonNode object = YAML.readTree(FIXTURES.resolve("stalled-changeset.yaml").toFile());
        JsonNode stalled = condition(object, Conditions.STALLED);

        Health health = run(object, JsePlatform::standardGlobals);

        assertThat(health.message()).isEqualTo(stalled.get("reason").asText() + ": " + stalled.get("message").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{}",
        "{metadata: {}}",
        "{metadata: {generation: 2}, status: {}}",
        "{metadata: {generation: 2}, status: {observedGeneration: 2}}",
        "{metadata: {generation: 2}, status: {observedGeneration: 2, conditions: []}}",
        "{metadata: {generation: 2}, status: {observedGeneration: 2, conditions: oops}}",
        "{metadata: {generation: 2}, status: {observedGeneration: 2, conditions: [oops, 7, [], {}]}}",
        "{metadata: {generation: 2}, status: {observedGeneration: 2, conditions: [{type: Ready}]}}",
        "{metadata: {generation: 2}, status: {observedGeneration: 2, conditions: [{type: Stalled, status: 'True'}]}}",
        "{metadata: {generation: 2}, status: {observedGeneration: 2, conditions: [{type: Ready, status: 'True'}]}}",
        "{metadata: {generation: 2}, status: {observedGeneration: '2'}}",
        "{metadata: {generation: 2}, status: oops}",
        "{metadata: oops, status: {observedGeneration: 1, conditions: [{type: Ready, status: 'True'}]}}",
    })
    void neverFailsOnMalformedObjects(String yaml) throws IOException {
        Health health = run(YAML.readTree(yaml), ArgoCdHealthCheckTest::argoLikeGlobals);

        assertThat(health.status()).isIn(ARGO_STATUSES);
        assertThat(health.message()).isNotNull();
    }

    @Test
    void withoutAnObjectItIsProgressing() throws IOException {
        Globals globals = argoLikeGlobals();
        LuaValue result = globals.load(Files.readString(SCRIPT), SCRIPT.toString()).call();

        assertThat(result.get("status").tojstring()).isEqualTo("Progressing");
    }

    @Test
    void aStalledConditionOfAnOlderGenerationIsNotDegraded() throws IOException {
        JsonNode object = YAML.readTree(FIXTURES.resolve("stalled-changeset.yaml").toFile());
        ((ObjectNode) object.get("metadata")).put("generation", 4);

        Health health = run(object, ArgoCdHealthCheckTest::argoLikeGlobals);

        assertThat(health).isEqualTo(new Health("Progressing", "Waiting for the operator to observe generation 4"));
    }

    @ParameterizedTest
    @MethodSource("fixtureNames")
    void fixturesHaveTheOperatorsStatusShape(String fixture) throws IOException {
        DatabaseMigration resource = YAML.copy().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .readValue(FIXTURES.resolve(fixture).toFile(), DatabaseMigration.class);

        assertThat(resource.getMetadata().getGeneration()).isPositive();
        if (fixture.equals("no-status.yaml")) {
            assertThat(resource.getStatus()).isNull();
            return;
        }
        if (fixture.equals("defaulted-status.yaml")) {
            JsonNode crdDefault = YAML.readTree(CRD.toFile()).at("/spec/versions/0/schema/openAPIV3Schema/properties/status/default");
            assertThat(YAML.readTree(FIXTURES.resolve(fixture).toFile()).get("status")).as("the CRD's default status").isEqualTo(crdDefault);
            return;
        }
        assertThat(resource.getStatus().getObservedGeneration()).isNotNull();
        assertThat(resource.getStatus().getRevision()).isNotBlank();
        assertThat(resource.getStatus().getTargetRevision()).isNotBlank();
        List<Condition> kstatus = resource.getStatus().getConditions().stream().filter(c -> !Conditions.DRIFTED.equals(c.getType())).toList();
        assertThat(kstatus).extracting(Condition::getType).containsExactly(Conditions.READY, Conditions.RECONCILING, Conditions.STALLED);
        assertThat(resource.getStatus().getConditions()).as("Drifted comes last, when at all").startsWith(kstatus.toArray(Condition[]::new));
        for (Condition condition : resource.getStatus().getConditions()) {
            assertThat(condition.getStatus()).isIn("True", "False");
            assertThat(condition.getReason()).isNotBlank();
            assertThat(condition.getMessage()).isNotBlank();
            assertThat(condition.getLastTransitionTime()).isNotBlank();
            assertThat(condition.getObservedGeneration()).isEqualTo(resource.getStatus().getObservedGeneration());
            assertThat(condition.getAdditionalProperties()).isEmpty();
        }
        assertThat(kstatus).filteredOn(c -> "True".equals(c.getStatus())).hasSize(1);
    }

    static Stream<String> fixtureNames() {
        return fixtures().map(arguments -> (String) arguments.get()[0]);
    }

    @Test
    void argocdCmCarriesExactlyTheScript() throws IOException {
        JsonNode configMap = YAML.readTree(ARGOCD_CM.toFile());

        assertThat(configMap.path("kind").asText()).isEqualTo("ConfigMap");
        assertThat(configMap.path("metadata").path("name").asText()).isEqualTo("argocd-cm");
        assertThat(configMap.path("metadata").path("namespace").asText()).isEqualTo("argocd");
        assertThat(configMap.path("data").path(HEALTH_KEY).isTextual())
                .withFailMessage("%s has no key %s", ARGOCD_CM, HEALTH_KEY).isTrue();
        assertThat(configMap.path("data").get(HEALTH_KEY).asText())
                .withFailMessage("%s's %s differs from %s; copy the script into it again", ARGOCD_CM, HEALTH_KEY, SCRIPT)
                .isEqualTo(Files.readString(SCRIPT));
    }

    /** Runs the script as Argo CD does: the resource as the global {@code obj}, the returned table read back. */
    static Health run(JsonNode object, Supplier<Globals> globalsFactory) throws IOException {
        Globals globals = globalsFactory.get();
        globals.set("obj", toLua(object));
        LuaValue result = globals.load(Files.readString(SCRIPT), SCRIPT.toString()).call();
        assertThat(result.istable()).withFailMessage("the script returned %s, not a table", result.typename()).isTrue();
        LuaValue status = result.get("status");
        LuaValue message = result.get("message");
        assertThat(status.isstring()).withFailMessage("hs.status is %s", status.typename()).isTrue();
        return new Health(status.tojstring(), message.isnil() ? null : message.tojstring());
    }

    /**
     * Close to the libraries Argo CD opens for health scripts: base, package and table, with no io or os. The
     * string library is left out too, so the script must not rely on it.
     */
    static Globals argoLikeGlobals() {
        Globals globals = new Globals();
        globals.load(new JseBaseLib());
        globals.load(new PackageLib());
        globals.load(new TableLib());
        LoadState.install(globals);
        LuaC.install(globals);
        return globals;
    }

    /** JSON/YAML to Lua as Argo CD hands objects to the script: maps and lists become tables, null is absent. */
    static LuaValue toLua(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return LuaValue.NIL;
        }
        if (node.isObject()) {
            LuaTable table = new LuaTable();
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext();) {
                Map.Entry<String, JsonNode> field = fields.next();
                table.set(field.getKey(), toLua(field.getValue()));
            }
            return table;
        }
        if (node.isArray()) {
            LuaTable table = new LuaTable();
            for (int i = 0; i < node.size(); i++) {
                table.set(i + 1, toLua(node.get(i)));
            }
            return table;
        }
        if (node.isBoolean()) {
            return LuaValue.valueOf(node.booleanValue());
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToInt() ? LuaValue.valueOf(node.intValue()) : LuaValue.valueOf(node.doubleValue());
        }
        if (node.isNumber()) {
            return LuaValue.valueOf(node.doubleValue());
        }
        return LuaValue.valueOf(node.asText());
    }

    private static JsonNode condition(JsonNode object, String type) {
        for (JsonNode condition : object.path("status").path("conditions")) {
            if (type.equals(condition.path("type").asText())) {
                return condition;
            }
        }
        throw new AssertionError("no " + type + " condition");
    }
}
