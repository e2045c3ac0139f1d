//! MRZ vectors (filled next).
