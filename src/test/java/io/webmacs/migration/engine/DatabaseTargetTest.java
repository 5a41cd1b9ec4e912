package io.webmacs.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DatabaseTargetTest {

    @Test
    void jdbcUrlPassesThroughWithSeparateCredentials() {
        DatabaseTarget target = DatabaseTarget.parse("jdbc:postgresql://db.example:5433/webmacs", "u", "p");

        assertThat(target).isEqualTo(new DatabaseTarget("jdbc:postgresql://db.example:5433/webmacs", "u", "p"));
    }

    @Test
    void webmacsAsyncpgUrlBecomesJdbcWithItsCredentials() {
        DatabaseTarget target = DatabaseTarget.parse("postgresql+asyncpg://webmacs:webmacs@db:5432/webmacs", null, null);

        assertThat(target).isEqualTo(new DatabaseTarget("jdbc:postgresql://db:5432/webmacs", "webmacs", "webmacs"));
    }

    @Test
    void percentEncodedPasswordIsDecodedAndPlusStaysPlus() {
        DatabaseTarget target = DatabaseTarget.parse("postgresql://admin:p%40ss%3Aw+rd@10.0.0.5/prod", null, null);

        assertThat(target.jdbcUrl()).isEqualTo("jdbc:postgresql://10.0.0.5/prod");
        assertThat(target.username()).isEqualTo("admin");
        assertThat(target.password()).isEqualTo("p@ss:w+rd");
    }

    @Test
    void explicitCredentialsWinOverTheUrls() {
        DatabaseTarget target = DatabaseTarget.parse("postgresql+psycopg://a:b@h/d", "operator", "from-secret");

        assertThat(target.username()).isEqualTo("operator");
        assertThat(target.password()).isEqualTo("from-secret");
    }

    @Test
    void credentialsInJdbcQueryMoveOutOfTheUrl() {
        DatabaseTarget target = DatabaseTarget.parse("jdbc:postgresql://h:1/d?user=u&password=p%26q&sslmode=require", null, null);

        assertThat(target).isEqualTo(new DatabaseTarget("jdbc:postgresql://h:1/d?sslmode=require", "u", "p&q"));
    }

    @Test
    void asyncpgTlsAndTimeoutSettingsAreTranslated() {
        DatabaseTarget target = DatabaseTarget.parse("postgresql+asyncpg://u:p@h/d?ssl=require&connect_timeout=5", null, null);

        assertThat(target.jdbcUrl()).isEqualTo("jdbc:postgresql://h/d?sslmode=require&connectTimeout=5");
    }

    @Test
    void ipv6HostIsKept() {
        assertThat(DatabaseTarget.parse("postgresql://u:p@[::1]:5432/d", null, null).jdbcUrl())
                .isEqualTo("jdbc:postgresql://[::1]:5432/d");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mysql://u:p@h/d", "jdbc:mysql://h/d", "postgresql://u:p@/d", "postgresql://u:p@h",
        "postgresql://u:p@h/", "not a url", "postgresql://u:p w@h/d"})
    void malformedUrlsAreRejectedWithoutEchoingThePassword(String url) {
        assertThatThrownBy(() -> DatabaseTarget.parse(url, null, null))
                .isInstanceOfSatisfying(MigrationException.class, e -> {
                    assertThat(e.failure()).isEqualTo(Failure.MALFORMED_URL);
                    assertThat(e.getMessage()).startsWith("Malformed database URL: ").doesNotContain("p w");
                });
    }

    @Test
    void toStringHidesThePassword() {
        assertThat(DatabaseTarget.parse("postgresql://u:hunter2@h/d", null, null).toString()).doesNotContain("hunter2");
    }
}
