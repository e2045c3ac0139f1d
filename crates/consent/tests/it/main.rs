//! Integration tests of vrs-consent: the law-case runner, the documents and the decision's proof.

mod decision;
mod documents;
mod law_cases;
