package io.conversationconnector.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Both ways of lowering a process, on real child processes of this JVM standing in for the postmaster's backends:
 * its own nice (autogroups off) and its scheduling group's (autogroups on; the child starts its own session, as a
 * backend does). Only children of the given parent are touched.
 */
class BackgroundPriorityTest {
    private Process child;

    @AfterEach
    void stopChild() {
        if (child != null) {
            child.destroyForcibly();
        }
    }

    private Process start(String... command) throws IOException {
        child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return child;
    }

    private static String autogroup(long pid) throws IOException {
        return Files.readString(Path.of("/proc", Long.toString(pid), "autogroup"));
    }

    @Test
    void withoutAutogroupsTheProcessItselfIsReniced() throws Exception {
        Process sleeper = start("sleep", "60");
        assertThat(BackgroundPriority.ProcStat.read(sleeper.pid()).nice()).isZero();
        new BackgroundPriority(ProcessHandle.current().pid(), 7, false).lower(sleeper.pid());
        BackgroundPriority.ProcStat stat = BackgroundPriority.ProcStat.read(sleeper.pid());
        assertThat(stat.parentPid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(stat.nice()).isEqualTo(7);
    }

    @Test
    void aProcessThatIsNotAChildOfThePostmasterIsLeftAlone() throws Exception {
        Process sleeper = start("sleep", "60");
        long someOtherParent = ProcessHandle.current().parent().orElseThrow().pid();
        new BackgroundPriority(someOtherParent, 7, false).lower(sleeper.pid());
        assertThat(BackgroundPriority.ProcStat.read(sleeper.pid()).nice()).isZero();
    }

    @Test
    void withAutogroupsTheProcesssSchedulingGroupIsLoweredAndNotThisJvms() throws Exception {
        assumeThat(BackgroundPriority.autogroupsEnabled()).as("this kernel groups tasks by session").isTrue();
        String ours = autogroup(ProcessHandle.current().pid());
        Process sleeper = start("setsid", "sleep", "60"); // its own session, so its own group, as a backend's
        long pid = sleeper.pid();
        for (int i = 0; i < 50 && !ProcessHandle.of(pid).flatMap(p -> p.info().command()).orElse("").endsWith("sleep"); i++) {
            Thread.sleep(20); // until setsid has exec'd sleep
        }
        assertThat(autogroup(pid)).isNotEqualTo(ours).contains("nice 0");
        new BackgroundPriority(ProcessHandle.current().pid(), 19, true).lower(pid);
        assertThat(BackgroundPriority.autogroupNice(autogroup(pid))).isEqualTo(19);
        assertThat(autogroup(ProcessHandle.current().pid())).isEqualTo(ours);
    }

    @Test
    void readsTheAutogroupLineAndTheStatFieldsItNeeds() throws Exception {
        assertThat(BackgroundPriority.autogroupNice("/autogroup-42 nice 19\n")).isEqualTo(19);
        assertThat(BackgroundPriority.autogroupNice("/autogroup-7 nice -5\n")).isEqualTo(-5);
        assertThatThrownBy(() -> BackgroundPriority.autogroupNice("something else")).isInstanceOf(IOException.class);
        // A command name with spaces and parentheses, as /proc/PID/stat may show one (the name of the file run).
        Path dir = Files.createTempDirectory("odd-name");
        Path odd = Files.createSymbolicLink(dir.resolve("a (b) c"), Path.of("/bin/sleep"));
        Process sleeper = start(odd.toString(), "60");
        assertThat(Files.readString(Path.of("/proc", Long.toString(sleeper.pid()), "stat"))).contains("(a (b) c)");
        BackgroundPriority.ProcStat stat = BackgroundPriority.ProcStat.read(sleeper.pid());
        assertThat(stat.parentPid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(stat.nice()).isZero();
        Files.delete(odd);
        Files.delete(dir);
        assertThat(BackgroundPriority.ProcStat.read(Long.MAX_VALUE / 2)).as("a process that is gone").isNull();
    }

    @Test
    void niceMustBeBetweenOneAndNineteen() {
        for (int wrong : List.of(0, 20, -1)) {
            assertThatThrownBy(() -> new BackgroundPriority(1, wrong, false)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
