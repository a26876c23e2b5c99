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
//! file wait for each other on the file's lock in the kernel), through a
//! buffer of [`FLUSH_AT`] bytes: one `pwrite` per ~30 bodies instead of one per
//! body. A slot's buffer sits behind a mutex (its own thread's, uncontended),
//! so threads outside the pool may share a slot safely; a body still in the
//! buffer is read from it. When the file cannot take a buffer (a full disk),
//! the buffer keeps it and grows, and the next body tries again.

use std::fs::File;
use std::io;
use std::sync::{Mutex, OnceLock, PoisonError};

/// A slot's buffer is written out once it holds this many bytes.
const FLUSH_AT: usize = 256 * 1024;

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
    /// first use) and what is not written to it yet.
    slots: Vec<(OnceLock<File>, Mutex<Pending>)>,
}

/// The tail of a slot's file that is still in memory.
#[derive(Debug, Default)]
struct Pending {
    /// The end of the slot's file once `bytes` are written.
    end: u64,
    /// Bytes that go at `end - bytes.len()`.
    bytes: Vec<u8>,
}

impl Pending {
    /// Writes the buffer to `file` (keeping its memory for the next bodies).
    fn flush(&mut self, file: &File) -> io::Result<()> {
        if !self.bytes.is_empty() {
            write_at(file, &self.bytes, self.end - self.bytes.len() as u64)?;
            self.bytes.clear();
        }
        Ok(())
    }
}

impl Spilled {
    /// The slot (file) the body is in.
    pub fn slot(self) -> usize {
        self.slot as usize
    }

    /// Where the body starts and ends in its slot's file.
    pub fn range(self) -> std::ops::Range<u64> {
        let len = u64::from(self.html_len) + u64::from(self.text_len);
        self.offset..self.offset + len
    }
}

impl Spill {
    /// How many slots (files) bodies may be in.
    pub fn slots(&self) -> usize {
        self.slots.len()
    }

    /// Gives the file space of bytes `range` of `slot` back to the system:
    /// the whole 4 KiB pages of the file within it (a body beside it may
    /// share the pages at its ends), as far as the file is written. For a
    /// build's last use of a spill, as bodies are read for the last time:
    /// freeing the files as the process ends took 8 ms of one core at
    /// 10,000 pages, while rendering runs beside a discard. Where the file
    /// system cannot punch holes, nothing happens: the space is freed at the
    /// end as before. What is discarded reads back as zeros.
    pub fn discard(&self, slot: usize, range: std::ops::Range<u64>) {
        const PAGE: u64 = 4096;
        let Some(file) = self.slots[slot].0.get() else {
            return;
        };
        let written = {
            let pending = self.pending(slot);
            pending.end - pending.bytes.len() as u64
        };
        let from = range.start.div_ceil(PAGE) * PAGE;
        let to = range.end.min(written) / PAGE * PAGE;
        if from < to {
            punch(file, from, to - from);
        }
    }

    /// A new, empty spill; its files are made in the system's temporary folder
    /// as threads first write.
    ///
    /// # Errors
    /// When no temporary file can be created.
    pub fn new() -> io::Result<Self> {
        let spill = Spill {
            slots: (0..=rayon::current_num_threads())
                .map(|_| (OnceLock::new(), Mutex::new(Pending::default())))
                .collect(),
        };
        // Fail here, not page by page, when no temporary file can be made.
        spill.file(0)?;
        Ok(spill)
    }

