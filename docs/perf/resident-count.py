#!/usr/bin/env python3
# Resident count of one municipality at 1,000,000 residents: count(*) over the index (before
# migration 12) against the resident_counts row (after), SQLite through Python's sqlite3.
# Usage: python3 docs/perf/resident-count.py   (about a minute; writes and removes /tmp/svcweb-count.db)
import os, sqlite3, time, statistics
path = "/tmp/svcweb-count.db"
for p in (path, path + "-wal", path + "-shm"):
    if os.path.exists(p): os.remove(p)
c = sqlite3.connect(path)
c.execute("PRAGMA journal_mode=WAL")
c.executescript("""
CREATE TABLE residents (
    municipality INTEGER NOT NULL, address_number TEXT NOT NULL,
    my_number_index BLOB NOT NULL, my_number_sealed BLOB NOT NULL,
    ticket_number INTEGER NOT NULL, name TEXT NOT NULL, name_kana TEXT NOT NULL,
    birth_date TEXT NOT NULL, sex INTEGER NOT NULL, import_batch INTEGER NOT NULL,
    PRIMARY KEY (municipality, address_number),
    UNIQUE (municipality, my_number_index), UNIQUE (municipality, ticket_number)
) STRICT, WITHOUT ROWID;
CREATE INDEX residents_by_birth ON residents (municipality, birth_date, name_kana);
""")
N = 1_000_000
rows = ((131016, f"A{i}", os.urandom(32), os.urandom(60), i, "山田\u3000太郎", "ヤマダ\u3000タロウ", "1980-02-17", 1, 0) for i in range(1, N + 1))
c.executemany("INSERT INTO residents VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
c.executescript("""
CREATE TABLE resident_counts (municipality INTEGER PRIMARY KEY, n INTEGER NOT NULL CHECK (n >= 0)) STRICT;
INSERT INTO resident_counts (municipality, n) SELECT municipality, count(*) FROM residents GROUP BY municipality;
""")
c.commit(); c.close()
r = sqlite3.connect(path)
def bench(sql, k=30):
    t = []
    for _ in range(k):
        s = time.perf_counter(); r.execute(sql, (131016,)).fetchone(); t.append((time.perf_counter() - s) * 1000)
    t.sort()
    return statistics.median(t), t[int(len(t) * 0.99) - 1] if len(t) >= 100 else t[-1]
old = bench("SELECT count(*) FROM residents WHERE municipality = ?1")
new = bench("SELECT coalesce((SELECT n FROM resident_counts WHERE municipality = ?1), 0)", 1000)
print(f"sqlite {sqlite3.sqlite_version}, {N} residents of one municipality")
print(f"old count(*):          median {old[0]:.2f} ms, max {old[1]:.2f} ms (30 runs)")
print(f"new resident_counts:   median {new[0]*1000:.1f} us, p99 {new[1]*1000:.1f} us (1000 runs)")
print("plan:", r.execute("EXPLAIN QUERY PLAN SELECT count(*) FROM residents WHERE municipality = 131016").fetchall())
r.close()
for p in (path, path + "-wal", path + "-shm"):
    if os.path.exists(p): os.remove(p)
