//! The chunk index: where each chunk is stored, in memory that does not grow
//! with the number of chunks.
//!
//! [`EwfImage::open`](super::EwfImage::open) checks every table in full
//! ([`parse_table`]) and then keeps only a [`TableDesc`] per table: where
//! its body is, the bounds of its sectors data, and the BLAKE3 of the body.
//! When a chunk is asked for, its table's body is read again, must have the
//! same BLAKE3 (the segment did not change since it was opened) and passes
//! [`parse_table`] again; its entries then stay in a small cache. ewfacquire
//! writes one table per segment (about 48 000 chunks of 32 KiB in a 1.4 GiB
//! segment): a 2 TiB set keeps about 1 400 descriptors (100 KiB), and the
//! cache holds at most [`CACHED_TABLES`] tables of at most 256 KiB each.

use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};

use super::EwfError;
use super::section::{DESCRIPTOR_LEN, bad, read_at};
use super::segments::Segments;
use super::table::{ChunkLoc, Entries, MAX_TABLE_BODY, parse_table};

/// Most tables whose entries are kept decoded at a time.
pub(crate) const CACHED_TABLES: usize = 4;

/// One table section as checked at open (72 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableDesc {
    /// Number of the table's first chunk in the media.
    first_chunk: u64,
    /// Offset of the table's body in its segment file.
    body_offset: u64,
    /// The body of its sectors section, which its chunks fill.
    data_start: u64,
    data_end: u64,
    /// BLAKE3 of the table body read at open.
    digest: [u8; 32],
    /// Number of entries (1 to 65534).
    count: u32,
    /// Index of the segment file.
    segment: u16,
}

/// Per-table descriptors and a small cache of decoded tables.
#[derive(Debug)]
pub(crate) struct ChunkIndex {
    tables: Vec<TableDesc>,
    chunks: u64,
    /// The bound on a stored chunk that [`parse_table`] enforces.
    max_stored: u32,
    /// Recently used tables, most recent last.
    cache: Mutex<Vec<(usize, Arc<Entries>)>>,
}

impl ChunkIndex {
    /// An empty index for chunks stored in at most `max_stored` bytes.
    pub(crate) fn new(max_stored: u32) -> Self {
        ChunkIndex {
            tables: Vec::new(),
            chunks: 0,
            max_stored,
            cache: Mutex::new(Vec::new()),
        }
    }

    /// The bound on a stored chunk.
    pub(crate) fn max_stored(&self) -> u32 {
        self.max_stored
    }

    /// Records a table whose `body`, read at `body_offset` of segment
    /// `segment` and covering `data`, has passed [`parse_table`] with
    /// `entries`.
    pub(crate) fn push(
        &mut self,
        segment: u16,
        body_offset: u64,
        data: Range<u64>,
        body: &[u8],
        entries: &Entries,
    ) {
        self.tables.push(TableDesc {
            first_chunk: self.chunks,
            body_offset,
            data_start: data.start,
            data_end: data.end,
            digest: *blake3::hash(body).as_bytes(),
            // At most 65534 entries, checked by `parse_table`.
            count: entries.len() as u32,
            segment,
        });
        self.chunks += entries.len() as u64;
    }

    /// Number of chunks in all the tables so far.
    pub(crate) fn chunk_count(&self) -> u64 {
        self.chunks
    }

    /// Bytes of heap the index keeps for the life of the image, besides
    /// the bounded cache.
    #[cfg(test)]
    pub(crate) fn kept_bytes(&self) -> usize {
        self.tables.capacity() * size_of::<TableDesc>()
    }

    /// Drops spare capacity once every table is in.
    pub(crate) fn shrink(&mut self) {
        self.tables.shrink_to_fit();
    }

    /// Where chunk `index` (below the chunk count) is stored.
    pub(crate) fn locate(&self, index: u64, segments: &Segments) -> Result<ChunkLoc, EwfError> {
        // The first table starts at chunk 0, so `t >= 0` for any index.
        let t = self
            .tables
            .partition_point(|d| d.first_chunk <= index)
            .saturating_sub(1);
        let desc = self.tables.get(t).ok_or(EwfError::ChunkIndex {
            index,
            count: self.chunks,
        })?;
        let entries = self.entries(t, desc, segments)?;
        usize::try_from(index - desc.first_chunk)
            .ok()
            .and_then(|i| entries.loc(i))
            .ok_or(EwfError::ChunkIndex {
                index,
                count: self.chunks,
            })
    }

    /// The decoded entries of table `t`, from the cache or read again.
    fn entries(
        &self,
        t: usize,
        desc: &TableDesc,
        segments: &Segments,
    ) -> Result<Arc<Entries>, EwfError> {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(pos) = cache.iter().position(|(i, _)| *i == t) {
            let hit = cache.remove(pos);
            let entries = Arc::clone(&hit.1);
            cache.push(hit);
            return Ok(entries);
        }
        let entries = Arc::new(self.reload(desc, segments)?);
        if cache.len() >= CACHED_TABLES {
            cache.remove(0);
        }
        cache.push((t, Arc::clone(&entries)));
        Ok(entries)
    }

    /// Reads a table's body again and checks it is the one checked at open.
    fn reload(&self, desc: &TableDesc, segments: &Segments) -> Result<Entries, EwfError> {
        let segment = usize::from(desc.segment);
        let seg = segments.get(segment).ok_or(EwfError::ChunkIndex {
            index: desc.first_chunk,
            count: self.chunks,
        })?;
        let file = segments.file(segment)?;
        let offset = desc.body_offset - DESCRIPTOR_LEN;
        let body_len = 24 + 4 * u64::from(desc.count) + 4;
        let body = read_at(
            &file,
            &seg.path,
            seg.len,
            desc.body_offset,
            body_len,
            MAX_TABLE_BODY,
            "table",
        )?;
        let entries = parse_table(
            &body,
            &seg.path,
            offset,
            desc.segment,
            desc.data_start..desc.data_end,
            self.max_stored,
        )?;
        if *blake3::hash(&body).as_bytes() != desc.digest {
            return Err(bad(
                &seg.path,
                offset,
                "table changed since the set was opened",
            ));
        }
        Ok(entries)
    }
}
