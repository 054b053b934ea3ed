-- Unmet needs: searches counted per day, needs category, coarse area
-- (county:<FIPS>, zip3:<digits> or ''), channel and whether anything
-- eligible was found. Only counts: no row describes one search, and
-- nothing here can identify a person. day is 00:00 UTC of the date, in
-- microseconds like every time in this schema.
CREATE TABLE need_counts (
    day      INTEGER NOT NULL,
    category TEXT NOT NULL,
    area     TEXT NOT NULL,
    channel  TEXT NOT NULL CHECK (channel IN ('public', 'specialist', 'api')),
    found    BOOLEAN NOT NULL,
    n        INTEGER NOT NULL CHECK (n > 0),
    PRIMARY KEY (day, category, area, channel, found)
);
