//! Unix milliseconds as readable UTC times, without a date-time dependency.

/// Formats Unix milliseconds as `YYYY-MM-DD HH:MM:SS UTC`.
pub(crate) fn format_utc_millis(millis: i64) -> String {
    let seconds = millis.div_euclid(1000);
    let (year, month, day) = civil_date(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01.
///
/// Counts in 400-year cycles of 146 097 days starting on a 1 March, so the
/// leap day falls at the end of each counted year.
fn civil_date(days: i64) -> (i64, i64, i64) {
    let from_march_0000 = days + 719_468;
    let cycle = from_march_0000.div_euclid(146_097);
    let day_of_cycle = from_march_0000.rem_euclid(146_097);
    let year_of_cycle =
        (day_of_cycle - day_of_cycle / 1460 + day_of_cycle / 36_524 - day_of_cycle / 146_096) / 365;
    let day_of_year =
        day_of_cycle - (365 * year_of_cycle + year_of_cycle / 4 - year_of_cycle / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = cycle * 400 + year_of_cycle + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(format_utc_millis(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(
            format_utc_millis(1_716_879_600_000),
            "2024-05-28 07:00:00 UTC"
        );
        assert_eq!(
            format_utc_millis(951_782_400_000),
            "2000-02-29 00:00:00 UTC"
        );
        assert_eq!(format_utc_millis(-86_400_000), "1969-12-31 00:00:00 UTC");
        assert_eq!(
            format_utc_millis(1_716_879_659_999),
            "2024-05-28 07:00:59 UTC"
        );
    }
}
