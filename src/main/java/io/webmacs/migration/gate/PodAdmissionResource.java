package io.webmacs.migration.gate;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.dependent.MigrationJobDependent;
import io.webmacs.migration.reconciler.OperatorSettings;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The mutating admission webhook for pods: {@code POST /admission/pods} with an AdmissionReview. */
@Path("/admission/pods")
public class PodAdmissionResource {

    private final MigrationCache migrations;
    private final OperatorSettings settings;

    public PodAdmissionResource(MigrationCache migrations, OperatorSettings settings) {
        this.migrations = migrations;
        this.settings = settings;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response review(AdmissionReview review) {
        if (!migrations.ready()) {
            // Without the cache no pod can be judged; failurePolicy decides (Fail: retry later; Ignore: let through).
            return Response.status(Response.Status.SERVICE_UNAVAILABLE).build();
        }
        return Response.ok(PodAdmission.review(review, migrations::inNamespace, this::initContainer)).build();
    }

    private PodAdmission.InitContainer initContainer(DatabaseMigration migration) {
        String file = migration.getSpec().getChangelog() == null ? null : migration.getSpec().getChangelog().getFile();
        return new PodAdmission.InitContainer(
                MigrationJobDependent.migrateContainer(migration, "upgrade", migration.getSpec().getTargetRevision(), file,
                        settings.runner()),
                MigrationJobDependent.volumes(migration));
    }
}
