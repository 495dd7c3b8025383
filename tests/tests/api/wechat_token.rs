//! One WeChat access token for all instances: fetched once by many cold instances at once,
//! refreshed once when it is due, replaced once when WeChat refuses it.

use std::time::Duration;

use futures::future::join_all;
use integration_tests::spawn_app;
use shared::infra::access_token::AccessTokens;
use shared::infra::wechat::{ShippingEntry, ShippingReport};

/// A parcel of a split delivery that is never the last, so one order takes any number of them.
fn report(n: usize) -> ShippingReport<'static> {
    ShippingReport {
        transaction_id: "4200002026112500000099",
        payer_openid: "o_payer",
        logistics_type: 1,
        split: Some(false),
        shipping_list: vec![ShippingEntry {
            carrier: Some("SF".to_owned()),
            tracking_no: Some(format!("SF{}", n % 5 + 1)),
            item_desc: "tea".to_owned(),
            receiver_contact: Some("138****8000".to_owned()),
        }],
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

/// One shipping report through `tokens`.
async fn report_once(
    tokens: &AccessTokens,
    n: usize,
) -> Result<(), shared::infra::access_token::AccessTokenError> {
    tokens
        .call(|wechat, token| {
            let report = report(n);
            async move { wechat.upload_shipping_info(&token, &report).await }
        })
        .await
}

async fn report_from_each(tokens: &[AccessTokens]) -> usize {
    let calls = tokens
        .iter()
        .enumerate()
        .map(|(n, tokens)| report_once(tokens, n));
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

/// `n` cold instances of functions deployed without the app secret: they only read the token.
async fn readers(app: &integration_tests::TestApp, n: usize) -> Vec<AccessTokens> {
    let mut all = Vec::new();
    for _ in 0..n {
        let startup = shared::runtime::startup::Startup::new(
            app.env
                .clone()
                .without(shared::runtime::config::vars::WECHAT_SECRET),
            app.aws.clone(),
        )
        .with_dynamodb(app.dynamodb.clone())
        .with_clock(app.clock.clone());
        let tokens = startup.access_tokens().await.expect("the client builds");
        assert!(!tokens.refreshes());
        all.push(tokens);
    }
    all
}

async fn refresher(app: &integration_tests::TestApp) -> shared::wechat::token_refresher::TokenRefresher {
    use shared::runtime::startup::Build as _;
    shared::wechat::token_refresher::TokenRefresher::build(&app.startup())
        .await
        .expect("the refresher holds the secret")
}

#[tokio::test]
async fn functions_without_the_secret_wait_for_the_refresher_and_never_call_stable_token() {
    let mut app = spawn_app().await;
    let wechat = app.own_wechat().await;
    let readers = readers(&app, 5).await;

    // Before the first scheduled refresh there is no token: a clear "unavailable", no WeChat call.
    let early = report_once(&readers[0], 0).await;
    assert!(
        matches!(
            early,
            Err(shared::infra::access_token::AccessTokenError::NotReady)
        ),
        "{early:?}"
    );
    assert_eq!(wechat.stable_token_calls(), 0);

    let refresher = refresher(&app).await;
    let first = refresher.run().await.expect("refreshed");
    assert!(first.token.refreshed && !first.token.forced);
    report_from_each(&readers).await;
    assert_eq!(wechat.stable_token_calls(), 1);

    // A scheduled run finds nothing due: one read, no WeChat call.
    assert!(!refresher.run().await.expect("ran").token.refreshed);
    // Due: the refresher replaces it once; readers go on with theirs until it expires.
    app.clock.advance(Duration::from_secs(7200 - 4 * 60));
    assert!(refresher.run().await.expect("ran").token.refreshed);
    report_from_each(&readers).await;
    assert_eq!(wechat.stable_token_calls(), 2);
}

#[tokio::test]
async fn a_token_refused_by_a_reader_is_reported_and_replaced_by_force_on_the_next_run() {
    let mut app = spawn_app().await;
    // WeChat's 30 s spacing between forced refreshes is counted on the clock: frozen, however
    // slowly this test runs, only the explicit advance below moves past it.
    app.freeze_clock();
    let wechat = app.own_wechat().await;
    let refresher = refresher(&app).await;
    refresher.run().await.expect("refreshed");
    let readers = readers(&app, 3).await;
    report_from_each(&readers).await;

    wechat.revoke_access_token();
    let refused = report_once(&readers[0], 1).await;
    assert!(
        matches!(
            refused,
            Err(shared::infra::access_token::AccessTokenError::NotReady)
        ),
        "{refused:?}"
    );
    assert_eq!(wechat.stable_token_calls(), 1, "a reader never asks WeChat");

    let run = refresher.run().await.expect("ran");
    assert!(run.token.refreshed && run.token.forced, "{run:?}");
    // Every reader, including those that never saw the refusal, retries once with the new token.
    report_from_each(&readers).await;
    assert_eq!(wechat.stable_token_calls(), 2);
    assert!(
        !refresher.run().await.expect("ran").token.refreshed,
        "the report is cleared"
    );

    // Refused again within WeChat's 30 s spacing: the refresher waits rather than ask without
    // force (which would answer the same refused token), then forces it.
    wechat.revoke_access_token();
    let refused = report_once(&readers[1], 2).await;
    assert!(refused.is_err());
    assert!(
        !refresher.run().await.expect("ran").token.refreshed,
        "too soon to force"
    );
    assert_eq!(wechat.stable_token_calls(), 2);
    app.clock.advance(Duration::from_secs(31));
    let run = refresher.run().await.expect("ran");
    assert!(run.token.refreshed && run.token.forced, "{run:?}");
    report_from_each(&readers).await;
    assert_eq!(wechat.stable_token_calls(), 3);
}

#[tokio::test]
async fn the_refresher_keeps_the_delivery_companies_a_day_and_sets_the_jump_path_once() {
    let mut app = spawn_app().await;
    let wechat = app.own_wechat().await;
    app.freeze_clock();
    let scheduled = refresher(&app).await;

    let first = scheduled.run().await.expect("ran");
    let second = scheduled.run().await.expect("ran");
    app.clock.advance(Duration::from_secs(24 * 60 * 60 + 1));
    let next_day = scheduled.run().await.expect("ran");

    assert!(first.carriers_fetched && first.jump_path_set, "{first:?}");
    assert!(!second.carriers_fetched && !second.jump_path_set, "{second:?}");
    assert!(
        next_day.carriers_fetched && !next_day.jump_path_set,
        "{next_day:?}"
    );
    assert_eq!(wechat.delivery_list_calls(), 2);
    assert_eq!(wechat.jump_paths(), ["pages/order/detail"]);
    let cached = app
        .store()
        .delivery_companies()
        .await
        .unwrap()
        .expect("kept in the table");
    assert_eq!(cached.companies["SF"], "顺丰速运");

    // Another path (ORDER_JUMP_PATH) is set once, on the next run.
    app.env = app.env.clone().with("ORDER_JUMP_PATH", "/pages/orders/show");
    let moved = refresher(&app).await.run().await.expect("ran");
    assert!(moved.jump_path_set);
    assert_eq!(wechat.jump_paths(), ["pages/order/detail", "pages/orders/show"]);
}
