package io.conversationconnector.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;

class ListenAddressTest {
    @Test
    void aPortAnotherProgramListensOnStopsStartUpNamingTheKey() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> new ListenAddress("127.0.0.1", port, "camel.server.port (HTTP_PORT)").requireFree())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("application.properties: camel.server.port (HTTP_PORT): cannot listen on 127.0.0.1:" + port);
        }
    }

    @Test
    void aFreePortAndPortZeroPass() throws Exception {
        int free;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            free = s.getLocalPort();
        }
        assertThatCode(() -> new ListenAddress("127.0.0.1", free, "k").requireFree()).doesNotThrowAnyException();
        assertThatCode(() -> new ListenAddress("127.0.0.1", 0, "k").requireFree()).doesNotThrowAnyException();
    }
}
