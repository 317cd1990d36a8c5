package io.conversationconnector.ingest;

/**
 * A request we answer with a 4xx/503 and a JSON error body. The detail is shown to the caller: it must never
 * contain a secret or echo a credential.
 */
public class WebhookRejected extends RuntimeException {
    private final int status;
    private final String error;

    public WebhookRejected(int status, String error, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.error = error;
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public String detail() {
        return getMessage();
    }

    public static WebhookRejected unauthorized(String detail) {
        return new WebhookRejected(401, "authentication_failed", detail);
    }

    public static WebhookRejected notFound(String error, String detail) {
        return new WebhookRejected(404, error, detail);
    }

    public static WebhookRejected badRequest(String error, String detail) {
        return new WebhookRejected(400, error, detail);
    }
}
