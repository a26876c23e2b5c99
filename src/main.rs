//! The `signpost` binary: parses arguments, calls the library, prints, and maps
//! results to exit codes (0 ok, 1 content errors, 2 usage or I/O errors).

mod cli;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use signpost::diag::Format;

use cli::{Cli, Command, DiffFormatArg, FormatArg, GraphFormatArg, WikiArg};

/// Prints diagnostics on stderr in the human format (coloured on a terminal).
fn eprint_diagnostics(analysis: &signpost::Analysis) {
    let color = color_for(std::io::stderr().is_terminal());
    eprint!(
        "{}",
        analysis
            .diagnostics
            .render(&analysis.sources, Format::Human, color)
    );
}

fn color_for(stream_is_tty: bool) -> bool {
    stream_is_tty && std::env::var_os("NO_COLOR").is_none()
}

/// The allocator: mimalloc rather than glibc's malloc. A build makes and
/// drops millions of small strings and vectors on every thread, which glibc's
/// malloc serves noticeably slower. Built without transparent huge pages
/// (`no_thp`), which would round the heap up to 2 MiB pages.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, signpost::Error> {
    match cli.command {
        Command::Build {
            root,
            output,
            drafts,
            deny_warnings,
            today,
        } => {
            let start = Instant::now();
            let opts = signpost::Options {
                root: cli::site_root(root),
                output,
                drafts,
                deny_warnings,
                today,
            };
            let bar = progress_bar();
            let writing = std::sync::Once::new();
            let result = signpost::build_with_progress(&opts, &|done, total| {
                if let Some(bar) = &bar {
                    writing.call_once(|| {
                        bar.disable_steady_tick();
                        bar.set_style(
                            indicatif::ProgressStyle::with_template(
                                "{bar:40} {pos}/{len} files written",
                            )
                            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                        );
                        bar.set_length(total as u64);
                    });
                    bar.set_position(done as u64);
                }
            });
            if let Some(bar) = &bar {
                bar.finish_and_clear();
            }
            let (analysis, stats) = result?;
            if !analysis.diagnostics.is_empty() {
                eprint_diagnostics(&analysis);
            }
            // The process ends next: freeing every page, string and table of a
            // large site one by one would only cost time (2% of a 10,000-page
            // build).
            std::mem::forget(analysis);
            match stats {
                Some(stats) => {
                    eprintln!(
                        "Built {} pages in {:.2} s into {}",
                        stats.render.pages,
                        start.elapsed().as_secs_f64(),
                        stats.output.display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    eprintln!("Build failed: the previous output was left untouched.");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Check {
            root,
            format,
            deny_warnings,
            drafts,
            changed_since,
            today,
        } => {
            let opts = signpost::Options {
                root: cli::site_root(root),
                output: None,
                drafts,
                deny_warnings,
                today,
            };
            let analysis = match &changed_since {
                Some(rev) => signpost::diff::check_changed_since(&opts, rev)?,
                None => signpost::analyze(&opts)?,
            };
            let format = diag_format(format);
            let color = color_for(std::io::stdout().is_terminal());
            print!(
                "{}",
                analysis
                    .diagnostics
                    .render(&analysis.sources, format, color)
            );
            Ok(if analysis.fails(deny_warnings) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Test {
            root,
            format,
            drafts,
            today,
        } => {
            let mut opts = signpost::Options::new(root);
            opts.drafts = drafts;
            opts.today = today;
            let mut analysis = signpost::analyze(&opts)?;
            let format = diag_format(format);
            let color = color_for(std::io::stdout().is_terminal());
            let Some(site) = &analysis.site else {
                print!(
                    "{}",
                    analysis
                        .diagnostics
                        .render(&analysis.sources, format, color)
                );
                return Ok(ExitCode::from(1));
            };
            // Only the path tests' own problems: `check` reports the rest.
            let files = site.test_files.clone();
            let report = site.path_tests.clone();
            analysis
                .diagnostics
                .retain(|d| files.contains(&d.span.file));
            let failures = if analysis.diagnostics.is_empty() && format == Format::Human {
                String::new()
            } else {
                analysis
                    .diagnostics
                    .render(&analysis.sources, format, color)
            };
            match format {
                Format::Human => print!("{failures}{}", report.summary()),
                Format::Json => {
                    print!("{failures}");
                    eprint!("{}", report.summary());
                }
                Format::Github => {
                    print!("{failures}");
                    for c in &report.coverage {
                        println!("::notice title=path-test coverage::{}", c.line());
                    }
                    eprint!("{}", report.summary());
                }
            }
            Ok(
                if analysis.diagnostics.has_errors() || report.failed() > 0 {
                    ExitCode::from(1)
                } else {
                    ExitCode::SUCCESS
                },
            )
        }
        Command::Graph {
            root,
            format,
            entry,
            drafts,
        } => {
            let mut opts = signpost::Options::new(cli::site_root(root));
            opts.drafts = drafts;
            let analysis = signpost::analyze(&opts)?;
            if !analysis.diagnostics.is_empty() && analysis.diagnostics.has_errors() {
                eprint_diagnostics(&analysis);
            }
            let Some(site) = &analysis.site else {
                return Ok(ExitCode::from(1));
            };
            let ids = match signpost::export::select(site, entry.as_deref()) {
                Ok(ids) => ids,
                Err(msg) => {
                    eprintln!("error: {msg}");
                    return Ok(ExitCode::from(2));
                }
            };
            let format = match format {
                GraphFormatArg::Json => signpost::export::GraphFormat::Json,
                GraphFormatArg::Dot => signpost::export::GraphFormat::Dot,
                GraphFormatArg::Mermaid => signpost::export::GraphFormat::Mermaid,
            };
            print!("{}", signpost::export::render(site, &ids, format));
            Ok(if analysis.diagnostics.has_errors() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Diff {
            base,
            head,
            root,
            format,
            drafts,
        } => {
            let diff = signpost::diff::run(&signpost::diff::DiffOptions {
                root: cli::site_root(root),
                base,
                head,
                drafts,
            })?;
            let format = match format {
                DiffFormatArg::Human => signpost::diff::Format::Human,
                DiffFormatArg::Markdown => signpost::diff::Format::Markdown,
                DiffFormatArg::Json => signpost::diff::Format::Json,
            };
            print!("{}", signpost::diff::render(&diff, format));
            Ok(ExitCode::SUCCESS)
        }
        Command::Bundle {
            root,
            zip,
            single_file,
            drafts,
            deny_warnings,
        } => {
            let start = Instant::now();
            let opts = signpost::Options {
                root: cli::site_root(root),
                output: None,
                drafts,
                deny_warnings,
                today: None,
            };
            let targets = signpost::bundle::Targets { zip, single_file };
            let (analysis, written) = signpost::bundle::bundle(&opts, &targets)?;
            if !analysis.diagnostics.is_empty() {
                eprint_diagnostics(&analysis);
            }
            let Some(written) = written else {
                eprintln!("Bundle failed: nothing was written.");
                return Ok(ExitCode::from(1));
            };
            for w in &written {
                eprintln!(
                    "Wrote {} ({} files, {:.1} KiB)",
                    w.path.display(),
                    w.files,
                    w.bytes as f64 / 1024.0
                );
            }
            eprintln!("Done in {:.2} s", start.elapsed().as_secs_f64());
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            root,
            bind,
            port,
            drafts,
            open,
        } => serve(cli::site_root(root), &bind, port, drafts, open),
        Command::Export {
            root,
            format,
            output,
            prefix,
            namespace,
            drafts,
            deny_warnings,
        } => {
            let engine = match format {
                WikiArg::Mediawiki => signpost::wiki::Engine::MediaWiki,
                WikiArg::Dokuwiki => signpost::wiki::Engine::DokuWiki,
            };
            let opts = signpost::wiki::ExportOptions {
                site: signpost::Options {
                    root: cli::site_root(root),
                    output: None,
                    drafts,
                    deny_warnings,
                    today: None,
                },
                engine,
                output,
                prefix: prefix.or(namespace),
            };
            let (analysis, exported) = signpost::wiki::export(&opts)?;
            if !analysis.diagnostics.is_empty() {
                eprint_diagnostics(&analysis);
            }
            let Some(exported) = exported else {
                eprintln!("Export failed: nothing was written.");
                return Ok(ExitCode::from(1));
            };
            let paths: Vec<String> = exported
                .paths
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            eprintln!(
                "Exported {} pages and {} files into {}",
                exported.pages,
                exported.files,
                paths.join(" and ")
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { dir } => {
            signpost::init::create(&dir)?;
            eprintln!(
                "Created a new site in {}. Build it with: signpost build --root {}",
                dir.display(),
                dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn diag_format(format: FormatArg) -> Format {
    match format {
        FormatArg::Human => Format::Human,
        FormatArg::Json => Format::Json,
        FormatArg::Github => Format::Github,
    }
}

/// A progress bar on stderr when it is a terminal (none in CI and pipes).
fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    // A spinner while pages are read and checked, then a bar while files are
    // written (see the build's progress callback).
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message("reading and checking pages");
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

fn serve(
    root: std::path::PathBuf,
    bind: &str,
    port: u16,
    drafts: bool,
    open: bool,
) -> Result<ExitCode, signpost::Error> {
    use signpost::serve::{Event, Server};
    let mut opts = signpost::Options::new(root);
    opts.drafts = drafts;
    let color = color_for(std::io::stderr().is_terminal());
    let mut built = false;
    let mut print = move |event: Event| match event {
        Event::Changed(paths) => {
            if let Some(p) = paths.first() {
                let more = if paths.len() > 1 {
                    format!(" and {} more", paths.len() - 1)
                } else {
                    String::new()
                };
                eprintln!("Changed: {}{more}", p.display());
            }
        }
        Event::Rebuilt(r) => {
            eprint!(
                "{}",
                if color {
                    &r.diagnostics_color
                } else {
                    &r.diagnostics
                }
            );
            if let Some(e) = &r.error {
                eprintln!("error: {e}");
            }
            let ms = r.elapsed.as_secs_f64() * 1000.0;
            built |= r.ok;
            if r.ok {
                let how = if r.incremental {
                    format!("incremental, {} files rendered", r.rendered)
                } else {
                    "full".to_string()
                };
                eprintln!("Built {} pages in {ms:.0} ms ({how})", r.pages);
            } else if built {
                eprintln!("Build failed: still serving the last good site.");
            } else {
                eprintln!("Build failed: no good build yet; pages show the errors.");
            }
        }
    };
    let server = Server::start(opts, bind, port, &mut print)?;
    let url = format!("http://{}", server.addr());
    eprintln!("Serving on {url} (Ctrl-C to stop)");
    if open && let Err(e) = opener::open_browser(&url) {
        eprintln!("warning: could not open a browser: {e}");
    }
    let stopper = server.stopper();
    if let Err(e) = ctrlc::set_handler(move || stopper.stop()) {
        eprintln!("warning: Ctrl-C handler: {e}");
    }
    server.run(&mut print);
    eprintln!("Stopped.");
    Ok(ExitCode::SUCCESS)
}
