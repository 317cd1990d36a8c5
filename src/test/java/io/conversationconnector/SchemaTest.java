package io.conversationconnector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** What the migrations leave in a real PostgreSQL, beyond what the behaviour tests already show. */
class SchemaTest {
    /**
     * Every text column in one of the connector's indexes compares byte by byte (V13), whatever the database's default
     * collation, so no B-tree comparison goes through strcoll.
     */
    @Test
    void everyIndexedTextColumnIsCollatedC() throws Exception {
        List<String> notC = ConnectorHarness.shared().jdbi().withHandle(h -> h.createQuery("""
                SELECT DISTINCT c.relname || '.' || a.attname
                FROM pg_index i
                JOIN pg_class c ON c.oid = i.indrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                WHERE a.atttypid = 'text'::regtype
                  AND a.attcollation <> (SELECT oid FROM pg_collation WHERE collname = 'C' AND collnamespace = 'pg_catalog'::regnamespace)
                  AND c.relname NOT LIKE 'qrtz%' AND c.relname <> 'flyway_schema_history'
                ORDER BY 1""").mapTo(String.class).list());
        assertThat(notC).isEmpty();
    }

    /** The check above looks at the right columns: the inbox's dedupe key is among them. */
    @Test
    void theInboxDedupeKeyIsAmongTheIndexedTextColumns() throws Exception {
        List<String> collations = ConnectorHarness.shared().jdbi().withHandle(h -> h.createQuery("""
                SELECT a.attname || ':' || coll.collname
                FROM pg_attribute a JOIN pg_collation coll ON coll.oid = a.attcollation
                WHERE a.attrelid = 'inbox_event'::regclass AND a.attname IN ('source', 'provider_event_id')
                ORDER BY 1""").mapTo(String.class).list());
        assertThat(collations).containsExactly("provider_event_id:C", "source:C");
    }
}
