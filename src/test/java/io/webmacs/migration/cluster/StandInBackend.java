package io.webmacs.migration.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.testsupport.Webmacs003Users;
import io.webmacs.migration.testsupport.WebmacsHeadUsers;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A version of the WebMACS backend, stood in for by bash and psql in {@link Node#POSTGRES_IMAGE}: it sends its
 * version's own statements on {@code users} ({@link Webmacs003Users}, {@link WebmacsHeadUsers}) as SQLAlchemy on
 * asyncpg does, prepared once on one long-lived connection with WebMACS's own DATABASE_URL, and connects again when the
 * connection is lost. Each request registers a user, logs in as that user and changes their rights, two a second, and
 * every query and its error is recorded in the {@link QueryLog}. Its pods declare the schema revisions they work with
 * ({@link DatabaseMigration#SCHEMA}).
 */
enum StandInBackend {

    /** WebMACS before 004: maps users.admin, knows no role. */
    WEBMACS_003("003", "<=003_fk_ondelete", List.of(
            new Query("register", Webmacs003Users.REGISTER, "'$user', '$user@lab', '$user', 'hash', false"),
            new Query("login", Webmacs003Users.LOGIN, "'$user@lab'"),
            new Query("set_admin", Webmacs003Users.SET_ADMIN, "true, :id"))),
    /** WebMACS at head: maps users.role and the SSO columns, knows no admin. */
    WEBMACS_HEAD("head", ">=004_rbac_api_tokens", List.of(
            new Query("register", WebmacsHeadUsers.REGISTER, "'$user', '$user@lab', '$user', 'hash', 'viewer'"),
            new Query("login", WebmacsHeadUsers.LOGIN, "'$user@lab'"),
            new Query("set_role", WebmacsHeadUsers.SET_ROLE, "'operator', :id")));

    /**
     * One of the application's statements, prepared as {@code name} and executed with {@code arguments}: psql text, in
     * which bash puts the request's {@code $user} and psql the {@code :id} the login read.
     */
    private record Query(String name, String sql, String arguments) {

        /** The statement with PostgreSQL's numbered parameters for JDBC's question marks, as asyncpg sends it. */
        String prepare() {
            StringBuilder numbered = new StringBuilder();
            int parameter = 0;
            for (char c : sql.toCharArray()) {
                numbered.append(c == '?' ? "$" + ++parameter : String.valueOf(c));
            }
            return "PREPARE " + name + " AS " + numbered + ";";
        }

        /** Executes the statement; the login's row sets psql's variables, so {@code :id} is the user's id. */
        String execute() {
            return "EXECUTE " + name + "(" + arguments + ")" + (name.equals("login") ? " \\gset" : ";");
        }
    }

    private final String app;
    private final String schema;
    private final List<Query> queries;

    StandInBackend(String app, String schema, List<Query> queries) {
        this.app = app;
        this.schema = schema;
        this.queries = queries;
    }

    /** The name its queries are recorded under. */
    String app() {
        return app;
    }

    /** Makes {@code deployment}'s pods this version of the backend. */
    void runIn(Deployment deployment) {
        deployment.getSpec().getTemplate().getMetadata().setAnnotations(Map.of(DatabaseMigration.SCHEMA, schema));
        Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        container.setImage(Node.POSTGRES_IMAGE);
        container.setImagePullPolicy("Never");
        container.setCommand(List.of("bash", "-c", script()));
        container.setReadinessProbe(null); // it serves no HTTP
    }

    /** Whether {@code pod} is of this version, by the schema its template declares. */
    boolean runs(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        return annotations != null && schema.equals(annotations.get(DatabaseMigration.SCHEMA));
    }

    /**
     * The container's program: bash writes the session's statements to psql, which runs each in autocommit and records it
     * with its error ({@code :ERROR} and {@code :LAST_ERROR_MESSAGE} are psql's own). bash is the container's process 1:
     * it ends at SIGTERM itself, as a process 1 without a handler would not.
     */
    String script() {
        String requests = queries.stream().map(q -> "  say \"" + q.execute() + "\"\n  say " + quoted(record(q.name())))
                .collect(Collectors.joining("\n"));
        String prepares = queries.stream().map(q -> "  say " + quoted(q.prepare()) + "\n  say " + quoted(record("prepare " + q.name())))
                .collect(Collectors.joining("\n"));
        return """
                set -u
                trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM
                # WebMACS's DATABASE_URL as libpq reads it: without SQLAlchemy's driver name.
                url="${DATABASE_URL/+asyncpg/}"
                say() { printf '%%s\\n' "$1"; }
                session() {
                  say "\\set pod $HOSTNAME"
                %s
                  i=0
                  while :; do
                    i=$((i + 1)); user="$HOSTNAME-$1-$i"
                %s
                    sleep 0.5
                  done
                }
                connection=0
                while :; do
                  connection=$((connection + 1))
                  session "$connection" | psql -X -q -o /dev/null "$url" &
                  wait $!
                  psql -X -q -c "INSERT INTO %s (app, pod, statement, error) VALUES ('%s', '$HOSTNAME', 'connect', 'the connection ended: psql exit code $?')" "$url"
                  sleep 1
                done
                """.formatted(prepares, requests.indent(2).stripTrailing(), QueryLog.TABLE, app);
    }

    /** psql text that records the query before it, with its error if it failed. */
    private String record(String statement) {
        return "INSERT INTO " + QueryLog.TABLE + " (app, pod, statement, error) VALUES ('" + app + "', :'pod', '" + statement
                + "', CASE WHEN :ERROR THEN :'LAST_ERROR_MESSAGE' END);";
    }

    /** {@code text} as one bash word, as it is. */
    private static String quoted(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }
}
