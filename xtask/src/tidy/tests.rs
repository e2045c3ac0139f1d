//! Tests of the tidy checks: fixtures that must be caught and must not be, then
//! the checks over this workspace.

use super::*;

#[test]
fn the_digests_id_shapes_are_provision_ids_and_other_words_are_not() {
    for id in [
        "T1-4-6", "T1-3-1-5", "N-3", "S-2-14", "S-1-3-2", "M-4-2", "M-13", "D12-1", "P9-3",
        "P11-2-3", "A10-10", "A10-6-1", "L13", "V1",
    ] {
        assert!(is_provision_id(id), "{id} is a provision ID");
    }
    for word in [
        "",
        "T",
        "T1",
        "D12",
        "N",
        "N3",
        "N-",
        "S-",
        "S-2-",
        "M-x",
        "L",
        "Lx",
        "X1-2",
        "T1-a",
        "T1--2",
        "UTF-8",
        "SHA-256",
        "AES-256-GCM",
        "ES256",
        "comirnaty",
        "131016-7",
    ] {
        assert!(!is_provision_id(word), "{word:?} is not a provision ID");
    }
}

#[test]
fn ids_are_found_as_whole_tokens_of_a_text() {
    assert_eq!(
        provision_ids_in("refused (T1-4-3): see N-3, L13."),
        ["T1-4-3", "N-3", "L13"]
    );
    assert!(provision_ids_in("XT1-4-6 T1-4-6x a_T1-4-6 sha-256").is_empty());
}

#[track_caller]
fn literal_problems(src: &str) -> Vec<(usize, String)> {
    check_literals("fixture.rs", &lex(src))
        .into_iter()
        .map(|p| (p.line, p.reason))
        .collect()
}

#[test]
fn a_provision_id_in_a_string_literal_is_caught_with_its_line() {
    let src = "//! Fixture.\nfn f() -> &'static str {\n    \"refused: T1-4-6\"\n}\n";
    let problems = literal_problems(src);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, 3);
    assert!(problems[0].1.contains("T1-4-6"), "{problems:?}");
    let shown = check_literals("crates/vrs/src/x.rs", &lex(src))[0].to_string();
    assert!(
        shown.starts_with("crates/vrs/src/x.rs:3: provision ID T1-4-6"),
        "{shown}"
    );
}

#[test]
fn raw_byte_and_escaped_strings_are_literals_too() {
    for (src, id) in [
        ("const A: &str = r#\"a \"quoted\" N-3\"#;", "N-3"),
        ("const A: &[u8] = b\"S-2-14\";", "S-2-14"),
        ("const A: &str = \"a \\\" quote then M-4-2\";", "M-4-2"),
        ("const A: &str = br\"D12-1\";", "D12-1"),
        (
            "fn f() { g(\"first\", 'x', '\\'', '\\\\', \"P9-3\") }",
            "P9-3",
        ),
    ] {
        let problems = literal_problems(src);
        assert_eq!(problems.len(), 1, "{src}: {problems:?}");
        assert!(problems[0].1.contains(id), "{src}: {problems:?}");
    }
}

#[test]
fn comments_docs_names_lifetimes_and_test_code_may_cite_provisions() {
    let src = r##"//! Rules of T1-4-6.
/// Legal basis: T1-2-3
// a comment naming "N-3"
/* a block /* nested "S-2-14" */ still comment "M-4-2" */
fn t1_4_6_name<'a>(x: &'a str) -> char { let _ = x; '"' }
fn ok() -> &'static str { "no provision here: UTF-8, SHA-256" }
#[cfg(test)]
mod tests {
    fn inner() { let _ = "T1-4-6"; let _ = '}'; let _ = "}"; }
    #[test]
    fn t() { assert_eq!(super::ok(), "N-3"); }
}
fn after() -> &'static str { "A10-10" }
"##;
    let problems = literal_problems(src);
    assert_eq!(
        problems.len(),
        1,
        "only the literal after the test module: {problems:?}"
    );
    assert!(problems[0].1.contains("A10-10"), "{problems:?}");
    assert_eq!(problems[0].0, 13);
}

#[test]
fn an_sql_comment_line_of_a_literal_is_a_comment_and_the_sql_is_not() {
    let src = "//! x\nconst M: &str = r\"\nCREATE TABLE t (a);\n-- who holds it (T1-4-3)\nINSERT INTO t VALUES ('N-3');\n\";\n";
    let problems = literal_problems(src);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, 5, "{problems:?}");
    assert!(problems[0].1.contains("N-3"), "{problems:?}");
}

#[test]
fn a_test_module_in_its_own_file_is_recorded_as_test_code() {
    let lexed = lex("//! x\n#[cfg(test)]\nmod tests;\n#[cfg(test)]\nuse std::fmt;\nmod real;\n");
    assert_eq!(lexed.test_modules, ["tests"]);
}

#[test]
fn a_file_without_a_header_or_over_800_lines_is_caught() {
    let problems = check_shape("a.rs", "use std::fmt;\n");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line, 1);
    assert!(problems[0].reason.contains("//!"), "{problems:?}");
    let long = format!("//! Long.\n{}", "fn f() {}\n".repeat(MAX_LINES));
    let problems = check_shape("b.rs", &long);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line, MAX_LINES + 1);
    assert!(problems[0].reason.contains("801 lines"), "{problems:?}");
    let fits = format!("//! Fits.\n{}", "fn f() {}\n".repeat(MAX_LINES - 1));
    assert!(check_shape("c.rs", &fits).is_empty());
}

#[test]
fn the_workspace_is_tidy() {
    let problems = check_workspace(&root());
    assert!(
        problems.is_empty(),
        "tidy problems:\n{}",
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}
