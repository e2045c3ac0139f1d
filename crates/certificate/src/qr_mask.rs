//! Data-mask selection per ISO/IEC 18004:2015 §7.8.3, fast: the unmasked symbol is built
//! once as bit-packed rows (`qr_symbol`), the eight masks are applied by XOR on rows and
//! columns, and the four penalty rules are evaluated a 64-module word at a time.
//!
//! Penalty rules as the standard's Table 11 states them, read the way segno (an
//! independent Python encoder) reads them, so that the two choose the same mask:
//! - N1: each run of 5 + i same-colour modules in a row or column scores 3 + i;
//! - N2: each 2×2 block of one colour scores 3 (overlapping blocks each count);
//! - N3: each dark-light-dark×3-light-dark (1:1:3:1:1) pattern in a row or column with
//!   4 light modules before or after it (outside the symbol counts as light) scores 40,
//!   found left to right, a counted pattern consuming its 7 modules;
//! - N4: 10 × k where the dark share is 50 ± 5k % to 50 ± 5(k + 1) %.
//!
//! The lowest total wins; of equal totals, the lowest mask number.

use std::sync::OnceLock;

use qrcodegen::QrCodeEcc;

use crate::qr_symbol::Unmasked;

/// Words per bit row: 192 bits hold the 177 modules of version 40.
pub(crate) const WORDS: usize = 3;

/// One row (or column) of modules, bit `i` = module `i`, 1 = dark; bits ≥ size are 0.
pub(crate) type Line = [u64; WORDS];

fn get(l: &Line, i: usize) -> bool {
    l[i / 64] >> (i % 64) & 1 == 1
}

pub(crate) fn set(l: &mut Line, i: usize) {
    l[i / 64] |= 1 << (i % 64);
}

/// Bit `i` of the result is bit `i + k` of `l` (0 < k < 64).
fn shr(l: &Line, k: u32) -> Line {
    [
        l[0] >> k | l[1] << (64 - k),
        l[1] >> k | l[2] << (64 - k),
        l[2] >> k,
    ]
}

/// Bit `i` of the result is bit `i - k` of `l` (0 < k < 64), 0 below `k`.
fn shl(l: &Line, k: u32) -> Line {
    [
        l[0] << k,
        l[1] << k | l[0] >> (64 - k),
        l[2] << k | l[1] >> (64 - k),
    ]
}

fn and(a: &Line, b: &Line) -> Line {
    [a[0] & b[0], a[1] & b[1], a[2] & b[2]]
}

fn or(a: &Line, b: &Line) -> Line {
    [a[0] | b[0], a[1] | b[1], a[2] | b[2]]
}

fn not(a: &Line) -> Line {
    [!a[0], !a[1], !a[2]]
}

fn xor(a: &Line, b: &Line) -> Line {
    [a[0] ^ b[0], a[1] ^ b[1], a[2] ^ b[2]]
}

fn ones(a: &Line) -> u32 {
    a[0].count_ones() + a[1].count_ones() + a[2].count_ones()
}

fn is_zero(a: &Line) -> bool {
    a[0] | a[1] | a[2] == 0
}

/// Bits `0..n` set.
fn low(n: usize) -> Line {
    let mut l = [0u64; WORDS];
    for (w, word) in l.iter_mut().enumerate() {
        let from = w * 64;
        if n >= from + 64 {
            *word = u64::MAX;
        } else if n > from {
            *word = (1u64 << (n - from)) - 1;
        }
    }
    l
}

/// Whether mask pattern `k` (0–7) inverts the module at column `x`, row `y` (ISO Table 10).
pub(crate) fn inverts(k: u8, x: usize, y: usize) -> bool {
    match k {
        0 => (x + y) % 2 == 0,
        1 => y % 2 == 0,
        2 => x % 3 == 0,
        3 => (x + y) % 3 == 0,
        4 => (x / 3 + y / 2) % 2 == 0,
        5 => (x * y) % 2 + (x * y) % 3 == 0,
        6 => ((x * y) % 2 + (x * y) % 3) % 2 == 0,
        _ => ((x + y) % 2 + (x * y) % 3) % 2 == 0,
    }
}

