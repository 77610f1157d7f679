//! Policy categories of abuse, and the escaping used in stored reason codes.

/// What kind of abuse a rule, list entry or training example is about. The codes are
/// stored (in reason codes and the training set), the Dutch names appear in the statement
/// of reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Threat,
    HarmWish,
    Racism,
    Dehumanising,
    Exclusion,
    Homophobia,
    Misogyny,
    Disability,
    DiseaseCurse,
    Sexual,
    Doxxing,
    Spam,
    Insult,
}

impl Category {
    pub const ALL: [Category; 13] = [
        Category::Threat,
        Category::HarmWish,
        Category::Racism,
        Category::Dehumanising,
        Category::Exclusion,
        Category::Homophobia,
        Category::Misogyny,
        Category::Disability,
        Category::DiseaseCurse,
        Category::Sexual,
        Category::Doxxing,
        Category::Spam,
        Category::Insult,
    ];

    /// The stored form: "threat", "harm-wish", "racism", ...
    pub fn code(self) -> &'static str {
        match self {
            Category::Threat => "threat",
            Category::HarmWish => "harm-wish",
            Category::Racism => "racism",
            Category::Dehumanising => "dehumanising",
            Category::Exclusion => "exclusion",
            Category::Homophobia => "homophobia",
            Category::Misogyny => "misogyny",
            Category::Disability => "disability",
            Category::DiseaseCurse => "disease-curse",
            Category::Sexual => "sexual",
            Category::Doxxing => "doxxing",
            Category::Spam => "spam",
            Category::Insult => "insult",
        }
    }

    /// The inverse of [`Category::code`].
    pub fn parse(code: &str) -> Option<Self> {
        Category::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The Dutch policy name, for the statement of reasons.
    pub fn describe(self) -> &'static str {
        match self {
            Category::Threat => "bedreiging",
            Category::HarmWish => "iemand onheil of ziekte toewensen",
            Category::Racism => "racisme",
            Category::Dehumanising => "ontmenselijking",
            Category::Exclusion => "uitsluiting",
            Category::Homophobia => "homofobie",
            Category::Misogyny => "vrouwenhaat",
            Category::Disability => "spot met een beperking",
            Category::DiseaseCurse => "ziektevloek",
            Category::Sexual => "seksuele intimidatie",
            Category::Doxxing => "persoonsgegevens verspreiden",
            Category::Spam => "spam",
            Category::Insult => "belediging",
        }
    }
}

/// Escapes a value for a reason code: ASCII letters, digits and `- _ . |` stay, every
/// other byte becomes `%HH`, so a code never holds whitespace, `:` or `,`.
pub(crate) fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'|') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The inverse of [`escape`]; `None` for a malformed escape or invalid UTF-8.
pub(crate) fn unescape(code: &str) -> Option<String> {
    let bytes = code.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = code.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else if b.is_ascii_whitespace() || b == b',' || b == b':' {
            return None;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
