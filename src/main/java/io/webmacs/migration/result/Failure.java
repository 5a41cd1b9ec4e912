package io.webmacs.migration.result;

/** Why a command failed: the stable error code in the JSON result and the process exit code. */
public enum Failure {
    USAGE("UsageError", 2),
    MALFORMED_URL("MalformedUrl", 2),
    INVALID_CHANGELOG("InvalidChangelog", 2),
    UNKNOWN_REVISION("UnknownRevision", 2),
    WRONG_DIRECTION("WrongDirection", 2),
    DOWNGRADE_UNSAFE("DowngradeUnsafe", 2),
    UNRECOGNISED_SCHEMA("UnrecognisedSchema", 2),
    DATABASE_UNREACHABLE("DatabaseUnreachable", 3),
    AUTHENTICATION_FAILED("AuthenticationFailed", 3),
    LOCK_TIMEOUT("LockTimeout", 4),
    CHANGESET_FAILED("ChangesetFailed", 1),
    INVALID_KUBECONFIG("InvalidKubeconfig", 3),
    KUBERNETES_UNREACHABLE("KubernetesUnreachable", 3),
    KUBERNETES_FORBIDDEN("KubernetesForbidden", 3),
    WAIT_TIMEOUT("WaitTimeout", 4),
    MIGRATION_STALLED("MigrationStalled", 1);

    private final String code;
    private final int exitCode;

    Failure(String code, int exitCode) {
        this.code = code;
        this.exitCode = exitCode;
    }

    public String code() {
        return code;
    }

    public int exitCode() {
        return exitCode;
    }
}
