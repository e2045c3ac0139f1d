#!/bin/sh
# Fills a fresh data directory's dose_counts to the shape `xtask bench national`'s
# generator gives (docs/PERFORMANCE.md, "National statistics from the rollups"):
# every municipality of the registry (without the six Northern Territories
# villages) consenting to the base terms; ROUNDS rounds, dose k in round k, 60
# dates a round 120 days apart, one product, 10 age bands, N doses a cell. The
# rollups fill through dose_counts' triggers.
#   stats-shape.sh sqlite DATA_DIR ROUNDS N
#   stats-shape.sh postgres URL SCHEMA ROUNDS N   (as the schema's owner)
set -e
here=$(dirname "$0")
munis=$(mktemp)
awk -F, 'NR > 1 && $2 == "municipality" && $1 !~ /^01(695|696|697|698|699|700)/ { print $1 + 0 }' \
    "$here/../../fixtures/reference/municipalities.csv" > "$munis"
bands="'0-9','10-19','20-29','30-39','40-49','50-59','60-69','70-79','80-89','90+'"
case $1 in
sqlite)
    db=$2/vrs.sqlite; rounds=$3; n=$4
    sqlite3 "$db" <<SQL
CREATE TEMP TABLE m (code INTEGER);
.mode csv
.import $munis m
BEGIN;
INSERT INTO consents (municipality, document, effective_from, approved_by, recorded_at, audit_seq)
  SELECT code, 'terms-2021-12-03', '2021-12-03', NULL, '2026-11-28T00:00:00+09:00', 0 FROM m;
CREATE TEMP TABLE b (band TEXT);
INSERT INTO b VALUES $(echo "$bands" | sed "s/'\([^']*\)'/('\1')/g");
WITH RECURSIVE d(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM d WHERE i < 59),
     r(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM r WHERE k < $rounds - 1)
INSERT INTO dose_counts (municipality, date, dose_number, product, age_band, n)
  SELECT code, date('2021-06-01', '+' || (120 * k + i) || ' days'), k + 1, 'comirnaty', band, $n
  FROM m, r, d, b ORDER BY 1, 2, 3, 4, 5;
COMMIT;
SELECT 'dose_counts', count(*), sum(n) FROM dose_counts;
SELECT 'dose_counts_by_band', count(*), sum(n) FROM dose_counts_by_band;
SELECT 'dose_counts_by_date', count(*), sum(n) FROM dose_counts_by_date;
SQL
    ;;
postgres)
    url=$2; schema=$3; rounds=$4; n=$5
    psql -v ON_ERROR_STOP=1 "$url" <<SQL
SET search_path = $schema;
SELECT set_config('app.scope', 'national', false);
CREATE TEMP TABLE m (code integer);
\\copy m FROM '$munis'
BEGIN;
INSERT INTO consents (municipality, document, effective_from, approved_by, recorded_at, audit_seq)
  SELECT code, 'terms-2021-12-03', '2021-12-03', NULL, '2026-11-28T00:00:00+09:00', 0 FROM m;
\\timing on
INSERT INTO dose_counts (municipality, date, dose_number, product, age_band, n)
  SELECT code, to_char(date '2021-06-01' + (120 * k + i), 'YYYY-MM-DD'), k + 1, 'comirnaty', band, $n
  FROM m, generate_series(0, $rounds - 1) k, generate_series(0, 59) i, unnest(ARRAY[$bands]) band
  ORDER BY 1, 2, 3, 4, 5;
\\timing off
COMMIT;
ANALYZE dose_counts; ANALYZE dose_counts_by_band; ANALYZE dose_counts_by_date;
SELECT 'dose_counts', count(*), sum(n) FROM dose_counts;
SELECT 'dose_counts_by_band', count(*), sum(n) FROM dose_counts_by_band;
SELECT 'dose_counts_by_date', count(*), sum(n) FROM dose_counts_by_date;
SQL
    ;;
*) echo "usage: $0 sqlite DATA_DIR ROUNDS N | postgres URL SCHEMA ROUNDS N" >&2; exit 2 ;;
esac
rm -f "$munis"
