-- Claiming a delivery sets lease_until and attempts, columns no index covers: with room left on the page,
-- PostgreSQL updates the row in place (a HOT update) instead of adding an entry to each of the outbox's
-- indexes. Measured with pg_stat_statements at ~3,000 deliveries/s: the claim's cost per delivery fell from
-- 25.8 to 17.4 µs and its WAL from 276 to 178 bytes. Pages written from now on keep the room.
ALTER TABLE outbox SET (fillfactor = 70);