/// Every mask pattern repeats every 12 rows and every 12 columns: `rows[k][y % 12]` is
/// row `y` of pattern `k` over 192 columns, `cols[k][x % 12]` column `x` over 192 rows.
struct Patterns {
    rows: [[Line; 12]; 8],
    cols: [[Line; 12]; 8],
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let mut p = Patterns {
            rows: [[[0; WORDS]; 12]; 8],
            cols: [[[0; WORDS]; 12]; 8],
        };
        for k in 0..8u8 {
            for r in 0..12 {
                for i in 0..WORDS * 64 {
                    if inverts(k, i, r) {
                        set(&mut p.rows[k as usize][r], i);
                    }
                    if inverts(k, r, i) {
                        set(&mut p.cols[k as usize][r], i);
                    }
                }
            }
        }
        p
    })
}

fn ecc_format_bits(ecl: QrCodeEcc) -> u32 {
    match ecl {
        QrCodeEcc::Low => 1,
        QrCodeEcc::Medium => 0,
        QrCodeEcc::Quartile => 3,
        QrCodeEcc::High => 2,
    }
}

/// The 15 format bits (BCH(15,5), XOR 0x5412) and where each copy goes, as (x, y, bit).
pub(crate) fn format_modules(size: usize, ecl: QrCodeEcc, mask: u8) -> Vec<(usize, usize, bool)> {
    let data = ecc_format_bits(ecl) << 3 | u32::from(mask);
    let mut rem = data;
    for _ in 0..10 {
        rem = (rem << 1) ^ ((rem >> 9) * 0x537);
    }
    let bits = (data << 10 | rem) ^ 0x5412;
    let bit = |i: usize| bits >> i & 1 == 1;
    let mut out = Vec::with_capacity(31);
    for i in 0..6 {
        out.push((8, i, bit(i)));
    }
    out.extend([(8, 7, bit(6)), (8, 8, bit(7)), (7, 8, bit(8))]);
    for i in 9..15 {
        out.push((14 - i, 8, bit(i)));
    }
    for i in 0..8 {
        out.push((size - 1 - i, 8, bit(i)));
    }
    for i in 8..15 {
        out.push((8, size - 15 + i, bit(i)));
    }
    out.push((8, size - 8, true));
    out
}

/// Columns of a symbol given as rows.
pub(crate) fn transpose(rows: &[Line], size: usize) -> Vec<Line> {
    let mut cols = vec![[0u64; WORDS]; size];
    for (y, row) in rows.iter().enumerate() {
        for (w, &word) in row.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let x = w * 64 + bits.trailing_zeros() as usize;
                set(&mut cols[x], y);
                bits &= bits - 1;
            }
        }
    }
    cols
}

/// The symbol under each of the eight masks, as rows.
pub(crate) struct Candidates {
    size: usize,
    ecl: QrCodeEcc,
    base_rows: Vec<Line>,
    base_cols: Vec<Line>,
    free_rows: Vec<Line>,
    free_cols: Vec<Line>,
}

impl Candidates {
    /// From the unmasked symbol.
    pub(crate) fn new(sym: &Unmasked, ecl: QrCodeEcc) -> Self {
        let size = sym.rows.len();
        let width = low(size);
        let free_rows: Vec<Line> = sym.function.iter().map(|f| and(&not(f), &width)).collect();
        let free_cols = transpose(&sym.function, size)
            .iter()
            .map(|f| and(&not(f), &width))
            .collect();
        Self {
            size,
            ecl,
            base_cols: transpose(&sym.rows, size),
            base_rows: sym.rows.clone(),
            free_rows,
            free_cols,
        }
    }

    /// Rows and columns of the symbol under mask `k`.
    pub(crate) fn masked(&self, k: u8) -> (Vec<Line>, Vec<Line>) {
        let p = patterns();
        let flip =
            |pat: &[[Line; 12]; 8], i: usize, free: &Line| and(&pat[k as usize][i % 12], free);
        let mut rows: Vec<Line> = (0..self.size)
            .map(|y| xor(&self.base_rows[y], &flip(&p.rows, y, &self.free_rows[y])))
            .collect();
        let mut cols: Vec<Line> = (0..self.size)
            .map(|x| xor(&self.base_cols[x], &flip(&p.cols, x, &self.free_cols[x])))
            .collect();
        for (x, y, dark) in format_modules(self.size, self.ecl, k) {
            if dark {
                set(&mut rows[y], x);
                set(&mut cols[x], y);
            }
        }
        (rows, cols)
    }
}

