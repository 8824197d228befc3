//! `cachectl explain [CODE]`: the documentation of a diagnostic code of `cachectl check`,
//! or the list of all codes with one-line summaries.

use std::io::Write;

use anyhow::{Result, bail};
use cachectl::lint::{self, RULES};

use super::ExitStatus;

pub fn run(code: Option<&str>, out: &mut dyn Write) -> Result<ExitStatus> {
    let Some(code) = code else {
        let width = RULES.iter().map(|r| r.code.len()).max().unwrap_or(0);
        writeln!(out, "Codes of `cachectl check` (`cachectl explain CODE` for details):")?;
        for r in RULES {
            writeln!(out, "  {:width$}  {:7}  {}", r.code, r.severity.as_str(), r.summary)?;
        }
        return Ok(ExitStatus::Success);
    };
    // Accept the code as it appears in output: `warning[no-fallback]`, `[no-fallback]`.
    let wanted = code.trim().rsplit('[').next().unwrap_or(code).trim_end_matches(']').to_ascii_lowercase();
    let Some(rule) = lint::rule(&wanted) else {
        let known: Vec<&str> = RULES.iter().map(|r| r.code).collect();
        bail!("unknown code `{code}`; known codes: {}", known.join(", "));
    };
    writeln!(out, "{} ({}): {}", rule.code, rule.severity, rule.summary)?;
    writeln!(out)?;
    writeln!(out, "{}", rule.doc)?;
    Ok(ExitStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explain(code: Option<&str>) -> Result<String> {
        let mut out = Vec::new();
        run(code, &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    #[test]
    fn every_code_explains_itself() {
        for r in RULES {
            let text = explain(Some(r.code)).expect("known");
            assert!(text.starts_with(&format!("{} ({}): ", r.code, r.severity)), "{text}");
        }
        assert!(explain(Some("warning[no-fallback]")).expect("known").contains("connect-timeout = 5;"));
    }

    #[test]
    fn unknown_code_lists_the_known_ones() {
        let err = explain(Some("nope")).expect_err("unknown").to_string();
        assert!(
            err.starts_with(
                "unknown code `nope`; known codes: syntax-error, duplicate-attribute, nested-merge, undefined-variable, invalid-key,"
            ),
            "{err}"
        );
    }
}
