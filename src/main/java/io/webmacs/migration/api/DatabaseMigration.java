package io.webmacs.migration.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.Optional;

/**
 * Keeps a WebMACS PostgreSQL database at the schema revision it asks for: the operator runs the migration in a Job
 * and reports the revision the database is at in the status.
 */
@Group(DatabaseMigration.GROUP)
@Version(DatabaseMigration.VERSION)
@ShortNames("dbm")
@AdditionalPrinterColumn(name = "Revision", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.revision")
@AdditionalPrinterColumn(name = "Ready", type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Reason", type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason")
@AdditionalPrinterColumn(name = "Age", type = AdditionalPrinterColumn.Type.DATE, jsonPath = ".metadata.creationTimestamp")
@ValidationRule(value = "size(self.metadata.name) <= " + DatabaseMigration.MAX_NAME_LENGTH, message = "metadata.name must be at"
        + " most 63 characters: it is the value of the labels on the migration's Jobs and pods, and names the pods' scheduling"
        + " gate, and Kubernetes limits both to 63")
// A resource the operator has not observed yet then has status.observedGeneration 0, below its generation: kstatus
// (Flux, Helm's --wait) calls it InProgress, where a resource with no status at all would be Current.
@SchemaCustomizer(value = StatusDefault.class, input = "{\"observedGeneration\": 0}")
public class DatabaseMigration extends CustomResource<DatabaseMigrationSpec, DatabaseMigrationStatus> implements Namespaced {

    public static final String GROUP = "migrations.webmacs.io";
    public static final String VERSION = "v1alpha1";
    public static final String KIND = "DatabaseMigration";
    public static final String PLURAL = "databasemigrations";
    /** The annotation that approves a plan (approval.mode Manual): its value is the approved status.plan.hash. */
    public static final String APPROVED_PLAN = GROUP + "/approved-plan";
    /** approval of the contract phase (rollout.contract.mode Manual): its value is the target revision whose contract may run. */
    public static final String CONTRACT = GROUP + "/contract";
    /**
     * The pod annotation that says which schema revisions the pod's application works with, e.g. {@code >=004_rbac_api_tokens}
     * or {@code >=003_fk_ondelete <=004_rbac_api_tokens}.
     */
    public static final String SCHEMA = GROUP + "/schema";
    /** The longest name: a label value, and the name part of a scheduling gate, may have 63 characters. */
    public static final int MAX_NAME_LENGTH = 63;

    /** The annotation {@code key} of this resource, if it has it. */
    public Optional<String> annotation(String key) {
        return Optional.ofNullable(getMetadata().getAnnotations()).map(a -> a.get(key));
    }
}
