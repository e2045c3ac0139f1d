//! OCR repair: undo the classic confusions by field type, guided by the check digits.
//!
//! Letters-only fields get digits turned into look-alike letters (0→O, 1→I, 5→S,
//! 8→B, 2→Z), digits-only fields the reverse. The alphanumeric fields (document
//! number, optional data) cannot be fixed by type: there every combination of up to
//! three look-alike swaps is tried, and only a unique least-change combination that
//! satisfies its own check digit and the composite is kept. The caller accepts the
//! result only if the strict reader then finds no fault at all.

use super::{check_digit, composite_data};

/// Most look-alike swaps tried inside one alphanumeric field.
const MAX_SWAPS: usize = 3;

fn to_letter(c: u8) -> u8 {
    match c {
        b'0' => b'O',
        b'1' => b'I',
        b'5' => b'S',
        b'8' => b'B',
        b'2' => b'Z',
        other => other,
    }
}

fn to_digit(c: u8) -> u8 {
    match c {
        b'O' => b'0',
        b'I' => b'1',
        b'S' => b'5',
        b'B' => b'8',
        b'Z' => b'2',
        other => other,
    }
}

fn twin(c: u8) -> Option<u8> {
    let d = to_digit(c);
    if d != c {
        return Some(d);
    }
    let l = to_letter(c);
    (l != c).then_some(l)
}

/// Spaces go, case is raised, guillemets become fillers.
fn clean(line: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(44);
    for ch in line.chars() {
        match ch {
            c if c.is_whitespace() => {}
            '«' | '‹' => out.push(b'<'),
            c if c.is_ascii() => out.push(c.to_ascii_uppercase() as u8),
            // Anything else cannot be an MRZ character; keep a marker the strict
            // reader refuses.
            _ => out.push(b'?'),
        }
    }
    out
}

/// Every variant of `field` with at most [`MAX_SWAPS`] look-alike swaps, with its swap count.
fn variants(field: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let spots: Vec<usize> = (0..field.len())
        .filter(|&i| twin(field[i]).is_some())
        .collect();
    let mut out = vec![(0, field.to_vec())];
    // Breadth-first over subsets of the ambiguous spots, in increasing index order.
    let mut frontier: Vec<(usize, Vec<u8>)> = vec![(0, field.to_vec())];
    for swaps in 1..=MAX_SWAPS.min(spots.len()) {
        let mut next = Vec::new();
        for (last, v) in &frontier {
            let from = if swaps == 1 { 0 } else { last + 1 };
            for (k, &i) in spots.iter().enumerate().skip(from) {
                let mut w = v.clone();
                w[i] = twin(w[i]).unwrap_or(w[i]);
                out.push((swaps, w.clone()));
                next.push((k, w));
            }
        }
        frontier = next;
    }
    out
}

fn check_ok(data: &[u8], check: u8) -> bool {
    check.is_ascii_digit() && check - b'0' == check_digit(data)
}

/// The repaired lines, or `None` when they cannot be made 44 characters long or the
/// alphanumeric fields stay ambiguous.
pub(super) fn repair(line1: &str, line2: &str) -> Option<(String, String)> {
    let mut l1 = clean(line1);
    let mut l2 = clean(line2);
    if l1.len() != 44 || l2.len() != 44 {
        return None;
    }
    // Line 1: document code, issuing state and name are letters (and fillers).
    for c in &mut l1 {
        *c = to_letter(*c);
    }
    // Line 2, typed positions.
    for i in (10..13).chain([20]) {
        l2[i] = to_letter(l2[i]);
    }
    for i in [9, 19, 27, 43].into_iter().chain(13..19).chain(21..27) {
        l2[i] = to_digit(l2[i]);
    }
    if l2[42] != b'<' {
        l2[42] = to_digit(l2[42]);
    }
    if l2[20] == b'P' {
        l2[20] = b'F';
    }

    // Alphanumeric fields, guided by the check digits.
    let numbers: Vec<(usize, Vec<u8>)> = variants(&l2[0..9])
        .into_iter()
        .filter(|(_, v)| check_ok(v, l2[9]))
        .collect();
    let optional_empty = l2[28..42].iter().all(|&c| c == b'<');
    let optionals: Vec<(usize, Vec<u8>)> = if optional_empty {
        vec![(0, l2[28..42].to_vec())]
    } else {
        variants(&l2[28..42])
            .into_iter()
            .filter(|(_, v)| check_ok(v, l2[42]))
            .collect()
    };
    let mut best: Option<(usize, Vec<u8>, Vec<u8>)> = None;
    let mut tie = false;
    for (na, a) in &numbers {
        for (nb, b) in &optionals {
            let mut trial = l2.clone();
            trial[0..9].copy_from_slice(a);
            trial[28..42].copy_from_slice(b);
            if !check_ok(&composite_data(&trial), trial[43]) {
                continue;
            }
            let n = na + nb;
            match &best {
                Some((m, ..)) if n > *m => {}
                Some((m, ..)) if n == *m => tie = true,
                _ => {
                    best = Some((n, a.clone(), b.clone()));
                    tie = false;
                }
            }
        }
    }
    let (_, a, b) = best.filter(|_| !tie)?;
    l2[0..9].copy_from_slice(&a);
    l2[28..42].copy_from_slice(&b);
    Some((String::from_utf8(l1).ok()?, String::from_utf8(l2).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_cover_every_subset_of_up_to_three_swaps_once() {
        let v = variants(b"O1S5X");
        // 4 ambiguous spots: 1 + 4 + 6 + 4 subsets.
        assert_eq!(v.len(), 15);
        let mut seen: Vec<&Vec<u8>> = v.iter().map(|(_, w)| w).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 15);
    }

    #[test]
    fn an_ambiguous_alphanumeric_field_is_not_guessed() {
        // Neither the number nor its check digit can decide between the twins when
        // the original and a swapped variant both fail: here nothing passes.
        assert_eq!(repair(&"<".repeat(44), &"?".repeat(44)), None);
    }
}
