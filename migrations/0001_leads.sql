-- Leads captured by POST /lead. Every row is personal data (data_class
-- 'pii') and is deleted by the scheduled retention purge once received_at is
-- older than RETENTION_DAYS.
--
-- received_at is a fixed-width UTC ISO 8601 timestamp with milliseconds
-- (2026-01-31T09:30:00.000Z), so text order is time order and the purge is a
-- range delete on the index below.
CREATE TABLE IF NOT EXISTS leads (
    id          TEXT PRIMARY KEY,
    received_at TEXT NOT NULL,
    data_class  TEXT NOT NULL DEFAULT 'pii',
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    company     TEXT,
    message     TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS leads_received_at ON leads (received_at);
