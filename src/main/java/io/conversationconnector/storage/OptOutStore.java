package io.conversationconnector.storage;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import io.conversationconnector.state.OptOutChange;
import org.jdbi.v3.core.Jdbi;

/** The suppression list: reads, and operator changes (recorded with who, when and why, like provider ones). */
public final class OptOutStore {
    public record Entry(String phone, boolean optedOut, Instant changedAt, String reason, String keyword, String source,
                        String actor, String note) {
    }

    private final Jdbi jdbi;
    private final Clock clock;

    public OptOutStore(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    public boolean isOptedOut(String phone) {
        return jdbi.withHandle(h -> h.createQuery("SELECT opted_out FROM opt_out WHERE phone = :phone")
                .bind("phone", phone).mapTo(Boolean.class).findOne().orElse(false));
    }

    public List<Entry> active() {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT phone, opted_out, changed_at, reason, keyword, source, actor, note
                        FROM opt_out WHERE opted_out ORDER BY changed_at DESC, phone""")
                .map((rs, ctx) -> new Entry(rs.getString("phone"), rs.getBoolean("opted_out"),
                        Database.instant(rs, "changed_at"), rs.getString("reason"),
                        rs.getString("keyword"), rs.getString("source"), rs.getString("actor"), rs.getString("note")))
                .list());
    }

    /** An operator adds (optedOut=true) or removes a number now; the history keeps both. */
    public Entry operatorChange(String phone, boolean optedOut, String actor, String reason, String note) {
        Instant now = clock.instant();
        OptOutChange change = new OptOutChange(phone, optedOut, now, reason, null, null, null, actor, note);
        jdbi.useTransaction(h -> {
            StateWriter.bindOptOuts(h.prepareBatch(StateWriter.UPSERT_OPT_OUT), List.of(change), now).execute();
            StateWriter.bindOptOuts(h.prepareBatch(StateWriter.INSERT_OPT_OUT_HISTORY), List.of(change), now).execute();
        });
        return new Entry(phone, optedOut, now, reason, null, null, actor, note);
    }
}
