package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A workload in the resource's namespace. */
public class WorkloadReference {

    @JsonPropertyDescription("The workload's kind. Only Deployment is supported.")
    @Default("Deployment")
    @Pattern("^Deployment$")
    private String kind = "Deployment";

    @JsonPropertyDescription("The workload's name.")
    @Required
    private String name;

    public String getKind() {
        return kind;
    }

    public void setKind(String kind) {
        this.kind = kind;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }
}
