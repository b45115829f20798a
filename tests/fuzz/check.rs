//! The checker: what is wrong with an answer, if anything.

use crate::client::Response;
use crate::generate::{Case, Expect};

/// What is wrong with an answer, if anything.
pub fn judge(case: &Case, response: &Response) -> Result<(), String> {
    let status = response.status;
    let head = case.request.method == "HEAD";
    let shown = || format!("{status} {}", response.text());
    if status >= 500 {
        return Err(format!("server error: {}", shown()));
    }
    if status == 204 && !response.body.is_empty() {
        return Err(format!("204 with a body: {}", shown()));
    }
    if !(200..300).contains(&status) {
        if !head && response.error_code().is_none() {
            return Err(format!(
                "error without a JSON {{\"error\",\"message\"}} body: {}",
                shown()
            ));
        }
    } else if !head && status != 204 && case.answers_json && response.json().is_none() {
        return Err(format!("success without a JSON body: {}", shown()));
    }
    match &case.expect {
        Expect::Error(want, code) => {
            if status != *want || (!head && response.error_code().as_deref() != Some(code)) {
                return Err(format!("expected {want} {code}, got {}", shown()));
            }
        }
        Expect::Refused(why) => {
            if (200..300).contains(&status) {
                return Err(format!("expected a refusal ({why}), got {}", shown()));
            }
        }
        Expect::Any => {}
    }
    if let (Some(n), 200, false) = (case.batch_items, status, head) {
        let results = response
            .json()
            .and_then(|b| b["results"].as_array().map(Vec::len));
        if results != Some(n) {
            return Err(format!("{n} checks sent, {results:?} results: {}", shown()));
        }
    }
    Ok(())
}
