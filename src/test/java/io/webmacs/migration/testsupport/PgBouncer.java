package io.webmacs.migration.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Debian's pgbouncer (installed by .ci/run) in transaction pooling mode, in front of the embedded server, with a pool
 * small enough that clients really share server connections. Tests that need it skip, saying why, where it is missing
 * (and fail under CI=true: {@link Tier}).
 */
public final class PgBouncer implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/sbin/pgbouncer");
    /**
     * Two server connections per database, shared by concurrent runners, their lease heartbeats and blocker watches,
     * and the tests' own sessions. (With one, a runner's second connection waits for the server connection its first
     * holds in a transaction.)
     */
    private static final int POOL_SIZE = 2;

    private final Process process;
    private final Path directory;
    private final TestDatabase pooled;

    private PgBouncer(Process process, Path directory, TestDatabase pooled) {
        this.process = process;
        this.directory = directory;
        this.pooled = pooled;
    }

    /** Starts a pgbouncer for {@code db}; the test is skipped (fails under CI=true) when pgbouncer is not installed. */
    public static PgBouncer transactionPooling(TestDatabase db) throws IOException {
        Tier.PGBOUNCER.require(unavailable());
        int port = freePort();
        // Readable by the postgres user: pgbouncer refuses to run as root.
        Path directory = Files.createTempDirectory("pgbouncer", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        Path ini = directory.resolve("pgbouncer.ini");
        Files.writeString(ini, """
                [databases]
                * = host=127.0.0.1 port=%d user=%s
                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = %d
                unix_socket_dir =
                auth_type = any
                pool_mode = transaction
                default_pool_size = %d
                max_client_conn = 200
                ignore_startup_parameters = extra_float_digits
                """.formatted(db.port(), TestDatabase.USER, port, POOL_SIZE));
        List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        command.addAll(List.of(BINARY.toString(), ini.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(directory.resolve("pgbouncer.log").toFile()).start();
        PgBouncer bouncer = new PgBouncer(process, directory, new TestDatabase(port, db.name()));
        bouncer.awaitReady();
        return bouncer;
    }

    /** Why pgbouncer cannot run here, if it cannot. */
    static Optional<String> unavailable() {
        return Files.isExecutable(BINARY) ? Optional.empty()
                : Optional.of(BINARY + " is not installed (apt-get install pgbouncer; .ci/run does)");
    }

    /** The same database, reached through the pooler. */
    public TestDatabase pooled() {
        return pooled;
    }

    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            try (Connection c = pooled.connect()) {
                return;
            } catch (SQLException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    close();
                    throw new IllegalStateException("pgbouncer did not start: " + Files.readString(directory.resolve("pgbouncer.log")), e);
                }
                sleep();
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
            try (var files = Files.list(directory)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(directory);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
