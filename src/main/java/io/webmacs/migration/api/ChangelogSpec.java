package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.LocalObjectReference;

/**
 * A Liquibase changelog from a ConfigMap, mounted read-only into the migration Job. Every revision must end in a
 * tagDatabase changeset named after it.
 */
public class ChangelogSpec {

    @JsonPropertyDescription("The ConfigMap that holds the changelog files.")
    @Required
    private LocalObjectReference configMapRef;

    @JsonPropertyDescription("The key of the root changelog file. Default: the ConfigMap's only key.")
    @Pattern("^[-._a-zA-Z0-9]+$")
    private String file;

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
}
