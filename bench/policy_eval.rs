//! Benchmark: one realistic request against about 20 statements (two identity policies, a
//! bucket policy) under 4 SCP levels, compiled once. `decide` is the hot path (decision only,
//! no allocation); `evaluate` adds the deciding statements and missing context keys;
//! `parse_and_evaluate` reads the case file and evaluates it, as the peer evaluator does per call.
//!
//! Run: cargo bench -p canopy-policy --bench policy_eval
//! (the same case, as a case file for `canopy policy eval` and the peer: bench/policy_case.json)

use std::hint::black_box;

use canopy_policy::{load_cases, run_case};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let text = include_str!("policy_case.json");
    let cases = load_cases(text).unwrap_or_default();
    let Some(case) = cases.first() else {
        return;
    };
    let statements: usize = case
        .policies
        .identity
        .iter()
        .map(|p| p.statements.len())
        .sum::<usize>()
        + case
            .policies
            .resource
            .as_ref()
            .map_or(0, |p| p.statements.len())
        + case
            .policies
            .scp_levels
            .iter()
            .flat_map(|l| &l.policies)
            .map(|p| p.statements.len())
            .sum::<usize>();
    assert_eq!(
        Some(run_case(case).decision),
        case.expected,
        "the benchmark's case must get its expected decision"
    );
    eprintln!(
        "case {:?}: {statements} statements, {} SCP levels",
        case.name,
        case.policies.scp_levels.len()
    );
    let mut group = c.benchmark_group("policy");
    group.throughput(Throughput::Elements(1));
    group.bench_function("decide", |b| {
        b.iter(|| black_box(&case.policies).decide(black_box(&case.request)))
    });
    group.bench_function("evaluate", |b| {
        b.iter(|| black_box(&case.policies).evaluate(black_box(&case.request)))
    });
    // what the peer evaluator does per call: read the policies, then decide
    group.bench_function("parse_and_evaluate", |b| {
        b.iter(|| {
            let cases = load_cases(black_box(text)).unwrap_or_default();
            cases.first().map(run_case)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
