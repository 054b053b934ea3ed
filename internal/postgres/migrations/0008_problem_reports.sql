-- Problems the public reports with a listing ("the phone number is
-- wrong"), counted per day, service and kind of problem. Only counts:
-- nothing about who reported, not even when within the day.
CREATE TABLE problem_reports (
    day         date NOT NULL,
    service_key text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('phone', 'moved', 'closed', 'hours', 'eligibility', 'other')),
    n           bigint NOT NULL CHECK (n > 0),
    PRIMARY KEY (day, service_key, kind)
);
