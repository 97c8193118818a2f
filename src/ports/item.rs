//! The index's item model (what the index ports carry), independent of the SDK: keys, attribute values, and DynamoDB's size and
//! write-cost arithmetic.
//!
//! Sizes follow DynamoDB's published rules ("Item sizes and formats" in the DynamoDB developer guide):
//! an item's size is the sum of its attribute names' UTF-8 lengths and its values' sizes. Pure.

use std::collections::BTreeMap;

use super::schema;

/// DynamoDB refuses items larger than 400 KB (attribute names included).
pub(crate) const MAX_ITEM_BYTES: usize = 400 * 1024;

/// One write unit (on-demand WRU or provisioned WCU) covers a standard write of up to 1 KB.
pub(crate) const WRITE_UNIT_BYTES: usize = 1024;

/// A GSI entry's size adds 100 bytes of overhead to its keys and projected attributes (DynamoDB
/// developer guide, "Provisioned throughput considerations for global secondary indexes").
pub(crate) const INDEX_ENTRY_OVERHEAD_BYTES: usize = 100;

/// DynamoDB limits a partition key value to 2048 bytes and a sort key value to 1024 bytes.
pub(crate) const MAX_PARTITION_KEY_BYTES: usize = 2048;
/// See [`MAX_PARTITION_KEY_BYTES`].
pub(crate) const MAX_SORT_KEY_BYTES: usize = 1024;

/// DynamoDB numbers carry at most 38 significant digits ("Numbers can have up to 38 digits of precision",
/// Amazon DynamoDB Developer Guide, "Supported data types and naming rules", Number).
pub(crate) const MAX_NUMBER_DIGITS: usize = 38;
/// The largest power of ten a number's magnitude may reach: the positive range ends at
/// 9.9999999999999999999999999999999999999E+125 (same page).
pub(crate) const MAX_NUMBER_EXPONENT: i64 = 125;
/// The smallest: the positive range starts at 1E-130 (same page). Zero is a number too.
pub(crate) const MIN_NUMBER_EXPONENT: i64 = -130;

/// Whether DynamoDB accepts `text` as a number: decimal (`-12.5`, `1e-3`), within [`MAX_NUMBER_DIGITS`]
/// significant digits and a magnitude of 1E-130 to 9.99…E+125, or zero. Anything else fails the whole
/// `BatchWriteItem` call ("Number overflow", "Number underflow").
pub fn is_valid_number(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => match unsigned[i + 1..].parse::<i64>() {
            Ok(e) if e.abs() <= 1_000_000 => (&unsigned[..i], e),
            _ => return false,
        },
        None => (unsigned, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits = || int.bytes().chain(frac.bytes());
    let Some(first) = digits().position(|b| b != b'0') else {
        return true; // zero
    };
    let last = digits().count() - 1 - digits().rev().position(|b| b != b'0').unwrap_or(0);
    // The power of ten of the leading significant digit.
    let magnitude = int.len() as i64 - 1 - first as i64 + exponent;
    last - first < MAX_NUMBER_DIGITS && (MIN_NUMBER_EXPONENT..=MAX_NUMBER_EXPONENT).contains(&magnitude)
}

/// One attribute value. Only the types the index uses.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum AttrValue {
    /// A string.
    S(String),
    /// A number, as its decimal text (DynamoDB's wire form).
    N(String),
    /// Binary data.
    B(Vec<u8>),
    /// A boolean.
    Bool(bool),
}

impl AttrValue {
    /// A number attribute from an integer.
    pub fn int(n: impl Into<i128>) -> Self {
        Self::N(n.into().to_string())
    }

    /// A number attribute from a float, if DynamoDB can store it ([`is_valid_number`]); `None` for NaN,
    /// infinities and magnitudes outside 1E-130..1E+126 (a `Duration: 0.000…1` of 200 zeros).
    pub(crate) fn float(v: f64) -> Option<Self> {
        let text = v.to_string();
        (v.is_finite() && is_valid_number(&text)).then_some(Self::N(text))
    }

