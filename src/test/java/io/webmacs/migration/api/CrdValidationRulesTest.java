package io.webmacs.migration.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CEL rules of the committed CRD, evaluated the way the API server evaluates them on spec.database. */
class CrdValidationRulesTest {

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
        return CrdRules.databaseViolations(database);
    }
}
