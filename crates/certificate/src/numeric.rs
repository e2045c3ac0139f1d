//! SHC numeric QR text (`shc:/<digits>` or the deprecated chunks
//! `shc:/<i>/<n>/<digits>`) to the compact JWS it carries, with every count the
//! text claims checked against the SMART Health Cards limits before anything is
//! allocated for it (issue 13, defect 3: `shc:/1/18446744073709551615/5656` used to
//! panic and `shc:/1/100000000000/5656` to ask for 800 GB).

use crate::verify::{VerifyCode, VerifyError};

/// JWS characters one QR may carry (SMART Health Cards: a version-22 QR; "any JWS
/// longer than 1195 characters SHALL be split into chunks").
pub const MAX_SINGLE_JWS: usize = 1195;

/// JWS characters one chunk may carry ("chunks of length 1191 or smaller").
pub const MAX_CHUNK_JWS: usize = 1191;

/// Most chunks accepted. The spec sets no number, chunking is deprecated (VCI 1.3.0)
/// and a card of vrs fits one QR; ten chunks (11,910 JWS characters) is far above
/// any real card, and a chunked card must be given whole, so `<n>` can never exceed
/// the number of texts given.
pub const MAX_CHUNKS: usize = 10;

/// Decodes SHC numeric QR text into the JWS. Accepts one `shc:/<digits>` or every
/// chunk `shc:/<i>/<n>/<digits>` of one card, in any order.
pub fn decode_numeric(texts: &[&str]) -> Result<String, VerifyError> {
    let bad = |m: String| VerifyError::new(VerifyCode::Malformed, m);
    if texts.is_empty() {
        return Err(bad("no QR text".into()));
    }
    if texts.len() > MAX_CHUNKS {
        return Err(bad(format!(
            "{} QR texts: a card has at most {MAX_CHUNKS} chunks",
            texts.len()
        )));
    }
    let mut parts: Vec<(usize, &str)> = Vec::with_capacity(texts.len());
    let mut total = None;
    for t in texts {
        let body = t
            .get(..5)
            .filter(|p| p.eq_ignore_ascii_case("shc:/"))
            .map(|_| &t[5..])
            .ok_or_else(|| bad("QR text does not start with shc:/".into()))?;
        let mut segs = body.splitn(4, '/');
        let (index, count, digits, limit) =
            match (segs.next(), segs.next(), segs.next(), segs.next()) {
                (Some(d), None, None, None) => (1, 1, d, MAX_SINGLE_JWS),
                (Some(i), Some(n), Some(d), None) => {
                    let count = small_number(n).ok_or_else(|| {
                        bad(format!(
                            "the chunk count is not a number from 1 to {MAX_CHUNKS}"
                        ))
                    })?;
                    let index = small_number(i).ok_or_else(|| {
                        bad(format!(
                            "the chunk index is not a number from 1 to {MAX_CHUNKS}"
                        ))
                    })?;
                    (index, count, d, MAX_CHUNK_JWS)
                }
                _ => {
                    return Err(bad(
                        "QR text is neither shc:/<digits> nor shc:/<i>/<n>/<digits>".into(),
                    ))
                }
            };
        if index > count {
            return Err(bad(format!("chunk {index} of {count} is impossible")));
        }
        if *total.get_or_insert(count) != count {
            return Err(bad("chunks disagree on their count".into()));
        }
        if digits.len() > 2 * limit {
            return Err(bad(format!(
                "a QR text carries at most {limit} JWS characters ({} digits)",
                2 * limit
            )));
        }
        parts.push((index, digits));
    }
    let total = total.unwrap_or(1);
    parts.sort_by_key(|p| p.0);
    let whole = parts.len() == total && parts.iter().enumerate().all(|(k, p)| p.0 == k + 1);
    if !whole {
        let indices: Vec<usize> = parts.iter().map(|p| p.0).collect();
        return Err(bad(format!("chunks {indices:?} do not make 1..={total}")));
    }
    let mut jws = String::with_capacity(parts.iter().map(|p| p.1.len() / 2).sum());
    for (_, digits) in parts {
        let d = digits.as_bytes();
        if d.len() % 2 != 0 || !d.iter().all(u8::is_ascii_digit) {
            return Err(bad("QR digits must come in pairs".into()));
        }
        for pair in d.chunks(2) {
            let v = (pair[0] - b'0') * 10 + (pair[1] - b'0');
            if v > 77 {
                return Err(bad(format!("digit pair {v} is outside the JWS alphabet")));
            }
            jws.push(char::from(v + 45));
        }
    }
    Ok(jws)
}

/// A chunk index or count: 1 to [`MAX_CHUNKS`], written in at most two digits.
fn small_number(s: &str) -> Option<usize> {
    if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: usize = s.parse().ok()?;
    (1..=MAX_CHUNKS).contains(&n).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_numeric_table() {
        let long_single = format!("shc:/{}", "56".repeat(MAX_SINGLE_JWS + 1));
        let long_chunk = format!("shc:/1/1/{}", "56".repeat(MAX_CHUNK_JWS + 1));
        let max_single = format!("shc:/{}", "56".repeat(MAX_SINGLE_JWS));
        let eleven: Vec<String> = (1..=11).map(|i| format!("shc:/{i}/11/56")).collect();
        let eleven: Vec<&str> = eleven.iter().map(String::as_str).collect();
        for (texts, want) in [
            (vec!["shc:/56"], Ok("e")),
            (vec!["SHC:/5657"], Ok("ef")),
            (vec!["shc:/2/2/57", "shc:/1/2/56"], Ok("ef")),
            (vec![max_single.as_str()], Ok("")),
            (vec!["shc:/1/2/56"], Err("do not make")),
            (vec!["shc:/1/2/56", "shc:/1/2/57"], Err("do not make")),
            (vec!["shc:/1/2/56", "shc:/1/3/57"], Err("disagree")),
            (vec!["shc:/565"], Err("pairs")),
            (vec!["shc:/99"], Err("alphabet")),
            (vec!["hc1:/56"], Err("start")),
            (vec!["shc:/3/2/56"], Err("impossible")),
            (vec!["shc:/0/2/56"], Err("index")),
            (vec!["shc:/1/0/56"], Err("count")),
            (vec!["shc:/1/18446744073709551615/5656"], Err("count")),
            (vec!["shc:/1/18446744073709551616/5656"], Err("count")),
            (vec!["shc:/1/100000000000/5656"], Err("count")),
            (vec!["shc:/1/100000000/5656"], Err("count")),
            (vec!["shc:/1/11/5656"], Err("count")),
            (vec!["shc:/18446744073709551615/1/5656"], Err("index")),
            (vec!["shc:/+1/1/56"], Err("index")),
            (vec!["shc:/1/1/56/56"], Err("neither")),
            (eleven, Err("at most 10 chunks")),
            (vec![long_single.as_str()], Err("at most 1195")),
            (vec![long_chunk.as_str()], Err("at most 1191")),
        ] {
            let got = decode_numeric(&texts);
            let name: Vec<&str> = texts.iter().map(|t| &t[..t.len().min(40)]).collect();
            match want {
                Ok("") => assert_eq!(got.map(|j| j.len()), Ok(MAX_SINGLE_JWS), "{name:?}"),
                Ok(w) => assert_eq!(got.as_deref(), Ok(w), "texts {name:?}"),
                Err(w) => {
                    let e = got.unwrap_err();
                    assert!(
                        e.code == "malformed" && e.message.contains(w),
                        "texts {name:?}: {e:?}"
                    );
                }
            }
        }
    }
}
