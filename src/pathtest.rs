//! Path tests (SPEC §7): `tests/*.toml` files, each a list of `[[path]]`s
//! through the decision trees → diagnostics SP401–SP406 and a [`TestReport`]
//! (the result of every path, and the outcome coverage of every tree).
//!
//! Input: the loaded [`Content`], the resolved [`Graph`] and the test files
//! (already in the [`SourceMap`], so that diagnostics point into them). Runs in
//! the check stage, so `check` and `build` fail on a failing path too.

use std::collections::BTreeSet;

use serde::Serialize;
use toml::de::DeTable;

use crate::content::{Content, Outcome, PageId};
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::graph::Graph;
use crate::markdown::inline_text;
use crate::source::{FileId, SourceMap, Span};
use crate::tomlx::{Located, TableReader};

const PATH_KEYS: &[&str] = &["name", "start", "answers", "end", "outcome"];

/// What the path tests found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TestReport {
    /// Every path, in file order then path order.
    pub paths: Vec<PathResult>,
    /// Per tree (entry pages in path order): the outcome pages reached.
    pub coverage: Vec<Coverage>,
}

impl TestReport {
    /// Number of paths that failed.
    pub fn failed(&self) -> usize {
        self.paths.iter().filter(|p| !p.passed).count()
    }
}

/// The result of one `[[path]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathResult {
    /// The tests file, relative to the site root (`tests/sign-in.toml`).
    pub file: String,
    /// The path's `name`, or "path N" (1-based) when it has none.
    pub name: String,
    /// True when every answer matched one branch and `end`/`outcome` agree.
    pub passed: bool,
    /// The page the answers led to (page id), as far as they went.
    pub reached: Option<String>,
    /// Why it failed (the diagnostic's message), if it did.
    pub failure: Option<String>,
}

/// The outcome pages of one tree, and which of them some path reaches.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// The entry page's id.
    pub tree: String,
    /// Its title.
    pub title: String,
    /// Outcome pages of the tree that a path reaches (ids, sorted).
    pub reached: Vec<String>,
    /// Outcome pages of the tree that no path reaches (ids, sorted).
    pub unreached: Vec<String>,
}

impl Coverage {
    /// "sign-in/start.md: 3 of 4 outcomes reached; not reached: a.md".
    pub fn line(&self) -> String {
        let total = self.reached.len() + self.unreached.len();
        let mut s = format!(
            "coverage {} ({}): {} of {total} outcomes reached",
            self.tree,
            self.title,
            self.reached.len()
        );
        if !self.unreached.is_empty() {
            s.push_str("; not reached: ");
            s.push_str(&self.unreached.join(", "));
        }
        s
    }
}

/// Runs the `[[path]]`s of `files` (file ids in the source map, sorted by name)
/// over the graph; reports failures into `diags`.
pub fn run(
    content: &Content,
    graph: &Graph,
    sources: &SourceMap,
    files: &[FileId],
    diags: &mut Vec<Diagnostic>,
) -> TestReport {
    let mut report = TestReport::default();
    let mut visited = BTreeSet::new();
    for &file in files {
        let text = &sources.get(file).text;
        let name = &sources.get(file).name;
        let mut d = Vec::new();
        for path in read(file, text, &mut d) {
            let result = walk(content, graph, &path, &mut visited, &mut d);
            let label = path.name.clone();
            report.paths.push(PathResult {
                file: name.clone(),
                name: label,
                passed: result.failure.is_none(),
                reached: result.reached.map(|id| content.page(id).path.clone()),
                failure: result.failure,
            });
        }
        // Key and type problems in a tests file are path-test problems, not
        // front-matter ones.
        for mut x in d {
            if matches!(x.code, Code::UnknownKey | Code::WrongType) {
                x.code = Code::PathTestInvalid;
            }
            diags.push(x);
        }
    }
    report.coverage = graph
        .entries
        .iter()
        .map(|&entry| {
            let (reached, unreached): (Vec<PageId>, Vec<PageId>) = graph
                .tree(entry)
                .into_iter()
                .filter(|&p| {
                    (p == entry || !graph.is_entry(p)) && content.page(p).meta.outcome.is_some()
                })
                .partition(|p| visited.contains(p));
            let ids = |v: Vec<PageId>| {
                let mut v: Vec<String> = v
                    .into_iter()
                    .map(|p| content.page(p).path.clone())
                    .collect();
                v.sort();
                v
            };
            Coverage {
                tree: content.page(entry).path.clone(),
                title: content.page(entry).title().to_string(),
                reached: ids(reached),
                unreached: ids(unreached),
            }
        })
        .collect();
    report
}

