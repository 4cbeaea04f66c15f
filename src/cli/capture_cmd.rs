//! `evidentia capture`: real-time collection of traffic data into signed,
//! hash-chained segments (docs/capture.md), or `--recover DIR` after the
//! capturing process died. Exit 0 clean, 1 completed with packets dropped
//! by the kernel, 2 error (a filter that does not compile, content without
//! a legal basis, a missing privilege: before anything is written).

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::output::{Doc, display_path, sanitize};
use super::passphrase::load_signer;
use super::size::parse_size;
use clap::{Args, ValueEnum};
use evidentia::capture::libpcap::LibpcapError;
use evidentia::capture::{
    CaptureError, CaptureOptions, Event, HEADERS_SNAPLEN, Input, MAX_SNAPLEN, Rotate,
};
use evidentia::model::CaseMeta;
use evidentia::model::capture::{CaptureRecord, Closed, ContentMode, Scope, content_authorised};
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What each packet keeps.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Content {
    /// Link, network and transport headers only (traffic data)
    Headers,
    /// Whole packets up to the snaplen (content: needs a legal basis in --meta)
    Full,
}

/// Arguments of `capture`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
evidentia capture eth0 --out cap1 --case C-1 --filter 'host 192.0.2.7' --rotate 15min\n  \
evidentia capture provider.pcapng --out cap2 --case C-1 --seal cap2.zip\n  \
evidentia capture --recover cap1\n\
End an open-ended capture with Ctrl-C or SIGTERM: the open segment is closed and signed.")]
pub struct CaptureArgs {
    /// A network interface (live, through libpcap; needs CAP_NET_RAW), a
    /// pcap or pcapng file, or `-` for a pcap/pcapng stream on stdin
    #[arg(value_name = "SOURCE", required_unless_present = "recover")]
    source: Option<String>,
    /// New directory for the segments and records (must not exist)
    #[arg(
        long,
        short = 'o',
        value_name = "DIR",
        required_unless_present = "recover"
    )]
    out: Option<PathBuf>,
    /// Case reference (required here or as case_reference in --meta)
    #[arg(long = "case", value_name = "ID")]
    case_id: Option<String>,
    /// BPF filter expression: the legal scope ("specified communications"),
    /// compiled by libpcap and recorded verbatim
    #[arg(long, value_name = "EXPR")]
    filter: Option<String>,
    /// Close a segment and open the next every DURATION (30s, 15min, 1h,
    /// 1d) or before it grows past SIZE (64M, 1G)
    #[arg(long, value_name = "DURATION|SIZE", value_parser = parse_rotate)]
    rotate: Option<Rotate>,
    /// End the capture after DURATION (the packets' own times for a file)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    duration: Option<Duration>,
    /// End the capture after N packets
    #[arg(long, value_name = "N")]
    count: Option<u64>,
    /// What each packet keeps
    #[arg(long, value_enum, default_value = "headers")]
    content: Content,
    /// Bytes captured per packet [default: 512 with headers, 262144 with full]
    #[arg(long, value_name = "N")]
    snaplen: Option<u32>,
    /// Signing key id or unique hex prefix [default: the only examiner key]
    #[arg(long, value_name = "ID")]
    key: Option<String>,
    /// Read the signing key's passphrase from the first line of FILE
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// Case and legal metadata (JSON or TOML; see docs/formats/manifest.md);
    /// copied into DIR, its SHA-256 in every record
    #[arg(long, value_name = "FILE")]
    meta: Option<PathBuf>,
    /// Then seal the capture directory into this signed bundle
    #[arg(long, value_name = "BUNDLE.zip")]
    seal: Option<PathBuf>,
    /// Do not put the interface in promiscuous mode
    #[arg(long)]
    no_promisc: bool,
    /// Kernel capture buffer [default: 64M]
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    buffer: Option<u64>,
    /// Close the capture in DIR whose process died (power cut, kill -9):
    /// the open segment is cut to its last whole packet and signed as
    /// recovered
    #[arg(long, value_name = "DIR", conflicts_with_all = ["source", "out", "filter", "rotate", "duration", "count", "meta", "seal"])]
    recover: Option<PathBuf>,
}

/// Set by the SIGINT/SIGTERM handler; the capture loop polls it.
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// SIGINT and SIGTERM end the capture cleanly (the normal way to end an
/// open-ended capture).
fn install_stop() {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic (async-signal-safe);
        // the sigaction struct is zeroed plain data filled before the call.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            sa.sa_flags = 0;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// A duration: `30s`, `15min`, `2h`, `1d` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (try 30s, 15min, 1h)"))?;
    let secs = match unit {
        "" | "s" | "sec" => 1,
        "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "m" => return Err(format!("{s:?} is ambiguous: write {n}min for minutes")),
        _ => return Err(format!("{s:?}: unknown unit (use s, min, h or d)")),
    };
    match n.checked_mul(secs) {
        Some(0) | None => Err(format!("{s:?} must be more than zero and sensible")),
        Some(v) => Ok(Duration::from_secs(v)),
    }
}

