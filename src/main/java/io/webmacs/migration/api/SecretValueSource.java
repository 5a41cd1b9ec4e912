package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.SecretKeySelector;

/** A value taken from a key of a Secret in the resource's namespace. */
public class SecretValueSource {

    @JsonPropertyDescription("The Secret and key.")
    @Required
    private SecretKeySelector secretKeyRef;

    public SecretValueSource() {
    }

    public SecretValueSource(SecretKeySelector secretKeyRef) {
        this.secretKeyRef = secretKeyRef;
    }

    public SecretKeySelector getSecretKeyRef() {
        return secretKeyRef;
    }

    public void setSecretKeyRef(SecretKeySelector secretKeyRef) {
        this.secretKeyRef = secretKeyRef;
    }
}
