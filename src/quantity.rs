//! Exact Kubernetes quantities: `500m`, `2`, `1.5`, `6Gi`, `1e3`, and durations `30s`, `5min`.
//!
//! A quantity is an integer count of nano-units (10^-9) and a dimension, so
//! `1.5Gi` is exactly 1610612736 bytes and `500m` exactly half a core. No
//! floating point is ever involved; every operation is checked for overflow.

use std::cmp::Ordering;
use std::fmt;

const NANO: i128 = 1_000_000_000;

/// What a quantity measures. Arithmetic checks that units agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dim {
    /// Plain numbers: counts, cores, ports (`2`, `500m`, `1.5`).
    Scalar,
    /// Bytes: any binary suffix (`Ki`..`Ei`) or decimal size suffix (`k`..`E`).
    Bytes,
    /// Durations: `s`, `min`, `h`.
    Seconds,
}

impl Dim {
    pub fn noun(self) -> &'static str {
        match self {
            Dim::Scalar => "a plain number",
            Dim::Bytes => "a size in bytes",
            Dim::Seconds => "a duration",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Quantity {
    /// The value times 10^9.
    pub nanos: i128,
    pub dim: Dim,
}

/// Why a literal or an operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuantityError {
    /// The unit is not a Kubernetes suffix; carries a hint.
    UnknownUnit {
        unit: String,
        hint: String,
    },
    /// More precise than 10^-9, or a malformed literal.
    Invalid(String),
    /// Does not fit.
    Overflow,
    DivisionByZero,
    /// Units disagree: carries both dimensions.
    Mismatch(Dim, Dim),
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantityError::UnknownUnit { unit, .. } => write!(f, "unknown unit `{unit}`"),
            QuantityError::Invalid(why) => f.write_str(why),
            QuantityError::Overflow => f.write_str("the number is too large"),
            QuantityError::DivisionByZero => f.write_str("division by zero"),
            QuantityError::Mismatch(a, b) => {
                write!(f, "cannot combine {} with {}", a.noun(), b.noun())
            }
        }
    }
}

/// Multiplier of a suffix, as (numerator in nano-units per unit, dimension).
fn suffix(unit: &str) -> Option<(i128, Dim)> {
    const KI: i128 = 1024;
    Some(match unit {
        "" => (NANO, Dim::Scalar),
        "n" => (1, Dim::Scalar),
        "u" => (1_000, Dim::Scalar),
        "m" => (1_000_000, Dim::Scalar),
        "k" => (NANO * 1_000, Dim::Bytes),
        "M" => (NANO * 1_000_000, Dim::Bytes),
        "G" => (NANO * 1_000_000_000, Dim::Bytes),
        "T" => (NANO * 1_000_000_000_000, Dim::Bytes),
        "P" => (NANO * 1_000_000_000_000_000, Dim::Bytes),
        "E" => (NANO * 1_000_000_000_000_000_000, Dim::Bytes),
        "Ki" => (NANO * KI, Dim::Bytes),
        "Mi" => (NANO * KI.pow(2), Dim::Bytes),
        "Gi" => (NANO * KI.pow(3), Dim::Bytes),
        "Ti" => (NANO * KI.pow(4), Dim::Bytes),
        "Pi" => (NANO * KI.pow(5), Dim::Bytes),
        "Ei" => (NANO * KI.pow(6), Dim::Bytes),
        "s" => (NANO, Dim::Seconds),
        "min" => (NANO * 60, Dim::Seconds),
        "h" => (NANO * 3600, Dim::Seconds),
        _ => return None,
    })
}

fn unit_hint(unit: &str) -> String {
    let upper = unit.to_ascii_uppercase();
    let size = |prefix: &str| {
        format!(
            "write `{prefix}i` for binary units (2^n, what memory is sold in) or `{prefix}` for decimal units (10^n)"
        )
    };
    match upper.as_str() {
        "KB" | "KIB" | "K" => size("K").replace("`K`", "`k`"),
        "MB" | "MIB" => size("M"),
        "GB" | "GIB" => size("G"),
        "TB" | "TIB" => size("T"),
        "PB" | "PIB" => size("P"),
        "EB" | "EIB" => size("E"),
        "B" | "BYTES" => "write a plain number of bytes, or use a suffix such as `Mi` or `Gi`".into(),
        "MS" => "durations are written in `s`, `min` or `h`; `m` means milli (1/1000)".into(),
        "SEC" | "SECS" | "SECONDS" => "write seconds as `s`, e.g. `30s`".into(),
        "MINS" | "MINUTE" | "MINUTES" => "write minutes as `min`, e.g. `5min`".into(),
        "HOURS" | "HR" | "HRS" => "write hours as `h`, e.g. `2h`".into(),
        "CPU" | "CORE" | "CORES" => "cpu is a plain number of cores (`2`) or millicores (`500m`)".into(),
        _ => "valid suffixes are n u m (fractions), k M G T P E (decimal sizes), Ki Mi Gi Ti Pi Ei (binary sizes), s min h (durations)".into(),
    }
}

