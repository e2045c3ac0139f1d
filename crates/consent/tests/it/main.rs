//! Integration tests of vrs-consent: the law-case runner.

mod law_cases;
