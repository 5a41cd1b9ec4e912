package io.webmacs.migration.api;

/** When the contract phase of an upgrade runs, once the rollout is complete. */
public enum ContractMode {
    /** As soon as the rollout is complete and no pod needs the schema before contract. */
    Auto,
    /** Also only once the annotation migrations.webmacs.io/contract names the target revision. */
    Manual
}
