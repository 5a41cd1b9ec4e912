package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * The database: its URL, given directly or from a Secret, and optionally credentials from Secrets. The operator
 * never reads these Secrets; the migration Job receives them as environment variables.
 */
@ValidationRule(value = "has(self.url) != has(self.urlFrom)", message = "set exactly one of url and urlFrom")
@ValidationRule(value = "!has(self.url) || !self.url.matches('^[^/]*//[^/@]*:[^/@]*@')",
        message = "url must not contain a password: put it in a Secret and use urlFrom or passwordFrom")
// JDBC and libpq URLs also take the password as a query parameter.
@ValidationRule(value = "!has(self.url) || !self.url.matches('(?i)[?&](ssl)?password=')", message = "url must not carry"
        + " password= or sslpassword= in its query: put the password in a Secret and use passwordFrom, or the whole URL in a"
        + " Secret and use urlFrom")
public class DatabaseSpec {

    @JsonPropertyDescription("A JDBC URL (jdbc:postgresql://HOST:PORT/DB) or a SQLAlchemy URL as WebMACS writes DATABASE_URL (postgresql+asyncpg://USER@HOST:PORT/DB), without a password.")
    private String url;

    @JsonPropertyDescription("The URL from a Secret key, e.g. the Secret that holds WebMACS's own DATABASE_URL (which may contain the password).")
    private SecretValueSource urlFrom;

    @JsonPropertyDescription("The username from a Secret key. Default: the URL's.")
    private SecretValueSource usernameFrom;

    @JsonPropertyDescription("The password from a Secret key. Default: the URL's.")
    private SecretValueSource passwordFrom;

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public SecretValueSource getUrlFrom() {
        return urlFrom;
    }

    public void setUrlFrom(SecretValueSource urlFrom) {
        this.urlFrom = urlFrom;
    }

    public SecretValueSource getUsernameFrom() {
        return usernameFrom;
    }

    public void setUsernameFrom(SecretValueSource usernameFrom) {
        this.usernameFrom = usernameFrom;
    }

    public SecretValueSource getPasswordFrom() {
        return passwordFrom;
    }

    public void setPasswordFrom(SecretValueSource passwordFrom) {
        this.passwordFrom = passwordFrom;
    }
}
