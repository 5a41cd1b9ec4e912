package io.webmacs.migration.gate;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import java.util.Locale;

/** What the webhook made of a pod admission review: the label {@code outcome} of its duration metric. */
public enum AdmissionOutcome {

    /** Allowed as it was: not a pod of a gated workload, or its migration is Ready. */
    ADMITTED,
    /** Allowed with a patch: a scheduling gate, a migrate init container, the label naming the DatabaseMigration. */
    MUTATED,
    /** Denied, with the reason (a malformed schema range, a runner image the operator may not run). */
    REFUSED,
    /** The webhook could not decide: it let the pod through unchanged (saying why), or the request was not a review. */
    ERROR,
    /** Answered 503 before the operator had loaded its DatabaseMigrations; the webhook's failurePolicy decided. */
    UNAVAILABLE;

    /** The label value. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The outcome of an answer of {@link PodAdmission#review}: an allowed answer carries a Status only when the webhook
     * could not decide and let the pod through unchanged.
     */
    static AdmissionOutcome of(AdmissionReview answer) {
        AdmissionResponse response = answer.getResponse();
        if (!Boolean.TRUE.equals(response.getAllowed())) {
            return REFUSED;
        }
        if (response.getStatus() != null) {
            return ERROR;
        }
        return response.getPatch() == null ? ADMITTED : MUTATED;
    }
}
