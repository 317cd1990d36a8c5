package io.conversationconnector.sweep;

import java.time.Duration;

import io.conversationconnector.config.ConfigException;
import org.quartz.CronExpression;

/**
 * The sweeps run on Quartz cron triggers (shared by all nodes). SWEEP_INTERVAL is the simple way to say how often:
 * it becomes a cron expression when it divides a minute, an hour or a day evenly; anything else needs a cron
 * expression of its own (SWEEP_CRON). Invalid values stop start-up naming the setting.
 */
public final class SweepSchedule {
    private SweepSchedule() {
    }

    public static String cron(String explicitCron, Duration interval, String file, String cronKey, String intervalKey) {
        if (explicitCron != null && !explicitCron.isBlank()) {
            return validCron(explicitCron.strip(), file, cronKey);
        }
        long s = interval.toSeconds();
        if (interval.isNegative() || interval.isZero() || interval.toMillis() % 1000 != 0) {
            throw new ConfigException(file, intervalKey, "must be a whole number of seconds, at least 1s, not " + interval);
        }
        if (s < 60 && 60 % s == 0) {
            return "0/" + s + " * * * * ?";
        }
        if (s % 60 == 0 && s < 3600 && 60 % (s / 60) == 0) {
            return "0 0/" + (s / 60) + " * * * ?";
        }
        if (s % 3600 == 0 && s < 86400 && 24 % (s / 3600) == 0) {
            return "0 0 0/" + (s / 3600) + " * * ?";
        }
        if (s == 86400) {
            return "0 0 0 * * ?";
        }
        throw new ConfigException(file, intervalKey, interval + " does not divide a minute, an hour or a day evenly;"
                + " choose such an interval (e.g. 30s, 5m, 2h) or set a Quartz cron expression in " + cronKey);
    }

    public static String validCron(String cron, String file, String key) {
        try {
            CronExpression.validateExpression(cron);
            return cron;
        } catch (java.text.ParseException e) {
            throw new ConfigException(file, key, "'" + cron + "' is not a Quartz cron expression: " + e.getMessage());
        }
    }
}
