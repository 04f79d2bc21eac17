-- What the operator does with leads, and what is left of an erased lead.
-- Neither table holds personal data: no names, addresses, companies or
-- messages, only correlation ids, times, counts and the operator's reason.
--
-- Times use the leads table's format (2026-01-31T09:30:00.000Z), so text
-- order is time order. Both tables are trimmed by the Worker's scheduled
-- purge after AUDIT_RETENTION_DAYS (wrangler.toml), which is longer than
-- the leads' own RETENTION_DAYS.

-- One row per erased lead: the lead's existence and its removal stay
-- auditable after the personal fields are gone. event_id is the correlation
-- id of the erasure in lead_events.
CREATE TABLE IF NOT EXISTS lead_tombstones (
    id          TEXT PRIMARY KEY,
    received_at TEXT NOT NULL,
    erased_at   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    event_id    TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS lead_tombstones_erased_at ON lead_tombstones (erased_at);

-- The append-only record of operator actions (list, show, export, erase)
-- and of every scheduled purge. id is the action's correlation id (an
-- erasure's tombstones and an export's manifest carry it too); seq only
-- orders the rows and is never reused. lead_id names the lead a show or
-- an erasure by id concerned; count is how many leads the action listed,
-- showed, exported, erased or purged; cutoff is a purge's bound; detail
-- holds the action's non-personal parameters; actor is who ran it, when
-- known.
CREATE TABLE IF NOT EXISTS lead_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN (
                    'list', 'show', 'export', 'erase',
                    'purge', 'purge_tombstones', 'purge_events')),
    lead_id     TEXT,
    count       INTEGER CHECK (count IS NULL OR count >= 0),
    cutoff      TEXT,
    reason      TEXT,
    detail      TEXT,
    actor       TEXT,
    occurred_at TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS lead_events_occurred_at ON lead_events (occurred_at);
CREATE INDEX IF NOT EXISTS lead_events_id ON lead_events (id);

-- Guard rails for the append-only promise. Rows are never changed, and are
-- deleted only once older than the shortest audit retention the Worker
-- accepts (365 days; the guard allows 364 so a clock difference between
-- the Worker and the database cannot fail a purge). Whoever can drop these
-- triggers can bypass them; they stop mistakes and hand-written SQL, and
-- the tool itself never updates or deletes these rows.
CREATE TRIGGER IF NOT EXISTS lead_events_no_update
BEFORE UPDATE ON lead_events
BEGIN
    SELECT RAISE(ABORT, 'lead_events is append-only');
END;

CREATE TRIGGER IF NOT EXISTS lead_events_keep_recent
BEFORE DELETE ON lead_events
WHEN OLD.occurred_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-364 days')
BEGIN
    SELECT RAISE(ABORT, 'lead_events rows are kept for their retention period');
END;

CREATE TRIGGER IF NOT EXISTS lead_tombstones_no_update
BEFORE UPDATE ON lead_tombstones
BEGIN
    SELECT RAISE(ABORT, 'lead_tombstones are never changed');
END;

CREATE TRIGGER IF NOT EXISTS lead_tombstones_keep_recent
BEFORE DELETE ON lead_tombstones
WHEN OLD.erased_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-364 days')
BEGIN
    SELECT RAISE(ABORT, 'lead_tombstones are kept for their retention period');
END;