/// One `[[path]]` as written.
struct PathSrc {
    name: String,
    start: Located<String>,
    answers: Vec<Located<String>>,
    end: Option<Located<String>>,
    outcome: Option<Located<String>>,
}

/// Reads the `[[path]]` tables of one tests file.
fn read(file: FileId, text: &str, diags: &mut Vec<Diagnostic>) -> Vec<PathSrc> {
    let (table, errors) = DeTable::parse_recoverable(text);
    for e in errors {
        diags.push(
            Diagnostic::new(
                Code::PathTestInvalid,
                Span::new(file, e.span().unwrap_or(0..0)),
                format!("invalid TOML in path tests: {}", e.message().trim()),
            )
            .label("here"),
        );
    }
    let table = table.into_inner();
    let mut r = TableReader {
        table: &table,
        file,
        base: 0,
        diags,
        config: false,
        what: "a tests file",
    };
    r.deny_unknown(&["path"]);
    let mut out = Vec::new();
    for (i, (t, range)) in r.tables("path").unwrap_or_default().into_iter().enumerate() {
        let span = r.span(range);
        let mut p = r.nested(t, "[[path]]");
        p.deny_unknown(PATH_KEYS);
        let name = p
            .string("name")
            .map_or_else(|| format!("path {}", i + 1), |l| l.value);
        let start = p.string("start");
        let answers = p.strings("answers").unwrap_or_default();
        let end = p.string("end");
        let outcome = p.string("outcome");
        let Some(start) = start else {
            if p.get("start").is_none() {
                p.diags.push(
                    Diagnostic::new(Code::PathTestInvalid, span, "path test has no `start`")
                        .label("this [[path]]")
                        .help("add `start = \"tree/first-page.md\"` (a path under content/)"),
                );
            }
            continue;
        };
        out.push(PathSrc {
            name,
            start,
            answers,
            end,
            outcome,
        });
    }
    out
}

/// Where one path went.
struct Walked {
    reached: Option<PageId>,
    failure: Option<String>,
}

/// The page a path test names: a page id, with or without a leading `/`.
fn find_page(content: &Content, id: &str) -> Option<PageId> {
    let id = id.trim_start_matches('/');
    content.find(id).filter(|&p| !content.page(p).section_intro)
}

