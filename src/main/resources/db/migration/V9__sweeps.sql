-- Sweeps (routes/sweeps.camel.yaml): inactivity close, window notices, retention.

-- An open conversation is idle since its last sign of life: a message, a status-setting event, or first sight.
-- Only open conversations are in the index, so a sweep reads the idle ones without touching the rest.
CREATE INDEX conversation_idle ON conversation (source, (GREATEST(last_activity_at, status_at, opened_at)))
    WHERE status = 'open';

-- The end of the customer-service window (last inbound message + 24 h, or later if the provider said so),
-- kept by the same upsert that changes its inputs. A window is identified by its end: an inbound message that
-- extends it makes a new window. *_sent_for records the end a notice was sent for, so each is sent once.
ALTER TABLE contact_window
    ADD COLUMN cs_expires_at         timestamptz,
    ADD COLUMN cs_expiring_sent_for  timestamptz,
    ADD COLUMN cs_expired_sent_for   timestamptz,
    ADD COLUMN fep_expiring_sent_for timestamptz,
    ADD COLUMN fep_expired_sent_for  timestamptz;

UPDATE contact_window SET cs_expires_at = GREATEST(last_inbound_at + interval '24 hours', provider_expires_at);
-- Windows that ended before this migration are not announced after it.
UPDATE contact_window SET cs_expiring_sent_for = cs_expires_at, cs_expired_sent_for = cs_expires_at
    WHERE cs_expires_at <= now();
UPDATE contact_window SET fep_expiring_sent_for = fep_expires_at, fep_expired_sent_for = fep_expires_at
    WHERE fep_expires_at <= now();

-- Windows with a notice still to send (the expired notice is the last one), by end.
CREATE INDEX contact_window_cs_notice ON contact_window (cs_expires_at)
    WHERE cs_expired_sent_for IS DISTINCT FROM cs_expires_at;
CREATE INDEX contact_window_fep_notice ON contact_window (fep_expires_at)
    WHERE fep_expired_sent_for IS DISTINCT FROM fep_expires_at;
