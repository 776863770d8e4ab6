//! Operators' login for the fleet and KPI pages: accounts from the command line, Argon2id, a session cookie
//! (HttpOnly, SameSite=Strict, Secure behind TLS) shared by every instance, logout, expiry and the lock-out after
//! wrong passwords — on both stores.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{no_redirects, Instance, Platform, StoreKind};
use serde_json::Value;

on_both_stores!(
    the_pages_refuse_a_visitor_without_a_session_and_point_to_the_login_form,
    an_operator_logs_in_on_one_instance_is_known_on_another_and_logs_out_everywhere,
    five_wrong_passwords_lock_the_operator_out_until_an_administrator_resets_it,
    an_expired_session_is_a_login_again_and_a_malformed_form_a_400,
);

fn cli(db: &sanban_platform::DbUrl, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sanban-platform"))
        .args(args)
        .args(["--db", &common::db_arg(db)])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn page(base: &str, path: &str, cookie: Option<&str>) -> (u16, String) {
    let mut req = no_redirects().get(format!("{base}{path}"));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (status, location.unwrap_or_else(|| "-".into()))
}

async fn the_pages_refuse_a_visitor_without_a_session_and_point_to_the_login_form(
    store: StoreKind,
) {
    let p = Platform::start(store).await;
    for path in ["/fleet", "/kpi"] {
        assert_eq!(page(&p.base, path, None).await, (401, "-".into()));
        assert_eq!(
            page(&p.base, path, Some("sanban_session=forged")).await,
            (401, "-".into())
        );
    }
    let refused = p.http.get(p.url("/fleet")).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    assert!(
        refused.text().await.unwrap().contains("url=/login"),
        "moves a browser on to the form"
    );
    let form = p.http.get(p.url("/login")).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    assert!(html.contains("运维登录") && html.contains("type=\"password\""));
    p.stop().await;
}

async fn an_operator_logs_in_on_one_instance_is_known_on_another_and_logs_out_everywhere(
    store: StoreKind,
) {
    let p = Platform::start(store).await;
    let (ok, out) = cli(&p.db, &["operator", "add", "wang.li"], "too short\n");
    assert!(!ok && out.contains("10 to 128 characters"), "{out}");
    let (ok, out) = cli(
        &p.db,
        &["operator", "add", "wang.li"],
        "hall 3 night shift\n",
    );
    assert!(ok, "{out}");
    assert!(!out.contains("hall 3 night shift"), "{out}");
    let (ok, out) = cli(&p.db, &["operator", "add", "wang.li"], "another password\n");
    assert!(
        !ok && out.contains("--reset"),
        "an existing operator is not overwritten: {out}"
    );

    for (name, password) in [
        ("wang.li", "hall 3 night shifT"),
        ("nobody", "hall 3 night shift"),
    ] {
        let r = p.login(name, password).await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/login?failed=1");
        assert!(r.headers().get("set-cookie").is_none());
    }
    let r = p.login("wang.li", "hall 3 night shift").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/fleet");
    let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] {
        assert!(set.contains(attribute), "{set}");
    }
    assert!(!set.contains("Secure"), "plain HTTP: {set}");
    let cookie = set.split(';').next().unwrap().to_string();
    assert_eq!(page(&p.base, "/fleet", Some(&cookie)).await.0, 200);
    assert_eq!(page(&p.base, "/kpi", Some(&cookie)).await.0, 200);

    // Behind a TLS proxy the cookie is Secure.
    let r = no_redirects()
        .post(p.url("/login"))
        .header("x-forwarded-proto", "https")
        .form(&[("name", "wang.li"), ("password", "hall 3 night shift")])
        .send()
        .await
        .unwrap();
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("; Secure"));

    // Another instance on the same store knows the session; a logout there ends it here too.
    let other = Instance::start(&p.db).await;
    assert_eq!(page(&other.base, "/fleet", Some(&cookie)).await.0, 200);
    let r = no_redirects()
        .post(format!("{}/logout", other.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(
        page(&p.base, "/fleet", Some(&cookie)).await,
        (401, "-".into())
    );
    other.stop().await;

    let (ok, out) = cli(&p.db, &["operator", "list"], "");
    assert!(
        ok && out.contains("wang.li") && !out.contains("argon2"),
        "{out}"
    );
    let (ok, _) = cli(&p.db, &["operator", "remove", "wang.li"], "");
    assert!(ok);
    let r = p.login("wang.li", "hall 3 night shift").await;
    assert_eq!(r.headers()["location"], "/login?failed=1");
    p.stop().await;
}

async fn five_wrong_passwords_lock_the_operator_out_until_an_administrator_resets_it(
    store: StoreKind,
) {
    let p = Platform::start(store).await;
    p.add_operator("zhao", "the right password").await;
    for _ in 0..5 {
        let r = p.login("zhao", "a wrong password").await;
        assert_eq!(r.headers()["location"], "/login?failed=1");
    }
    // Locked: even the right password is refused, and says so.
    let r = p.login("zhao", "the right password").await;
    assert_eq!(r.headers()["location"], "/login?locked=1");
    assert!(r.headers().get("set-cookie").is_none());
    let (ok, out) = cli(&p.db, &["operator", "list"], "");
    assert!(ok && out.contains("locked until"), "{out}");
    let html = p
        .http
        .get(p.url("/login?locked=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("15 分钟后再试"), "{html}");

    let (ok, out) = cli(
        &p.db,
        &["operator", "add", "zhao", "--reset"],
        "a new right password\n",
    );
    assert!(ok, "{out}");
    let r = p.login("zhao", "a new right password").await;
    assert_eq!(r.headers()["location"], "/fleet");
    // Four wrong ones and a right one: the count starts again.
    for _ in 0..4 {
        p.login("zhao", "a wrong password").await;
    }
    assert_eq!(
        p.login("zhao", "a new right password").await.headers()["location"],
        "/fleet"
    );
    assert_eq!(
        p.login("zhao", "a wrong password").await.headers()["location"],
        "/login?failed=1"
    );
    assert_eq!(
        p.login("zhao", "a new right password").await.headers()["location"],
        "/fleet"
    );
    p.stop().await;
}

async fn an_expired_session_is_a_login_again_and_a_malformed_form_a_400(store: StoreKind) {
    let p = Platform::start(store).await;
    p.add_operator("sun", "the right password").await;
    let token = "0".repeat(64);
    let hash = sanban_platform::auth::hash_token(&token);
    p.store
        .start_operator_session("sun", &hash, "2020-01-01T00:00:00.000Z")
        .await
        .unwrap();
    let cookie = format!("sanban_session={token}");
    assert_eq!(
        page(&p.base, "/fleet", Some(&cookie)).await,
        (401, "-".into())
    );

    let r = no_redirects()
        .post(p.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=sun")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].is_string(), "{body}");
    let long = "x".repeat(513);
    let r = p.login("sun", &long).await;
    assert_eq!(r.status(), 400);
    p.stop().await;
}
