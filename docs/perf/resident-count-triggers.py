#!/usr/bin/env python3
# What keeping resident_counts by triggers would cost a bulk insert (rejected: the store keeps
# the count in the import's transaction instead). Usage: python3 docs/perf/resident-count-triggers.py
import os, sqlite3, time
def run(trigger, N=200_000):
    path = "/tmp/svcweb-trig.db"
    for p in (path, path + "-wal", path + "-shm"):
        if os.path.exists(p): os.remove(p)
    c = sqlite3.connect(path); c.execute("PRAGMA journal_mode=WAL")
    c.executescript("""
    CREATE TABLE residents (municipality INTEGER NOT NULL, address_number TEXT NOT NULL,
        my_number_index BLOB NOT NULL, my_number_sealed BLOB NOT NULL, ticket_number INTEGER NOT NULL,
        name TEXT NOT NULL, name_kana TEXT NOT NULL, birth_date TEXT NOT NULL, sex INTEGER NOT NULL,
        import_batch INTEGER NOT NULL, PRIMARY KEY (municipality, address_number),
        UNIQUE (municipality, my_number_index), UNIQUE (municipality, ticket_number)) STRICT, WITHOUT ROWID;
    CREATE INDEX residents_by_birth ON residents (municipality, birth_date, name_kana);
    CREATE TABLE resident_counts (municipality INTEGER PRIMARY KEY, n INTEGER NOT NULL CHECK (n >= 0)) STRICT;
    """)
    if trigger:
        c.executescript("""
        CREATE TRIGGER resident_counts_insert AFTER INSERT ON residents BEGIN
            INSERT OR IGNORE INTO resident_counts (municipality, n) VALUES (NEW.municipality, 0);
            UPDATE resident_counts SET n = n + 1 WHERE municipality = NEW.municipality;
        END;""")
    rows = [(131016, f"A{i}", os.urandom(32), os.urandom(60), i, "山田\u3000太郎", "ヤマダ\u3000タロウ", "1980-02-17", 1, 0) for i in range(1, N + 1)]
    s = time.perf_counter()
    c.executemany("INSERT INTO residents VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (municipality, address_number) DO NOTHING", rows)
    c.commit()
    t = time.perf_counter() - s
    c.close()
    for p in (path, path + "-wal", path + "-shm"):
        if os.path.exists(p): os.remove(p)
    return N / t
for trig in (False, True, False, True):
    print(f"triggers={trig}: {run(trig):,.0f} rows/s")
