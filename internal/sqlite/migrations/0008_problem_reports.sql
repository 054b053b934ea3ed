-- Problems the public reports with a listing ("the phone number is
-- wrong"), counted per day, service and kind of problem. Only counts:
-- nothing about who reported, not even when within the day. day is 00:00
-- UTC of the date in the directory's time zone, in microseconds like
-- every time in this schema.
CREATE TABLE problem_reports (
    day         INTEGER NOT NULL,
    service_key TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('phone', 'moved', 'closed', 'hours', 'eligibility', 'other')),
    n           INTEGER NOT NULL CHECK (n > 0),
    PRIMARY KEY (day, service_key, kind)
);
