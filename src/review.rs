//! Review dates (SPEC §7): pages' `reviewed` dates against `[review]` in
//! site.toml → warnings SP501 (older than `max_age_days` on `today`) and
//! SP502 (no date while `required = true`), at the `reviewed` value or the
//! front matter's opening line.

use jiff::civil::Date;

use crate::config::ReviewConfig;
use crate::content::Content;
use crate::diag::{Code, Diagnostic};
use crate::source::Span;

/// The day checks run on: `today` if given (`--today`), else the local date.
pub fn today(fixed: Option<Date>) -> Date {
    fixed.unwrap_or_else(|| jiff::Zoned::now().date())
}

/// Warns about stale and missing review dates.
pub fn check(content: &Content, review: &ReviewConfig, today: Date, diags: &mut Vec<Diagnostic>) {
    if review.max_age_days.is_none() && !review.required {
        return;
    }
    for page in content
        .pages
        .iter()
        .filter(|p| !p.section_intro && !p.broken)
    {
        match (&page.meta.reviewed, review.max_age_days) {
            (Some(r), Some(max)) => {
                let age = i64::from((today - r.value).get_days());
                if age > max {
                    diags.push(
                        Diagnostic::new(
                            Code::ReviewStale,
                            r.span.clone(),
                            format!(
                                "`{}` was last reviewed {age} days ago, on {} (the limit is {max} days)",
                                page.path, r.value
                            ),
                        )
                        .label("review is overdue")
                        .help(format!(
                            "review the page, then set `reviewed = {today}`"
                        )),
                    );
                }
            }
            (None, _) if review.required => diags.push(
                Diagnostic::new(
                    Code::ReviewMissing,
                    Span::new(page.file, page.head.clone()),
                    format!("`{}` has no `reviewed` date", page.path),
                )
                .label("front matter without `reviewed`")
                .help(format!(
                    "add `reviewed = {today}` once the page is reviewed"
                )),
            ),
            _ => {}
        }
    }
}
