//! Integration tests of vrs-consent: the law-case runner.

mod documents;
mod law_cases;
