package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The connector as a real separate JVM (for kill -9 tests), and plain HTTP calls to it. */
final class ConnectorProcess {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private ConnectorProcess() {
    }

    /** Starts io.conversationconnector.App on 127.0.0.1:httpPort; its output goes to a log file beside dataDir. */
    static Process launch(Path configDir, Path dataDir, int httpPort, String... jvmOptions) throws Exception {
        return launch(configDir, dataDir, httpPort, Map.of(), jvmOptions);
    }

    /** As above, with more environment variables (e.g. DB_URL, SWEEP_INTERVAL). */
    static Process launch(Path configDir, Path dataDir, int httpPort, Map<String, String> extraEnv, String... jvmOptions) throws Exception {
        String classpath = "target/classes" + File.pathSeparator + Files.readString(Path.of("target", "runtime-classpath.txt")).strip();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", classpath, "io.conversationconnector.App"));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.put("HTTP_HOST", "127.0.0.1");
        env.put("HTTP_PORT", Integer.toString(httpPort));
        env.put("MGMT_HOST", "127.0.0.1");
        env.put("MGMT_PORT", Integer.toString(ConnectorHarness.freePort()));
        env.put("DATA_DIR", dataDir.toString());
        env.put("CONNECTOR_CONFIG_DIR", configDir.toString());
        env.put("ADMIN_TOKEN", "crash-test");
        env.remove("DB_URL");
        env.put("SHUTDOWN_DRAIN_DELAY", "0s");
        env.putAll(extraEnv);
        Files.createDirectories(dataDir);
        pb.redirectErrorStream(true);
        pb.redirectOutput(dataDir.resolveSibling(dataDir.getFileName() + "-" + httpPort + ".log").toFile());
        return pb.start();
    }

    /** Ready when a webhook URL answers (401 for an unsigned POST proves the routes are up). */
    static void awaitReady(int httpPort) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).ignoreExceptions().until(() ->
                HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/webhooks/sinch-test"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 401);
    }

    /** Posts count signed Sinch webhooks with unique ids (prefix + i); each must be acknowledged (202). */
    static List<String> postAcknowledgedSinch(int port, String prefix, int count) throws Exception {
        List<String> acknowledged = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            HttpResponse<String> resp = post(port, Webhooks.sinch(WebhookIngestTest.uniqueSinch(prefix + i)));
            assertThat(resp.statusCode()).isEqualTo(202);
            acknowledged.add(JSON.readTree(resp.body()).get("id").asText());
        }
        return acknowledged;
    }

    /** An admin API call (the token every launched connector has). */
    static HttpResponse<String> api(int port, String method, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Authorization", "Bearer crash-test")
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(int port, Webhooks.Request r) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + r.path()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(r.body()));
        r.headers().forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
