-- Unmet needs: searches counted per day, needs category, coarse area
-- (county:<FIPS>, zip3:<digits> or ''), channel and whether anything
-- eligible was found. Only counts: no row describes one search, and
-- nothing here can identify a person.
CREATE TABLE need_counts (
    day      date NOT NULL,
    category text NOT NULL,
    area     text NOT NULL,
    channel  text NOT NULL CHECK (channel IN ('public', 'specialist', 'api')),
    found    boolean NOT NULL,
    n        bigint NOT NULL CHECK (n > 0),
    PRIMARY KEY (day, category, area, channel, found)
);
