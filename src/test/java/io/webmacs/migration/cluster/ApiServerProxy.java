package io.webmacs.migration.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A fixed loopback port in front of kube-apiserver, passing TLS through untouched. kube-api-test starts each API server
 * on a new port; clients that keep this one see a restart as a real one: their connections and watches break and new
 * ones reach the new server.
 */
final class ApiServerProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final ExecutorService pumps = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "api-server-proxy");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile int backendPort;

    ApiServerProxy(int backendPort) {
        this.backendPort = backendPort;
        try {
            listener = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pumps.submit(this::accept);
    }

    int port() {
        return listener.getLocalPort();
    }

    void routeTo(int port) {
        backendPort = port;
    }

    /** Drops every connection, as a stopping API server does to its clients. */
    void closeConnections() {
        open.forEach(ApiServerProxy::closeQuietly);
        open.clear();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server;
                try {
                    server = new Socket(InetAddress.getLoopbackAddress(), backendPort);
                } catch (IOException refused) {
                    closeQuietly(client); // the API server is down: the client sees a refused connection and retries
                    continue;
                }
                open.add(client);
                open.add(server);
                pumps.submit(() -> pump(client, server));
                pumps.submit(() -> pump(server, client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // one side went away; closing both ends tells the other
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closeConnections();
        try {
            listener.close();
        } catch (IOException e) {
            // already closed
        }
        pumps.shutdownNow();
    }
}