    /// The string, if this is one.
    pub fn as_s(&self) -> Option<&str> {
        match self {
            Self::S(s) => Some(s),
            _ => None,
        }
    }

    /// The number's text, if this is one.
    pub fn as_n(&self) -> Option<&str> {
        match self {
            Self::N(n) => Some(n),
            _ => None,
        }
    }

    /// The bytes, if this is binary.
    pub fn as_b(&self) -> Option<&[u8]> {
        match self {
            Self::B(b) => Some(b),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The value's size in bytes by DynamoDB's rules (without the attribute name).
    pub fn size(&self) -> usize {
        match self {
            Self::S(s) => s.len(),
            Self::B(b) => b.len(),
            Self::Bool(_) => 1,
            Self::N(n) => number_size(n),
        }
    }
}

/// "1 byte per two significant digits, plus 1 byte"; leading and trailing zeroes are not significant.
fn number_size(text: &str) -> usize {
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len().max(1);
    significant.div_ceil(2) + 1
}

/// One item of the index table: its key and its other attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexItem {
    /// Partition key value (`request_id`): an API Gateway or Lambda request ID.
    pub pk: String,
    /// Sort key value (`sk`).
    pub sk: String,
    /// Every other attribute, by name.
    pub attrs: BTreeMap<String, AttrValue>,
}

impl IndexItem {
    /// An item with only its key.
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
            attrs: BTreeMap::new(),
        }
    }

    /// Sets an attribute (builder style).
    pub fn with(mut self, name: &str, value: AttrValue) -> Self {
        self.attrs.insert(name.to_string(), value);
        self
    }

    /// Sets an attribute if there is a value.
    pub(crate) fn set_opt(&mut self, name: &str, value: Option<AttrValue>) {
        if let Some(v) = value {
            self.attrs.insert(name.to_string(), v);
        }
    }

    /// An attribute's value.
    pub fn get(&self, name: &str) -> Option<&AttrValue> {
        self.attrs.get(name)
    }

    /// A string attribute.
    pub fn s(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(AttrValue::as_s)
    }

    /// A number attribute as an integer.
    pub fn int(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(AttrValue::as_n).and_then(|n| n.parse().ok())
    }

    /// The item's size by DynamoDB's rules, keys included.
    pub fn size(&self) -> usize {
        schema::PARTITION_KEY.len()
            + self.pk.len()
            + schema::SORT_KEY.len()
            + self.sk.len()
            + self.attrs.iter().map(|(k, v)| k.len() + v.size()).sum::<usize>()
    }

    /// Whether the item carries the failures index's keys (and so is written to the index too).
    pub(crate) fn in_failures_index(&self) -> bool {
        self.attrs.contains_key(schema::FAILURES_PARTITION_KEY) && self.attrs.contains_key(schema::FAILURES_SORT_KEY)
    }

    /// The size of this item's entry in the failures index: table keys, index keys, projected
    /// attributes and the per-entry overhead. `None` when the item is not in the index.
    pub(crate) fn failures_entry_size(&self) -> Option<usize> {
        self.in_failures_index().then(|| {
            let projected: usize = [schema::FAILURES_PARTITION_KEY, schema::FAILURES_SORT_KEY]
                .into_iter()
                .chain(schema::FAILURES_PROJECTED)
                .filter_map(|name| self.attrs.get(name).map(|v| name.len() + v.size()))
                .sum();
            schema::PARTITION_KEY.len()
                + self.pk.len()
                + schema::SORT_KEY.len()
                + self.sk.len()
                + projected
                + INDEX_ENTRY_OVERHEAD_BYTES
        })
    }

    /// Write units a first write of this item costs: the table write plus the failures index write.
    pub fn write_units(&self) -> u64 {
        units(self.size()) + self.failures_entry_size().map_or(0, units)
    }
}

