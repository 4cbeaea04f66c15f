//! The `volume` (first segment) and `data` (later segments) sections: the
//! media geometry (spec "Volume section / FTK Imager, EnCase 1 to 7 and
//! linen 5 to 7", "Data section").

use std::path::Path;

use super::EwfError;
use super::section::{adler32, bad, le32, le64};

/// Length of the volume/data body in the EnCase layout.
pub(crate) const VOLUME_BODY_LEN: u64 = 1052;

/// Largest chunk this reader accepts (it sizes the chunk buffers).
pub const MAX_CHUNK_SIZE: u64 = 16 * 1024 * 1024;

/// The media geometry from a `volume` (or `data`, `disk`) section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    /// Media type byte (0x00 removable, 0x01 fixed, 0x03 optical, 0x0e logical, 0x10 memory).
    pub media_type: u8,
    /// Number of chunks in the whole set.
    pub chunk_count: u32,
    /// Sectors per chunk.
    pub sectors_per_chunk: u32,
    /// Bytes per sector.
    pub bytes_per_sector: u32,
    /// Number of sectors of the media.
    pub sector_count: u64,
    /// Media flags byte.
    pub media_flags: u8,
    /// Compression level byte (0 none, 1 good/fast, 2 best).
    pub compression_level: u8,
    /// Error granularity in sectors.
    pub error_granularity: u32,
    /// Segment file set identifier (16 zero bytes from ewfacquire).
    pub set_identifier: [u8; 16],
}

impl Volume {
    /// Bytes per chunk.
    pub fn chunk_size(&self) -> u64 {
        u64::from(self.sectors_per_chunk) * u64::from(self.bytes_per_sector)
    }

    /// Size of the media in bytes (checked not to overflow when parsed).
    pub fn media_size(&self) -> u64 {
        self.sector_count * u64::from(self.bytes_per_sector)
    }

    /// Parses and checks a volume/data body read at `offset` of `path`.
    pub(crate) fn parse(body: &[u8], path: &Path, offset: u64) -> Result<Self, EwfError> {
        if body.len() as u64 != VOLUME_BODY_LEN {
            return Err(bad(
                path,
                offset,
                "volume section is not 1052 bytes (EnCase layout)",
            ));
        }
        let stored = le32(body, 1048);
        let actual = adler32(&body[..1048]);
        if stored != actual {
            return Err(EwfError::SectionChecksum {
                path: path.to_path_buf(),
                offset,
                section: "volume",
                expected: stored,
                actual,
            });
        }
        let mut set_identifier = [0u8; 16];
        set_identifier.copy_from_slice(&body[64..80]);
        let v = Volume {
            media_type: body[0],
            chunk_count: le32(body, 4),
            sectors_per_chunk: le32(body, 8),
            bytes_per_sector: le32(body, 12),
            sector_count: le64(body, 16),
            media_flags: body[36],
            compression_level: body[52],
            error_granularity: le32(body, 56),
            set_identifier,
        };
        if !matches!(v.bytes_per_sector, 512 | 1024 | 2048 | 4096) {
            return Err(bad(
                path,
                offset,
                "bytes per sector is not 512, 1024, 2048 or 4096",
            ));
        }
        if v.sectors_per_chunk == 0 || v.chunk_size() > MAX_CHUNK_SIZE {
            return Err(bad(path, offset, "chunk size is 0 or above 16 MiB"));
        }
        let media = v
            .sector_count
            .checked_mul(u64::from(v.bytes_per_sector))
            .ok_or_else(|| bad(path, offset, "media size overflows"))?;
        // The chunks must cover the media exactly: no missing, no spare chunk.
        let chunks = u64::from(v.chunk_count);
        let cover = chunks * v.chunk_size();
        if media == 0 || cover < media || cover - media >= v.chunk_size() {
            return Err(bad(
                path,
                offset,
                "chunk count does not match the media size",
            ));
        }
        Ok(v)
    }

    /// Whether a `data` section agrees with the first segment's volume on
    /// every field that describes the set; returns the first field that differs.
    pub(crate) fn differs_from(&self, other: &Volume) -> Option<&'static str> {
        if self.chunk_count != other.chunk_count {
            Some("chunk count")
        } else if self.sectors_per_chunk != other.sectors_per_chunk {
            Some("sectors per chunk")
        } else if self.bytes_per_sector != other.bytes_per_sector {
            Some("bytes per sector")
        } else if self.sector_count != other.sector_count {
            Some("sector count")
        } else if self.compression_level != other.compression_level {
            Some("compression level")
        } else if self.set_identifier != other.set_identifier {
            Some("set identifier")
        } else if self.media_type != other.media_type {
            Some("media type")
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(chunks: u32, spc: u32, bps: u32, sectors: u64) -> Vec<u8> {
        let mut b = vec![0u8; 1052];
        b[0] = 1;
        b[4..8].copy_from_slice(&chunks.to_le_bytes());
        b[8..12].copy_from_slice(&spc.to_le_bytes());
        b[12..16].copy_from_slice(&bps.to_le_bytes());
        b[16..24].copy_from_slice(&sectors.to_le_bytes());
        let sum = adler32(&b[..1048]);
        b[1048..].copy_from_slice(&sum.to_le_bytes());
        b
    }

    #[test]
    fn geometry_is_checked() {
        let p = Path::new("x.E01");
        let v = Volume::parse(&body(3, 64, 512, 130), p, 0).unwrap();
        assert_eq!(v.media_size(), 130 * 512);
        assert_eq!(v.chunk_size(), 32768);
        // Two chunks cannot hold 130 sectors; four have a spare chunk.
        assert!(Volume::parse(&body(2, 64, 512, 130), p, 0).is_err());
        assert!(Volume::parse(&body(4, 64, 512, 130), p, 0).is_err());
        assert!(Volume::parse(&body(3, 64, 500, 130), p, 0).is_err());
        assert!(Volume::parse(&body(1, 0, 512, 0), p, 0).is_err());
        let mut b = body(3, 64, 512, 130);
        b[100] ^= 1;
        assert!(matches!(
            Volume::parse(&b, p, 0),
            Err(EwfError::SectionChecksum { .. })
        ));
    }
}
