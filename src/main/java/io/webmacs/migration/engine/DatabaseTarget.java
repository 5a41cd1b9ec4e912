package io.webmacs.migration.engine;

import io.webmacs.migration.contract.ErrorMessages;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Where to connect: a PostgreSQL JDBC URL without credentials, plus the credentials. Parsed from a JDBC URL
 * ({@code jdbc:postgresql://host:port/db}) or a SQLAlchemy URL exactly as WebMACS writes {@code DATABASE_URL}
 * ({@code postgresql+asyncpg://user:pass@host:port/db}, {@code postgresql://...}).
 */
public record DatabaseTarget(String jdbcUrl, String username, String password) {

    private static final Pattern SQLALCHEMY_SCHEME = Pattern.compile("postgres(ql)?(\\+[a-z0-9_]+)?");
    private static final Pattern DATABASE_NAME = Pattern.compile("[^/?#]+");

    /**
     * Parses {@code url}; explicit {@code username}/{@code password} win over credentials embedded in the URL.
     *
     * @throws MigrationException ({@link Failure#MALFORMED_URL}) naming what is wrong, never echoing a password
     */
    public static DatabaseTarget parse(String url, String username, String password) {
        if (url == null || url.isBlank()) {
            throw malformed("no database URL given: pass --url or set DATABASE_URL");
        }
        String trimmed = url.trim();
        URI uri = toUri(trimmed.startsWith("jdbc:") ? trimmed.substring("jdbc:".length()) : trimmed);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
        boolean jdbc = trimmed.startsWith("jdbc:");
        if (jdbc ? !scheme.equals("postgresql") : !SQLALCHEMY_SCHEME.matcher(scheme).matches()) {
            throw malformed("unsupported scheme '" + (jdbc ? "jdbc:" : "") + scheme
                    + "': expected jdbc:postgresql://, postgresql:// or postgresql+<driver>://");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw malformed("no host in the database URL");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String database = path.startsWith("/") ? path.substring(1) : path;
        if (!DATABASE_NAME.matcher(database).matches()) {
            throw malformed("no database name in the database URL (expected .../DATABASE)");
        }
        Map<String, String> query = queryParameters(uri.getRawQuery());
        String[] userInfo = userInfo(uri.getRawUserInfo());
        String user = firstNonBlank(username, query.remove("user"), userInfo[0]);
        String pass = firstNonBlank(password, query.remove("password"), userInfo[1]);
        if (!jdbc) {
            translateSqlAlchemyParameters(query);
        }
        StringBuilder jdbcUrl = new StringBuilder("jdbc:postgresql://").append(hostAndPort(uri)).append('/').append(database);
        String separator = "?";
        for (Map.Entry<String, String> e : query.entrySet()) {
            jdbcUrl.append(separator).append(e.getKey()).append('=').append(e.getValue());
            separator = "&";
        }
        return new DatabaseTarget(jdbcUrl.toString(), user, pass);
    }

    /** asyncpg and psycopg spell TLS settings differently from the JDBC driver. */
    private static void translateSqlAlchemyParameters(Map<String, String> query) {
        String ssl = query.remove("ssl");
        if (ssl != null && !query.containsKey("sslmode")) {
            query.put("sslmode", ssl.equals("true") ? "require" : ssl);
        }
        String connectTimeout = query.remove("connect_timeout");
        if (connectTimeout != null) {
            query.put("connectTimeout", connectTimeout);
        }
    }

    private static URI toUri(String url) {
        try {
            return new URI(url);
        } catch (URISyntaxException e) {
            throw malformed("the database URL does not parse at index " + e.getIndex()
                    + " (special characters in a password must be percent-encoded)");
        }
    }

    private static String hostAndPort(URI uri) {
        return uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    }

    private static String[] userInfo(String rawUserInfo) {
        if (rawUserInfo == null || rawUserInfo.isEmpty()) {
            return new String[] {null, null};
        }
        int colon = rawUserInfo.indexOf(':');
        return colon < 0
                ? new String[] {decode(rawUserInfo), null}
                : new String[] {decode(rawUserInfo.substring(0, colon)), decode(rawUserInfo.substring(colon + 1))};
    }

    private static Map<String, String> queryParameters(String rawQuery) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            parameters.put(decode(key), key.equals("user") || key.equals("password") ? decode(value) : value);
        }
        return parameters;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    private static MigrationException malformed(String what) {
        return new MigrationException(Failure.MALFORMED_URL,
                "Malformed database URL: " + what + ". Use jdbc:postgresql://HOST:PORT/DB or WebMACS's DATABASE_URL form"
                        + " postgresql+asyncpg://USER:PASSWORD@HOST:PORT/DB.");
    }

    /** Opens a JDBC connection; fails with exit code 3 when the server cannot be reached or refuses the login. */
    Connection open() {
        Properties properties = new Properties();
        if (username != null) {
            properties.setProperty("user", username);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.setProperty("ApplicationName", "webmacs-migrate");
        properties.setProperty("connectTimeout", "10");
        // No named server-side statements: they break behind a transaction-pooling PgBouncer, and ours run a few times at most.
        properties.setProperty("prepareThreshold", "0");
        try {
            return DriverManager.getConnection(jdbcUrl, properties);
        } catch (SQLException e) {
            throw connectionFailure(e);
        }
    }

    private MigrationException connectionFailure(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String reason = ErrorMessages.clause(String.valueOf(e.getMessage()));
        if (state.startsWith("28")) {
            return new MigrationException(Failure.AUTHENTICATION_FAILED, "PostgreSQL at " + jdbcUrl
                    + " refused the login of user '" + username + "': " + reason
                    + ". Check the username and password (--username/--password or DATABASE_USERNAME/DATABASE_PASSWORD).", e);
        }
        return new MigrationException(Failure.DATABASE_UNREACHABLE, "Cannot reach PostgreSQL at " + jdbcUrl
                + ": " + reason + ". Check the host, port and database name, and that the server is up.", e);
    }

    /**
     * What no output may show of this target: its password, and the key password of an {@code sslpassword} it passes to
     * the driver in the URL (as written there, and decoded).
     */
    public List<String> secrets() {
        List<String> secrets = new ArrayList<>();
        if (password != null) {
            secrets.add(password);
        }
        int query = jdbcUrl.indexOf('?');
        if (query >= 0) {
            for (Map.Entry<String, String> parameter : queryParameters(jdbcUrl.substring(query + 1)).entrySet()) {
                if (parameter.getKey().equalsIgnoreCase("sslpassword") && !parameter.getValue().isEmpty()) {
                    secrets.add(parameter.getValue());
                    secrets.add(decode(parameter.getValue()));
                }
            }
        }
        return secrets;
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "DatabaseTarget[" + jdbcUrl + ", user=" + username + ", password=" + (password == null ? "none" : "****") + "]";
    }
}