impl Quantity {
    pub const ZERO: Quantity = Quantity {
        nanos: 0,
        dim: Dim::Scalar,
    };

    pub fn scalar(n: i64) -> Quantity {
        Quantity {
            nanos: i128::from(n) * NANO,
            dim: Dim::Scalar,
        }
    }

    pub fn zero(dim: Dim) -> Quantity {
        Quantity { nanos: 0, dim }
    }

    pub fn bytes(n: i128) -> Option<Quantity> {
        n.checked_mul(NANO).map(|nanos| Quantity { nanos, dim: Dim::Bytes })
    }

    /// Parses a literal exactly as Kubernetes does, plus duration units.
    pub fn parse(text: &str) -> Result<Quantity, QuantityError> {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let int_part = &text[..i];
        let mut frac_part = "";
        if i < bytes.len() && bytes[i] == b'.' {
            let start = i + 1;
            i = start;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            // Trailing zeros change nothing: `1.50` is `1.5`.
            frac_part = text[start..i].trim_end_matches('0');
        }
        if int_part.is_empty() {
            return Err(QuantityError::Invalid(format!("`{text}` is not a number")));
        }
        let mut exponent: i32 = 0;
        let rest = &text[i..];
        let mut unit = rest;
        if let Some(exp) = rest.strip_prefix(['e', 'E']) {
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                let magnitude: i32 = digits
                    .parse()
                    .ok()
                    .filter(|m: &i32| *m <= 40)
                    .ok_or(QuantityError::Overflow)?;
                exponent = if exp.starts_with('-') { -magnitude } else { magnitude };
                unit = "";
            }
        }
        let (per_unit, dim) = suffix(unit).ok_or_else(|| QuantityError::UnknownUnit {
            unit: unit.to_string(),
            hint: unit_hint(unit),
        })?;

