//! Webhook URLs whose path is the credential, plain or with their slashes escaped or percent-encoded.

use super::syntax::percent_byte;

/// Longest webhook path read, plain or spelled (Slack's are under 100 bytes).
const MAX_PATH: usize = 512;

/// Webhook URLs whose path is the credential: whoever has the URL can post (host, then the path before the
/// secret part). Slack incoming webhooks (`https://hooks.slack.com/services/T…/B…/…`, "as with tokens, we
/// don't recommend embedding a webhook URL in your source code":
/// <https://docs.slack.dev/tools/java-slack-sdk/guides/incoming-webhooks>) and workflow triggers
/// (`/triggers/`, `/workflows/`); Discord's execute-webhook URL, `/webhooks/{webhook.id}/{webhook.token}`
/// (<https://discord.com/developers/docs/resources/webhook#execute-webhook>).
const WEBHOOK_PATHS: [(&[u8], &[u8]); 5] = [
    (b"hooks.slack.com", b"/services/"),
    (b"hooks.slack.com", b"/triggers/"),
    (b"hooks.slack.com", b"/workflows/"),
    (b"discord.com", b"/api/webhooks/"),
    (b"discordapp.com", b"/api/webhooks/"),
];

/// At `host` (just after `://` or the user-info): a webhook URL of [`WEBHOOK_PATHS`], whose path after the
/// documented prefix is masked to the end of the URL. Returns how far it read.
pub(super) fn webhook_path(b: &[u8], host: usize, spans: &mut Vec<(usize, usize)>) -> Option<usize> {
    let rest = b.get(host..)?;
    let (name, path) = WEBHOOK_PATHS.iter().find(|(name, path)| {
        rest.len() > name.len() + path.len()
            && rest[..name.len()].eq_ignore_ascii_case(name)
            && rest[name.len()..].starts_with(path)
    })?;
    let secret = host + name.len() + path.len();
    let window = &b[secret..(secret + MAX_PATH).min(b.len())];
    let len = window
        .iter()
        .position(|&c| matches!(c, b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'\\') || c.is_ascii_whitespace())
        .unwrap_or(window.len());
    if len > 0 {
        spans.push((secret, secret + len));
    }
    Some(secret + len)
}

/// A `/` at `i` as these texts spell it: plain, escaped (`\/`, at any depth) or percent-encoded (`%2F`, once
/// or more); its length.
fn spelled_slash(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'/' => Some(1),
        b'\\' => {
            let n = b[i..].iter().take(16).take_while(|&&c| c == b'\\').count();
            (b.get(i + n) == Some(&b'/')).then_some(n + 1)
        }
        b'%' => match percent_byte(b, i)? {
            (b'/', n) => Some(n),
            _ => None,
        },
        _ => None,
    }
}

/// At `host`, after a spelled `://` (and its user-info): a webhook URL of [`WEBHOOK_PATHS`] with its
/// slashes escaped or percent-encoded (`https:\/\/hooks.slack.com\/services\/T…`, as PHP's `json_encode`
/// writes it; `https%3A%2F%2Fdiscord.com%2Fapi%2Fwebhooks%2F…` in a query), whose secret path is masked to the
/// URL's end. Returns how far it read.
pub(super) fn spelled_webhook_path(b: &[u8], host: usize, spans: &mut Vec<(usize, usize)>) -> Option<usize> {
    let rest = b.get(host..)?;
    let secret = WEBHOOK_PATHS.iter().find_map(|(name, path)| {
        if rest.len() <= name.len() || !rest[..name.len()].eq_ignore_ascii_case(name) {
            return None;
        }
        let mut i = host + name.len();
        for &c in *path {
            if c == b'/' {
                i += spelled_slash(b, i)?;
            } else if b.get(i)?.eq_ignore_ascii_case(&c) {
                i += 1;
            } else {
                return None;
            }
        }
        Some(i)
    })?;
    let ends_url = |c: u8| matches!(c, b'?' | b'#' | b'&' | b'"' | b'\'' | b'<' | b'>') || c.is_ascii_whitespace();
    let mut i = secret;
    while i < b.len() && i - secret < MAX_PATH {
        if let Some(n) = spelled_slash(b, i) {
            i += n;
            continue;
        }
        match b[i] {
            b'%' => match percent_byte(b, i) {
                Some((c, n)) if !ends_url(c) && c != b'\\' => i += n,
                _ => break,
            },
            c if ends_url(c) || c == b'\\' => break,
            _ => i += 1,
        }
    }
    if i > secret {
        spans.push((secret, i));
    }
    Some(i)
}
