package io.conversationconnector.config;

/** An invalid setting. The message always names the file and the key, so a person can fix it. */
public class ConfigException extends RuntimeException {
    public ConfigException(String file, String key, String problem) {
        super(file + ": " + key + ": " + problem);
    }
}