        // value = digits / 10^frac_len * 10^exponent * per_unit  (in nanos)
        let digits: String = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        if digits.len() > 36 {
            return Err(QuantityError::Overflow);
        }
        let mantissa: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| QuantityError::Overflow)?
        };
        let scale = exponent - i32::try_from(frac_part.len()).map_err(|_| QuantityError::Overflow)?;
        let mut value = mantissa.checked_mul(per_unit).ok_or(QuantityError::Overflow)?;
        if scale >= 0 {
            let factor = 10i128
                .checked_pow(scale.unsigned_abs())
                .ok_or(QuantityError::Overflow)?;
            value = value.checked_mul(factor).ok_or(QuantityError::Overflow)?;
        } else {
            let divisor = 10i128
                .checked_pow(scale.unsigned_abs())
                .ok_or_else(|| too_precise(text))?;
            if value % divisor != 0 {
                return Err(too_precise(text));
            }
            value /= divisor;
        }
        Ok(Quantity { nanos: value, dim })
    }

    pub fn checked_add(self, other: Quantity) -> Result<Quantity, QuantityError> {
        let dim = self.same_dim(other)?;
        self.nanos
            .checked_add(other.nanos)
            .map(|nanos| Quantity { nanos, dim })
            .ok_or(QuantityError::Overflow)
    }

    pub fn checked_sub(self, other: Quantity) -> Result<Quantity, QuantityError> {
        let dim = self.same_dim(other)?;
        self.nanos
            .checked_sub(other.nanos)
            .map(|nanos| Quantity { nanos, dim })
            .ok_or(QuantityError::Overflow)
    }

    /// Multiplication: at most one side may carry a unit.
    pub fn checked_mul(self, other: Quantity) -> Result<Quantity, QuantityError> {
        let dim = match (self.dim, other.dim) {
            (Dim::Scalar, d) | (d, Dim::Scalar) => d,
            (a, b) => return Err(QuantityError::Mismatch(a, b)),
        };
        // a·b/10^9 without the 10^9-times-larger intermediate product: with
        // a = aq·10^9 + ar and b = bq·10^9 + br it is a·bq + aq·br + ar·br/10^9.
        let (aq, ar) = (self.nanos / NANO, self.nanos % NANO);
        let (bq, br) = (other.nanos / NANO, other.nanos % NANO);
        let small = ar * br; // both below 10^9 in magnitude
        if small % NANO != 0 {
            return Err(QuantityError::Invalid(
                "the product is more precise than 1n (10^-9)".to_string(),
            ));
        }
        let nanos = self
            .nanos
            .checked_mul(bq)
            .and_then(|n| n.checked_add(aq.checked_mul(br)?))
            .and_then(|n| n.checked_add(small / NANO))
            .ok_or(QuantityError::Overflow)?;
        Ok(Quantity { nanos, dim })
    }

    /// Division: by a plain number keeps the unit; by the same unit gives a plain number.
    pub fn checked_div(self, other: Quantity) -> Result<Quantity, QuantityError> {
        let dim = match (self.dim, other.dim) {
            (d, Dim::Scalar) => d,
            (a, b) if a == b => Dim::Scalar,
            (a, b) => return Err(QuantityError::Mismatch(a, b)),
        };
        if other.nanos == 0 {
            return Err(QuantityError::DivisionByZero);
        }
        // a·10^9/b without the 10^9-times-larger intermediate: (a/b)·10^9 + (a%b)·10^9/b.
        let inexact = || QuantityError::Invalid("the quotient is not exact to 1n (10^-9); use whole units".to_string());
        let whole = self.nanos.checked_div(other.nanos).ok_or(QuantityError::Overflow)?;
        let rest = (self.nanos % other.nanos).checked_mul(NANO).ok_or_else(inexact)?;
        if rest % other.nanos != 0 {
            return Err(inexact());
        }
        let nanos = whole
            .checked_mul(NANO)
            .and_then(|n| n.checked_add(rest / other.nanos))
            .ok_or(QuantityError::Overflow)?;
        Ok(Quantity { nanos, dim })
    }

    pub fn checked_neg(self) -> Result<Quantity, QuantityError> {
        self.nanos
            .checked_neg()
            .map(|nanos| Quantity { nanos, dim: self.dim })
            .ok_or(QuantityError::Overflow)
    }

    fn same_dim(self, other: Quantity) -> Result<Dim, QuantityError> {
        if self.dim == other.dim {
            Ok(self.dim)
        } else {
            Err(QuantityError::Mismatch(self.dim, other.dim))
        }
    }

    /// The value as a whole number, if it is one.
    pub fn as_integer(self) -> Option<i128> {
        (self.nanos % NANO == 0).then_some(self.nanos / NANO)
    }

    pub fn is_negative(self) -> bool {
        self.nanos < 0
    }

    pub fn millis(self) -> Option<i128> {
        (self.nanos % 1_000_000 == 0).then_some(self.nanos / 1_000_000)
    }

    /// The canonical Kubernetes spelling: the shortest exact form, binary suffixes
    /// preferred for bytes (`6Gi`, `1536Mi`), millis for fractions (`500m`).
    pub fn to_k8s_string(self) -> String {
        let candidates: &[&str] = match self.dim {
            Dim::Bytes => &["Ei", "Pi", "Ti", "Gi", "Mi", "Ki", "E", "P", "T", "G", "M", "k", ""],
            Dim::Scalar => &["", "m", "u", "n"],
            Dim::Seconds => &["", "n"],
        };
        let mut best: Option<String> = None;
        for unit in candidates {
            let Some((per_unit, _)) = suffix(unit) else {
                continue;
            };
            if self.nanos % per_unit == 0 {
                let text = format!("{}{}", self.nanos / per_unit, unit);
                if best.as_ref().is_none_or(|b| text.len() < b.len()) {
                    best = Some(text);
                }
            }
        }
        best.unwrap_or_else(|| format!("{}n", self.nanos))
    }

    /// A human reading: `1.5` cores, `6Gi`, `300s`.
    pub fn human(self) -> String {
        match self.dim {
            Dim::Scalar => decimal(self.nanos, NANO),
            Dim::Bytes => {
                // Sizes read best in Gi with a few decimals (`36.625Gi`), else exactly.
                const GI: i128 = NANO * 1024 * 1024 * 1024;
                let gi = decimal(self.nanos, GI);
                let decimals = gi.split('.').nth(1).map_or(0, str::len);
                if self.nanos.unsigned_abs() >= GI.unsigned_abs() && decimals <= 3 {
                    format!("{gi}Gi")
                } else {
                    self.to_k8s_string()
                }
            }
            Dim::Seconds => format!("{}s", decimal(self.nanos, NANO)),
        }
    }

    pub fn whole_seconds(self) -> Option<i128> {
        (self.dim == Dim::Seconds).then(|| self.as_integer()).flatten()
    }
}

