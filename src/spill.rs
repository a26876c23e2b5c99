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
//! Writers reserve their range with one atomic add and write with `pwrite`, so
//! the threads that load pages never wait for each other.

use std::fs::File;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where a page's body lies in the [`Spill`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spilled {
    offset: u64,
    html_len: u32,
    text_len: u32,
}

/// An append-only scratch file shared by the threads of a build.
#[derive(Debug)]
pub struct Spill {
    file: File,
    end: AtomicU64,
}

impl Spill {
    /// A new, empty scratch file in the system's temporary folder.
    ///
    /// # Errors
    /// When no temporary file can be created.
    pub fn new() -> io::Result<Self> {
        Ok(Spill {
            file: tempfile::tempfile()?,
            end: AtomicU64::new(0),
        })
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
        let offset = self
            .end
            .fetch_add(u64::from(html_len) + u64::from(text_len), Ordering::Relaxed);
        write_at(&self.file, html.as_bytes(), offset)?;
        write_at(&self.file, text.as_bytes(), offset + u64::from(html_len))?;
        Ok(Spilled {
            offset,
            html_len,
            text_len,
        })
    }

    /// Reads back what [`Spill::put`] wrote: `(html, text)`.
    ///
    /// # Errors
    /// When the file cannot be read.
    pub fn get(&self, at: Spilled) -> io::Result<(String, String)> {
        let html_len = at.html_len as usize;
        let mut buf = vec![0; html_len + at.text_len as usize];
        read_at(&self.file, &mut buf, at.offset)?;
        let text = buf.split_off(html_len);
        let utf8 =
            |b| String::from_utf8(b).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e));
        Ok((utf8(buf)?, utf8(text)?))
    }
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
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
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_read(buf, offset)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
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
            assert_eq!(spill.get(at).unwrap(), (html.clone(), text.clone()));
        }
    }
}
