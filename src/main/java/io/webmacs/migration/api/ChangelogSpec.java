package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LocalObjectReference;

/**
 * A Liquibase changelog from a ConfigMap, mounted read-only into the migration Job, or a file of the runner image (one
 * built FROM the operator's, for a changelog larger than a ConfigMap holds). Every revision must end in a tagDatabase
 * changeset named after it. It replaces the built-in WebMACS changelog, or, in mode Extend, continues it.
 */
@ValidationRule(value = "has(self.configMapRef) != has(self.path)", message = "set one of configMapRef and path")
@ValidationRule(value = "!has(self.file) || has(self.configMapRef)", message = "file names a key of configMapRef; a path names its"
        + " file itself")
public class ChangelogSpec {

    @JsonPropertyDescription("The ConfigMap that holds the changelog files.")
    private LocalObjectReference configMapRef;

    @JsonPropertyDescription("The key of the root changelog file. Default: the ConfigMap's only key.")
    @Pattern("^[-._a-zA-Z0-9]+$")
    private String file;

    @JsonPropertyDescription("Instead of configMapRef: the root changelog file in spec.runner.image, an image built FROM the"
            + " operator's runner image with the changelog added. The operator learns its revisions by running the image's"
            + " webmacs-migrate revisions once per image (status.changelog).")
    @Pattern("^/[-._a-zA-Z0-9/]+$")
    private String path;

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

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }

    /** Whether the changelog is a file of the runner image rather than a ConfigMap's. */
    public boolean inImage() {
        return path != null;
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