/// N1 + N3 of one line of `size` modules.
fn line_penalty(l: &Line, size: usize) -> u32 {
    // N1: `w` marks the first module of every 5 equal modules in a row.
    let eq = and(&not(&xor(l, &shr(l, 1))), &low(size - 1));
    let w = and(&and(&eq, &shr(&eq, 1)), &and(&shr(&eq, 2), &shr(&eq, 3)));
    let starts = and(&w, &not(&shl(&w, 1)));
    let n1 = ones(&w) + 2 * ones(&starts);
    // N3: `pat` marks the first module of every 1011101.
    let inv = not(l);
    let pat = [
        *l,
        shr(&inv, 1),
        shr(l, 2),
        shr(l, 3),
        shr(l, 4),
        shr(&inv, 5),
        shr(l, 6),
    ]
    .iter()
    .fold(low(size - 6), |acc, x| and(&acc, x));
    if is_zero(&pat) {
        return n1;
    }
    let mut before = low(WORDS * 64);
    for k in 1..=4 {
        before = and(&before, &or(&shl(&inv, k), &low(k as usize)));
    }
    let mut after = low(WORDS * 64);
    for k in 7..=10 {
        after = and(&after, &shr(&inv, k));
    }
    let counted = and(&pat, &or(&before, &after));
    let n3 = if is_zero(&and(&counted, &or(&shl(&counted, 4), &shl(&counted, 6)))) {
        ones(&counted)
    } else {
        // Overlapping patterns: left to right, a counted one consumes its 7 modules.
        let mut n = 0;
        let mut from = 0;
        for i in 0..size {
            if i < from || !get(&pat, i) {
                continue;
            }
            if get(&counted, i) {
                n += 1;
                from = i + 7;
            } else {
                from = i + 4;
            }
        }
        n
    };
    n1 + 40 * n3
}

/// The penalty score of a symbol given as rows and columns.
pub(crate) fn penalty(rows: &[Line], cols: &[Line]) -> u32 {
    let size = rows.len();
    let mut score = 0;
    for l in rows.iter().chain(cols) {
        score += line_penalty(l, size);
    }
    let edge = low(size - 1);
    for pair in rows.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let v = not(&xor(a, b));
        let h = not(&xor(a, &shr(a, 1)));
        score += 3 * ones(&and(&and(&v, &shr(&v, 1)), &and(&h, &edge)));
    }
    let dark: u32 = rows.iter().map(ones).sum();
    let total = (size * size) as u32;
    score + 10 * ((dark * 20).abs_diff(total * 10) / total)
}

/// The mask with the lowest penalty (the lowest number of equal ones), its rows and the
/// eight scores.
pub(crate) fn best(c: &Candidates) -> (u8, Vec<Line>, [u32; 8]) {
    let mut scores = [0u32; 8];
    let mut best: Option<(u8, Vec<Line>)> = None;
    for k in 0..8u8 {
        let (rows, cols) = c.masked(k);
        scores[k as usize] = penalty(&rows, &cols);
        if best
            .as_ref()
            .is_none_or(|(b, _)| scores[k as usize] < scores[*b as usize])
        {
            best = Some((k, rows));
        }
    }
    let (k, rows) = best.expect("eight masks");
    (k, rows, scores)
}

