use super::*;
use proptest::strategy::Strategy;

/// `(rule, severity, matched text)` for every detection in `text`.
fn found(text: &str) -> Vec<(&'static str, Severity, &str)> {
    scan(text)
        .into_iter()
        .map(|d| (d.rule, d.severity, &text[d.start..d.end]))
        .collect()
}

fn rules(text: &str) -> Vec<&'static str> {
    scan(text).into_iter().map(|d| d.rule).collect()
}

// Test credentials are assembled at run time so that the repository itself
// never contains a string that secret scanners (ours included) flag.
fn join(parts: &[&str]) -> String {
    parts.concat()
}

fn aws_key() -> String {
    join(&["AKIA", "Z7QK4M2R", "T6WXYB3N"])
}

fn stripe_secret() -> String {
    join(&["sk_", "live_", "4eC39HqLyjWDarjtT1zdp7dc"])
}

#[test]
fn rule_table_compiles_and_ids_are_unique() {
    // Rules compile on first use during a scan; compile them all here so a
    // broken pattern fails this test rather than a scan that reaches it.
    for (index, rule) in RULES.iter().enumerate() {
        let compiled = SCANNER.rule(index);
        assert!(compiled.keywords.is_match(rule.keywords[0]));
    }
    let mut ids: Vec<&str> = RULES.iter().map(|rule| rule.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), RULES.len());
    assert!(RULES.iter().all(|rule| rule.id.starts_with("secret/")));
    // A rule with more keywords than a prefilter set holds would push the
    // prefilter off its fast path.
    assert!(
        RULES
            .iter()
            .all(|rule| rule.keywords.len() <= LITERALS_PER_SET)
    );
    let grouped: usize = SCANNER
        .prefilter
        .iter()
        .map(|group| group.rules.len())
        .sum();
    assert_eq!(grouped, RULES.len());
}

#[test]
fn aws_access_key() {
    let key = aws_key();
    let text = format!("const cfg = {{ accessKeyId: '{key}' }};");
    assert_eq!(
        found(&text),
        [("secret/aws-access-key", Severity::Error, key.as_str())]
    );
    // The documentation example key is a placeholder.
    assert!(scan("AKIAIOSFODNN7EXAMPLE").is_empty());
    // Lowercase or too short is not a key id.
    assert!(scan("akiaz7qk4m2rt6wxyb3n AKIA1234").is_empty());
}

#[test]
fn aws_secret_key() {
    let secret = join(&["wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYz9Q2LpT4vN"]);
    let text = format!("aws_secret_access_key = \"{secret}\"");
    assert_eq!(rules(&text), ["secret/aws-secret-key"]);
}

#[test]
fn stripe_keys() {
    let secret = stripe_secret();
    assert_eq!(
        found(&format!("Stripe('{secret}')")),
        [("secret/stripe-secret-key", Severity::Error, secret.as_str())]
    );
    let restricted = join(&["rk_", "test_", "51Hx0aBcDeFgHiJkLmNoPq"]);
    assert_eq!(rules(&restricted), ["secret/stripe-secret-key"]);
    let publishable = join(&["pk_", "live_", "51Hx0aBcDeFgHiJkLmNoPqRs"]);
    assert_eq!(
        found(&publishable),
        [(
            "secret/stripe-publishable-key",
            Severity::Warning,
            publishable.as_str()
        )]
    );
}