/// Write units for `bytes` (rounded up to whole kilobytes; at least one).
pub fn units(bytes: usize) -> u64 {
    bytes.div_ceil(WRITE_UNIT_BYTES).max(1) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_sizes_count_significant_digits() {
        assert_eq!(number_size("0"), 2);
        assert_eq!(number_size("7"), 2);
        assert_eq!(number_size("502"), 3);
        assert_eq!(number_size("1698670710123"), 8);
        assert_eq!(number_size("1000"), 2);
        assert_eq!(number_size("-0.0012"), 2);
        assert_eq!(number_size("187.43"), 4);
    }

    #[test]
    fn numbers_are_valid_exactly_within_dynamodbs_range() {
        let zeros = "0".repeat(200);
        let (nines, big, too_big) = (
            "9".repeat(38),
            format!("1{}", "0".repeat(125)),
            format!("1{}", "0".repeat(126)),
        );
        let (tiny, huge, too_many) = (format!("0.{zeros}1"), format!("1{zeros}"), "9".repeat(39));
        // (text, whether DynamoDB stores it)
        let cases: [(&str, bool); 35] = [
            ("0", true),
            ("-0", true),
            ("0.0", true),
            ("7", true),
            ("-12.5", true),
            ("3003.16", true),
            ("1e-130", true),
            ("1E-130", true),
            ("-1e-130", true),
            ("0.5", true),
            ("18446744073709551615", true),
            ("9.9999999999999999999999999999999999999E+125", true),
            (&nines, true),
            (&big, true),
            ("12345678901234567890123456789012345678", true),
            ("1.2345678901234567890123456789012345678e10", true),
            ("", false),
            ("-", false),
            (".", false),
            ("e5", false),
            ("1e", false),
            ("abc", false),
            ("1.2.3", false),
            ("+1", false),
            ("NaN", false),
            ("inf", false),
            ("1e-131", false),
            ("9.9e-131", false),
            ("1e126", false),
            ("-1e126", false),
            (&too_many, false),
            (&too_big, false),
            (&tiny, false),
            (&huge, false),
            ("1e99999999999", false),
        ];
        for (text, valid) in cases {
            assert_eq!(is_valid_number(text), valid, "{text}");
        }
        assert!(!is_valid_number("123456789012345678901234567890123456789"));
        assert_eq!(AttrValue::float(3003.16), Some(AttrValue::N("3003.16".into())));
        assert_eq!(AttrValue::float(1e-200), None);
        assert_eq!(AttrValue::float(1e200), None);
        assert_eq!(AttrValue::float(f64::NAN), None);
        assert_eq!(AttrValue::float(0.0), Some(AttrValue::N("0".into())));
        assert!(AttrValue::float(1e-130).is_some_and(|n| is_valid_number(n.as_n().unwrap())));
        assert!(AttrValue::float(9.99e125).is_some());
    }

    #[test]
    fn item_size_counts_names_and_values() {
        let item = IndexItem::new("abc", "api#1")
            .with("status", AttrValue::int(502))
            .with("complete", AttrValue::Bool(true))
            .with("data", AttrValue::B(vec![0; 10]));
        // request_id+abc (13) + sk+api#1 (7) + status+502 (6+3) + complete+bool (8+1) + data+10 (14)
        assert_eq!(item.size(), 13 + 7 + 9 + 9 + 14);
        assert_eq!(item.write_units(), 1);
        assert_eq!(units(1024), 1);
        assert_eq!(units(1025), 2);
    }

    #[test]
    fn failures_index_entries_cost_an_extra_write() {
        let item = IndexItem::new("abc", "api#1")
            .with(schema::FAILURES_PARTITION_KEY, AttrValue::S("2023-10-30".into()))
            .with(schema::FAILURES_SORT_KEY, AttrValue::S("1698670710123#abc".into()))
            .with("failure_reason", AttrValue::S("LambdaTimeout".into()))
            .with("data", AttrValue::B(vec![0; 1500]));
        assert!(item.in_failures_index());
        let entry = item.failures_entry_size().unwrap();
        assert!(entry < 300, "{entry}: the blob is not projected");
        assert_eq!(item.write_units(), 2 + 1);
    }
}
