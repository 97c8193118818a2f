//! Paging shared by the API Gateway v1 and v2 adapters (a leaf: neither adapter imports the other for it).

use crate::ports::OnboardResult;

/// Every page of a listing: `fetch` takes the token of the page to read (`None`: the first) and returns the
/// page's items and the next token (`None` or empty: the last page). Shared by the v1 and v2 adapters, whose
/// listings page the same way under different names (`position`, `nextToken`).
pub(super) async fn all_pages<T, F, Fut>(mut fetch: F) -> OnboardResult<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = OnboardResult<(Vec<T>, Option<String>)>>,
{
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let (items, next) = fetch(token.take()).await?;
        out.extend(items);
        match next.filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t),
            None => return Ok(out),
        }
    }
}