/// Whether the module at `x` of a row is dark.
pub(crate) fn dark(rows: &[Line], x: usize, y: usize) -> bool {
    get(&rows[y], x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrcodegen::{Mask, QrCode, QrSegment, Version};

    /// A plain module-by-module reading of the same rules, to check the bit-packed one.
    fn reference_penalty(m: &dyn Fn(usize, usize) -> bool, n: usize) -> u32 {
        let mut s = 0;
        for vertical in [false, true] {
            for a in 0..n {
                let line: Vec<bool> = (0..n)
                    .map(|b| if vertical { m(a, b) } else { m(b, a) })
                    .collect();
                let mut run = 1;
                for i in 1..=n {
                    if i < n && line[i] == line[i - 1] {
                        run += 1;
                    } else {
                        if run >= 5 {
                            s += run - 2;
                        }
                        run = 1;
                    }
                }
                let at = |i: isize| i >= 0 && (i as usize) < n && line[i as usize];
                let mut from = 0;
                for i in 0..n.saturating_sub(6) {
                    let i = i as isize;
                    let p = [true, false, true, true, true, false, true];
                    if (i as usize) < from || !(0..7).all(|k| at(i + k) == p[k as usize]) {
                        continue;
                    }
                    let light_before = (1..=4).all(|k| !at(i - k));
                    let light_after = (7..=10).all(|k| !at(i + k));
                    if light_before || light_after {
                        s += 40;
                        from = i as usize + 7;
                    } else {
                        from = i as usize + 4;
                    }
                }
            }
        }
        for y in 0..n - 1 {
            for x in 0..n - 1 {
                let c = m(x, y);
                if m(x + 1, y) == c && m(x, y + 1) == c && m(x + 1, y + 1) == c {
                    s += 3;
                }
            }
        }
        let dark = (0..n)
            .flat_map(|y| (0..n).map(move |x| (x, y)))
            .filter(|&(x, y)| m(x, y))
            .count() as u32;
        let total = (n * n) as u32;
        s as u32 + 10 * ((dark * 20).abs_diff(total * 10) / total)
    }

    /// Pseudo-random digit strings of the given lengths (xorshift, fixed seed).
    fn digits(lengths: &[usize]) -> Vec<String> {
        let mut state = 0x2545f4914f6cdd1du64;
        lengths
            .iter()
            .map(|&len| {
                (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        char::from(b'0' + (state % 10) as u8)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn every_derived_mask_is_the_symbol_qrcodegen_draws_with_that_mask() {
        // Our own symbol (qr_symbol: version, codewords, Reed-Solomon, placement, function
        // patterns) under each mask, against qrcodegen's symbol with that mask, module by
        // module: every level, versions 1 to 40 (with and without version information).
        let levels = [
            QrCodeEcc::Low,
            QrCodeEcc::Medium,
            QrCodeEcc::Quartile,
            QrCodeEcc::High,
        ];
        // (digits, level, byte mode): versions 1 to 40, some at 7+ (version information).
        let cases = [
            (3, 0, false),
            (20, 3, true),
            (40, 1, false),
            (200, 2, false),
            (300, 0, true),
            (600, 3, false),
            (1000, 2, true),
            (1200, 1, false),
            (1800, 1, false),
            (2300, 0, false),
            (2900, 0, true),
            (3000, 3, false),
            (7000, 0, false),
        ];
        let texts = digits(&cases.map(|c| c.0));
        let mut versions = std::collections::BTreeSet::new();
        for (t, digits) in texts.iter().enumerate() {
            let (_, l, bytes) = cases[t];
            let ecl = levels[l];
            let segs = if bytes {
                vec![QrSegment::make_bytes(digits.as_bytes())]
            } else {
                vec![
                    QrSegment::make_bytes(b"shc:/"),
                    QrSegment::make_numeric(digits),
                ]
            };
            let enc = |m: u8| {
                QrCode::encode_segments_advanced(
                    &segs,
                    ecl,
                    Version::MIN,
                    Version::MAX,
                    Some(Mask::new(m)),
                    false,
                )
                .unwrap()
            };
            let sym = crate::qr_symbol::encode(&segs, ecl, 40, |size| format_modules(size, ecl, 0))
                .unwrap();
            assert_eq!(sym.version, enc(0).version().value(), "text {t}");
            versions.insert(sym.version);
            let c = Candidates::new(&sym, ecl);
            for k in 0..8 {
                let want = enc(k);
                let (rows, cols) = c.masked(k);
                let n = want.size() as usize;
                assert_eq!(rows.len(), n);
                for y in 0..n {
                    for x in 0..n {
                        let w = want.get_module(x as i32, y as i32);
                        assert_eq!(dark(&rows, x, y), w, "text {t} mask {k} ({x},{y}) row");
                        assert_eq!(dark(&cols, y, x), w, "text {t} mask {k} ({x},{y}) col");
                    }
                }
                let reference = reference_penalty(&|x, y| want.get_module(x as i32, y as i32), n);
                assert_eq!(penalty(&rows, &cols), reference, "text {t} mask {k}");
            }
        }
        assert!(
            versions.len() >= 8 && versions.contains(&1) && versions.contains(&40),
            "versions covered: {versions:?}"
        );
    }
}
