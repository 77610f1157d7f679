//! Times are stored in UTC and shown in Europe/Brussels, in Dutch.

use chrono::{DateTime, Datelike, Duration, SecondsFormat, Utc};
use chrono_tz::Europe::Brussels;

const WEEKDAYS: [&str; 7] = [
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
];
const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

/// "16:30"
pub fn clock_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Brussels).format("%H:%M").to_string()
}

/// "22/11 16:30"
pub fn short_date_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Brussels).format("%d/%m %H:%M").to_string()
}

/// "zondag 22 november 2026 om 16:30"
pub fn long_date_time(t: DateTime<Utc>) -> String {
    let b = t.with_timezone(&Brussels);
    format!(
        "{} {} {} {} om {}",
        WEEKDAYS[b.weekday().num_days_from_monday() as usize],
        b.day(),
        MONTHS[b.month0() as usize],
        b.year(),
        b.format("%H:%M")
    )
}

/// The ticker's day heading: "Vandaag", "Gisteren", or "maandag 21/11" (Brussels days).
pub fn day_heading(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let day = t.with_timezone(&Brussels).date_naive();
    let today = now.with_timezone(&Brussels).date_naive();
    if day == today {
        "Vandaag".to_string()
    } else if Some(day) == today.checked_sub_signed(Duration::days(1)) {
        "Gisteren".to_string()
    } else {
        format!(
            "{} {}",
            WEEKDAYS[day.weekday().num_days_from_monday() as usize],
            day.format("%d/%m")
        )
    }
}

/// "22/11": the Brussels day and month, as "live vanaf 16:30 (22/11)" writes it.
pub fn day_month(t: DateTime<Utc>) -> String {
    t.with_timezone(&Brussels).format("%d/%m").to_string()
}

/// RFC 3339 in Brussels time, for `<time datetime>` and JSON.
pub fn iso(t: DateTime<Utc>) -> String {
    t.with_timezone(&Brussels).to_rfc3339()
}

/// RFC 822 date-time as RSS wants it, in Brussels time: "Sun, 22 Nov 2026 15:00:00 +0100".
pub fn rfc822(t: DateTime<Utc>) -> String {
    t.with_timezone(&Brussels).to_rfc2822()
}

/// W3C datetime (RFC 3339 to the second) in Brussels time, for Atom and sitemaps:
/// "2026-11-22T15:00:00+01:00".
pub fn w3c(t: DateTime<Utc>) -> String {
    t.with_timezone(&Brussels)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// "2026-11-22": the Brussels date, as a date field holds it.
pub fn input_date(t: DateTime<Utc>) -> String {
    t.with_timezone(&Brussels).format("%Y-%m-%d").to_string()
}

/// "16:30": the Brussels time, as a time field holds it.
pub fn input_time(t: DateTime<Utc>) -> String {
    clock_time(t)
}

/// The moment a Brussels date and time ("2026-11-22", "16:30") name; `None` when they name
/// none (a typo, or the hour skipped when summer time starts). The hour that occurs twice
/// when summer time ends is read as its first occurrence.
pub fn from_input(date: &str, time: &str) -> Option<DateTime<Utc>> {
    use chrono::{NaiveDate, NaiveTime, TimeZone};
    let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    let time = NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?;
    Brussels
        .from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn brussels_time_follows_summer_and_winter() {
        let winter = Utc.with_ymd_and_hms(2026, 1, 20, 15, 30, 0).unwrap();
        let summer = Utc.with_ymd_and_hms(2026, 7, 20, 14, 30, 0).unwrap();
        assert_eq!(clock_time(winter), "16:30");
        assert_eq!(clock_time(summer), "16:30");
        assert_eq!(long_date_time(winter), "dinsdag 20 januari 2026 om 16:30");
    }

    #[test]
    fn feed_dates_carry_the_brussels_offset() {
        let winter = Utc.with_ymd_and_hms(2026, 11, 22, 14, 0, 0).unwrap();
        let summer =
            Utc.with_ymd_and_hms(2026, 7, 5, 14, 0, 0).unwrap() + Duration::milliseconds(250);
        assert_eq!(rfc822(winter), "Sun, 22 Nov 2026 15:00:00 +0100");
        assert_eq!(rfc822(summer), "Sun, 5 Jul 2026 16:00:00 +0200");
        assert_eq!(w3c(winter), "2026-11-22T15:00:00+01:00");
        assert_eq!(w3c(summer), "2026-07-05T16:00:00+02:00");
    }

    #[test]
    fn ticker_days_are_brussels_days() {
        // 23:30 UTC on the 22nd is already the 23rd in Brussels.
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
        let late = Utc.with_ymd_and_hms(2026, 11, 22, 23, 30, 0).unwrap();
        let yesterday = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        let older = Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap();
        assert_eq!(day_heading(late, now), "Vandaag");
        assert_eq!(day_heading(yesterday, now), "Gisteren");
        assert_eq!(day_heading(older, now), "zaterdag 21/11");
    }

    #[test]
    fn input_fields_round_trip_in_brussels_time() {
        let t = from_input("2026-11-22", "16:30").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-22T15:30:00+00:00");
        assert_eq!(
            (input_date(t), input_time(t)),
            ("2026-11-22".into(), "16:30".into())
        );
        assert_eq!(
            from_input("2026-07-01", "16:30").unwrap().to_rfc3339(),
            "2026-07-01T14:30:00+00:00"
        );
        assert_eq!(from_input("2026-03-29", "02:30"), None, "skipped hour");
        assert_eq!(from_input("22/11/2026", "16:30"), None);
        assert_eq!(from_input("2026-11-22", "25:00"), None);
    }
}
