import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.sun.net.httpserver.HttpServer;

/**
 * The CRM of the delivery benchmark (single-file Java, no dependencies): verifies every Standard Webhooks
 * signature (HMAC-SHA256 over id.timestamp.body with the whsec_ key) and answers 200, or 401 when it does not
 * verify. GET /stats answers {"received": n, "badSignatures": n}.
 *   java bench/StubCrm.java PORT whsec_...
 */
public class StubCrm {
    public static void main(String[] a) throws Exception {
        int port = Integer.parseInt(a[0]);
        byte[] key = Base64.getDecoder().decode(a[1].substring("whsec_".length()));
        AtomicLong received = new AtomicLong();
        AtomicLong bad = new AtomicLong();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 256);
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.createContext("/stats", ex -> {
            byte[] out = ("{\"received\":" + received.get() + ",\"badSignatures\":" + bad.get() + "}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        server.createContext("/hooks", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            String id = ex.getRequestHeaders().getFirst("webhook-id");
            String ts = ex.getRequestHeaders().getFirst("webhook-timestamp");
            String sig = ex.getRequestHeaders().getFirst("webhook-signature");
            boolean ok = false;
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                mac.update((id + "." + ts + ".").getBytes(StandardCharsets.UTF_8));
                byte[] expected = mac.doFinal(body);
                for (String s : sig == null ? new String[0] : sig.split(" ")) {
                    if (s.startsWith("v1,") && MessageDigest.isEqual(expected, Base64.getDecoder().decode(s.substring(3)))) {
                        ok = true;
                    }
                }
            } catch (Exception e) {
                ok = false;
            }
            received.incrementAndGet();
            if (!ok) {
                bad.incrementAndGet();
            }
            ex.sendResponseHeaders(ok ? 200 : 401, -1);
            ex.close();
        });
        server.start();
        System.out.println("stub CRM on 127.0.0.1:" + port);
    }
}
