package io.webmacs.migration.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Sets the CRD's default for {@code status} to the annotation's input, for the CRD generator. (Its own
 * {@code MergePatchCustomizer} would replace all properties, and the status property's own metadata overwrites a
 * default given on the status class.)
 */
public final class StatusDefault implements SchemaCustomizer.Customizer {

    @Override
    public JSONSchemaProps apply(JSONSchemaProps root, String input, KubernetesSerialization serialization) {
        root.getProperties().get("status").setDefault(serialization.unmarshal(input, JsonNode.class));
        return root;
    }
}
