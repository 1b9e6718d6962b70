//! An unreachable server: every call exits 3 with a hint about the URL.

mod common;

use common::{assert_error_lines, bare, unreachable_url, Setup};

#[test]
fn every_call_exits_3() {
    let setup = Setup::new();
    let jwt = setup.create(&["--format", "jwt"])["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = unreachable_url();
    let machine = setup.machine_a();
    let cases: [&[&str]; 5] = [
        &["create"],
        &["list", "--subject", &machine],
        &["revoke", "mt_0123456789abcdef0123456789abcdef"],
        &["verify", "mt_0123456789abcdef0123456789abcdef0123456789"],
        // A JWT whose JWKS cannot be fetched.
        &["verify", &jwt],
    ];
    for args in cases {
        let (stdout, stderr) = setup.run(
            bare()
                .env("CLERK_API_URL", &url)
                .env("CLERK_MACHINE_SECRET_KEY", setup.key_a())
                .env("CLERK_SECRET_KEY", setup.instance_key())
                .args(args),
            3,
        );
        assert!(stdout.is_empty(), "{args:?}");
        assert_error_lines(&stderr);
        assert!(stderr.contains("network failure"), "{args:?}: {stderr}");
        assert!(stderr.contains("CLERK_API_URL"), "{args:?}: {stderr}");
    }
}