    fn pending(&self, slot: usize) -> std::sync::MutexGuard<'_, Pending> {
        // A panic while a slot was locked leaves a consistent buffer.
        self.slots[slot]
            .1
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
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
    /// When no file can be made for the slot, or a body is over 4 GiB; the
    /// caller then keeps the page to render it again later.
    pub fn put(&self, html: &str, text: &str) -> io::Result<Spilled> {
        let too_long = || io::Error::other("page body over 4 GiB");
        let html_len = u32::try_from(html.len()).map_err(|_| too_long())?;
        let text_len = u32::try_from(text.len()).map_err(|_| too_long())?;
        let slot = rayon::current_thread_index().map_or(0, |i| i + 1) % self.slots.len();
        let file = self.file(slot)?;
        let mut pending = self.pending(slot);
        if pending.bytes.capacity() == 0 {
            pending.bytes.reserve(FLUSH_AT + FLUSH_AT / 8);
        }
        let offset = pending.end;
        pending.bytes.extend_from_slice(html.as_bytes());
        pending.bytes.extend_from_slice(text.as_bytes());
        pending.end += u64::from(html_len) + u64::from(text_len);
        if pending.bytes.len() >= FLUSH_AT {
            // When the file cannot take them (a full disk), the bodies stay
            // in memory and the next body tries again: a spill that cannot
            // be written is one held in memory.
            let _ = pending.flush(file);
        }
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
        let len = html_len + at.text_len as usize;
        let pending = self.pending(at.slot as usize);
        // A buffer holds whole bodies: this one is either all in it or all
        // in the file.
        let mut buf = match at
            .offset
            .checked_sub(pending.end - pending.bytes.len() as u64)
        {
            Some(from) => {
                let from = from as usize;
                pending.bytes[from..from + len].to_vec()
            }
            None => {
                drop(pending);
                read_at(self.file(at.slot as usize)?, len, at.offset)?
            }
        };
        let text = String::from_utf8(buf.split_off(html_len))
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        Ok((buf, text))
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn punch(file: &File, offset: u64, len: u64) {
    use rustix::fs::FallocateFlags;
    // A file system without holes says so; the space is then freed when the
    // file is closed.
    let _ = rustix::fs::fallocate(
        file,
        FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE,
        offset,
        len,
    );
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn punch(_file: &File, _offset: u64, _len: u64) {}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
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

    #[cfg(unix)]
    #[test]
    fn discarding_read_bodies_keeps_the_others_and_frees_their_space() {
        let spill = Spill::new().unwrap();
        // Odd sizes, so runs end inside pages; over 1 MiB, so most of it is
        // in the file and the tail still in the buffer. This thread is not
        // in the pool: every body goes to slot 0.
        let bodies: Vec<(String, String)> = (0..400)
            .map(|i| (format!("<p>{i}</p>").repeat(300 + i % 37), format!("t{i}")))
            .collect();
        let at: Vec<Spilled> = bodies
            .iter()
            .map(|(h, t)| spill.put(h, t).unwrap())
            .collect();
        assert!(at.iter().all(|a| a.slot() == 0));
        let allocated = || {
            use std::os::unix::fs::MetadataExt;
            spill.slots[0].0.get().unwrap().metadata().unwrap().blocks()
        };
        let before = allocated();
        // Bodies 0..150 and 200..400 are read; 150..200 are not.
        spill.discard(0, at[0].range().start..at[149].range().end);
        spill.discard(0, at[200].range().start..at[399].range().end);
        for i in 150..200 {
            let (html, text) = &bodies[i];
            assert_eq!(
                spill.get(at[i]).unwrap(),
                (html.clone().into_bytes(), text.clone()),
                "body {i}"
            );
        }
        // Whatever the buffer still holds is not discarded.
        let last = at[399];
        assert_eq!(spill.get(last).unwrap().1, "t399");
        if cfg!(target_os = "linux") {
            let after = allocated();
            assert!(
                after * 2 < before,
                "space given back: {before} -> {after} blocks"
            );
        }
    }

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
        // Bodies large enough that buffers are written out between them,
        // read back in another order than written.
        let large: Vec<(String, String)> = (0..40)
            .map(|i| {
                (
                    format!("<p>{i}</p>").repeat(1000 + 97 * i),
                    format!("t{i} ").repeat(i),
                )
            })
            .collect();
        let at: Vec<Spilled> = large
            .iter()
            .map(|(h, t)| spill.put(h, t).unwrap())
            .collect();
        for (i, at) in at.iter().enumerate().rev() {
            let (html, text) = &large[i];
            assert_eq!(
                spill.get(*at).unwrap(),
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
