package io.conversationconnector;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.conversationconnector.api.AdminApi;
import io.conversationconnector.api.AdminAuth;
import io.conversationconnector.api.DeliveryAdminApi;
import io.conversationconnector.auth.BirdSignatureAuthenticator;
import io.conversationconnector.auth.HeaderTokenAuthenticator;
import io.conversationconnector.auth.SinchSignatureAuthenticator;
import io.conversationconnector.auth.UrlTokenAuthenticator;
import io.conversationconnector.canonical.CanonicalJson;
import io.conversationconnector.config.EnvSubstitution;
import io.conversationconnector.config.ListenAddress;
import io.conversationconnector.config.SourceConfig;
import io.conversationconnector.config.SourcesFile;
import io.conversationconnector.config.Subscription;
import io.conversationconnector.config.SubscriptionsFile;
import io.conversationconnector.delivery.DeliverySteps;
import io.conversationconnector.storage.DeliveryStore;
import io.conversationconnector.ingest.AuthenticationStep;
import io.conversationconnector.ingest.ErrorResponses;
import io.conversationconnector.ingest.BranchStep;
import io.conversationconnector.ingest.ReadEventType;
import io.conversationconnector.ingest.HttpErrorPages;
import io.conversationconnector.ingest.MappingStep;
import io.conversationconnector.ingest.RequestOutcomes;
import io.conversationconnector.observe.ConnectorMetrics;
import io.conversationconnector.observe.DatabaseGauges;
import io.conversationconnector.observe.ShutdownGate;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.conversationconnector.ingest.WebhookIntake;
import io.conversationconnector.mapping.bird.BirdMapper;
import io.conversationconnector.mapping.rasayel.RasayelMapper;
import io.conversationconnector.mapping.sinch.SinchMapper;
import io.conversationconnector.mapping.treble.TrebleMapper;
import io.conversationconnector.state.KeywordOptOuts;
import io.conversationconnector.state.StateRules;
import io.conversationconnector.storage.BackgroundPriority;
import io.conversationconnector.storage.Database;
import io.conversationconnector.storage.DatabaseHealthCheck;
import io.conversationconnector.storage.EmbeddedServerHealthCheck;
import io.conversationconnector.storage.InboxWriter;
import io.conversationconnector.storage.OptOutStore;
import io.conversationconnector.storage.SweepStore;
import io.conversationconnector.state.WindowRules;
import io.conversationconnector.sweep.ClusteredQuartz;
import io.conversationconnector.sweep.SweepSchedule;
import io.conversationconnector.sweep.Sweeps;
import io.conversationconnector.config.Durations;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.Processor;
import org.apache.camel.PropertyInject;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root, found by package scan: reads the settings (application.properties maps each environment
 * variable of design.md to a property), starts the database, loads sources.yaml and binds the beans the routes
 * refer to by name. Wiring by hand keeps every dependency visible in one place.
 */