#[test]
fn github_gitlab_npm_tokens() {
    let classic = join(&["ghp_", "1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ"]);
    assert_eq!(rules(&format!("token={classic}")), ["secret/github-token"]);
    let fine = join(&[
        "github_pat_",
        "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
    ]);
    assert_eq!(rules(&fine), ["secret/github-token"]);
    let gitlab = join(&["glpat-", "Ab3dEf6hIj9kLm2nOp5q"]);
    assert_eq!(rules(&gitlab), ["secret/gitlab-token"]);
    let npm = join(&["npm_", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"]);
    assert_eq!(rules(&npm), ["secret/npm-token"]);
    assert!(scan("ghp_short and github_pat_ in prose").is_empty());
}

#[test]
fn slack_tokens_and_webhooks() {
    let bot = join(&[
        "xoxb-",
        "2630514938-",
        "4712209618102-",
        "aB3dE5gH7jK9mN1pQ3sT5vW7",
    ]);
    assert_eq!(rules(&bot), ["secret/slack-token"]);
    let hook = join(&[
        "https://hooks.slack.com/services/",
        "T024BE7LD/B01ABCD2EFG/",
        "xR3yZ9aB7cD5eF1gH3iJ5kL7",
    ]);
    assert_eq!(rules(&format!("fetch('{hook}')")), ["secret/slack-webhook"]);
    // JSON may escape the slashes.
    let escaped = hook.replace('/', "\\/");
    assert_eq!(rules(&escaped), ["secret/slack-webhook"]);
}

#[test]
fn private_key_blocks() {
    let body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj";
    let pem = format!(
        "-----BEGIN {}-----\n{body}\nMIIEv\n-----END PRIVATE KEY-----",
        "PRIVATE KEY"
    );
    assert_eq!(found(&pem), [("secret/private-key", Severity::Error, body)]);
    let rsa = format!("-----BEGIN RSA {}-----\\n{body}\\n", "PRIVATE KEY");
    assert_eq!(rules(&rsa), ["secret/private-key"]);
    // A header quoted in prose, with no key material, is not a key.
    assert!(scan("Keys start with -----BEGIN PRIVATE KEY----- and end with a footer.").is_empty());
}

#[test]
fn jwts() {
    let token = join(&[
        "eyJhbGciOiJIUzI1NiJ9.",
        "eyJzdWIiOiJjdXN0b21lci00MiIsInJvbGUiOiJhZG1pbiJ9.",
        "Qm9ndXNTaWduYXR1cmVGb3JUZXN0c09ubHk",
    ]);
    assert_eq!(
        rules(&format!("Authorization: Bearer {token}")),
        ["secret/jwt"]
    );
    let sample = join(&[
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.",
        "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.",
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    ]);
    assert!(scan(&sample).is_empty());
}

#[test]
fn cloudflare_credentials() {
    let token = join(&["Zq3xV8mN1bT6yR4wK9pL", "2sD7fH5jG0cA3eU8iO1q"]);
    assert_eq!(
        rules(&format!("CLOUDFLARE_API_TOKEN={token}")),
        ["secret/cloudflare-api-token"]
    );
    assert_eq!(
        rules(&format!("{{\"cf_api_token\": \"{token}\"}}")),
        ["secret/cloudflare-api-token"]
    );
    assert!(scan("Served by Cloudflare; see https://www.cloudflare.com/").is_empty());
}

#[test]
fn google_keys() {
    let maps = join(&["AIza", "SyB1x2C3v4B5n6M7q8W9e0R1t2Y3u4I5o6P"]);
    assert_eq!(
        found(&maps),
        [("secret/google-api-key", Severity::Warning, maps.as_str())]
    );
    let oauth = join(&["GOCSPX-", "1a2B3c4D5e6F7g8H9i0JkLmNoPqR"]);
    assert_eq!(rules(&oauth), ["secret/google-oauth-client-secret"]);
}

#[test]
fn connection_strings() {
    let url = join(&[
        "postgres://app:",
        "S3cr3tPa55w0rd",
        "@db.internal:5432/leads",
    ]);
    assert_eq!(
        found(&url),
        [(
            "secret/connection-string",
            Severity::Error,
            "S3cr3tPa55w0rd"
        )]
    );
    assert!(scan("postgres://user:password@localhost/db").is_empty());
    assert!(scan("redis://localhost:6379/0").is_empty());
}

#[test]
fn generic_assignments_with_random_values() {
    let value = "9fK2xQ7vL4mT8wZ1";
    assert_eq!(
        found(&format!("const apiSecret = \"{value}\";")),
        [("secret/generic-assignment", Severity::Error, value)]
    );
    assert_eq!(
        rules(&format!("client_secret: '{value}'")),
        ["secret/generic-assignment"]
    );
    assert_eq!(
        rules(&format!("{{\"password\": \"{value}\"}}")),
        ["secret/generic-assignment"]
    );
    assert_eq!(
        rules(&format!("data-api-key=\"{value}\"")),
        ["secret/generic-assignment"]
    );
    // A variable's value is not visible in the source: nothing to report.
    assert!(scan("const apiSecret = readSecret9(config);").is_empty());
    assert!(scan("headers.authorization = `Bearer ${token1234}`;").is_empty());
}

#[test]
fn dotenv_files() {
    let env = "# shipped by mistake\nNODE_ENV=production\nDATABASE_PASSWORD=Xy7pQ2vR9sL4tK8m\n\
               export STRIPE_WEBHOOK_SECRET=b3F9kT2mX8qL5wZ7\r\nAPI_TOKEN=changeme\n";
    let found = found(env);
    assert_eq!(
        found,
        [
            (
                "secret/generic-assignment",
                Severity::Error,
                "Xy7pQ2vR9sL4tK8m"
            ),
            (
                "secret/generic-assignment",
                Severity::Error,
                "b3F9kT2mX8qL5wZ7"
            ),
        ]
    );
    // Lower-case names in unquoted code are not `.env` lines.
    assert!(scan("token=a1b2c3d4e5f6g7h8").is_empty());
}

#[test]
fn secrets_named_in_html_attributes() {
    let value = "9fK2xQ7vL4mT8wZ1";
    assert_eq!(
        found(&format!("<meta name=\"api-key\" content=\"{value}\">")),
        [("secret/generic-assignment", Severity::Error, value)]
    );
    assert_eq!(
        rules(&format!(
            "<input type=\"hidden\" name=\"auth_token\" value=\"{value}\">"
        )),
        ["secret/generic-assignment"]
    );
    assert!(scan("<meta name=\"csrf-param\" content=\"authenticity_token\">").is_empty());
    assert!(scan("<input name=\"password\" value=\"\" autocomplete=\"new-password\">").is_empty());
}

#[test]
fn generic_assignments_skip_placeholders_and_words() {
    for text in [
        "password = 'changeme'",
        "api_key = 'xxxxxxxxxxxxxxxx'",
        "token = '${API_TOKEN}'",
        "secret: '<your secret here>'",
        "apiKey: 'YOUR_API_KEY_HERE'",
        "const token = 'aaaaaaaaaaaa';",
        "autocomplete=\"current-password\"",
        "passwordField: 'password-strength-meter'",
        "tokenUrl: 'https://auth.baystore.example/token'",
        "secret_name: 'production-db-secret-2'",
        "const token = process.env.API_TOKEN1;",
        "token_type = 'Bearer'",
        "PROXY_SHARED_SECRET: \"MF-Proxy-Shared-Secret\",",
        "csrfTokenHeader: 'X-Requested-With-Token'",
    ] {
        assert!(
            scan(text).is_empty(),
            "false alarm on {text:?}: {:#?}",
            scan(text)
        );
    }
}

#[test]
fn specific_rules_win_over_the_generic_rule() {
    let secret = stripe_secret();
    assert_eq!(
        rules(&format!("const secret = '{secret}';")),
        ["secret/stripe-secret-key"]
    );
}

#[test]
fn secrets_inside_source_maps_are_found() {
    let secret = stripe_secret();
    let key = aws_key();
    let value = "9fK2xQ7vL4mT8wZ1";
    let map = format!(
        "{{\"version\":3,\"sources\":[\"../src/pay.ts\"],\"sourcesContent\":[\"const stripe = \
         Stripe(\\\"{secret}\\\");\\nconst apiSecret = \\\"{value}\\\";\\nconst id = \
         '{key}';\\n\"],\"mappings\":\"AAAA\"}}"
    );
    assert_eq!(
        rules(&map),
        [
            "secret/stripe-secret-key",
            "secret/generic-assignment",
            "secret/aws-access-key"
        ]
    );
}

#[test]
fn messages_never_contain_the_secret() {
    let secret = stripe_secret();
    let text = format!("{secret} {}", aws_key());
    let detections = scan(&text);
    assert_eq!(detections.len(), 2);
    for detection in detections {
        let value = &text[detection.start..detection.end];
        assert!(!detection.message.contains(value), "{}", detection.message);
        assert!(
            !detection.message.contains(&value[..8]),
            "{}",
            detection.message
        );
        assert!(
            detection
                .message
                .contains(&format!("({} characters)", value.len()))
        );
    }
}

#[test]
fn redaction_shows_at_most_four_characters() {
    assert_eq!(
        redact("sk_live_abcdefghijklmnop"),
        "`sk_l…` (24 characters)"
    );
    assert_eq!(redact("hunter22"), "`hu…` (8 characters)");
    assert_eq!(redact("abc"), "`…` (3 characters)");
}

#[test]
fn entropy_orders_random_above_repetitive() {
    assert_eq!(shannon_entropy(""), 0.0);
    assert_eq!(shannon_entropy("aaaa"), 0.0);
    assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
    assert!(shannon_entropy("9fK2xQ7vL4mT8wZ1") > shannon_entropy("passwordpassword"));
}

#[test]
fn ordinary_pages_have_no_secrets() {
    let page = r#"<!doctype html><html lang="en"><head>
<link rel="stylesheet" href="/assets/site.3f2a9c0d1b2e4f56.css" integrity="sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC">
<script src="/assets/consent.0123456789abcdef.js" integrity="sha384-H8BRh8j48O9oYatfu5AZzq6A9RINhZO5H16dQZngK7T62em8MUt1FLm52t+eX6xO" defer
  data-analytics-src="/assets/analytics.fedcba9876543210.js" data-consent-revision="3"></script>
</head><body><form method="post" action="/lead"><input type="password" name="password" autocomplete="new-password">
<p>We never store your password; tokens rotate every 90 days.</p></form></body></html>"#;
    assert!(scan(page).is_empty(), "{:#?}", scan(page));
}

#[test]
fn diagnostics_are_redacted() {
    let text = format!(
        "{}\n{}\nconst apiSecret = \"9fK2xQ7vL4mT8wZ1\";\n{}\n",
        stripe_secret(),
        aws_key(),
        join(&["AIza", "SyB1x2C3v4B5n6M7q8W9e0R1t2Y3u4I5o6P"])
    );
    let report: Vec<serde_json::Value> = scan(&text)
        .iter()
        .map(|d| {
            serde_json::json!({
                "rule": d.rule,
                "severity": d.severity,
                "range": [d.start, d.end],
                "message": d.message,
                "help": d.help,
            })
        })
        .collect();
    insta::assert_json_snapshot!(report);
}

#[test]
fn public_by_design_tokens_are_warnings() {
    let token = join(&["8c5f2e1a9b", "3d4f6a7b8c", "9d0e1f2a3b4c"]);
    let algolia = join(&["f1e2d3c4b5", "a6978877665", "54433221100"]);
    let posthog = join(&["phc_", "Qm7Xk2Lp9Rt4Vb6Nc8Zd1Fg3", "Hj5Kw0Sy"]);
    let warnings = [
        format!(
            "<script defer src=\"https://static.cloudflareinsights.com/beacon.min.js\" data-cf-beacon='{{\"token\": \"{token}\"}}'></script>"
        ),
        format!("docsearch({{ appId: 'R2IYF7ETH7', apiKey: '{algolia}', indexName: 'docs' }});"),
        format!("mixpanel.init(\"x\", {{ debug: false }}); var cfg = {{ token: \"{token}\" }};"),
        format!("const config = {{ clientToken: \"{token}\" }};"),
        format!("search({{ searchOnlyApiKey: '{algolia}' }});"),
        format!("posthog.init('{posthog}', {{ api_host: '/ingest' }});"),
    ];
    for text in &warnings {
        let found = scan(text);
        assert_eq!(found.len(), 1, "{text}: {found:#?}");
        assert_eq!(found[0].severity, Severity::Warning, "{text}");
        assert!(
            matches!(
                found[0].rule,
                "secret/public-token" | "secret/posthog-project-key"
            ),
            "{text}"
        );
        assert!(
            !found[0].message.contains(&token[4..]),
            "{}",
            found[0].message
        );
    }
    // A name that says secret, password or access never downgrades, even
    // inside a vendor snippet.
    for text in [
        format!("docsearch({{ appId: 'R2IYF7ETH7', adminSecret: '{algolia}' }});"),
        format!("docsearch({{ appId: 'R2IYF7ETH7', adminApiKey: '{algolia}' }});"),
        format!("<div data-cf-beacon='x'></div><script>const accessToken = \"{token}\";</script>"),
        format!("const apiKey = \"{token}\";"),
    ] {
        assert_eq!(
            found(&text).iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
            [("secret/generic-assignment", Severity::Error)],
            "{text}"
        );
    }
}

#[test]
fn prose_about_secrets_opens_no_window_but_every_assignment_shape_does() {
    // Prose that names a secret is not followed by an operator or the
    // quote that closes an attribute value.
    for prose in [
        " is rotated daily",
        "s, keys and passwords",
        ". Tokens expire",
        "-based sign-in (see below)",
        "",
    ] {
        assert!(!assignment_follows(prose), "{prose:?}");
    }
    // Each shape of the generic rule, with the rest of the name, escaped
    // quotes, any white space (non-ASCII too) and non-ASCII name letters.
    for shape in [
        " = \"",
        "_value: '",
        "\": \"",
        "\\\": \\\"",
        "s ||= '",
        "Id ??= '",
        "\u{2003}=> '",
        "\u{212a}ey\u{a0}= '",
        "-name\" content=\"",
        ":main\\\" content=",
        "_KEY=",
        "_KEY \t= ",
        "\u{b}:",
        "$x.y-z\n:",
    ] {
        assert!(assignment_follows(shape), "{shape:?}");
    }
}

#[test]
fn secrets_after_prose_that_names_them_are_found() {
    let value = join(&["Zq8Rt2Xv", "Lm4Np6Kw9Bc"]);
    for text in [
        format!("The token is rotated daily. const apiToken = \"{value}\";"),
        format!("<p>Our token policy</p><meta name=\"site-token\" content=\"{value}\">"),
        format!("tokens and secrets\nAPI_SECRET={value}\n"),
        format!("{{\"auth\": {{\"token\"\u{2003}: \"{value}\"}}}}"),
    ] {
        assert_eq!(rules(&text), ["secret/generic-assignment"], "{text}");
    }
}

/// A name, the characters that may follow it, an operator and a quoted
/// value, each part in one of the forms the generic rule knows or nearly.
fn assignment() -> impl Strategy<Value = String> {
    use proptest::sample::select;
    (
        select(&["", "const ", "export ", "<meta name=\"", "id='", "\n"][..]),
        select(
            &[
                "secret",
                "Token",
                "API_KEY",
                "password",
                "pwd",
                "apiKey",
                "private-key",
                "credentials",
                "access_key",
                "authKey",
                "clientSecret",
                "SECRET",
            ][..],
        ),
        select(&["", "s", "_value", "\u{212a}ey", "-x", ":main", "$", ".y"][..]),
        select(&["", "\\", "\"", "'", "\\\"", " "][..]),
        select(&["", " ", "\u{2003}", "\t", "\u{b}", "\u{a0} "][..]),
        select(&[":", "=", ":=", "=>", "||=", "??=", " content=", "", "-"][..]),
        select(&["", " ", "\u{2003}"][..]),
        select(&["\"", "'", "`", "\\\"", ""][..]),
        "[A-Za-z0-9]{6,24}",
        select(&["\"", "'", "`", "\\\"", "", "\n"][..]),
    )
        .prop_map(
            |(lead, name, tail, pre, space, op, space2, open, value, close)| {
                format!("{lead}{name}{tail}{pre}{space}{op}{space2}{open}{value}{close}")
            },
        )
}

proptest::proptest! {
    #![proptest_config(crate::fuzz::config())]

    /// Skipping the keyword hits `follows` refuses finds exactly what
    /// opening a window at every hit finds, for texts dense with names,
    /// operators, quotes, escapes, white space of every kind and prose.
    #[test]
    fn fuzz_followed_hits_find_what_every_hit_finds(
        pieces in proptest::collection::vec(
            proptest::prop_oneof![
                4 => assignment(),
                1 => "[a-z ]{0,12}",
                1 => crate::fuzz::noise(),
            ],
            1..12,
        )
    ) {
        let text = pieces.concat();
        let detections = |filtered| -> Vec<(&'static str, usize, usize)> {
            scan_windows(&text, filtered)
                .into_iter()
                .map(|d| (d.rule, d.start, d.end))
                .collect()
        };
        proptest::prop_assert_eq!(detections(true), detections(false));
    }
}
