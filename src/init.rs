//! init::create: a new site folder with `site.toml` and a small example tree that
//! builds at once. Refuses to touch a folder that already holds a site.

use std::path::Path;

use crate::error::Error;

const FILES: &[(&str, &str)] = &[
    (
        "site.toml",
        "title = \"Support knowledge base\"\ndescription = \"Step-by-step answers for common problems\"\n\n[markdown]\nhighlight = true\n\n[search]\nenabled = true\n",
    ),
    (
        "content/_index.md",
        "+++\ntitle = \"Support knowledge base\"\n+++\nPick the problem you have and answer the questions; each page tells you what to try next.\n",
    ),
    (
        "content/printing/_index.md",
        "+++\ntitle = \"Printing\"\n+++\nProblems with office printers.\n",
    ),
    (
        "content/printing/wont-print.md",
        "+++\ntitle = \"The printer does not print\"\nsummary = \"Nothing comes out when you print\"\nentry = true\n\n[[branch]]\nwhen = \"The printer shows an error on its screen\"\nto = \"printer-error.md\"\n\n[[branch]]\nwhen = \"The printer looks fine, but the job never arrives\"\nto = \"check-queue.md\"\n+++\nStart here when you send a document to the printer and nothing comes out.\n\n## Before you start\n\nCheck that the printer is switched on and has paper.\n",
    ),
    (
        "content/printing/printer-error.md",
        "+++\ntitle = \"The printer shows an error\"\n\n[[branch]]\nwhen = \"Paper jam\"\nto = \"clear-jam.md\"\n\n[[branch]]\nwhen = \"Any other error\"\nto = \"call-helpdesk.md\"\n+++\nRead the message on the printer's screen.\n",
    ),
    (
        "content/printing/clear-jam.md",
        "+++\ntitle = \"Clear the paper jam\"\noutcome = \"resolved\"\n+++\n1. Open the front cover.\n2. Pull the jammed sheet out slowly, in the direction of the paper path.\n3. Close the cover and print again.\n\nSee also [printer basics](../reference/printers.md#paper-trays).\n",
    ),
    (
        "content/printing/check-queue.md",
        "+++\ntitle = \"Check the print queue\"\n\n[[branch]]\nwhen = \"The job printed after clearing the queue\"\nto = \"printed.md\"\n\n[[branch]]\nwhen = \"The queue is empty or the job is stuck again\"\nto = \"call-helpdesk.md\"\n+++\nOpen the print queue of your computer and cancel every stuck job, then print again.\n\n```bash\nlpstat -o        # list jobs\ncancel -a        # cancel all of them\n```\n",
    ),
    (
        "content/printing/printed.md",
        "+++\ntitle = \"Printed\"\noutcome = \"resolved\"\n+++\nThe document printed. Nothing else to do.\n",
    ),
    (
        "content/printing/call-helpdesk.md",
        "+++\ntitle = \"Call the help desk\"\noutcome = \"escalate\"\n+++\nTell the help desk the printer's name and the error message you saw.\n",
    ),
    (
        "content/reference/printers.md",
        "+++\ntitle = \"Printer basics\"\nsummary = \"Where things are on the office printers\"\n+++\n## Paper trays\n\nTray 1 takes A4, tray 2 takes letterhead.\n",
    ),
    (
        "tests/printing.toml",
        "# Path tests: `signpost test` checks that these answers lead to these pages.\n\n[[path]]\nname = \"A paper jam is cleared\"\nstart = \"printing/wont-print.md\"\nanswers = [\"error on its screen\", \"paper jam\"]\nend = \"printing/clear-jam.md\"\noutcome = \"resolved\"\n\n[[path]]\nname = \"A stuck queue goes to the help desk\"\nstart = \"printing/wont-print.md\"\nanswers = [\"job never arrives\", \"stuck again\"]\nend = \"printing/call-helpdesk.md\"\noutcome = \"escalate\"\n\n[[path]]\nname = \"Clearing the queue prints the job\"\nstart = \"printing/wont-print.md\"\nanswers = [\"job never arrives\", \"printed after clearing\"]\noutcome = \"resolved\"\n",
    ),
];

/// Creates a new site in `dir`.
///
/// # Errors
/// [`Error::Init`] if `dir` already holds a `site.toml` or a `content/` folder;
/// [`Error::Io`] if a file cannot be written.
pub fn create(dir: &Path) -> Result<(), Error> {
    for existing in ["site.toml", "content"] {
        if dir.join(existing).exists() {
            return Err(Error::Init(format!(
                "{} already exists: refusing to overwrite an existing site",
                dir.join(existing).display()
            )));
        }
    }
    for (path, text) in FILES {
        let target = dir.join(path);
        let io = |source| Error::Io {
            path: target.clone(),
            source,
        };
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&target, text).map_err(|source| Error::Io {
            path: target.clone(),
            source,
        })?;
    }
    Ok(())
}
