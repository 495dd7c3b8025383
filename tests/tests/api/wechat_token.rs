//! One WeChat access token for all instances: fetched once by many cold instances at once,
//! refreshed once when it is due, replaced once when WeChat refuses it.

use std::time::Duration;

use futures::future::join_all;
use integration_tests::spawn_app;
use shared::infra::access_token::AccessTokens;
use shared::infra::wechat::ShippingReport;

fn report(n: usize) -> ShippingReport<'static> {
    ShippingReport {
        transaction_id: "4200002026112500000099",
        payer_openid: "o_payer",
        carrier: "SF",
        tracking_no: ["SF1", "SF2", "SF3", "SF4", "SF5"][n % 5],
        item_desc: "tea",
        upload_time: "2026-11-25T18:00:00+08:00".to_owned(),
    }
}

/// `n` cold instances, each with its own memory, sharing the table.
async fn instances(app: &integration_tests::TestApp, n: usize) -> Vec<AccessTokens> {
    let mut all = Vec::new();
    for _ in 0..n {
        all.push(app.startup().access_tokens().await.expect("the client builds"));
    }
    all
}

async fn report_from_each(tokens: &[AccessTokens]) -> usize {
    let calls = tokens.iter().enumerate().map(|(n, tokens)| async move {
        tokens
            .call(|wechat, token| {
                let report = report(n);
                async move { wechat.upload_shipping_info(&token, &report).await }
            })
            .await
    });
    let results = join_all(calls).await;
    for result in &results {
        assert!(result.is_ok(), "{result:?}");
    }
    results.len()
}

#[tokio::test]
async fn twenty_cold_instances_at_once_share_one_token_from_one_stable_token_call() {
    let mut app = spawn_app().await;
    let wechat = app.own_wechat().await;
    let cold = instances(&app, 20).await;

    assert_eq!(report_from_each(&cold).await, 20);
    assert_eq!(
        wechat.stable_token_calls(),
        1,
        "one refresher for twenty instances"
    );
    assert_eq!(wechat.shipments().len(), 20);

    // Warm instances use their copy: no table read, no WeChat call for the token.
    app.take_round_trips();
    report_from_each(&cold).await;
    assert_eq!(app.take_round_trips(), 0);
    assert_eq!(wechat.stable_token_calls(), 1);
}

#[tokio::test]
async fn a_token_due_for_refresh_is_refreshed_once_for_every_instance() {
    let mut app = spawn_app().await;
    let wechat = app.own_wechat().await;
    let warm = instances(&app, 8).await;
    report_from_each(&warm).await;

    app.clock.advance(Duration::from_secs(7200 - 4 * 60));
    report_from_each(&warm).await;
    let fresh = instances(&app, 4).await;
    report_from_each(&fresh).await;

    assert_eq!(
        wechat.stable_token_calls(),
        2,
        "the first and one refresh, whatever the instances"
    );
}

#[tokio::test]
async fn a_refused_token_is_replaced_once_by_a_forced_refresh_and_the_call_tried_once_more() {
    let mut app = spawn_app().await;
    let wechat = app.own_wechat().await;
    let tokens = instances(&app, 3).await;
    report_from_each(&tokens).await;

    // Another party force-refreshed: the token every instance holds is now refused (40001).
    wechat.revoke_access_token();
    report_from_each(&tokens).await;

    assert_eq!(
        wechat.stable_token_calls(),
        2,
        "one replacement for three instances"
    );
    assert_eq!(wechat.shipments().len(), 6, "every call went through once");
    let logs = integration_tests::captured_logs();
    assert!(
        !logs.contains("fake-access-token-"),
        "an access token reached the logs"
    );
}