@Configuration
public class ConnectorConfiguration implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectorConfiguration.class);
    /** The sweeps that may run at once (inactivity, windows, retention): one Quartz thread each, and workers connections each. */
    private static final int SWEEP_KINDS = 3;
    /** The sweeps' pool also serves the metrics gauges' reads (one thread), so a refresh never waits behind the sweeps. */
    private static final int GAUGE_READERS = 1;

    @PropertyInject("connector.config-dir")
    String configDir;
    @PropertyInject("connector.data-dir")
    String dataDir;
    @PropertyInject(value = "connector.db.url", defaultValue = "")
    String dbUrl;
    @PropertyInject(value = "connector.db.user", defaultValue = "")
    String dbUser;
    @PropertyInject(value = "connector.db.password", defaultValue = "")
    String dbPassword;
    @PropertyInject(value = "connector.db.embedded-port", defaultValue = "0")
    int embeddedDbPort;
    @PropertyInject(value = "connector.db.pool-size", defaultValue = "16")
    int poolSize;
    @PropertyInject(value = "connector.db.connection-timeout-ms", defaultValue = "3000")
    long connectionTimeoutMs;
    @PropertyInject(value = "camel.server.port", defaultValue = "8080")
    int httpPort;
    @PropertyInject(value = "camel.server.host", defaultValue = "0.0.0.0")
    String httpHost;
    @PropertyInject(value = "camel.management.enabled", defaultValue = "false")
    boolean managementEnabled;
    @PropertyInject(value = "camel.management.host", defaultValue = "0.0.0.0")
    String managementHost;
    @PropertyInject(value = "camel.management.port", defaultValue = "9876")
    int managementPort;
    @PropertyInject(value = "connector.admin-token", defaultValue = "")
    String adminToken;
    @PropertyInject(value = "connector.delivery.retry-schedule", defaultValue = "0s,5s,5m,30m,2h,5h,10h,10h")
    String retryScheduleText;
    @PropertyInject(value = "connector.delivery.auto-disable-after", defaultValue = "5d")
    String autoDisableAfter;
    @PropertyInject(value = "connector.delivery.lease-grace", defaultValue = "30s")
    String leaseGrace;
    @PropertyInject(value = "connector.delivery.parallelism", defaultValue = "16")
    int deliveryParallelism;
    @PropertyInject(value = "connector.delivery.batch-size", defaultValue = "100")
    int deliveryBatchSize;
    @PropertyInject(value = "connector.delivery.in-flight", defaultValue = "128")
    int deliveryInFlight;
    @PropertyInject(value = "connector.sweep.interval", defaultValue = "30s")
    String sweepInterval;
    @PropertyInject(value = "connector.sweep.cron-expression", defaultValue = "")
    String sweepCronExpression;
    @PropertyInject(value = "connector.sweep.inactivity-timeout", defaultValue = "")
    String defaultInactivityTimeout;
    @PropertyInject(value = "connector.sweep.window-expiring-lead", defaultValue = "1h")
    String windowExpiringLead;
    @PropertyInject(value = "connector.sweep.batch-size", defaultValue = "200")
    int sweepBatchSize;
    @PropertyInject(value = "connector.sweep.workers", defaultValue = "1")
    int sweepWorkers;
    @PropertyInject(value = BackgroundPriority.SETTING, defaultValue = "19")
    int sweepDatabaseNice;
    @PropertyInject(value = "connector.sweep.scheduler-name", defaultValue = "conversation-connector")
    String schedulerName;
    @PropertyInject(value = "connector.retention.age", defaultValue = "30d")
    String retention;
    @PropertyInject(value = "connector.retention.cron", defaultValue = "0 7/10 * * * ?")
    String retentionCron;
    @PropertyInject(value = "connector.ingest.writers", defaultValue = "2")
    int writers;
    @PropertyInject(value = "connector.ingest.max-batch", defaultValue = "256")
    int maxBatch;
    @PropertyInject(value = "connector.ingest.queue-capacity", defaultValue = "10000")
    int queueCapacity;
    @PropertyInject(value = "connector.ingest.commit-timeout-ms", defaultValue = "20000")
    long commitTimeoutMs;

    @PropertyInject(value = "connector.metrics.refresh-interval", defaultValue = "10s")
    String metricsRefreshInterval;
    @PropertyInject(value = "connector.shutdown.drain-delay", defaultValue = "5s")
    String shutdownDrainDelay;

    @BindToRegistry("canonicalJson")
    public ObjectMapper canonicalJson() {
        return CanonicalJson.mapper();
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        Path config = Path.of(configDir);
        Map<String, SourceConfig> sources = SourcesFile.load(config, EnvSubstitution.fromEnvironment());
        LOG.info("Loaded {} source(s) from {}: {}", sources.size(), config.resolve(SourcesFile.FILE_NAME), sources.keySet());

        Clock clock = context.getRegistry().findSingleByType(Clock.class);
        if (clock == null) {
            clock = Clock.systemUTC();
            context.getRegistry().bind("clock", clock);
        }
        // PostgreSQL keeps microseconds and the JVM clock gives nanoseconds: times are taken at the precision they
        // are stored at, so a time in an event's JSON equals its column (a since= filter on it finds the event).
        clock = Clock.tick(clock, Duration.ofNanos(1000));
        ObjectMapper json = context.getRegistry().lookupByNameAndType("canonicalJson", ObjectMapper.class);

        List<java.time.Duration> retrySchedule = SubscriptionsFile.parseSchedule(retryScheduleText, "RETRY_SCHEDULE", "RETRY_SCHEDULE");
        Map<String, Subscription> subscriptions = SubscriptionsFile.load(config, EnvSubstitution.fromEnvironment(), retrySchedule,
                io.conversationconnector.config.Durations.parse(autoDisableAfter, "application.properties", "connector.delivery.auto-disable-after"));
        LOG.info("Loaded {} subscription(s) from {}: {}", subscriptions.size(), config.resolve(SubscriptionsFile.FILE_NAME), subscriptions.keySet());

        atLeastOne("connector.delivery.batch-size", deliveryBatchSize);
        atLeastOne("connector.delivery.parallelism", deliveryParallelism);
        atLeastOne("connector.delivery.in-flight", deliveryInFlight);
        atLeastOne("connector.sweep.batch-size", sweepBatchSize);
        atLeastOne("connector.sweep.workers", sweepWorkers);
        if (sweepDatabaseNice < 0 || sweepDatabaseNice > 19) {
            throw new io.conversationconnector.config.ConfigException("application.properties", BackgroundPriority.SETTING,
                    "must be 0 (normal priority) to 19 (the lowest), not " + sweepDatabaseNice);
        }
        // Checked before the database starts: a wrong setting stops start-up naming it.
        new ListenAddress(httpHost, httpPort, "camel.server.port (HTTP_PORT)").requireFree();
        if (managementEnabled) {
            new ListenAddress(managementHost, managementPort, "camel.management.port (MGMT_PORT)").requireFree();
        }
        String sweepCron = SweepSchedule.cron(sweepCronExpression, Durations.parse(sweepInterval, "application.properties",
                "connector.sweep.interval (SWEEP_INTERVAL)"), "application.properties", "connector.sweep.cron-expression (SWEEP_CRON)",
                "connector.sweep.interval (SWEEP_INTERVAL)");
        SweepSchedule.validCron(retentionCron, "application.properties", "connector.retention.cron (RETENTION_CRON)");
        context.getPropertiesComponent().addOverrideProperty("connector.sweep.cron", sweepCron);
        Duration inactivityDefault = defaultInactivityTimeout == null || defaultInactivityTimeout.isBlank() ? null
                : positiveDuration(defaultInactivityTimeout, "connector.sweep.inactivity-timeout (INACTIVITY_TIMEOUT)");
        Duration expiringLead = positiveDuration(windowExpiringLead, "connector.sweep.window-expiring-lead (WINDOW_EXPIRING_LEAD)");
        if (expiringLead.compareTo(WindowRules.CUSTOMER_SERVICE) >= 0) {
            // Every customer-service window would be "expiring" from its first message on.
            throw new io.conversationconnector.config.ConfigException("application.properties",
                    "connector.sweep.window-expiring-lead (WINDOW_EXPIRING_LEAD)",
                    "must be shorter than the 24 h customer-service window, not " + windowExpiringLead.strip());
        }
        Duration retentionAge = positiveDuration(retention, "connector.retention.age (RETENTION)");
        Duration metricsRefresh = positiveDuration(metricsRefreshInterval, "connector.metrics.refresh-interval");
        PrometheusMeterRegistry meters = prometheusRegistry(context);
        ConnectorMetrics metrics = new ConnectorMetrics(meters, sources.keySet(), subscriptions.keySet());
        RequestOutcomes requestOutcomes = new RequestOutcomes(metrics);
        Database database = Database.start(new Database.Settings(dbUrl, dbUser, dbPassword, Path.of(dataDir),
                embeddedDbPort, poolSize, connectionTimeoutMs, SWEEP_KINDS * sweepWorkers + GAUGE_READERS, sweepDatabaseNice, meters));
        manage(context, "database", database);
        InboxWriter inbox = new InboxWriter(database.jdbi(), subscriptions.values(), clock, json,
                new InboxWriter.Settings(writers, maxBatch, queueCapacity, Duration.ofMillis(commitTimeoutMs)));
        manage(context, "inbox-writer", inbox);
        context.getRegistry().bind("database", database);
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        ShutdownGate shutdownGate = new ShutdownGate(Durations.parse(shutdownDrainDelay, "application.properties",
                "connector.shutdown.drain-delay (SHUTDOWN_DRAIN_DELAY)"));
        context.getManagementStrategy().addEventNotifier(shutdownGate);
        if (health != null) {
            health.register(new DatabaseHealthCheck(database));
            if (database.embedded() != null) {
                health.register(new EmbeddedServerHealthCheck(database.embedded()));
            }
            health.register(shutdownGate.readiness());
        }

        // The ingest steps run for every webhook: bound as Processors, which Camel calls directly (a bean-method
        // call with parameter binding costs more than most of these steps' own work).
        WebhookIntake intake = new WebhookIntake(sources, inbox, clock, json, requestOutcomes);
        context.getRegistry().bind("webhookIntake", intake);
        context.getRegistry().bind("admitWebhook", (Processor) intake::admit);
        context.getRegistry().bind("parseJson", (Processor) intake::parseJson);
        context.getRegistry().bind("commitAndAcknowledge", (Processor) intake::commitAndAcknowledge);
        context.getRegistry().bind("errorResponses", new ErrorResponses(json, requestOutcomes));
        context.addStartupListener(new HttpErrorPages(httpPort, requestOutcomes));
        context.getRegistry().bind("readEventType", new ReadEventType());
        for (String branch : List.of("closed", "optStatus", "delivery", "inboundMessage", "windowNotice", "lifecycle", "other")) {
            context.getRegistry().bind(branch + "Branch", new BranchStep(branch.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT)));
        }

        context.getRegistry().bind("trackConversation", StateRules.Track.CONVERSATION);
        context.getRegistry().bind("trackWindow", StateRules.Track.WINDOW);
        context.getRegistry().bind("trackOptOut", StateRules.Track.OPT_OUT);
        KeywordOptOuts keywordOptOuts = new KeywordOptOuts();

        // One authentication scheme and one mapper per provider; the provider's route file names them.
        TrebleMapper trebleMapper = new TrebleMapper();
        context.getRegistry().bind("trebleKnownKind", (Processor) trebleMapper::requireKnownKind);
        context.getRegistry().bind("trebleAuthentication", new AuthenticationStep(new HeaderTokenAuthenticator()));
        context.getRegistry().bind("trebleMapping", new MappingStep(trebleMapper, keywordOptOuts));
        context.getRegistry().bind("birdAuthentication", new AuthenticationStep(new BirdSignatureAuthenticator()));
        context.getRegistry().bind("birdMapping", new MappingStep(new BirdMapper(), keywordOptOuts));
        context.getRegistry().bind("sinchAuthentication", new AuthenticationStep(new SinchSignatureAuthenticator()));
        context.getRegistry().bind("sinchMapping", new MappingStep(new SinchMapper(), keywordOptOuts));
        context.getRegistry().bind("rasayelAuthentication", new AuthenticationStep(new UrlTokenAuthenticator()));
        context.getRegistry().bind("rasayelMapping", new MappingStep(new RasayelMapper(), keywordOptOuts));

        DeliveryStore deliveryStore = new DeliveryStore(database.jdbi());
        // The gauges' counts grow with the backlog (a 400,000-row backlog: about 0.2 s of PostgreSQL CPU a refresh), and
        // nothing waits for them: background work, so they read through the sweeps' pool (low priority, one connection).
        manage(context, "metrics-gauges", new DatabaseGauges(database.sweepJdbi(), new DeliveryStore(database.sweepJdbi()), meters,
                subscriptions.keySet(), clock, metricsRefresh));
        DeliverySteps delivery = new DeliverySteps(deliveryStore, subscriptions, clock, json, deliveryBatchSize, deliveryParallelism,
                deliveryInFlight, io.conversationconnector.config.Durations.parse(leaseGrace, "application.properties", "connector.delivery.lease-grace"), metrics);
        manage(context, "delivery-outcomes", delivery.outcomeWriter());
        context.getRegistry().bind("claimDeliveries", (Processor) delivery::claim);
        context.getRegistry().bind("prepareDelivery", (Processor) delivery::prepare);
        context.getRegistry().bind("recordDelivery", (Processor) delivery::record);

        String token = resolveAdminToken();
        context.getRegistry().bind("adminToken", new AdminToken(token));
        context.getRegistry().bind("adminAuth", new AdminAuth(token));
        OptOutStore optOuts = new OptOutStore(database.jdbi(), clock);
        context.getRegistry().bind("adminApi", new AdminApi(database.jdbi(), optOuts, clock, json));

        // Sweeps: Quartz's clustered job store lives in the same database; the scheduler stops before it closes.
        // One Quartz thread per timer of routes/sweeps.camel.yaml.
        org.quartz.impl.StdSchedulerFactory quartz = ClusteredQuartz.factory(schedulerName, database.dataSource(), SWEEP_KINDS);
        context.getComponent("quartz", org.apache.camel.component.quartz.QuartzComponent.class).setSchedulerFactory(quartz);
        manage(context, "sweep-scheduler", () -> {
            for (org.quartz.Scheduler scheduler : quartz.getAllSchedulers()) {
                scheduler.shutdown(true);
            }
        });
        Sweeps sweeps = new Sweeps(new SweepStore(database.sweepJdbi(), subscriptions.values(), json), sources, inactivityDefault,
                expiringLead, retentionAge, sweepBatchSize, sweepWorkers, clock, json, metrics);
        // The batches of one sweep run are committed in parallel (disjoint rows, each its own transaction).
        context.getRegistry().bind("sweepWorkers", context.getExecutorServiceManager().newFixedThreadPool(this, "sweep-worker", sweepWorkers));
        context.getRegistry().bind("sweepBatchEvents", (Processor) sweeps::batchEvents);
        context.getRegistry().bind("findIdleConversations", (Processor) sweeps::findIdleConversations);
        context.getRegistry().bind("findWindowNotices", (Processor) sweeps::findWindowNotices);
        context.getRegistry().bind("commitSweep", (Processor) sweeps::commit);
        context.getRegistry().bind("summarizeSweep", (Processor) sweeps::summarize);
        context.getRegistry().bind("applyRetention", (Processor) sweeps::retire);

        context.getRegistry().bind("deliveryAdminApi", new DeliveryAdminApi(database.jdbi(), deliveryStore, subscriptions, clock, json));
    }

    /**
     * The registry camel-micrometer-prometheus serves on /observe/metrics: it uses the one bound as
     * "metricsRegistry" if there is one when it starts, else binds its own there.
     */
    private static PrometheusMeterRegistry prometheusRegistry(CamelContext context) {
        PrometheusMeterRegistry meters = context.getRegistry().lookupByNameAndType("metricsRegistry", PrometheusMeterRegistry.class);
        if (meters == null) {
            meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            context.getRegistry().bind("metricsRegistry", meters);
        }
        return meters;
    }

    private String resolveAdminToken() {
        if (adminToken != null && !adminToken.isBlank()) {
            return adminToken;
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String generated = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        // Printed once, on the console only (not through the logger), so it can be copied; set ADMIN_TOKEN to fix it.
        System.out.println("ADMIN_TOKEN is not set; generated one for this run: " + generated);
        return generated;
    }

    private static void atLeastOne(String key, int value) {
        if (value < 1) {
            throw new io.conversationconnector.config.ConfigException("application.properties", key, "must be at least 1, not " + value);
        }
    }

    private static Duration positiveDuration(String text, String key) {
        return Durations.parsePositive(text, "application.properties", key);
    }

    /** Ties a resource's lifetime to the CamelContext: closed when the context stops, after the routes. */
    private static void manage(CamelContext context, String name, AutoCloseable resource) throws Exception {
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() throws Exception {
                LOG.info("Stopping {}", name);
                resource.close();
            }
        }, true, true);
    }

    /** The bearer token of the admin API. */
    public record AdminToken(String value) {
        @Override
        public String toString() {
            return "AdminToken[***]";
        }
    }
}
