package io.conversationconnector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The figures of the fault-injection suite: each case adds one line to target/fault-report.md (and prints it),
 * so `bench/faults.sh` can show what the connector survived and how.
 */
final class FaultReport {
    static final Path FILE = Path.of("target", "fault-report.md");

    private FaultReport() {
    }

    static synchronized void record(String fault, String figure) {
        String line = "| " + fault + " | " + figure + " |";
        System.out.println("FAULT " + line);
        try {
            if (!Files.exists(FILE)) {
                Files.createDirectories(FILE.getParent());
                Files.writeString(FILE, "Fault-injection suite, " + Instant.now() + "\n\n| fault | result |\n|---|---|\n");
            }
            Files.writeString(FILE, line + "\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
