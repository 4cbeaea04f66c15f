//! What the operating system says about a block device and the host:
//! size and sector sizes from the block-device ioctls, model, serial,
//! vendor, firmware and the removable flag from `/sys`, and `uname`.
//!
//! Every attribute is optional: a missing or unreadable one is left out,
//! never guessed.

use crate::model::acquisition::{DeviceInfo, HostInfo};
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Size and sector sizes of a block device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Size in bytes.
    pub size: u64,
    /// Logical sector size (the addressing unit).
    pub logical: u32,
    /// Physical sector size.
    pub physical: u32,
}

// _IOR(0x12, 114, size_t): not exported by the libc crate.
const BLKGETSIZE64: libc::c_ulong =
    (2 << 30) | ((std::mem::size_of::<usize>() as libc::c_ulong) << 16) | (0x12 << 8) | 114;

/// Ask the kernel for a block device's size and sector sizes.
pub fn geometry(file: &File) -> io::Result<Geometry> {
    let fd = file.as_raw_fd();
    let mut size: u64 = 0;
    let mut logical: libc::c_int = 0;
    let mut physical: libc::c_uint = 0;
    // SAFETY: each ioctl writes one integer of the documented width into a
    // local we own; the descriptor is open for the duration.
    unsafe {
        if libc::ioctl(fd, BLKGETSIZE64 as _, &mut size as *mut u64) != 0 {
            return Err(io::Error::last_os_error());
        }
        if libc::ioctl(fd, libc::BLKSSZGET as _, &mut logical as *mut libc::c_int) != 0 {
            return Err(io::Error::last_os_error());
        }
        if libc::ioctl(
            fd,
            libc::BLKPBSZGET as _,
            &mut physical as *mut libc::c_uint,
        ) != 0
        {
            physical = logical as libc::c_uint;
        }
    }
    let logical = u32::try_from(logical).unwrap_or(512).max(1);
    Ok(Geometry {
        size,
        logical,
        physical: physical.max(logical),
    })
}

/// Describe the block device open as `file`, reading `sys_root` (normally
/// `/sys`).
pub fn describe(file: &File, sys_root: &Path) -> DeviceInfo {
    let Ok(md) = file.metadata() else {
        return DeviceInfo::default();
    };
    let rdev = md.rdev();
    let (major, minor) = (libc::major(rdev), libc::minor(rdev));
    let link = sys_root.join(format!("dev/block/{major}:{minor}"));
    let Ok(mut node) = std::fs::canonicalize(&link) else {
        return DeviceInfo::default();
    };
    // A partition's directory sits inside its disk's.
    if node.join("partition").exists()
        && let Some(parent) = node.parent()
    {
        node = parent.to_path_buf();
    }
    describe_node(&node)
}

fn attr(dir: &Path, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| {
        let text = std::fs::read(dir.join(n)).ok()?;
        let s = String::from_utf8_lossy(&text).trim().to_string();
        (!s.is_empty()).then_some(s)
    })
}

/// Describe the disk whose `/sys` directory is `node`.
pub fn describe_node(node: &Path) -> DeviceInfo {
    let dev: PathBuf = node.join("device");
    DeviceInfo {
        kernel_name: node.file_name().map(|n| n.to_string_lossy().into_owned()),
        model: attr(&dev, &["model", "name"]),
        serial: attr(&dev, &["serial"]).or_else(|| attr(node, &["serial"])),
        vendor: attr(&dev, &["vendor", "manfid"]),
        firmware: attr(&dev, &["rev", "firmware_rev", "fwrev"]),
        removable: attr(node, &["removable"]).map(|s| s == "1"),
        backing_file: attr(node, &["loop/backing_file"]),
    }
}

/// Read `uname`.
pub fn host() -> HostInfo {
    // SAFETY: utsname is plain data; uname fills it with NUL-terminated
    // strings.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut u) } != 0 {
        return HostInfo::default();
    }
    fn field(f: &[libc::c_char]) -> String {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|c| **c != 0)
            .map(|c| *c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }
    HostInfo {
        name: field(&u.nodename),
        os: field(&u.sysname),
        os_release: field(&u.release),
        os_version: field(&u.version),
        machine: field(&u.machine),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sys_attributes_are_trimmed_and_optional() {
        let d = tempfile::tempdir().unwrap();
        let node = d.path().join("sdz");
        std::fs::create_dir_all(node.join("device")).unwrap();
        std::fs::write(node.join("device/model"), "Flash Disk      \n").unwrap();
        std::fs::write(node.join("device/vendor"), "ACME    \n").unwrap();
        std::fs::write(node.join("device/rev"), "1.00\n").unwrap();
        std::fs::write(node.join("removable"), "1\n").unwrap();
        let info = describe_node(&node);
        assert_eq!(info.kernel_name.as_deref(), Some("sdz"));
        assert_eq!(info.model.as_deref(), Some("Flash Disk"));
        assert_eq!(info.vendor.as_deref(), Some("ACME"));
        assert_eq!(info.firmware.as_deref(), Some("1.00"));
        assert_eq!(info.serial, None);
        assert_eq!(info.removable, Some(true));
    }

    #[test]
    fn host_has_a_name() {
        assert!(!host().os.is_empty());
    }
}
