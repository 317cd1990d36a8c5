package io.conversationconnector.ingest;

import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * Errors the HTTP server answers before any route runs (a body over MAX_BODY_BYTES, no such path, a GET on a
 * webhook URL) get the same JSON error body as everything else instead of Vert.x's plain-text/HTML pages.
 */
public final class HttpErrorPages implements ExtendedStartupListener {
    private final int httpPort;
    private final RequestOutcomes outcomes;

    public HttpErrorPages(int httpPort, RequestOutcomes outcomes) {
        this.httpPort = httpPort;
        this.outcomes = outcomes;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        for (VertxPlatformHttpRouter router : context.getRegistry().findByType(VertxPlatformHttpRouter.class)) {
            router.route().order(Integer.MIN_VALUE).failureHandler(this::onFailure);
        }
        VertxPlatformHttpRouter api = VertxPlatformHttpRouter.lookup(context, VertxPlatformHttpRouter.getRouterNameFromPort(httpPort));
        if (api != null) {
            // Runs only when no Camel route matched: last in order.
            api.route().order(Integer.MAX_VALUE).handler(this::onNoRoute);
        }
    }

    private void onFailure(RoutingContext ctx) {
        if (ctx.statusCode() == 413) {
            send(ctx, 413, "payload_too_large", "the body is larger than the limit (MAX_BODY_BYTES)");
        } else if (ctx.statusCode() == 400) {
            // The HTTP layer could not decode the body, e.g. a form-encoded one that is not valid form data.
            if (WebhookIntake.isJson(ctx.request().getHeader("Content-Type"))) {
                send(ctx, 400, "malformed_json", "the body could not be read");
            } else {
                send(ctx, 415, "unsupported_media_type", "content-type must be application/json");
            }
        } else {
            ctx.next();
        }
    }

    private void onNoRoute(RoutingContext ctx) {
        String path = ctx.request().path();
        if (path != null && path.startsWith("/webhooks/") && !"POST".equals(ctx.request().method().name())) {
            send(ctx, 405, "method_not_allowed", "webhooks are received with POST");
        } else {
            send(ctx, 404, "not_found", "no such endpoint");
        }
    }

    private void send(RoutingContext ctx, int status, String error, String detail) {
        String path = ctx.request().path();
        if (path != null && path.startsWith("/webhooks/")) {
            // Only the source segment: a later one may be a credential (Rasayel's URL token).
            String source = path.substring("/webhooks/".length()).split("/", 2)[0];
            outcomes.rejected(source, "/webhooks/" + source, status, error, detail, 0);
        }
        if (!ctx.response().ended()) {
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end("{\"error\":\"" + error + "\",\"detail\":\"" + detail + "\"}");
        }
    }
}