fn too_precise(text: &str) -> QuantityError {
    QuantityError::Invalid(format!("`{text}` is more precise than 1n (10^-9)"))
}

/// `value / unit` as a decimal string without trailing zeros.
pub fn decimal(value: i128, unit: i128) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    let unit = unit.unsigned_abs();
    let whole = abs / unit;
    let mut frac = abs % unit;
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let mut digits = String::new();
    let mut scale = unit;
    while frac != 0 && scale > 1 {
        scale /= 10;
        digits.push(char::from(b'0' + u8::try_from(frac / scale).unwrap_or(0)));
        frac %= scale;
    }
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Quantity) -> Option<Ordering> {
        (self.dim == other.dim).then(|| self.nanos.cmp(&other.nanos))
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_k8s_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap()
    }

    #[test]
    fn parses_exactly() {
        assert_eq!(q("500m").nanos, 500_000_000);
        assert_eq!(q("2").nanos, 2 * NANO);
        assert_eq!(q("1.5").nanos, 1_500_000_000);
        assert_eq!(q("1.5Gi").as_integer(), Some(1_610_612_736));
        assert_eq!(q("6Gi").as_integer(), Some(6 * 1024 * 1024 * 1024));
        assert_eq!(q("1e3").as_integer(), Some(1000));
        assert_eq!(q("1E").as_integer(), Some(1_000_000_000_000_000_000));
        assert_eq!(q("5min").as_integer(), Some(300));
        assert_eq!(q("0.1m").nanos, 100_000);
        assert_eq!(q("1.5Gi").dim, Dim::Bytes);
        assert_eq!(q("30s").dim, Dim::Seconds);
    }

    #[test]
    fn rejects_what_kubernetes_rejects() {
        assert!(matches!(Quantity::parse("6GB"), Err(QuantityError::UnknownUnit { .. })));
        assert!(matches!(Quantity::parse("1.5n"), Err(QuantityError::Invalid(_))));
        assert_eq!(Quantity::parse("999999999999999999Ei"), Err(QuantityError::Overflow));
        assert_eq!(Quantity::parse("1e99"), Err(QuantityError::Overflow));
        assert_eq!(
            Quantity::parse("99999999999999999999999999999999999999999"),
            Err(QuantityError::Overflow)
        );
        assert_eq!(q("1.000000000000000000000000000000000000000000000").nanos, NANO);
        assert_eq!(q("1.50").nanos, 1_500_000_000);
    }

    #[test]
    fn products_and_quotients_near_the_limit_are_exact() {
        let big = q("99999999999999999999999999"); // 10^35 nanos
        assert_eq!(big.checked_mul(q("1000")).unwrap().nanos, big.nanos * 1000);
        assert_eq!(q("1000").checked_mul(big).unwrap().nanos, big.nanos * 1000);
        assert_eq!(big.checked_div(q("2")).unwrap().nanos, big.nanos / 2);
        assert_eq!(big.checked_div(q("0.5")).unwrap().nanos, big.nanos * 2);
        assert_eq!(q("1.5").checked_mul(q("1.5")).unwrap(), q("2.25"));
        let minus = |t: &str| q(t).checked_neg().unwrap();
        assert_eq!(minus("1.5").checked_mul(q("1.5")).unwrap(), minus("2.25"));
        assert_eq!(
            q("0.000000001").checked_mul(q("0.5")).map(|x| x.nanos),
            Err(QuantityError::Invalid(
                "the product is more precise than 1n (10^-9)".to_string()
            ))
        );
        assert_eq!(q("3").checked_div(q("1.5")).unwrap(), q("2"));
        assert_eq!(
            q("1").checked_div(q("3")).map(|x| x.nanos),
            Err(QuantityError::Invalid(
                "the quotient is not exact to 1n (10^-9); use whole units".to_string()
            ))
        );
        assert_eq!(big.checked_mul(big), Err(QuantityError::Overflow));
    }

    #[test]
    fn arithmetic_agrees_with_wide_reference_on_a_grid() {
        // Exact rational reference in i128 where it cannot overflow.
        let values = ["0", "1", "2", "500m", "1.5", "3", "7n", "999u", "123456.789", "1000000"];
        let signed: Vec<(String, Quantity)> = values
            .iter()
            .flat_map(|v| [(v.to_string(), q(v)), (format!("-{v}"), q(v).checked_neg().unwrap())])
            .collect();
        for (a, x) in &signed {
            for (b, y) in &signed {
                let (x, y) = (*x, *y);
                let product = x.nanos * y.nanos;
                let expected = if product % NANO == 0 {
                    Ok(product / NANO)
                } else {
                    Err(())
                };
                assert_eq!(x.checked_mul(y).map(|r| r.nanos).map_err(|_| ()), expected, "{a} * {b}");
                if y.nanos != 0 {
                    let scaled = x.nanos * NANO;
                    let expected = if scaled % y.nanos == 0 {
                        Ok(scaled / y.nanos)
                    } else {
                        Err(())
                    };
                    assert_eq!(x.checked_div(y).map(|r| r.nanos).map_err(|_| ()), expected, "{a} / {b}");
                }
            }
        }
    }

    #[test]
    fn extreme_values_print_and_overflow_cleanly() {
        let min = Quantity {
            nanos: i128::MIN,
            dim: Dim::Bytes,
        };
        assert!(min.human().starts_with('-'));
        assert!(min.to_k8s_string().starts_with('-'));
        assert_eq!(min.checked_neg(), Err(QuantityError::Overflow));
        assert_eq!(
            min.checked_sub(q("1")),
            Err(QuantityError::Mismatch(Dim::Bytes, Dim::Scalar))
        );
        assert_eq!(min.checked_sub(q("1Ki")), Err(QuantityError::Overflow));
        let max = Quantity {
            nanos: i128::MAX,
            dim: Dim::Scalar,
        };
        assert_eq!(max.checked_add(q("1n")), Err(QuantityError::Overflow));
        assert_eq!(max.checked_mul(q("2")), Err(QuantityError::Overflow));
        assert_eq!(max.checked_div(q("1n")), Err(QuantityError::Overflow));
        assert_eq!(
            Quantity {
                nanos: -1,
                dim: Dim::Scalar
            }
            .checked_div(max)
            .map(|q| q.nanos),
            Err(QuantityError::Invalid(
                "the quotient is not exact to 1n (10^-9); use whole units".to_string()
            ))
        );
    }

    #[test]
    fn arithmetic_checks_units() {
        assert_eq!(q("2").checked_mul(q("6Gi")).unwrap(), q("12Gi"));
        assert_eq!(q("1").checked_add(q("500m")).unwrap(), q("1.5"));
        assert!(matches!(q("1").checked_add(q("1Gi")), Err(QuantityError::Mismatch(..))));
        assert!(matches!(
            q("1Gi").checked_mul(q("1Gi")),
            Err(QuantityError::Mismatch(..))
        ));
        assert_eq!(q("12Gi").checked_div(q("6Gi")).unwrap(), q("2"));
        assert_eq!(q("1").checked_div(q("0")), Err(QuantityError::DivisionByZero));
    }

    #[test]
    fn canonical_spelling() {
        assert_eq!(q("6Gi").to_k8s_string(), "6Gi");
        assert_eq!(q("1.5Gi").to_k8s_string(), "1536Mi");
        assert_eq!(q("6G").to_k8s_string(), "6G");
        assert_eq!(q("500m").to_k8s_string(), "500m");
        assert_eq!(q("2").to_k8s_string(), "2");
        assert_eq!(q("1.5").to_k8s_string(), "1500m");
        assert_eq!(q("1.5").human(), "1.5");
        assert_eq!(decimal(1_250_000_000, NANO), "1.25");
    }
}
