-- Whether a provider's report that the customer-service window is closed (Sinch OUTSIDE_ALLOWED_SENDING_WINDOW)
-- still holds: no inbound message came after it. The one SQL definition, read by the window sweep (no
-- window.expiring for such a window) and the open-windows gauge; WindowRules.evaluate applies the same rule to the
-- facts the admin API reads, and SweepTest checks the two agree.
ALTER TABLE contact_window ADD COLUMN cs_closed_by_provider boolean NOT NULL
    GENERATED ALWAYS AS (closed_reported_at IS NOT NULL
                         AND (last_inbound_at IS NULL OR closed_reported_at >= last_inbound_at)) STORED;
