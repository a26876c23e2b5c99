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

/// Sixteen bytes at a time with SSE2 (part of every x86-64 processor), for
/// the longest scans (search text, JSON escaping, HTML escaping); elsewhere
/// the word tests above do it eight bytes at a time. Each test gives one bit
/// per byte, the first byte lowest, so a scan finds the first match with
/// `trailing_zeros` as with the words.
#[cfg(target_arch = "x86_64")]
pub(crate) mod wide {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_set1_epi8,
        _mm_sub_epi8,
    };

    /// Bytes per block.
    pub(crate) const LEN: usize = 16;

    /// The sixteen bytes of `b` from `i`.
    ///
    /// # Panics
    /// When `b` holds fewer than sixteen bytes from `i`.
    #[inline]
    pub(crate) fn block(b: &[u8], i: usize) -> __m128i {
        let bytes = &b[i..i + LEN];
        // SAFETY: `bytes` is sixteen readable bytes, and an unaligned load
        // reads exactly those.
        unsafe { _mm_loadu_si128(bytes.as_ptr().cast()) }
    }

    // SAFETY (every `unsafe` below): SSE2 is part of x86-64, so these
    // intrinsics run on any processor the binary runs on; they only compute
    // on values.

    #[inline]
    fn splat(byte: u8) -> __m128i {
        unsafe { _mm_set1_epi8(i8::from_ne_bytes([byte])) }
    }

    /// A bit for each byte of `v` equal to `byte`.
    #[inline]
    pub(crate) fn equal(v: __m128i, byte: u8) -> u32 {
        unsafe { _mm_movemask_epi8(_mm_cmpeq_epi8(v, splat(byte))) as u32 }
    }

    /// A bit for each byte of `v` at most `n` (unsigned).
    #[inline]
    pub(crate) fn at_most(v: __m128i, n: u8) -> u32 {
        unsafe { _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, splat(n)), v)) as u32 }
    }

    /// A bit for each byte of `v` in `lo..=hi`.
    #[inline]
    pub(crate) fn within(v: __m128i, lo: u8, hi: u8) -> u32 {
        at_most(unsafe { _mm_sub_epi8(v, splat(lo)) }, hi - lo)
    }

    /// A bit for each byte of `v` from 0x80 up (not ASCII).
    #[inline]
    pub(crate) fn high(v: __m128i) -> u32 {
        unsafe { _mm_movemask_epi8(v) as u32 }
    }

    /// A bit for each byte of `v` in `"#$%&'` or `<=>` (see
    /// [`super::html_special`]).
    #[inline]
    pub(crate) fn html_special(v: __m128i) -> u32 {
        within(v, 0x22, 0x27) | within(v, 0x3c, 0x3e)
    }
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

    #[cfg(target_arch = "x86_64")]
    proptest::proptest! {
        /// Each byte of a block is flagged exactly when it passes the byte's
        /// own test.
        #[test]
        fn block_tests_agree_with_bytes(
            bytes in proptest::array::uniform16(proptest::num::u8::ANY),
            n in proptest::num::u8::ANY,
            lo in proptest::num::u8::ANY,
            span in proptest::num::u8::ANY,
        ) {
            use super::wide;
            let v = wide::block(&bytes, 0);
            let hi = lo.saturating_add(span);
            for (k, &b) in bytes.iter().enumerate() {
                let bit = 1u32 << k;
                proptest::prop_assert_eq!(wide::equal(v, n) & bit != 0, b == n);
                proptest::prop_assert_eq!(wide::at_most(v, n) & bit != 0, b <= n);
                proptest::prop_assert_eq!(wide::within(v, lo, hi) & bit != 0, (lo..=hi).contains(&b));
                proptest::prop_assert_eq!(wide::high(v) & bit != 0, b >= 0x80);
                proptest::prop_assert_eq!(wide::html_special(v) & bit != 0, is_html_special(b));
            }
        }
    }
}
