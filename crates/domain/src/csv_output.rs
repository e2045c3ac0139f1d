//! Writing CSV cells that a spreadsheet cannot run: every CSV vrs writes goes
//! through [`push_cell`] (issue 13, defect 9).
//!
//! OWASP's CSV-injection guidance: a cell starting with `=`, `+`, `-`, `@`, tab
//! or CR is a formula to Excel and LibreOffice; prefix it with a single quote and
//! quote the cell, doubling inner quotes. A cell that starts with `'` followed by
//! one of those (or another `'`) is prefixed too, so the mapping is one to one and
//! [`crate::csv_record`] reads every exported value back exactly.

/// Whether a spreadsheet would read `value` as a formula.
pub fn is_formula(value: &str) -> bool {
    value.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Appends `value` as one CSV cell: neutralised when it could be a formula or
/// could be mistaken for a neutralised one, quoted when it holds a comma, quote
/// or line break (RFC 4180).
pub fn push_cell(out: &mut String, value: &str) {
    let neutralise = is_formula(value)
        || value
            .strip_prefix('\'')
            .is_some_and(|rest| is_formula(rest) || rest.starts_with('\''));
    if neutralise || value.contains([',', '"', '\r', '\n']) {
        out.push('"');
        if neutralise {
            out.push('\'');
        }
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// Appends a whole record of cells and the line end.
pub fn push_record<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>, eol: &str) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(out, cell);
    }
    out.push_str(eol);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv_record::split_fields;

    #[test]
    fn formula_cells_are_neutralised_and_read_back_exactly() {
        let cases = [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"",
            ),
            ("=1+2", "\"'=1+2\""),
            ("+81", "\"'+81\""),
            ("-3", "\"'-3\""),
            ("@SUM(A1)", "\"'@SUM(A1)\""),
            ("\tx", "\"'\tx\""),
            ("\rx", "\"'\rx\""),
            ("'=1", "\"''=1\""),
            ("''", "\"'''\""),
            ("'x", "'x"),
            ("a,b", "\"a,b\""),
            ("千代田区役所", "千代田区役所"),
            ("", ""),
        ];
        for (value, written) in cases {
            let mut out = String::new();
            push_cell(&mut out, value);
            assert_eq!(out, written, "{value:?}");
            if value.contains('\r') {
                continue; // a record is one line: CR cannot come back (refused at entry)
            }
            let mut fields = Vec::new();
            split_fields(&out, &mut fields).unwrap();
            assert_eq!(fields, [value], "{value:?}");
        }
    }
}
