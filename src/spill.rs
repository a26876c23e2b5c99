//! Rendered page bodies set aside on disk between loading and rendering.
//!
//! A full build renders each page body while it loads the page, so Markdown is
//! parsed once: the parse that finds the links and anchors for the checks also
//! produces the HTML. The page itself can only be written once every page is
//! loaded (its backlinks, parents and path come from the whole graph), and
//! holding every body in memory until then would take more than the output's
//! size. So each body's HTML and search text are appended to an anonymous
//! temporary file (deleted by the system when signpost exits, even if it is
//! killed) and read back when the page is written. The reads come from the page
//! cache; the file never grows the process's memory.
//!
//! Each rayon thread appends to a file of its own (two threads writing one
//! file wait for each other on the file's lock in the kernel); a writer reserves
//! its range with one atomic add and writes with `pwrite`, so threads outside
//! the pool may share a file safely.

use std::fs::File;
use std::io;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where a page's body lies in the [`Spill`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spilled {
    slot: u32,
    html_len: u32,
    text_len: u32,
    offset: u64,
}

/// Append-only scratch files shared by the threads of a build.
#[derive(Debug)]
pub struct Spill {
    /// Per rayon thread, then one for any other thread: the file (made on
    /// first use) and its end.
    slots: Vec<(OnceLock<File>, AtomicU64)>,
}

impl Spill {
    /// A new, empty spill; its files are made in the system's temporary folder
    /// as threads first write.
    ///
    /// # Errors
    /// When no temporary file can be created.
    pub fn new() -> io::Result<Self> {
        let spill = Spill {
            slots: (0..=rayon::current_num_threads())
                .map(|_| (OnceLock::new(), AtomicU64::new(0)))
                .collect(),
        };
        // Fail here, not page by page, when no temporary file can be made.
        spill.file(0)?;
        Ok(spill)
    }

    fn file(&self, slot: usize) -> io::Result<&File> {
        let cell = &self.slots[slot].0;
        if let Some(f) = cell.get() {
            return Ok(f);
        }
        let file = tempfile::tempfile()?;
        Ok(cell.get_or_init(|| file))
    }

    /// Appends a body's HTML and search text.
    ///
    /// # Errors
    /// When the file cannot be written (e.g. the disk is full); the caller
    /// then keeps the page to render it again later.
    pub fn put(&self, html: &str, text: &str) -> io::Result<Spilled> {
        let too_long = || io::Error::other("page body over 4 GiB");
        let html_len = u32::try_from(html.len()).map_err(|_| too_long())?;
        let text_len = u32::try_from(text.len()).map_err(|_| too_long())?;
        let slot = rayon::current_thread_index().map_or(0, |i| i + 1) % self.slots.len();
        let file = self.file(slot)?;
        let offset = self.slots[slot]
            .1
            .fetch_add(u64::from(html_len) + u64::from(text_len), Ordering::Relaxed);
        write2_at(file, html.as_bytes(), text.as_bytes(), offset)?;
        Ok(Spilled {
            slot: slot as u32,
            html_len,
            text_len,
            offset,
        })
    }

    /// Reads back what [`Spill::put`] wrote: `(html, text)`. The HTML comes
    /// back as bytes: a page writes it out as it is, and checking that 8 KiB
    /// a page are UTF-8 again cost 1% of a build.
    ///
    /// # Errors
    /// When the file cannot be read.
    pub fn get(&self, at: Spilled) -> io::Result<(Vec<u8>, String)> {
        let html_len = at.html_len as usize;
        let mut buf = read_at(
            self.file(at.slot as usize)?,
            html_len + at.text_len as usize,
            at.offset,
        )?;
        let text = String::from_utf8(buf.split_off(html_len))
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        Ok((buf, text))
    }
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

/// Writes `a` then `b` from `offset`, in one system call when it can.
#[cfg(unix)]
fn write2_at(file: &File, a: &[u8], b: &[u8], offset: u64) -> io::Result<()> {
    let n = rustix::io::pwritev(file, &[io::IoSlice::new(a), io::IoSlice::new(b)], offset)?;
    // A short write (rare for a regular file): the rest piece by piece.
    let (a_rest, b_rest) = if n < a.len() {
        (&a[n..], b)
    } else {
        (&a[a.len()..], &b[n - a.len()..])
    };
    write_at(file, a_rest, offset + n as u64)?;
    write_at(
        file,
        b_rest,
        offset + (a.len() + b.len() - b_rest.len()) as u64,
    )
}

/// `len` bytes from `offset`, read into fresh memory (not zeroed first: a
/// page's body is read back once, and clearing it first cost as much again).
#[cfg(unix)]
fn read_at(file: &File, len: usize, offset: u64) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(len);
    while buf.len() < len {
        let at = offset + buf.len() as u64;
        if rustix::io::pread(file, rustix::buffer::spare_capacity(&mut buf), at)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    buf.truncate(len);
    Ok(buf)
}

#[cfg(windows)]
fn write_at(file: &File, mut bytes: &[u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !bytes.is_empty() {
        let n = file.seek_write(bytes, offset)?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(windows)]
fn write2_at(file: &File, a: &[u8], b: &[u8], offset: u64) -> io::Result<()> {
    write_at(file, a, offset)?;
    write_at(file, b, offset + a.len() as u64)
}

#[cfg(windows)]
fn read_at(file: &File, len: usize, mut offset: u64) -> io::Result<Vec<u8>> {
    use std::os::windows::fs::FileExt;
    let mut out = vec![0; len];
    let mut buf = &mut out[..];
    while !buf.is_empty() {
        let n = file.seek_read(buf, offset)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_come_back_as_written_from_many_threads() {
        let spill = Spill::new().unwrap();
        let bodies: Vec<(String, String)> = (0..200)
            .map(|i| {
                (
                    format!("<p>page {i} é</p>\n").repeat(i % 7),
                    format!("text {i}"),
                )
            })
            .collect();
        let at: Vec<Spilled> = std::thread::scope(|s| {
            let handles: Vec<_> = bodies
                .chunks(50)
                .map(|chunk| {
                    s.spawn(|| {
                        chunk
                            .iter()
                            .map(|(h, t)| spill.put(h, t).unwrap())
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        for ((html, text), at) in bodies.iter().zip(at) {
            assert_eq!(
                spill.get(at).unwrap(),
                (html.clone().into_bytes(), text.clone())
            );
        }
        // From the rayon pool: a file per thread.
        use rayon::prelude::*;
        let at: Vec<Spilled> = bodies
            .par_iter()
            .map(|(h, t)| spill.put(h, t).unwrap())
            .collect();
        for ((html, text), at) in bodies.iter().zip(at) {
            assert_eq!(
                spill.get(at).unwrap(),
                (html.clone().into_bytes(), text.clone())
            );
        }
    }
}
