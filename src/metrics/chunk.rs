//! Fits data points into as few `PutMetricData` calls as the API's limits allow. Pure.

use super::Datum;

/// `PutMetricData`: at most 1,000 metric data per request (raised from 20 in 2023; API reference,
/// "MetricData … Array Members: Maximum number of 1000 items").
pub(crate) const MAX_DATUMS_PER_CALL: usize = 1000;
/// `PutMetricData`: at most 150 values (and as many counts) per datum (API reference, `Values`).
pub(crate) const MAX_VALUES_PER_DATUM: usize = 150;
/// `PutMetricData`: a request is at most 1 MB for HTTP POST (API reference). Measured against an upper
/// estimate of the form-encoded body, before the SDK's gzip request compression shrinks it.
pub(crate) const MAX_PAYLOAD_BYTES: usize = 1_000_000;
/// `PutMetricData`: at most 30 dimensions per metric.
pub const MAX_DIMENSIONS: usize = 30;

/// Splits data points whose distributions exceed [`MAX_VALUES_PER_DATUM`]: several data points with the
/// same name, dimensions and timestamp are summed by CloudWatch, so this loses nothing.
pub fn split_values(datums: Vec<Datum>) -> Vec<Datum> {
    let mut out = Vec::with_capacity(datums.len());
    for d in datums {
        if d.values.len() <= MAX_VALUES_PER_DATUM {
            out.push(d);
            continue;
        }
        for part in d.values.chunks(MAX_VALUES_PER_DATUM) {
            out.push(Datum {
                key: d.key.clone(),
                values: part.to_vec(),
            });
        }
    }
    out
}

/// An upper estimate of one datum's share of a query-protocol request body
/// (`MetricData.member.N.Dimensions.member.M.Name=…&…Values.member.K=…&…Counts.member.K=…`).
pub(crate) fn estimated_bytes(d: &Datum) -> usize {
    const PER_DATUM: usize = 220; // MetricName, Timestamp, Unit and their member paths
    const PER_DIMENSION: usize = 110; // two member paths plus separators
    const PER_VALUE: usize = 100; // a Values and a Counts member, paths and numbers
    PER_DATUM
        + d.key.name.len()
        + d.key
            .dimensions
            .iter()
            .map(|(k, v)| PER_DIMENSION + k.len() + v.len() * 3)
            .sum::<usize>()
        + d.values.len() * PER_VALUE
}

/// Groups `datums` (already split) into calls within every limit, preserving order.
pub fn calls(datums: &[Datum]) -> Vec<&[Datum]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, d) in datums.iter().enumerate() {
        let b = estimated_bytes(d);
        if i > start && (i - start == MAX_DATUMS_PER_CALL || bytes + b > MAX_PAYLOAD_BYTES) {
            out.push(&datums[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += b;
    }
    if start < datums.len() {
        out.push(&datums[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{MetricKey, Unit};

    fn datum(i: usize, values: usize) -> Datum {
        Datum {
            key: MetricKey {
                name: "Requests",
                unit: Unit::Count,
                minute_ms: 0,
                dimensions: vec![("ApiId", format!("api{i}").into()), ("Stage", "dev".into())],
            },
            values: (0..values).map(|v| (v as f64, 1.0)).collect(),
        }
    }

    #[test]
    fn a_distribution_over_150_values_becomes_several_datums() {
        let out = split_values(vec![datum(0, 151), datum(1, 150)]);
        assert_eq!(
            out.iter().map(|d| d.values.len()).collect::<Vec<_>>(),
            vec![150, 1, 150]
        );
    }

    #[test]
    fn calls_respect_the_datum_count_limit() {
        let datums: Vec<Datum> = (0..2001).map(|i| datum(i, 1)).collect();
        let c = calls(&datums);
        assert_eq!(c.iter().map(|c| c.len()).collect::<Vec<_>>(), vec![1000, 1000, 1]);
    }

    #[test]
    fn calls_respect_the_payload_limit() {
        let datums = split_values((0..200).map(|i| datum(i, 150)).collect());
        let c = calls(&datums);
        assert!(c.len() > 1);
        for call in &c {
            assert!(call.iter().map(estimated_bytes).sum::<usize>() <= MAX_PAYLOAD_BYTES);
            assert!(call.len() <= MAX_DATUMS_PER_CALL);
        }
        assert_eq!(c.iter().map(|c| c.len()).sum::<usize>(), datums.len(), "nothing lost");
        assert!(calls(&[]).is_empty());
    }
}
