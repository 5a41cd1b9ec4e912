package io.webmacs.migration.gate;

import static io.webmacs.migration.gate.ServedRevisionsTest.WEBMACS;
import static io.webmacs.migration.gate.ServedRevisionsTest.served;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The annotation migrations.webmacs.io/schema: its syntax, and which served revisions each range admits. */
class SchemaRangeTest {

    private static final String OLD_APP = "<=003_fk_ondelete";
    private static final String NEW_APP = ">=004_rbac_api_tokens";

    /** The examples: DB at 003; at 005 with 004's contract pending; at 005 contracted. */
    @Test
    void theOldAndTheNewApplicationThroughAnUpgrade() {
        assertThat(admits(OLD_APP, served("003_fk_ondelete"))).isTrue();
        assertThat(admits(NEW_APP, served("003_fk_ondelete"))).isFalse();

        assertThat(admits(OLD_APP, served("005_oidc_sso", "004_rbac_api_tokens", "005_oidc_sso"))).isTrue();
        assertThat(admits(NEW_APP, served("005_oidc_sso", "004_rbac_api_tokens", "005_oidc_sso"))).isTrue();

        assertThat(admits(OLD_APP, served("005_oidc_sso"))).isFalse();
        assertThat(admits(NEW_APP, served("005_oidc_sso"))).isTrue();
    }

    @ParameterizedTest(name = "{0} admits {1}: {2}")
    @CsvSource({
            ">=004_rbac_api_tokens, 004_rbac_api_tokens, true",
            ">=004_rbac_api_tokens, 003_fk_ondelete, false",
            ">004_rbac_api_tokens, 004_rbac_api_tokens, false",
            ">004_rbac_api_tokens, 005_oidc_sso, true",
            "<=004_rbac_api_tokens, 004_rbac_api_tokens, true",
            "<=004_rbac_api_tokens, 005_oidc_sso, false",
            "<004_rbac_api_tokens, 004_rbac_api_tokens, false",
            "<004_rbac_api_tokens, 003_fk_ondelete, true",
            "=004_rbac_api_tokens, 004_rbac_api_tokens, true",
            "=004_rbac_api_tokens, 005_oidc_sso, false",
            "004_rbac_api_tokens, 004_rbac_api_tokens, true",
            "004_rbac_api_tokens, 003_fk_ondelete, false",
            ">base, base, false",
            ">base, 000_baseline, true",
            "<000_baseline, base, true",
    })
    void eachComparison(String range, String databaseAt, boolean admitted) {
        assertThat(admits(range, served(databaseAt))).isEqualTo(admitted);
    }

    @Test
    void everyComparisonMustHold() {
        String between = ">=003_fk_ondelete <=004_rbac_api_tokens";

        assertThat(admits(between, served("002_plugin_packages"))).isFalse();
        assertThat(admits(between, served("003_fk_ondelete"))).isTrue();
        assertThat(admits(between, served("004_rbac_api_tokens"))).isTrue();
        assertThat(admits(between, served("005_oidc_sso"))).isFalse();
        assertThat(admits(between, served("005_oidc_sso", "005_oidc_sso"))).isTrue();
    }

    @Test
    void aRangeNoRevisionSatisfiesAdmitsNothing() {
        assertThat(admits(">=005_oidc_sso <=003_fk_ondelete", served("005_oidc_sso", "004_rbac_api_tokens"))).isFalse();
    }

    /** A newer application than the operator's changelog: held, whatever else its range says. */
    @Test
    void aRangeNamingAnUnknownRevisionAdmitsNothingAndSaysWhichItIs() {
        assertThat(SchemaRange.parse(">=007_future").admits(served("005_oidc_sso"))).isFalse();
        assertThat(SchemaRange.parse(">=004_rbac_api_tokens <=007_future <008_later 007_future").unknownRevisions(WEBMACS))
                .containsExactly("007_future", "008_later");
        assertThat(SchemaRange.parse(NEW_APP).unknownRevisions(WEBMACS)).isEmpty();
    }

    @Test
    void saysWhatItNeedsInTheAnnotationsSyntax() {
        assertThat(SchemaRange.parse("  >=003_fk_ondelete   004_rbac_api_tokens ")).hasToString(">=003_fk_ondelete =004_rbac_api_tokens");
    }

    @ParameterizedTest(name = "\"{0}\": {1}")
    @CsvSource(delimiter = '|', value = {
            "''|it is empty",
            "'   '|it is empty",
            "=>004_rbac_api_tokens|\"=>004_rbac_api_tokens\" is not a comparison",
            ">>004_rbac_api_tokens|\">>004_rbac_api_tokens\" is not a comparison",
            ">=|\">=\" is not a comparison",
            ">= 004_rbac_api_tokens|\">=\" is not a comparison",
            ">=003_fk_ondelete, <=004_rbac_api_tokens|\">=003_fk_ondelete,\" is not a comparison",
            ">=head|head moves with the operator's changelog",
    })
    void malformedTextIsRefusedQuotingItAndShowingTheSyntax(String text, String problem) {
        assertThatThrownBy(() -> SchemaRange.parse(text)).isInstanceOf(SchemaRange.Malformed.class)
                .hasMessageStartingWith("The annotation migrations.webmacs.io/schema: \"" + text + "\" is not a schema range: ")
                .hasMessageContaining(problem)
                .hasMessageContaining("Write one or more of >=REV, >REV, <=REV, <REV, =REV or REV");
    }

    @Test
    void aPodDeclaresItsRangeByTheAnnotation() {
        assertThat(SchemaRange.declaredBy(new PodBuilder().withNewMetadata().addToAnnotations("migrations.webmacs.io/schema", OLD_APP)
                .endMetadata().build())).get().hasToString(OLD_APP);
        assertThat(SchemaRange.declaredBy(new PodBuilder().withNewMetadata().endMetadata().build())).isEmpty();
        assertThat(SchemaRange.declaredBy(new PodBuilder().withNewMetadata().addToAnnotations("other", "x").endMetadata().build())).isEmpty();
    }

    private static boolean admits(String range, ServedRevisions served) {
        return SchemaRange.parse(range).admits(served);
    }
}
