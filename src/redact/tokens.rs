//! Published token formats, each recognised by the prefix its issuer documents, then at least
//! [`MIN_BODY`] body bytes (`A-Z a-z 0-9 _ -`, and for some formats a few more). Each is masked whole, prefix
//! included, in any case.

/// A documented prefix and the bytes its body may hold besides `A-Z a-z 0-9 _ -`.
pub(super) struct Prefix {
    /// Lowercase.
    pub(super) text: &'static str,
    pub(super) extra: &'static [u8],
}

const fn plain(text: &'static str) -> Prefix {
    Prefix { text, extra: b"" }
}

/// The prefixes searched. Some documented ones are not, because each made the shapes' search (aho-corasick's
/// Teddy, which tells patterns apart by their first three bytes) markedly slower over the bench batches'
/// lines: 109 µs without the prefixes added on 2026-12-07, 127 µs with those below, 258 µs with these too:
/// GitLab's `gloas-`, `glrt-`, `glcbt-`, `glft-`, `glimt-`, `glagent-`, `glsoat-`, `glffct-` (10 to 20 µs
/// each: they start like `global`), Vault's batch and recovery tokens `hvb.`, `hvr.`, Sentry's `sntryu_`,
/// `sntrys_` (https://docs.sentry.io/security-legal-pii/security/token-formats/), age's `AGE-SECRET-KEY-1`
/// (https://github.com/C2SP/C2SP/blob/main/age.md; `age` starts `page` and `message`).
pub(super) const TOKEN_PREFIXES: [Prefix; 41] = [
    // GitHub: personal access (`ghp_`), OAuth (`gho_`), user-to-server (`ghu_`), server-to-server (`ghs_`) and
    // refresh (`ghr_`) tokens: https://github.blog/changelog/2021-03-31-authentication-token-format-updates-are-generally-available/
    plain("ghp_"),
    plain("gho_"),
    plain("ghu_"),
    plain("ghs_"),
    plain("ghr_"),
    // GitHub fine-grained personal access tokens: https://github.blog/changelog/2022-10-18-introducing-fine-grained-personal-access-tokens/
    plain("github_pat_"),
    // GitLab's token prefixes ("The following table shows the prefixes for each type of token"): personal,
    // impersonation, project and group access tokens `glpat-`, deploy tokens `gldt-`, pipeline trigger tokens
    // `glptt-`: https://docs.gitlab.com/ee/security/tokens/index.html#token-prefixes (not its eight others:
    // above).
    plain("glpat-"),
    plain("gldt-"),
    plain("glptt-"),
    // Slack bot, user, workspace, refresh, configuration and app-level tokens (`xoxb-`, `xoxp-`, `xoxa-`,
    // `xoxr-`, `xoxe-`, `xapp-`): https://docs.slack.dev/authentication/tokens
    plain("xoxb-"),
    plain("xoxp-"),
    plain("xoxa-"),
    plain("xoxr-"),
    plain("xoxe"),
    plain("xapp-"),
    // Stripe secret and restricted keys, live and test: https://docs.stripe.com/api/authentication and
    // https://docs.stripe.com/keys (publishable `pk_` keys are public by design and not masked).
    plain("sk_live_"),
    plain("sk_test_"),
    plain("rk_live_"),
    plain("rk_test_"),
    // npm access tokens: https://github.blog/2021-09-23-announcing-npms-new-access-token-format/
    plain("npm_"),
    // PyPI API tokens: https://pypi.org/help/#apitoken
    plain("pypi-"),
    // OpenAI API keys (`sk-`, project keys `sk-proj-`): https://platform.openai.com/docs/api-reference/authentication;
    // Anthropic API keys (`sk-ant-`): https://docs.anthropic.com/en/api/getting-started
    plain("sk-"),
    // Stripe webhook signing secrets: https://docs.stripe.com/webhooks#verify-official-libraries
    plain("whsec_"),
    // Hugging Face user access tokens: https://huggingface.co/docs/hub/security-tokens
    plain("hf_"),
    // DigitalOcean personal, OAuth and refresh tokens: https://docs.digitalocean.com/notes/2022/api-token-format
    plain("dop_v1_"),
    plain("doo_v1_"),
    plain("dor_v1_"),
    // Shopify app access tokens (public, custom, legacy private) and shared secrets: Shopify's API changelog
    // of April 2020, "New access token format", as Shopify's API support quotes it.
    plain("shpat_"),
    plain("shpca_"),
    plain("shppa_"),
    plain("shpss_"),
    // HashiCorp Vault service tokens ("Service tokens previously started with s. now start with hvs."):
    // https://developer.hashicorp.com/vault/docs/concepts/tokens#token-formats
    plain("hvs."),
    // Doppler CLI, personal, service (with an optional `<config>.` part), service account, service account
    // identity, SCIM and audit tokens ("Each token uses a unique format to assist with secret
    // scanning"): https://docs.doppler.com/docs/auth-token-formats
    plain("dp.ct."),
    plain("dp.pt."),
    Prefix {
        text: "dp.st.",
        extra: b".",
    },
    plain("dp.sa."),
    plain("dp.said."),
    plain("dp.scim."),
    plain("dp.audit."),
    // Replicate API tokens ("40-character strings that always start with r8_"):
    // https://replicate.com/docs/topics/security/api-tokens
    plain("r8_"),
    // Supabase personal access tokens (scoped ones "start with sbp_fc"):
    // https://supabase.com/docs/guides/platform/personal-access-tokens
    plain("sbp_"),
];

/// Starts several prefixes share, searched instead of each of them: the shapes' search is aho-corasick's
/// Teddy, which takes at most 64 patterns (and slows as it takes more); the reader then finds the prefix.
const SHARED_STARTS: [&str; 1] = ["dp."];

/// What the shapes' search looks for on behalf of the prefixes: each prefix, or the shared start it begins with.
pub(super) fn search_fragments() -> impl Iterator<Item = &'static str> {
    TOKEN_PREFIXES
        .iter()
        .map(|p| p.text)
        .filter(|p| !SHARED_STARTS.iter().any(|s| p.starts_with(s)))
        .chain(SHARED_STARTS)
}

/// Fewest body bytes after a documented prefix (the shortest of these formats has 20 and more; prose such
/// as `npm_modules` is not a token).
pub(super) const MIN_BODY: usize = 16;

/// The bytes of every token body: `A-Z a-z 0-9 _ -`.
pub(super) const fn is_body_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')
}

/// At a match of the shapes' search (`at` is the lowercase text from `start`): the documented token that
/// starts there, masked whole when it stands alone and is long enough; how far it read. `None` when no
/// prefix starts there.
pub(super) fn prefixed_token(b: &[u8], at: &[u8], start: usize, spans: &mut Vec<(usize, usize)>) -> Option<usize> {
    let prefix = TOKEN_PREFIXES
        .iter()
        .filter(|p| p.text.as_bytes()[0] == at[0] && at.starts_with(p.text.as_bytes()))
        .max_by_key(|p| p.text.len())?;
    let body = start + prefix.text.len();
    if start > 0 && is_body_byte(b[start - 1]) {
        return Some(body);
    }
    let end = body
        + b[body.min(b.len())..]
            .iter()
            .take_while(|&&c| is_body_byte(c) || prefix.extra.contains(&c))
            .count();
    if end - body >= MIN_BODY {
        spans.push((start, end));
    }
    Some(end)
}
