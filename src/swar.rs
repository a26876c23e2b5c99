//! Eight bytes at a time ("SIMD within a register"): the word tests that the
//! byte scans on hot paths (link paths, search text, JSON escaping) share.
//! Every test is exact per byte: no carry or borrow crosses from one byte into
//! the next, so a flagged byte is always a match and none is missed.

/// One in every byte.
const LO: u64 = 0x0101_0101_0101_0101;
/// The low seven bits of every byte.
const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
/// The high bit of every byte.
const HI: u64 = 0x8080_8080_8080_8080;

/// The eight bytes of `b` from `i` as a word, the first byte lowest.
///
/// # Panics
/// When `b` holds fewer than eight bytes from `i`.
#[inline]
pub(crate) fn word(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(b[i..i + 8].try_into().expect("eight bytes"))
}

/// The high bit of each byte of `w` below `n` (`1 <= n <= 0x80`).
#[inline]
pub(crate) fn below(w: u64, n: u8) -> u64 {
    debug_assert!((1..=0x80).contains(&n));
    // Bytes from 0x80 up have their high bit in `w`; the others reach it
    // when adding 0x80 - n takes their low seven bits to n or more.
    !(((w & LO7) + LO * u64::from(0x80 - n)) | w) & HI
}

/// The high bit of each byte of `w` in `"#$%&'` or `<=>`: a superset of the
/// bytes the HTML escaper changes.
#[inline]
pub(crate) fn html_special(w: u64) -> u64 {
    (below(w, 0x28) & !below(w, 0x22)) | (below(w, 0x3f) & !below(w, 0x3c))
}

/// [`html_special`] for one byte.
#[inline]
pub(crate) fn is_html_special(c: u8) -> bool {
    (0x22..0x28).contains(&c) || (0x3c..0x3f).contains(&c)
}

/// The high bit of each byte of `w` from 0x80 up (not ASCII).
#[inline]
pub(crate) fn high(w: u64) -> u64 {
    w & HI
}

/// The high bit of each byte of `w` equal to `byte`.
#[inline]
pub(crate) fn equal(w: u64, byte: u8) -> u64 {
    below(w ^ (LO * u64::from(byte)), 1)
}

/// `w` with every byte masked by `mask`.
#[inline]
pub(crate) fn masked(w: u64, mask: u8) -> u64 {
    w & (LO * u64::from(mask))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Each byte is flagged exactly when it passes the byte's own test.
        #[test]
        fn tests_agree_with_bytes(bytes in proptest::array::uniform8(proptest::num::u8::ANY), n in 1u8..=0x80, c in proptest::num::u8::ANY) {
            let w = word(&bytes, 0);
            for (k, &b) in bytes.iter().enumerate() {
                let bit = 1u64 << (8 * k + 7);
                proptest::prop_assert_eq!(below(w, n) & bit != 0, b < n);
                proptest::prop_assert_eq!(equal(w, c) & bit != 0, b == c);
            }
            proptest::prop_assert_eq!(below(w, n) & !HI, 0);
            proptest::prop_assert_eq!(equal(w, c) & !HI, 0);
        }
    }
}
