package io.conversationconnector;

import java.nio.file.Files;
import java.nio.file.Path;

import io.conversationconnector.config.ConfigException;
import io.vertx.core.VertxOptions;
import org.apache.camel.main.Main;

/** Starts the connector: camel-main with the YAML routes of ./routes (or the copy inside the jar). */
public final class App {
    private App() {
    }

    public static void main(String[] args) throws Exception {
        Main main = create();
        try {
            main.run(args);
        } catch (Exception e) {
            exitOnConfigError(e);
            throw e;
        }
        if (main.getCamelContext() == null || main.getExitCode() != 0) {
            System.exit(main.getExitCode() == 0 ? 1 : main.getExitCode());
        }
    }

    /** The connector as configured by application.properties and the environment; tests add overrides. */
    public static Main create() {
        Main main = new Main(App.class);
        main.configure().withRoutesIncludePattern(routesPattern());
        // $CONNECTOR_CONFIG_DIR/application.properties, when present, overrides the built-in defaults.
        Path overrides = Path.of(System.getenv().getOrDefault("CONNECTOR_CONFIG_DIR", "config"), "application.properties");
        if (Files.isRegularFile(overrides)) {
            // The first location that defines a key wins.
            main.setPropertyPlaceholderLocations("file:" + overrides.toAbsolutePath()
                    + ";optional=true,classpath:application.properties;optional=true");
        }
        // platform-http runs each request on a Vert.x worker thread until it is committed: the worker pool bounds
        // how many requests can be in flight (and so share one group commit).
        int workers = Integer.parseInt(System.getenv().getOrDefault("HTTP_WORKER_THREADS", "64"));
        main.bind("vertxOptions", new VertxOptions().setWorkerPoolSize(workers));
        return main;
    }

    /** ./routes when present (integration engineers edit it), else the routes packaged in the jar. */
    static String routesPattern() {
        String dir = System.getenv().getOrDefault("ROUTES_DIR", "routes");
        if (Files.isDirectory(Path.of(dir))) {
            return "file:" + dir + "/*.camel.yaml";
        }
        return "classpath:routes/*.camel.yaml";
    }

    private static void exitOnConfigError(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ConfigException) {
                System.err.println("Configuration error: " + c.getMessage());
                System.exit(2);
            }
        }
    }
}