/// "sign-in/start.md → \"work\" → sign-in/work.md": the way the answers went.
fn trail_text(content: &Content, trail: &[(String, PageId)]) -> String {
    trail
        .iter()
        .map(|(answer, page)| {
            if answer.is_empty() {
                content.page(*page).path.clone()
            } else {
                format!("\"{answer}\" → {}", content.page(*page).path)
            }
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".md").unwrap_or(name)
}

/// How a branch reads in a message: its `when` as plain text, and its target.
fn branch_text(content: &Content, graph: &Graph, edge: usize) -> String {
    let e = &graph.edges[edge];
    let to = &content.page(e.to).path;
    match &e.when {
        Some(w) => format!("\"{}\" → {to}", inline_text(w)),
        None => format!("(next step) → {to}"),
    }
}

/// True when `answer` picks the branch `edge`: its `when` contains the answer
/// (case-insensitive, Markdown ignored), or its target's id or file stem is the
/// answer.
fn matches(content: &Content, graph: &Graph, edge: usize, answer: &str) -> bool {
    let e = &graph.edges[edge];
    let target = &content.page(e.to).path;
    let answer = answer.trim();
    let lower = answer.to_lowercase();
    e.when
        .as_deref()
        .is_some_and(|w| inline_text(w).to_lowercase().contains(&lower))
        || target == answer.trim_start_matches('/')
        || file_stem(target) == answer
}

/// The closest thing to `answer` among the branches' `when` words (runs of as
/// many words as the answer has) and target stems.
fn suggestion(content: &Content, graph: &Graph, edges: &[usize], answer: &str) -> Option<String> {
    let answer = answer.trim().to_lowercase();
    let n = answer.split_whitespace().count().max(1);
    let mut candidates = Vec::new();
    for &e in edges {
        let edge = &graph.edges[e];
        if let Some(w) = &edge.when {
            let plain = inline_text(w).to_lowercase();
            let words: Vec<&str> = plain.split_whitespace().collect();
            for window in words.windows(n.min(words.len()).max(1)) {
                candidates.push(
                    window
                        .join(" ")
                        .trim_matches(|c: char| !c.is_alphanumeric())
                        .to_string(),
                );
            }
        }
        candidates.push(file_stem(&content.page(edge.to).path).to_string());
    }
    did_you_mean(&answer, candidates.iter().map(String::as_str)).map(str::to_string)
}

fn walk(
    content: &Content,
    graph: &Graph,
    path: &PathSrc,
    visited: &mut BTreeSet<PageId>,
    diags: &mut Vec<Diagnostic>,
) -> Walked {
    let Some(start) = find_page(content, &path.start.value) else {
        let help =
            crate::graph::suggest_page(content, path.start.value.trim_start_matches('/'), "")
                .map(|s| format!("did you mean \"{s}\"?"))
                .unwrap_or_else(|| "`start` is a page's path under the content folder".into());
        let msg = format!(
            "path test starts at `{}`, which is not a page",
            path.start.value
        );
        diags.push(
            Diagnostic::new(Code::PathTestStart, path.start.span.clone(), &msg)
                .label("no such page")
                .help(help),
        );
        return Walked {
            reached: None,
            failure: Some(msg),
        };
    };
    let mut here = start;
    let mut trail = vec![(String::new(), start)];
    visited.insert(here);
    for answer in &path.answers {
        let edges = &graph.out[here.index()];
        let page = &content.page(here).path;
        let picked: Vec<usize> = edges
            .iter()
            .copied()
            .filter(|&e| matches(content, graph, e, &answer.value))
            .collect();
        let failure = match picked.as_slice() {
            [one] => {
                here = graph.edges[*one].to;
                visited.insert(here);
                trail.push((answer.value.clone(), here));
                continue;
            }
            [] if edges.is_empty() => {
                let msg = format!(
                    "answer \"{}\" comes after the path ended: `{page}` has no branches",
                    answer.value
                );
                Diagnostic::new(Code::PathTestNoMatch, answer.span.clone(), msg)
                    .label("one answer too many")
                    .note(format!("the answers led: {}", trail_text(content, &trail)))
            }
            [] => {
                let msg = format!(
                    "answer \"{}\" matches no branch of `{page}`; its branches: {}",
                    answer.value,
                    edges
                        .iter()
                        .map(|&e| branch_text(content, graph, e))
                        .collect::<Vec<_>>()
                        .join("; ")
                );
                let d = Diagnostic::new(Code::PathTestNoMatch, answer.span.clone(), msg)
                    .label("matches no branch")
                    .maybe_help(
                        suggestion(content, graph, edges, &answer.value)
                            .map(|s| format!("did you mean \"{s}\"?")),
                    );
                d.note(format!("the answers led: {}", trail_text(content, &trail)))
            }
            several => {
                let msg = format!(
                    "answer \"{}\" matches {} branches of `{page}`: {}",
                    answer.value,
                    several.len(),
                    several
                        .iter()
                        .map(|&e| branch_text(content, graph, e))
                        .collect::<Vec<_>>()
                        .join("; ")
                );
                Diagnostic::new(Code::PathTestAmbiguous, answer.span.clone(), msg)
                    .label("ambiguous answer")
                    .help("use more words of the `when` you mean, or the target page's file name")
            }
        };
        let message = failure.message.clone();
        diags.push(failure);
        return Walked {
            reached: Some(here),
            failure: Some(message),
        };
    }
    let reached = content.page(here);
    let led = trail_text(content, &trail);
    if let Some(end) = &path.end {
        match find_page(content, &end.value) {
            Some(p) if p == here => {}
            found => {
                let msg = format!(
                    "the answers lead to `{}`, not to `{}`",
                    reached.path, end.value
                );
                let mut d = Diagnostic::new(Code::PathTestWrongEnd, end.span.clone(), &msg)
                    .label("expected end")
                    .note(format!("the answers led: {led}"));
                if found.is_none() {
                    d = d.help(
                        crate::graph::suggest_page(content, end.value.trim_start_matches('/'), "")
                            .map_or_else(
                                || format!("`{}` is not a page", end.value),
                                |s| format!("`{}` is not a page; did you mean \"{s}\"?", end.value),
                            ),
                    );
                }
                diags.push(d);
                return Walked {
                    reached: Some(here),
                    failure: Some(msg),
                };
            }
        }
    }
    if let Some(want) = &path.outcome {
        let have = reached.meta.outcome.as_ref().map(|o| o.value);
        let wanted = Outcome::parse(&want.value);
        if wanted.is_none() || wanted != have {
            let have_text = have.map_or_else(
                || "has no outcome".to_string(),
                |o| format!("has outcome \"{}\"", o.as_str()),
            );
            let msg = format!(
                "the answers lead to `{}`, which {have_text}, not \"{}\"",
                reached.path, want.value
            );
            let mut d = Diagnostic::new(Code::PathTestWrongOutcome, want.span.clone(), &msg)
                .label("expected outcome")
                .note(format!("the answers led: {led}"));
            if wanted.is_none() {
                d = d.help("an outcome is \"resolved\", \"escalate\" or \"unsolved\"");
            }
            diags.push(d);
            return Walked {
                reached: Some(here),
                failure: Some(msg),
            };
        }
    }
    Walked {
        reached: Some(here),
        failure: None,
    }
}

/// Reads the `*.toml` files of `tests_dir` (under `root`), sorted by name; none
/// when the folder does not exist. Names are relative to the root.
///
/// # Errors
/// [`crate::Error::Io`] when a file cannot be read.
pub fn read_dir(
    root: &std::path::Path,
    tests_dir: &str,
) -> Result<Vec<(String, String)>, crate::Error> {
    let dir = root.join(tests_dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<std::path::PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let prefix = tests_dir.trim_start_matches("./").trim_end_matches('/');
    paths
        .into_iter()
        .map(|p| {
            let text = crate::source::read_text(&p).map_err(|source| crate::Error::Io {
                path: p.clone(),
                source,
            })?;
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok((format!("{prefix}/{name}"), text))
        })
        .collect()
}

/// The path-test files among a revision's `(path, bytes)` files (paths
/// relative to the site root): the `*.toml` files directly in `tests_dir`,
/// sorted by name.
pub fn select(tests_dir: &str, files: &[(String, Vec<u8>)]) -> Vec<(String, String)> {
    let prefix = format!(
        "{}/",
        tests_dir.trim_start_matches("./").trim_end_matches('/')
    );
    let mut out: Vec<(String, String)> = files
        .iter()
        .filter(|(p, _)| {
            p.strip_prefix(&prefix)
                .is_some_and(|rest| !rest.contains('/') && rest.ends_with(".toml"))
        })
        .map(|(p, b)| (p.clone(), String::from_utf8_lossy(b).into_owned()))
        .collect();
    out.sort();
    out
}

impl TestReport {
    /// The plain-text report of `signpost test`: one line per path, one
    /// coverage line per tree, and the counts.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for p in &self.paths {
            match &p.failure {
                None => {
                    let to = p.reached.as_deref().unwrap_or("?");
                    out.push_str(&format!("ok      {}: {} → {to}\n", p.file, p.name));
                }
                Some(why) => out.push_str(&format!("FAILED  {}: {}: {why}\n", p.file, p.name)),
            }
        }
        for c in &self.coverage {
            out.push_str(&c.line());
            out.push('\n');
        }
        let failed = self.failed();
        out.push_str(&format!(
            "{} paths run: {} passed, {failed} failed\n",
            self.paths.len(),
            self.paths.len() - failed
        ));
        out
    }
}
