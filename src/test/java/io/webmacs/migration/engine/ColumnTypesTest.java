package io.webmacs.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which type changes PostgreSQL makes without rewriting the table: the old type as format_type prints it, the new as written. */
class ColumnTypesTest {

    @ParameterizedTest(name = "{0} -> {1}: rewrites {2}")
    @CsvSource(delimiter = '|', textBlock = """
            character varying(100) | VARCHAR(500)           | false
            character varying(100) | varchar(100)           | false
            character varying(100) | character varying      | false
            character varying(100) | text                   | false
            character varying      | TEXT                   | false
            text                   | varchar                | false
            numeric(10,2)          | numeric(12,2)          | false
            numeric(10,2)          | decimal                | false
            integer                | int4                   | false
            character varying(100) | varchar(50)            | true
            character varying      | varchar(50)            | true
            text                   | varchar(50)            | true
            numeric(10,2)          | numeric(12,4)          | true
            numeric                | numeric(12,2)          | true
            integer                | bigint                 | true
            timestamp without time zone | timestamptz       | true
            character varying(20)  | user_role              | true
            """)
    void aTypeChangeRewritesUnlessTheNewTypeTakesEveryOldValueAsItIs(String from, String to, boolean rewrites) {
        assertThat(ColumnTypes.rewrites(from, to)).isEqualTo(rewrites);
    }

    @ParameterizedTest
    @CsvSource({"'', int", "'character varying(100)', ''"})
    void anUnknownTypeIsTakenToRewrite(String from, String to) {
        assertThat(ColumnTypes.rewrites(from.isEmpty() ? null : from, to.isEmpty() ? null : to)).isTrue();
    }
}
