package io.conversationconnector;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** Keeps every log line (message and stack trace) of the test JVM, so tests can assert what was never logged. */
public final class LogCapture extends AbstractAppender {
    private static LogCapture installed;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private LogCapture() {
        super("capture", null, null, true, Property.EMPTY_ARRAY);
    }

    public static synchronized LogCapture install() {
        if (installed == null) {
            installed = new LogCapture();
            installed.start();
            LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
            ctx.getConfiguration().getRootLogger().addAppender(installed, org.apache.logging.log4j.Level.ALL, null);
            ctx.getConfiguration().getLoggers().values().forEach(l -> l.addAppender(installed, org.apache.logging.log4j.Level.ALL, null));
            ctx.updateLoggers();
        }
        return installed;
    }

    @Override
    public void append(LogEvent event) {
        StringBuilder line = new StringBuilder(event.getMessage().getFormattedMessage());
        if (event.getThrown() != null) {
            StringWriter trace = new StringWriter();
            event.getThrown().printStackTrace(new PrintWriter(trace));
            line.append('\n').append(trace);
        }
        lines.add(line.toString());
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }
}
