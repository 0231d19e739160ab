//! Exact amounts of money.
//!
//! A price is an exact quantity (nano-units), and so is every resource amount;
//! a GiB is 2^30 bytes. Their products are fractions whose denominators are
//! products of 2s and 5s, so every amount kokuc computes is a terminating
//! decimal. [`Money`] keeps it as a reduced fraction of `i128`s: sums and
//! products are exact, and rounding happens only when an amount is shown to the
//! cent. Every operation is checked; an overflow is an error, never a wrong sum.

use std::cmp::Ordering;

use crate::quantity::Quantity;

const NANO: i128 = 1_000_000_000;

/// One nano-core, as a fraction of a core: the unit cpu prices are per.
pub const PER_CORE: i128 = NANO;
/// One GiB in nano-bytes: the unit memory and storage prices are per.
pub const PER_GIB: i128 = NANO * (1 << 30);

/// An exact amount of money: `num / den`, reduced, `den > 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    num: i128,
    den: i128,
}

/// An amount did not fit in 128 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MoneyOverflow;

impl std::fmt::Display for MoneyOverflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the amount is too large to compute exactly")
    }
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Money {
    pub const ZERO: Money = Money { num: 0, den: 1 };

    fn new(num: i128, den: i128) -> Result<Money, MoneyOverflow> {
        if den == 0 {
            return Err(MoneyOverflow);
        }
        let g = gcd(num, den).max(1);
        let (mut num, mut den) = (num / g, den / g);
        if den < 0 {
            num = num.checked_neg().ok_or(MoneyOverflow)?;
            den = den.checked_neg().ok_or(MoneyOverflow)?;
        }
        Ok(Money { num, den })
    }

    /// A whole number of currency units.
    pub fn units(n: i128) -> Money {
        Money { num: n, den: 1 }
    }

    /// A price written as a plain quantity (`0.10` is ten cents).
    pub fn from_price(price: Quantity) -> Result<Money, MoneyOverflow> {
        Money::new(price.nanos, NANO)
    }

    /// `price` per unit times `amount`, where one unit is `unit` nano-units of
    /// the amount ([`PER_CORE`], [`PER_GIB`]).
    pub fn price_times(price: Quantity, amount: Quantity, unit: i128) -> Result<Money, MoneyOverflow> {
        let num = price.nanos.checked_mul(amount.nanos).ok_or(MoneyOverflow)?;
        let den = NANO.checked_mul(unit).ok_or(MoneyOverflow)?;
        Money::new(num, den)
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyOverflow> {
        let g = gcd(self.den, other.den);
        let left = other.den / g;
        let right = self.den / g;
        let den = self.den.checked_mul(left).ok_or(MoneyOverflow)?;
        let a = self.num.checked_mul(left).ok_or(MoneyOverflow)?;
        let b = other.num.checked_mul(right).ok_or(MoneyOverflow)?;
        Money::new(a.checked_add(b).ok_or(MoneyOverflow)?, den)
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyOverflow> {
        self.checked_add(Money {
            num: other.num.checked_neg().ok_or(MoneyOverflow)?,
            den: other.den,
        })
    }

    pub fn checked_mul_int(self, n: i128) -> Result<Money, MoneyOverflow> {
        let g = gcd(n, self.den).max(1);
        let num = self.num.checked_mul(n / g).ok_or(MoneyOverflow)?;
        Money::new(num, self.den / g)
    }

    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    pub fn is_negative(self) -> bool {
        self.num < 0
    }

    /// The exact value as a decimal string without trailing zeros: `290`, `0.15625`.
    /// Every amount kokuc computes terminates; a fraction that would not is cut
    /// after 40 decimals (it cannot arise from prices and quantities).
    pub fn exact_decimal(self) -> String {
        let sign = if self.num < 0 { "-" } else { "" };
        let num = self.num.unsigned_abs();
        let den = self.den.unsigned_abs();
        let whole = num / den;
        let mut rest = num % den;
        if rest == 0 {
            return format!("{sign}{whole}");
        }
        let mut digits = String::new();
        while rest != 0 && digits.len() < 40 {
            // rest < den <= i128::MAX, so rest * 10 fits in u128.
            rest *= 10;
            digits.push(char::from(b'0' + u8::try_from(rest / den).unwrap_or(0)));
            rest %= den;
        }
        format!("{sign}{whole}.{digits}")
    }

    /// Rounded to whole cents, halves away from zero.
    pub fn cents(self) -> i128 {
        let num = self.num.unsigned_abs();
        let den = self.den.unsigned_abs();
        // num * 100 / den without overflowing: split into whole and fraction.
        let whole = num / den;
        let frac = num % den;
        // Twice the cents in the fraction, floored.
        let frac_cents_x2 = frac
            .checked_mul(200)
            .map_or_else(|| frac / (den / 200).max(1), |x| x / den);
        let frac_cents = frac_cents_x2 / 2 + frac_cents_x2 % 2;
        let cents = whole.saturating_mul(100).saturating_add(frac_cents);
        let cents = i128::try_from(cents).unwrap_or(i128::MAX);
        if self.num < 0 {
            -cents
        } else {
            cents
        }
    }

    /// `$10,440.00`, `-$3.50`: rounded to the cent for reading.
    pub fn display(self, currency: &str) -> String {
        let cents = self.cents();
        let sign = if cents < 0 { "-" } else { "" };
        let abs = cents.unsigned_abs();
        format!("{sign}{currency}{}.{:02}", group_thousands(abs / 100), abs % 100)
    }

    /// `+$555.00` or `-$3.50` or `$0.00`: a difference.
    pub fn display_signed(self, currency: &str) -> String {
        if self.cents() > 0 {
            format!("+{}", self.display(currency))
        } else {
            self.display(currency)
        }
    }

    /// `self` as a whole percentage of `base` (rounded, halves away from zero),
    /// or `None` when `base` is zero.
    pub fn percent_of(self, base: Money) -> Option<i128> {
        if base.num == 0 {
            return None;
        }
        // (self.num / self.den) / (base.num / base.den) * 100
        let num = self.num.checked_mul(base.den)?.checked_mul(100)?;
        let den = self.den.checked_mul(base.num)?;
        Some(round_div(num, den))
    }
}

impl Ord for Money {
    fn cmp(&self, other: &Money) -> Ordering {
        // Compare a/b with c/d through the sign of their difference, exactly.
        match self.checked_sub(*other) {
            Ok(d) => d.num.cmp(&0),
            Err(MoneyOverflow) => {
                let left = self.num.div_euclid(self.den);
                let right = other.num.div_euclid(other.den);
                left.cmp(&right)
            }
        }
    }
}

impl PartialOrd for Money {
    fn partial_cmp(&self, other: &Money) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `num / den` rounded to the nearest integer, halves away from zero.
pub fn round_div(num: i128, den: i128) -> i128 {
    if den == 0 {
        return 0;
    }
    let negative = (num < 0) != (den < 0);
    let (n, d) = (num.unsigned_abs(), den.unsigned_abs());
    let q = n / d;
    let r = n % d;
    let q = if r >= d - r { q + 1 } else { q };
    let q = i128::try_from(q).unwrap_or(i128::MAX);
    if negative {
        -q
    } else {
        q
    }
}

/// `10440` → `10,440`.
pub fn group_thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap()
    }

    #[test]
    fn products_are_exact() {
        let cpu = Money::price_times(q("50"), q("3"), PER_CORE).unwrap();
        let memory = Money::price_times(q("10"), q("12Gi"), PER_GIB).unwrap();
        let storage = Money::price_times(q("0.10"), q("200Gi"), PER_GIB).unwrap();
        let month = cpu.checked_add(memory).unwrap().checked_add(storage).unwrap();
        assert_eq!(month, Money::units(290));
        assert_eq!(month.checked_mul_int(36).unwrap(), Money::units(10_440));
        // 16Mi at $10 per GiB is 10 * 16 / 1024 = $0.15625: exact, not 0.16.
        let gate = Money::price_times(q("10"), q("16Mi"), PER_GIB).unwrap();
        assert_eq!(gate.exact_decimal(), "0.15625");
        assert_eq!(gate.display("$"), "$0.16");
        assert_eq!(gate.checked_mul_int(64).unwrap(), Money::units(10));
    }

    #[test]
    fn display_rounds_halves_away_from_zero() {
        let half_cent = Money::new(5, 1000).unwrap();
        assert_eq!(half_cent.display("$"), "$0.01");
        assert_eq!(Money::ZERO.checked_sub(half_cent).unwrap().display("$"), "-$0.01");
        assert_eq!(Money::new(4999, 1_000_000).unwrap().display("$"), "$0.00");
        assert_eq!(Money::units(1_234_567).display("€"), "€1,234,567.00");
        assert_eq!(Money::units(555).display_signed("$"), "+$555.00");
        assert_eq!(Money::units(-555).display_signed("$"), "-$555.00");
        assert_eq!(Money::ZERO.display_signed("$"), "$0.00");
    }

    #[test]
    fn percentages_and_order() {
        assert_eq!(Money::units(555).percent_of(Money::units(290)), Some(191));
        assert_eq!(Money::units(1).percent_of(Money::ZERO), None);
        assert!(Money::new(1, 3).unwrap() > Money::new(33, 100).unwrap());
        assert_eq!(Money::new(-3, 2).unwrap().exact_decimal(), "-1.5");
    }

    #[test]
    fn overflow_is_an_error() {
        let huge = Money::units(i128::MAX / 2);
        assert_eq!(
            huge.checked_add(huge).and_then(|m| m.checked_add(huge)),
            Err(MoneyOverflow)
        );
        assert_eq!(huge.checked_mul_int(3), Err(MoneyOverflow));
    }
}
