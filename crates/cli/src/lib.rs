//! vrs-cli (filled in by the foundation issue).
