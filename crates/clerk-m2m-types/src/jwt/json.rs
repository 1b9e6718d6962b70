//! The JSON of a token's header and payload, read in one pass with strings
//! borrowed from the decoded bytes where they have no escapes.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// A JSON member read without committing to its type.
#[derive(Default)]
pub(super) enum Field<'a> {
    /// Not in the object.
    #[default]
    Absent,
    /// A string (borrowed from the input when it has no escapes).
    Str(Cow<'a, str>),
    /// Any other JSON value, `null` included.
    Other,
}

struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Field<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Field<'de>, E> {
        Ok(Field::Str(Cow::Borrowed(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Field<'de>, E> {
        Ok(Field::Str(Cow::Owned(value.to_owned())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Field<'de>, E> {
        Ok(Field::Str(Cow::Owned(value)))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Field<'de>, E> {
        Ok(Field::Other)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Field<'de>, E> {
        Ok(Field::Other)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Field<'de>, E> {
        Ok(Field::Other)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Field<'de>, E> {
        Ok(Field::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Field<'de>, E> {
        Ok(Field::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Field<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Field::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Field<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Field::Other)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Field<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldVisitor)
    }
}

/// An object key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_str(FieldVisitor)? {
            Field::Str(key) => Ok(Key(key)),
            _ => Err(de::Error::custom("expected a string key")),
        }
    }
}

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(deserializer)?;
    Ok(true)
}

/// The JOSE header members this verifier looks at. `jku`, `x5u`, `jwk` and
/// the like are ignored: keys never come from the token.
#[derive(Deserialize)]
pub(super) struct Header<'a> {
    #[serde(borrow, default)]
    pub(super) alg: Field<'a>,
    #[serde(borrow, default)]
    pub(super) kid: Field<'a>,
    #[serde(borrow, default)]
    pub(super) typ: Field<'a>,
    #[serde(borrow, default)]
    pub(super) cat: Field<'a>,
    #[serde(default, deserialize_with = "present")]
    pub(super) crit: bool,
}

/// The payload: registered claims apart, everything else kept in order.
pub(super) struct Payload<'a> {
    pub(super) sub: Field<'a>,
    pub(super) jti: Field<'a>,
    pub(super) exp: Option<Value>,
    pub(super) nbf: Option<Value>,
    pub(super) iat: Option<Value>,
    pub(super) claims: Map<String, Value>,
}

struct PayloadVisitor;

fn once<T, E: de::Error>(slot: &mut Option<T>, value: T) -> Result<(), E> {
    if slot.replace(value).is_some() {
        return Err(E::custom("repeated registered claim"));
    }
    Ok(())
}

impl<'de> Visitor<'de> for PayloadVisitor {
    type Value = Payload<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Payload<'de>, A::Error> {
        let mut sub = None;
        let mut jti = None;
        let mut iss = None;
        let (mut exp, mut nbf, mut iat) = (None, None, None);
        let mut claims = Map::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match &*key {
                "sub" => once(&mut sub, map.next_value::<Field<'de>>()?)?,
                "jti" => once(&mut jti, map.next_value::<Field<'de>>()?)?,
                "exp" => once(&mut exp, map.next_value::<Value>()?)?,
                "nbf" => once(&mut nbf, map.next_value::<Value>()?)?,
                "iat" => once(&mut iat, map.next_value::<Value>()?)?,
                "iss" => once(&mut iss, map.next_value::<IgnoredAny>()?)?,
                _ => {
                    let value = map.next_value::<Value>()?;
                    claims.insert(key.into_owned(), value);
                }
            }
        }
        Ok(Payload {
            sub: sub.unwrap_or_default(),
            jti: jti.unwrap_or_default(),
            exp,
            nbf,
            iat,
            claims,
        })
    }
}

impl<'de> Deserialize<'de> for Payload<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(PayloadVisitor)
    }
}

impl Field<'_> {
    /// The same member, owning its string.
    pub(super) fn into_owned(self) -> Field<'static> {
        match self {
            Field::Absent => Field::Absent,
            Field::Str(text) => Field::Str(Cow::Owned(text.into_owned())),
            Field::Other => Field::Other,
        }
    }
}

impl Payload<'_> {
    /// The same payload, owning its strings.
    pub(super) fn into_owned(self) -> Payload<'static> {
        Payload {
            sub: self.sub.into_owned(),
            jti: self.jti.into_owned(),
            exp: self.exp,
            nbf: self.nbf,
            iat: self.iat,
            claims: self.claims,
        }
    }
}

/// Whether `payload` (a JSON object) has a single string `sub` starting with
/// `prefix`, whatever the rest holds: the routing rule alone, for payloads
/// that [`Payload`] refuses.
pub(super) fn sub_starts_with(payload: &[u8], prefix: &str) -> bool {
    #[derive(Deserialize)]
    struct SubProbe<'a> {
        #[serde(borrow, default)]
        sub: Field<'a>,
    }
    matches!(
        serde_json::from_slice::<SubProbe<'_>>(payload),
        Ok(SubProbe { sub: Field::Str(sub) }) if sub.starts_with(prefix)
    )
}
