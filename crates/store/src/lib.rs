//! vrs-store: SQLite storage (filled in by the foundation issue).