/// `--rotate`: a duration (`s`, `min`, `h`, `d`) or a size (`K`, `M`, `G`).
fn parse_rotate(s: &str) -> Result<Rotate, String> {
    let t = s.trim();
    if t.ends_with('m') && t[..t.len() - 1].bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{s:?} is ambiguous: write {0}min for minutes or {0}M for MiB",
            &t[..t.len() - 1]
        ));
    }
    if let Ok(d) = parse_duration(t) {
        if t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{s:?}: give a unit (30s, 15min, 64M)"));
        }
        return Ok(Rotate::Every(d));
    }
    match parse_size(t) {
        Ok(n) if n >= 4096 => Ok(Rotate::Size(n)),
        Ok(_) => Err(format!("{s:?}: a segment of at least 4K")),
        Err(_) => Err(format!(
            "{s:?} is neither a duration (30s, 15min, 1h) nor a size (64M)"
        )),
    }
}

/// Run `capture`.
pub fn run(ctx: &Ctx, args: CaptureArgs) -> Result<Exit, CliError> {
    if let Some(dir) = &args.recover {
        return recover(ctx, dir, &args);
    }
    let out = args.out.clone().unwrap_or_default();
    if std::fs::symlink_metadata(&out).is_ok() {
        return Err(
            CliError::usage(format!("{} already exists", display_path(&out)))
                .hint("a capture writes a new directory; choose another --out"),
        );
    }
    if let Some(b) = &args.seal {
        super::seal_cmd::check_new_bundle(b)?;
    }
    let (case, meta) = read_case(&args)?;
    let (scope, input) = scope(&args, &case, meta.as_ref())?;
    let signer = load_signer(ctx, args.key.as_deref(), args.passphrase_file.as_deref())?;
    install_stop();
    let opts = CaptureOptions {
        out: out.clone(),
        scope,
        meta,
        rotate: args.rotate,
        duration: args.duration,
        count: args.count,
        promisc: !args.no_promisc,
        buffer_bytes: args.buffer.unwrap_or(64 << 20).min(u64::from(u32::MAX)) as u32,
        signer: &signer,
        stop: &STOP,
        tool: format!("evidentia {}", env!("CARGO_PKG_VERSION")),
    };
    let mut on_event = |e: Event<'_>| match e {
        Event::Started { linktype } => ctx.diag.note(&format!(
            "capturing into {} (link type {linktype}); Ctrl-C or SIGTERM ends it",
            display_path(&out)
        )),
        Event::Segment(r) => {
            ctx.diag.note(&format!(
                "segment {} closed and signed: {} packets, {} bytes",
                r.sequence, r.packets, r.size
            ));
            if r.drops.total() > 0 {
                ctx.diag.warn(&format!(
                    "segment {}: {} packets dropped by the kernel, {} by the interface",
                    r.sequence, r.drops.kernel, r.drops.interface
                ));
            }
        }
    };
    let record = evidentia::capture::capture(&input, &opts, &mut on_event)
        .map_err(|e| capture_error(e, &out))?;
    let mut exit = report(ctx, &out, &record)?;
    if let Some(bundle) = &args.seal {
        let sopts = super::seal_cmd::acquisition_seal_options(&out, bundle, case)?;
        let summary = super::seal_cmd::seal_with(ctx, &sopts, &signer)?;
        let mut o = ctx.output();
        o.emit(&super::seal_cmd::Sealed(&summary, &[]))?;
        o.flush()?;
    }
    if record.drops.total() > 0 {
        exit = exit.worst(Exit::Problem);
    }
    Ok(exit)
}

/// The `--meta` file's copy in the capture directory: its name and bytes.
type MetaCopy = Option<(String, Vec<u8>)>;

/// The case metadata and the `--meta` file's copy.
fn read_case(args: &CaptureArgs) -> Result<(CaseMeta, MetaCopy), CliError> {
    let case = super::seal_cmd::case_meta(args.meta.as_deref(), args.case_id.as_deref())?;
    let meta = match &args.meta {
        None => None,
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|e| CliError::io("cannot read", p, &e))?;
            let toml = p
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
            Some((
                if toml { "meta.toml" } else { "meta.json" }.to_string(),
                bytes,
            ))
        }
    };
    Ok((case, meta))
}

