//! `evidentia demo`: the whole flow on the sample image shipped inside the
//! binary, in a fresh directory. Two agencies (a sending state and a
//! receiving lab, each with a root key and an examiner key, in separate
//! homes) trust each other's roots; the sending examiner acquires and
//! seals the image and records its transfer; the lab verifies it, signs its
//! receipt, ingests it into its locker, writes the court report, and
//! discloses only the image for a request, with proof of origin.
//!
//! Every step runs this same binary as a child process with exactly the
//! arguments printed (`$ evidentia ...`), so what the user sees is what a
//! user would type. Keys are made with `--no-encrypt` so the demo runs
//! without a prompt; the output says so.

use super::context::Ctx;
use super::error::{CliError, Exit};
use super::output::Output;
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The sample image (testdata/sample-evidence/usb-stick.dd), embedded so
/// the demo works from any directory.
const SAMPLE_IMAGE: &[u8] = include_bytes!("../../testdata/sample-evidence/usb-stick.dd");

const CASE: &str = "DEMO-2026-001";

/// SHA-256 of [`SAMPLE_IMAGE`] (checked by a unit test).
const SAMPLE_SHA256: &str = "befc94ab879af41869ff8c5a6b6145ee668148e921b4f07c169f46b37aa0d7e3";

const META: &str = "\
case_reference = \"DEMO-2026-001\"
legal_basis = \"Budapest Convention art. 31 (mutual assistance regarding accessing of stored computer data)\"
legal_reference = \"MLA-NL-DE-2026-0042\"
issuing_authority = \"Public Prosecution Service, Rotterdam\"
issuing_state = \"NL\"
executing_authority = \"Bundeskriminalamt, Wiesbaden\"
offence = \"Payment card fraud (demo)\"
summary_of_facts = \"A USB stick seized at a search; imaged on site (sample data).\"
data_category = \"content\"
exhibit = \"EXH-1\"
items = [\"USB-1\"]
description = \"Sample USB stick image shipped with evidentia\"
seizure_place = \"Rotterdam, NL\"
";

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// A new or empty directory for the demo's homes, evidence, bundle and
    /// report [default: ./evidentia-demo]
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// One agency: its home and its two keys.
struct Agency {
    home: &'static str,
    root: String,
    examiner: String,
}

/// The demo under way: this binary, the demo directory, and where its
/// narration goes.
struct Demo {
    exe: PathBuf,
    dir: PathBuf,
    out: Output,
}

impl Demo {
    /// Print a line unless quiet. A closed stdout (`evidentia demo | head`)
    /// ends the demo through the one error path, never a panic.
    fn say(&mut self, s: &str) -> Result<(), CliError> {
        Ok(self.out.say(s)?)
    }

    /// Run `evidentia ARGS` in the demo directory; print the command and
    /// its output; return stdout. `redirect` names the file stdout goes to.
    fn run(&mut self, args: &[&str], redirect: Option<&str>) -> Result<(i32, String), CliError> {
        let line: Vec<String> = args.iter().map(|a| shell_quote(a)).collect();
        let shown = match redirect {
            Some(f) => format!("$ evidentia {} > {f}", line.join(" ")),
            None => format!("$ evidentia {}", line.join(" ")),
        };
        self.say(&shown)?;
        let out = Command::new(&self.exe)
            .args(["--no-progress", "--color", "never"])
            .args(args)
            .current_dir(&self.dir)
            .env_remove("EVIDENTIA_HOME")
            .env_remove("EVIDENTIA_PASSPHRASE")
            .output()
            .map_err(|e| CliError::op(format!("cannot run {}: {e}", self.exe.display())))?;
        let code = out.status.code().unwrap_or(2);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        match redirect {
            Some(f) => {
                let p = self.dir.join(f);
                std::fs::write(&p, &out.stdout)
                    .map_err(|e| CliError::io("cannot write", &p, &e))?;
            }
            None => {
                // Every line: a cut output once made the lab's signed
                // receipt look unsigned.
                for line in stdout.lines() {
                    self.say(&format!("    {line}"))?;
                }
            }
        }
        if code > 1 {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(CliError::op(format!(
                "demo step failed (exit {code}): {shown}\n{err}"
            )));
        }
        Ok((code, stdout))
    }

    fn key_id(&mut self, args: &[&str]) -> Result<String, CliError> {
        let (_, out) = self.run(args, None)?;
        let v: serde_json::Value = serde_json::from_str(&out)
            .map_err(|e| CliError::op(format!("demo: unexpected key output: {e}")))?;
        v["key_id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| CliError::op("demo: key new printed no key id"))
    }

    fn agency(
        &mut self,
        home: &'static str,
        org: &str,
        cc: &str,
        person: &str,
    ) -> Result<Agency, CliError> {
        let root_name = format!("{org} root");
        let base = ["--home", home, "--json", "key", "new", "--no-encrypt"];
        let mut a: Vec<&str> = base.to_vec();
        a.extend([
            "--root",
            "--name",
            &root_name,
            "--org",
            org,
            "--country",
            cc,
        ]);
        let root = self.key_id(&a)?;
        let mut a: Vec<&str> = base.to_vec();
        a.extend([
            "--name",
            person,
            "--org",
            org,
            "--country",
            cc,
            "--role",
            "examiner",
        ]);
        let examiner = self.key_id(&a)?;
        let pubf = format!("exchange/{home}-examiner.pub.json");
        let certf = format!("exchange/{home}-examiner.cert");
        self.run(&["--home", home, "key", "export", &examiner], Some(&pubf))?;
        self.run(
            &[
                "--home", home, "key", "certify", &pubf, "--with", &root, "--role", "examiner",
            ],
            Some(&certf),
        )?;
        self.run(&["--home", home, "key", "import", &certf], None)?;
        let rootf = format!("exchange/{home}-root.pub.json");
        self.run(&["--home", home, "key", "export", &root], Some(&rootf))?;
        self.run(&["--home", home, "trust", "add", &rootf], None)?;
        Ok(Agency {
            home,
            root,
            examiner,
        })
    }
}

/// Quote an argument for a POSIX shell when it needs it, so a printed
/// command can be pasted as is.
fn shell_quote(a: &str) -> String {
    let plain = !a.is_empty()
        && a.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,@%+".contains(&b));
    if plain {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

fn fresh_dir(dir: &Path) -> Result<(), CliError> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map_err(|e| CliError::io("cannot read", dir, &e))?
            .next()
            .is_none();
        if !empty {
            return Err(
                CliError::usage(format!("{} exists and is not empty", dir.display()))
                    .hint("pass --dir with a new or empty directory"),
            );
        }
    }
    for sub in ["", "exchange", "evidence"] {
        let p = dir.join(sub);
        std::fs::create_dir_all(&p).map_err(|e| CliError::io("cannot create", &p, &e))?;
    }
    Ok(())
}

/// Run `demo`.
pub fn run(ctx: &Ctx, args: DemoArgs) -> Result<Exit, CliError> {
    let dir = args.dir.unwrap_or_else(|| PathBuf::from("evidentia-demo"));
    fresh_dir(&dir)?;
    let exe = std::env::current_exe()
        .map_err(|e| CliError::op(format!("cannot find the evidentia binary: {e}")))?;
    let mut d = Demo {
        exe,
        dir: dir.clone(),
        out: ctx.output(),
    };
    d.setup()?;
    d.say("== 1. Two agencies: a sending state (NL) and a receiving lab (DE) ==")?;
    let nl = d.agency("nl-police", "Politie Nederland", "NL", "Anna de Vries")?;
    let de = d.agency("de-lab", "BKA Forensic Lab", "DE", "Jonas Weber")?;
    d.cross_trust(&nl, &de)?;
    let bundle = d.acquire_and_seal(&nl)?;
    d.transfer(&bundle, &nl, &de)?;
    let (code, received) = d.receive(&bundle, &de)?;
    d.ingest(&received, &de)?;
    d.reports(&received, &de)?;
    d.disclose(&received, &de)?;
    d.say(&format!(
        "\nDone. Open {} in a browser; roots: NL {}, DE {}; examiners: NL {}, DE {}.",
        dir.join("report.html").display(),
        &nl.root[..16.min(nl.root.len())],
        &de.root[..16.min(de.root.len())],
        &nl.examiner[..16.min(nl.examiner.len())],
        &de.examiner[..16.min(de.examiner.len())],
    ))?;
    Ok(if code == 0 { Exit::Ok } else { Exit::Problem })
}

/// The steps of the demo, in order.
impl Demo {
    /// The sample image and its case metadata in the demo directory, and
    /// what the demo is about to do.
    fn setup(&mut self) -> Result<(), CliError> {
        let dir = self.dir.clone();
        let img = dir.join("evidence/usb-stick.dd");
        std::fs::write(&img, SAMPLE_IMAGE).map_err(|e| CliError::io("cannot write", &img, &e))?;
        std::fs::write(dir.join("eio.toml"), META)
            .map_err(|e| CliError::io("cannot write", &dir, &e))?;
        self.say(&format!("evidentia demo in {}", dir.display()))?;
        self.say("Keys are made with --no-encrypt so the demo runs without a passphrase prompt;")?;
        self.say("real keys are encrypted at rest (leave out --no-encrypt).")?;
        self.say("Each agency has its own home; public keys travel through exchange/.\n")?;
        Ok(())
    }

    /// Step 2: each agency trusts the other's root.
    fn cross_trust(&mut self, nl: &Agency, de: &Agency) -> Result<(), CliError> {
        self.say("\n== 2. Each trusts the other's root (fingerprints confirmed out of band) ==")?;
        self.run(
            &[
                "--home",
                nl.home,
                "trust",
                "add",
                "exchange/de-lab-root.pub.json",
            ],
            None,
        )?;
        self.run(
            &[
                "--home",
                de.home,
                "trust",
                "add",
                "exchange/nl-police-root.pub.json",
            ],
            None,
        )?;
        Ok(())
    }

    /// Step 3: acquire the image and seal it with the sending examiner's
    /// key; the bundle's name.
    fn acquire_and_seal(&mut self, nl: &Agency) -> Result<String, CliError> {
        self.say("\n== 3. In the field: acquire the USB stick image and seal it ==")?;
        let (code, _) = self.run(
            &[
                "acquire",
                "evidence/usb-stick.dd",
                "--out",
                "usb1",
                "--case",
                CASE,
                "--item",
                "USB-1",
                "--verify",
            ],
            None,
        )?;
        if code != 0 {
            return Err(CliError::op("demo: acquisition reported a problem"));
        }
        let bundle = format!("{CASE}.zip");
        self.run(
            &[
                "--home",
                nl.home,
                "seal",
                "usb1",
                "--out",
                &bundle,
                "--meta",
                "eio.toml",
                "--key",
                &nl.examiner,
            ],
            None,
        )?;
        self.run(&["--home", nl.home, "verify", &bundle], None)?;
        Ok(bundle)
    }

    /// Step 4: the sending examiner records the transfer to the lab.
    fn transfer(&mut self, bundle: &str, nl: &Agency, de: &Agency) -> Result<(), CliError> {
        self.say("\n== 4. The sending examiner records the transfer to the lab ==")?;
        self.run(
            &[
                "--home",
                nl.home,
                "custody",
                "add",
                bundle,
                "--action",
                "transfer",
                "--to-key",
                &de.examiner,
                "--location",
                "Rotterdam, NL",
                "--purpose",
                "MLA request MLA-NL-DE-2026-0042",
                "--key",
                &nl.examiner,
            ],
            None,
        )?;
        self.say("Encrypt it to the lab examiner's certificate (issued by the DE root, which NL trusts):")?;
        self.run(
            &[
                "--home",
                nl.home,
                "encrypt",
                bundle,
                "--to",
                "exchange/de-lab-examiner.cert",
            ],
            None,
        )?;
        self.say("(the encrypted bundle now travels, e.g. on a courier disk; the letter carries the custody head and the ciphertext SHA-256)")?;
        Ok(())
    }

    /// Step 5: the lab verifies, signs its receipt and shows the chain;
    /// the exit code of the last verify.
    fn receive(&mut self, bundle: &str, de: &Agency) -> Result<(i32, String), CliError> {
        self.say("\n== 5. At the lab: verify the encrypted bundle, decrypt it and sign the receipt, show the chain ==")?;
        let sent = format!("{bundle}.age");
        let received = format!("{CASE}-received.zip");
        self.run(&["--home", de.home, "verify", &sent], None)?;
        self.run(
            &[
                "--home",
                de.home,
                "receive",
                &sent,
                "-o",
                &received,
                "--location",
                "Wiesbaden, DE",
                "--key",
                &de.examiner,
            ],
            None,
        )?;
        self.run(&["--home", de.home, "custody", "show", &received], None)?;
        let (code, _) = self.run(&["--home", de.home, "verify", &received], None)?;
        Ok((code, received))
    }

    /// Step 6: the lab ingests the bundle into its locker.
    fn ingest(&mut self, bundle: &str, de: &Agency) -> Result<(), CliError> {
        self.say("\n== 6. The lab ingests it into its evidence locker ==")?;
        self.run(&["--home", de.home, "ingest", bundle], None)?;
        self.run(&["--home", de.home, "locker", "list"], None)?;
        self.run(
            &["--home", de.home, "locker", "find", "--hash", SAMPLE_SHA256],
            None,
        )?;
        Ok(())
    }

    /// Step 7: the court report and the CASE/UCO export.
    fn reports(&mut self, bundle: &str, de: &Agency) -> Result<(), CliError> {
        self.say("\n== 7. The court report and the CASE/UCO export ==")?;
        self.run(
            &["--home", de.home, "report", bundle, "-o", "report.html"],
            None,
        )?;
        self.run(
            &[
                "--home",
                de.home,
                "report",
                bundle,
                "--format",
                "case",
                "-o",
                "report.jsonld",
            ],
            None,
        )?;
        Ok(())
    }

    /// Step 8: a request covers only the image; the lab discloses it with
    /// proof of origin, the rest withheld, and the export is recorded.
    fn disclose(&mut self, bundle: &str, de: &Agency) -> Result<(), CliError> {
        self.say(
            "\n== 8. A request covers only the image: the lab discloses it, proven as sealed ==",
        )?;
        self.run(
            &[
                "--home",
                de.home,
                "export",
                bundle,
                "--select",
                "usb1/image.raw",
                "-o",
                "DEMO-2026-001-image.zip",
                "--purpose",
                "MLA request FR-2026-117: the image of USB-1 only",
            ],
            None,
        )?;
        self.run(
            &["--home", de.home, "verify", "DEMO-2026-001-image.zip"],
            None,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_hash_matches_the_embedded_image() {
        let o = evidentia::hash::HashOptions::default();
        let d = evidentia::hash::hash_bytes(SAMPLE_IMAGE, &o);
        assert!(d.digests.iter().any(|x| x.hex() == SAMPLE_SHA256));
    }

    #[test]
    fn printed_arguments_paste_into_a_shell() {
        assert_eq!(shell_quote("DEMO-2026-001.zip"), "DEMO-2026-001.zip");
        assert_eq!(shell_quote("Anna de Vries"), "'Anna de Vries'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }
}
