package io.conversationconnector.config;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * A host and port the connector will listen on, checked before anything starts. Camel 4.18's Vert.x HTTP server
 * only logs a failed bind and starts anyway: with its port taken the connector would run, report ready on the
 * management port, and answer no webhook. Port 0 (any free port) needs no check.
 */
public record ListenAddress(String host, int port, String key) {
    public void requireFree() {
        if (port == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new ConfigException("application.properties", key, "cannot listen on " + host + ":" + port + " (" + e.getMessage()
                    + "); is another connector running, or another program on that port?");
        }
    }
}
