//! [`At`]: an instant as both databases keep it, so shared SQL binds and reads times one way.
//! SQLite stores INTEGER UTC milliseconds, PostgreSQL a timestamptz cut to whole
//! milliseconds: the same instants, so comparisons, cursors ("MILLIS.ID") and copied values
//! agree on both backends.

use chrono::{DateTime, TimeZone, Utc};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgHasArrayType, PgTypeInfo};
use sqlx::{Database, Decode, Encode, Postgres, Sqlite, Type};

/// A stored instant (see the module documentation): bind `At(t)`, read `At` fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct At(pub DateTime<Utc>);

impl At {
    /// The instant cut to whole milliseconds, as it is stored.
    pub(crate) fn millis(self) -> i64 {
        self.0.timestamp_millis()
    }

    /// The instant `ms` milliseconds after the epoch; out of chrono's range (no stored value
    /// is), the epoch.
    pub(crate) fn from_millis(ms: i64) -> Self {
        Self(Utc.timestamp_millis_opt(ms).single().unwrap_or_default())
    }

    /// The instant as it is stored, to compare with one read back.
    pub(crate) fn stored(self) -> Self {
        Self::from_millis(self.millis())
    }

    /// The instant as PostgreSQL keeps it: cut to whole milliseconds.
    fn cut(self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.millis())
            .single()
            .unwrap_or(self.0)
    }
}

impl From<At> for DateTime<Utc> {
    fn from(at: At) -> Self {
        at.0
    }
}

impl Type<Sqlite> for At {
    fn type_info() -> <Sqlite as Database>::TypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &<Sqlite as Database>::TypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for At {
    fn encode_by_ref(
        &self,
        buf: &mut <Sqlite as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<Sqlite>>::encode(self.millis(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for At {
    fn decode(value: <Sqlite as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self::from_millis(<i64 as Decode<Sqlite>>::decode(value)?))
    }
}

impl Type<Postgres> for At {
    fn type_info() -> PgTypeInfo {
        <DateTime<Utc> as Type<Postgres>>::type_info()
    }
}

impl PgHasArrayType for At {
    fn array_type_info() -> PgTypeInfo {
        <DateTime<Utc> as PgHasArrayType>::array_type_info()
    }
}

impl Encode<'_, Postgres> for At {
    fn encode_by_ref(
        &self,
        buf: &mut <Postgres as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <DateTime<Utc> as Encode<Postgres>>::encode(self.cut(), buf)
    }
}

impl<'r> Decode<'r, Postgres> for At {
    fn decode(value: <Postgres as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self(<DateTime<Utc> as Decode<Postgres>>::decode(value)?))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn times_are_cut_to_milliseconds() {
        let t = Utc.timestamp_opt(1_700_000_000, 123_456_789).unwrap();
        assert_eq!(
            At(t).cut().timestamp_nanos_opt(),
            Some(1_700_000_000_123_000_000)
        );
        let before = Utc.timestamp_opt(-1, 999_999_999).unwrap();
        assert_eq!(
            At(before).cut().timestamp_millis(),
            before.timestamp_millis()
        );
        assert_eq!(At::from_millis(At(t).millis()).0, At(t).cut());
    }
}
