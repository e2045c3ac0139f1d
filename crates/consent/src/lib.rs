//! vrs-consent: the consent rules engine (filled in by the foundation issue).
