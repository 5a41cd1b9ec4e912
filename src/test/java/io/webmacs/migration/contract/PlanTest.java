package io.webmacs.migration.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A plan's verdicts (destructive, blocks writes) survive compaction, the only form of it that reaches the operator. */
class PlanTest {

    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    @Test
    void aCompactPlanKeepsTheDestructiveFindingsFirstAndStaysDestructiveWhenItCutsOne() throws Exception {
        List<Finding> findings = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            findings.add(finding(Finding.Kind.DATA_MIGRATION, "backfill" + i));
        }
        findings.add(finding(Finding.Kind.UNREVIEWED, "do-block"));
        for (int i = 1; i <= 6; i++) {
            findings.add(finding(Finding.Kind.DROP_COLUMN, "drop" + i));
        }
        Plan plan = plan(findings);

        Plan compact = plan.compact();

        assertThat(plan.destructive()).isTrue();
        assertThat(compact.findings()).hasSize(6).allMatch(f -> f.kind().destructive());
        assertThat(compact.findings()).extracting(Finding::changeset).as("plan order among the kept")
                .containsExactly("do-block", "drop1", "drop2", "drop3", "drop4", "drop5");
        assertThat(compact.omitted()).isEqualTo(9);
        assertThat(compact.destructive()).as("drop6 was cut, the verdict is not").isTrue();
        String json = JSON.writeValueAsString(compact);
        assertThat(json).contains("\"adopts\":null,\"destructive\":true,");
        assertThat(JSON.readValue(json, Plan.class).destructive()).isTrue();
    }

    @Test
    void aPlanWhoseSeventhFindingIsTheDestructiveOneStillReadsDestructiveWhenCompact() throws Exception {
        List<Finding> findings = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            findings.add(finding(Finding.Kind.DATA_MIGRATION, "backfill" + i));
        }
        findings.add(finding(Finding.Kind.DELETE_ROWS, "cleanup"));

        Plan compact = JSON.readValue(JSON.writeValueAsString(plan(findings).compact()), Plan.class);

        assertThat(compact.destructive()).isTrue();
        assertThat(compact.findings()).extracting(Finding::changeset).startsWith("cleanup");
    }

    @Test
    void aCompactPlanKeepsTheStepsThatBlockWritesAfterTheDestructiveOnesAndItsVerdictWhenItCutsThem() throws Exception {
        List<Finding> findings = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            findings.add(finding(Finding.Kind.DATA_MIGRATION, "backfill" + i));
        }
        findings.add(finding(Finding.Kind.BLOCKS_WRITES, "index"));
        for (int i = 1; i <= 6; i++) {
            findings.add(finding(Finding.Kind.DROP_COLUMN, "drop" + i));
        }
        findings.add(finding(Finding.Kind.BLOCKS_WRITES, "validate"));
        Plan plan = new Plan("h", Plan.Direction.UPGRADE, "webmacs.public in cluster 1", "003_fk_ondelete", "005_oidc_sso", null,
                20_000_000L, List.of(), findings, List.of());

        Plan compact = JSON.readValue(JSON.writeValueAsString(plan.compact()), Plan.class);

        assertThat(plan.blocksWrites()).isTrue();
        assertThat(compact.findings()).extracting(Finding::changeset).containsExactly("drop1", "drop2", "drop3", "drop4", "drop5", "drop6");
        assertThat(compact.blocksWrites()).as("both were cut, the verdict is not").isTrue();
        assertThat(compact.blockedTableRows()).isEqualTo(20_000_000L);
        assertThat(plan(findings.subList(0, 7)).compact().findings()).extracting(Finding::changeset).startsWith("index", "backfill1");
    }

    @Test
    void aSafePlanStaysSafeAndAResultWithoutTheFieldIsJudgedByItsFindings() throws Exception {
        Plan safe = plan(List.of(finding(Finding.Kind.DATA_MIGRATION, "backfill"), finding(Finding.Kind.RENAME, "rename")));
        String olderRunner = """
                {"hash":"h","direction":"upgrade","from":"a","to":"b","revisions":[],"locks":[],
                 "findings":[{"kind":"DropTable","changeset":"c","table":"t","detail":"DROP TABLE t"}]}""";

        assertThat(safe.destructive()).isFalse();
        assertThat(safe.compact().destructive()).isFalse();
        assertThat(JSON.readValue(olderRunner, Plan.class).destructive()).isTrue();
    }

    private static Plan plan(List<Finding> findings) {
        return new Plan("h", Plan.Direction.UPGRADE, "webmacs.public in cluster 1", "003_fk_ondelete", "005_oidc_sso", null, null, List.of(),
                findings, List.of());
    }

    private static Finding finding(Finding.Kind kind, String changeset) {
        return new Finding(kind, changeset, "users", "statement of " + changeset);
    }
}
