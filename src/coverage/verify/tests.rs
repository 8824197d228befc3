//! Tests of the verifier: batches, their splitting, signer lists and whole jobs.

use ed25519_dalek::{Signer, SigningKey};

use super::*;

const HELLO: &str = "StorePath: /nix/store/mjs27ix6ig2bkbi3s3sm470vrv4lf7ic-hello\nURL: nar/x\n\
                     NarHash: sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h\nNarSize: 120\n";

fn trusted(key: &SigningKey) -> PublicKey {
    PublicKey::parse(&format!("k-1:{}", keys::encode_b64(key.verifying_key().as_bytes()))).expect("key")
}

/// A narinfo for a path named `name`, signed by `key`, with NarSize changed afterwards
/// when `tamper`.
fn narinfo(key: &SigningKey, name: &str, tamper: bool) -> (String, String) {
    let path = format!("/nix/store/mjs27ix6ig2bkbi3s3sm470vrv4lf7ic-{name}");
    let mut info = NarInfo::parse(&HELLO.replace("-hello", &format!("-{name}"))).expect("parses");
    let sig = key.sign(info.fingerprint().as_bytes());
    let size = if tamper { 121 } else { 120 };
    info.sigs.push(format!("k-1:{}", keys::encode_b64(&sig.to_bytes())));
    let text =
        format!("StorePath: {path}\nURL: nar/x\nNarHash: {}\nNarSize: {size}\nSig: {}\n", info.nar_hash, info.sigs[0]);
    (path, text)
}

#[test]
fn failed_batches_are_split_down_to_the_bad_ones() {
    let key = SigningKey::from_bytes(&[5u8; 32]);
    let public = key.verifying_key();
    let groups = |bad: &[usize]| -> Vec<Signed<'_>> {
        (0..40)
            .map(|i| {
                let message = format!("m{i}");
                let signature = key.sign(message.as_bytes());
                let signed = if bad.contains(&i) { format!("{message}!") } else { message };
                Signed { message: signed, items: vec![Item { signature, key: &public, name: "k-1" }] }
            })
            .collect()
    };
    let coefficients = Coefficients::new().expect("a random source");
    // The groups a batch did not settle (the exact check decides them).
    let unsure = |bad: &[usize], c: Option<&Coefficients>| -> Vec<usize> {
        let groups = groups(bad);
        let refs: Vec<&Signed<'_>> = groups.iter().collect();
        check(&refs, c).iter().enumerate().filter(|(_, ok)| !**ok).map(|(i, _)| i).collect()
    };
    // One bad signature is cornered: 40, 20, 10, 5, then a set of 3 left to the exact check.
    assert_eq!(unsure(&[3], Some(&coefficients)), [2, 3, 4]);
    // Bad ones in both halves of a failed half: that half is left to the exact checks,
    // the other half is settled.
    assert_eq!(unsure(&[3, 17, 18], Some(&coefficients)), (0..20).collect::<Vec<_>>());
    assert_eq!(unsure(&(0..40).collect::<Vec<_>>(), Some(&coefficients)).len(), 40);
    assert_eq!(unsure(&[3, 17, 18], None), [3, 17, 18], "without a random source, each is checked on its own");
    assert_eq!(check(&[], Some(&coefficients)), Vec::<bool>::new());
}

#[test]
fn signer_lists_are_shared_within_a_batch() {
    let key = SigningKey::from_bytes(&[9u8; 32]);
    let public = key.verifying_key();
    let item = |name| Item { signature: key.sign(b"m"), key: &public, name };
    let signed = |items| Signed { message: "m".into(), items };
    let mut signers = Signers::default();
    let one = signers.of(&signed(vec![item("k-1"), item("k-1")]));
    let again = signers.of(&signed(vec![item("k-1")]));
    let two = signers.of(&signed(vec![item("k-2"), item("k-1")]));
    assert_eq!(*one, ["k-1".to_owned()]);
    assert!(Arc::ptr_eq(&one, &again));
    assert_eq!(*two, ["k-1".to_owned(), "k-2".to_owned()]);
}

#[tokio::test]
async fn the_verifier_judges_every_narinfo() {
    let key = SigningKey::from_bytes(&[6u8; 32]);
    let verifier = Verifier::start(vec![trusted(&key)].into(), 2);
    let mut answers = Vec::new();
    for i in 0..200 {
        let (path, text) = narinfo(&key, &format!("p{i}"), i % 50 == 7);
        let v = verifier.clone();
        answers.push(tokio::spawn(async move { v.judge(path, text.into_bytes(), false).await }));
    }
    let mut failed = Vec::new();
    for (i, a) in answers.into_iter().enumerate() {
        match a.await.expect("task") {
            Answer::Verified { signed_by, .. } => assert_eq!(*signed_by, ["k-1".to_owned()]),
            Answer::Untrusted { reason, .. } => {
                assert!(reason.starts_with("bad signature from trusted key(s) k-1"), "{reason}");
                failed.push(i);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(failed, [7, 57, 107, 157]);
    let (path, text) = narinfo(&key, "q", false);
    let answer = verifier.judge(path.replace("-q", "-r"), text.clone().into_bytes(), true).await;
    assert!(matches!(answer, Answer::Untrusted { reason, .. } if reason.contains("it describes")));
    let (path, text) = narinfo(&SigningKey::from_bytes(&[8u8; 32]), "s", false);
    let answer = verifier.judge(path, text.into_bytes(), true).await;
    assert!(matches!(answer, Answer::Verified { trusted_cache: true, .. }), "{answer:?}");
}

#[test]
fn weak_keys_and_malformed_signatures_are_not_batched() {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let trusted = trusted(&key);
    let mut info = NarInfoRef::parse(HELLO).expect("parses");
    assert_eq!(items(&info, std::slice::from_ref(&trusted), &[false]).map(|i| i.len()), Some(0));
    let sig = format!("k-1:{}", keys::encode_b64(&key.sign(info.fingerprint().as_bytes()).to_bytes()));
    info.sigs = vec![&sig, "other-1:AAAA"];
    assert!(items(&info, std::slice::from_ref(&trusted), &[false]).is_none(), "malformed");
    info.sigs.truncate(1);
    assert_eq!(items(&info, std::slice::from_ref(&trusted), &[false]).map(|i| i.len()), Some(1));
    // The identity point is a valid encoding of a small-order key.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let weak = PublicKey::parse(&format!("k-1:{}", keys::encode_b64(&identity))).expect("a curve point");
    let flags = [weak.key.is_weak()];
    assert_eq!(flags, [true], "dispatch marks it weak");
    assert!(items(&info, &[weak], &flags).is_none());
}
