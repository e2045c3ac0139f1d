//! vrs: the facade (filled in by the foundation issue).
