package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.LocalObjectReference;

/**
 * A Liquibase changelog from a ConfigMap, mounted read-only into the migration Job. Every revision must end in a
 * tagDatabase changeset named after it. It replaces the built-in WebMACS changelog, or, in mode Extend, continues it.
 */
public class ChangelogSpec {

    @JsonPropertyDescription("The ConfigMap that holds the changelog files.")
    @Required
    private LocalObjectReference configMapRef;

    @JsonPropertyDescription("The key of the root changelog file. Default: the ConfigMap's only key.")
    @Pattern("^[-._a-zA-Z0-9]+$")
    private String file;

    @JsonPropertyDescription("Replace (default): the ConfigMap's changelog is the whole changelog. Extend: its revisions continue"
            + " the built-in WebMACS changelog after 005_oidc_sso, each ending in a tagDatabase changeset named after its Alembic"
            + " revision id, which alembic_version then holds (webmacs-migrate --changelog-extension).")
    @Default("Replace")
    private ChangelogMode mode = ChangelogMode.Replace;

    public LocalObjectReference getConfigMapRef() {
        return configMapRef;
    }

    public void setConfigMapRef(LocalObjectReference configMapRef) {
        this.configMapRef = configMapRef;
    }

    public String getFile() {
        return file;
    }

    public void setFile(String file) {
        this.file = file;
    }

    public ChangelogMode getMode() {
        return mode;
    }

    public void setMode(ChangelogMode mode) {
        this.mode = mode;
    }
}