/// The legal scope and the input; content mode checked against the meta.
fn scope(
    args: &CaptureArgs,
    case: &CaseMeta,
    meta: Option<&(String, Vec<u8>)>,
) -> Result<(Scope, Input), CliError> {
    let content = match args.content {
        Content::Headers => ContentMode::Headers,
        Content::Full => ContentMode::Full,
    };
    if content == ContentMode::Full {
        content_authorised(case).map_err(|why| {
            CliError::usage(format!("--content full is content interception: {why}")).hint(
                "give --meta with data_category = \"content\" and the legal_basis that \
                     authorises content interception; or capture traffic data only \
                     (--content headers, the default)",
            )
        })?;
    }
    let snaplen = args.snaplen.unwrap_or(match content {
        ContentMode::Headers => HEADERS_SNAPLEN,
        ContentMode::Full => MAX_SNAPLEN,
    });
    if snaplen == 0 || snaplen > MAX_SNAPLEN {
        return Err(
            CliError::usage(format!("--snaplen {snaplen} is out of range"))
                .hint(format!("give 1 to {MAX_SNAPLEN}")),
        );
    }
    let source = args.source.clone().unwrap_or_default();
    let input = match source.as_str() {
        "-" => Input::Stdin,
        s if Path::new(s).is_file() => Input::File(PathBuf::from(s)),
        s if s.contains('/') => {
            return Err(CliError::usage(format!("{}: no such file", sanitize(s)))
                .hint("give an interface name (ip link), a pcap/pcapng file or -"));
        }
        s => Input::Interface(s.to_string()),
    };
    let scope = Scope {
        case: case.case_reference.clone(),
        filter: args.filter.clone().unwrap_or_default(),
        snaplen,
        content,
        meta_sha256: meta.map(|(_, b)| evidentia::hash::to_hex(&Sha256::digest(b))),
    };
    Ok((scope, input))
}

/// The error of a capture, with a hint that helps.
fn capture_error(e: CaptureError, out: &Path) -> CliError {
    let written = out.exists();
    let mut err = CliError::usage(e.to_string());
    err = match &e {
        CaptureError::Libpcap(LibpcapError::Permission { .. }) => err.hint(
            "capturing needs CAP_NET_RAW: run as root, or grant it once with \
             `setcap cap_net_raw,cap_net_admin=eip $(command -v evidentia)`",
        ),
        CaptureError::Libpcap(LibpcapError::NotInstalled { .. }) => {
            err.hint("install libpcap: apt-get install libpcap0.8 (tcpdump brings it too)")
        }
        CaptureError::Libpcap(LibpcapError::Filter { .. }) => err.hint(
            "the filter is BPF syntax as tcpdump takes it (man pcap-filter); nothing was written",
        ),
        CaptureError::Libpcap(LibpcapError::NoSuchDevice { .. }) => {
            err.hint("list the interfaces with `ip link`; a file must exist")
        }
        CaptureError::Input { .. } if written => err.hint(format!(
            "what was read before the error is in {}, signed; capture.json says why it ended",
            display_path(out)
        )),
        CaptureError::Io { .. } if written => err.hint(format!(
            "the capture stopped; close what was written with `evidentia capture --recover {}`",
            display_path(out)
        )),
        _ => err,
    };
    err
}

/// Print the end record's summary; exit 1 when the kernel dropped packets.
fn report(ctx: &Ctx, out: &Path, r: &CaptureRecord) -> Result<Exit, CliError> {
    let mut text = format!(
        "captured {} packets ({} bytes on the wire, {} kept) in {} segments into {}\n\
         ended by {}{}\n",
        r.packets,
        r.original_bytes,
        r.captured_bytes,
        r.segments,
        display_path(out),
        r.ended_by.name(),
        if r.recovered { " (recovered)" } else { "" },
    );
    let dropped = r.drops.total();
    if dropped > 0 {
        text.push_str(&format!(
            "completed with {dropped} packets dropped by the kernel\n"
        ));
        ctx.diag.warn(&format!(
            "completed with {dropped} packets dropped by the kernel: the capture is not complete"
        ));
    }
    let mut o = ctx.output();
    o.emit(&Doc {
        json: serde_json::json!({"v": 1, "dir": out.to_string_lossy(), "capture": r}),
        text,
    })?;
    o.flush()?;
    Ok(match (dropped, r.ended_by) {
        (0, Closed::Error) => Exit::Error,
        (0, _) => Exit::Ok,
        _ => Exit::Problem,
    })
}

/// `--recover DIR`.
fn recover(ctx: &Ctx, dir: &Path, args: &CaptureArgs) -> Result<Exit, CliError> {
    let signer = load_signer(ctx, args.key.as_deref(), args.passphrase_file.as_deref())?;
    let tool = format!("evidentia {}", env!("CARGO_PKG_VERSION"));
    let done = evidentia::capture::recover(dir, &signer, &tool)
        .map_err(|e| CliError::usage(e.to_string()).hint("nothing already signed was changed"))?;
    if let Some(n) = done.segment {
        ctx.diag.note(&format!(
            "segment {n} closed as recovered ({} bytes of a partly written packet cut)",
            done.truncated
        ));
    }
    report(ctx, dir, &done.record)
}
