//! Topics: competitions, clubs, people, national teams and themes, each with its page.

use serde::{Deserialize, Serialize};

pub type TopicId = i64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopicKind {
    Competition,
    Club,
    Person,
    NationalTeam,
    /// A running subject that is none of the above, such as "Transfers".
    #[default]
    Theme,
}

impl TopicKind {
    pub const ALL: [TopicKind; 5] = [
        Self::Competition,
        Self::Club,
        Self::Person,
        Self::NationalTeam,
        Self::Theme,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Competition => "competition",
            Self::Club => "club",
            Self::Person => "person",
            Self::NationalTeam => "national_team",
            Self::Theme => "theme",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Competition => "Competitie",
            Self::Club => "Club",
            Self::Person => "Persoon",
            Self::NationalTeam => "Nationale ploeg",
            Self::Theme => "Thema",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Topic {
    pub id: TopicId,
    pub slug: String,
    /// The Dutch name: the page's heading. Renaming keeps the slug, so addresses stay.
    pub name: String,
    /// The French name ("Standard de Liège"), when it differs.
    pub name_fr: Option<String>,
    pub kind: TopicKind,
    /// Other names that mean this topic and nothing else: nicknames ("blauw-zwart"),
    /// abbreviations. They find the topic when tagging and searching.
    pub aliases: Vec<String>,
    /// Names that may mean this topic but also something else, such as a bare city
    /// ("Brugge" is Club Brugge or Cercle Brugge): tagging suggests the topic only with
    /// lower confidence (see [`crate::tagging`]); they never identify it on their own.
    pub weak_aliases: Vec<String>,
    /// The crest: the master file name of an uploaded image in the media directory.
    pub crest: Option<String>,
}

impl Topic {
    /// Every way the tagger may find this topic: Dutch and French name and aliases strong,
    /// weak aliases weak.
    pub fn tag_names(&self) -> impl Iterator<Item = crate::tagging::TagName> + '_ {
        use crate::tagging::TagName;
        std::iter::once(&self.name)
            .chain(&self.name_fr)
            .chain(&self.aliases)
            .map(|n| TagName::strong(self.id, n.as_str()))
            .chain(
                self.weak_aliases
                    .iter()
                    .map(|n| TagName::weak(self.id, n.as_str())),
            )
    }
}

/// A topic as an article links to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopicRef {
    pub id: TopicId,
    pub slug: String,
    pub name: String,
    pub kind: TopicKind,
}

impl TopicRef {
    pub fn path(&self) -> String {
        topic_path(&self.slug)
    }
}

pub fn topic_path(slug: &str) -> String {
    format!("/onderwerp/{slug}")
}

#[derive(Debug, Clone, Default)]
pub struct NewTopic {
    pub name: String,
    pub name_fr: Option<String>,
    pub kind: TopicKind,
    pub aliases: Vec<String>,
    pub weak_aliases: Vec<String>,
    /// `None` on [`crate::Store::save_topic`] keeps the crest a topic has.
    pub crest: Option<String>,
}

impl NewTopic {
    /// A topic with a name and a kind, nothing else.
    pub fn named(name: impl Into<String>, kind: TopicKind) -> Self {
        Self {
            name: name.into(),
            kind,
            ..Default::default()
        }
    }
}

/// Longest name or alias, in characters.
pub const NAME_MAX_CHARS: usize = 100;
/// Most aliases a topic may have (strong and weak together).
pub const ALIASES_MAX: usize = 50;

impl NewTopic {
    /// The topic as the back office stores it: names and aliases trimmed, blank ones
    /// dropped, each alias once (folded), a weak alias that is also a strong name dropped
    /// (strong wins), a blank French name or one equal to the Dutch name left out. The
    /// error is a Dutch sentence for the editor.
    pub fn checked(&self) -> Result<NewTopic, String> {
        fn text(what: &str, s: &str) -> Result<String, String> {
            let s = s.trim();
            if s.chars().count() > NAME_MAX_CHARS {
                return Err(format!(
                    "{what} \"{s}\" is te lang: hoogstens {NAME_MAX_CHARS} tekens."
                ));
            }
            if crate::text::has_hidden_characters(s) {
                return Err(format!(
                    "{what} \"{s}\" bevat onzichtbare tekens of regeleinden; typ het opnieuw."
                ));
            }
            if !s.is_empty() && !s.chars().any(char::is_alphanumeric) {
                return Err(format!("{what} \"{s}\" bevat geen letter of cijfer."));
            }
            Ok(s.to_string())
        }
        let name = text("De naam", &self.name)?;
        if name.is_empty() {
            return Err("Geef het onderwerp een naam.".to_string());
        }
        let name_fr = match &self.name_fr {
            Some(n) => Some(text("De Franse naam", n)?)
                .filter(|n| !n.is_empty() && fold_name(n) != fold_name(&name)),
            None => None,
        };
        let mut seen: Vec<String> = std::iter::once(&name)
            .chain(&name_fr)
            .map(|n| fold_name(n))
            .collect();
        let mut aliases = Vec::new();
        for a in &self.aliases {
            let a = text("De bijnaam", a)?;
            if !a.is_empty() && !seen.contains(&fold_name(&a)) {
                seen.push(fold_name(&a));
                aliases.push(a);
            }
        }
        let mut weak_aliases = Vec::new();
        for a in &self.weak_aliases {
            let a = text("De zwakke bijnaam", a)?;
            if !a.is_empty() && !seen.contains(&fold_name(&a)) {
                seen.push(fold_name(&a));
                weak_aliases.push(a);
            }
        }
        if aliases.len() + weak_aliases.len() > ALIASES_MAX {
            return Err(format!(
                "Een onderwerp heeft hoogstens {ALIASES_MAX} bijnamen."
            ));
        }
        Ok(NewTopic {
            name,
            name_fr,
            kind: self.kind,
            aliases,
            weak_aliases,
            crest: self.crest.clone(),
        })
    }

    /// The names that identify this topic alone: Dutch name, French name, aliases.
    pub fn strong_names(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.name)
            .chain(&self.name_fr)
            .chain(&self.aliases)
    }
}

/// The first strong name of `new` that another topic already has as a strong name, as a
/// Dutch sentence; `taken` is (topic id, topic name, one of its strong names) for every
/// topic, and `own` the topic being changed (its own names are no clash). Weak aliases may
/// be shared ("Brugge" is Club's and Cercle's).
pub fn name_clash<'a>(
    new: &NewTopic,
    own: Option<TopicId>,
    taken: impl IntoIterator<Item = (TopicId, &'a str, &'a str)>,
) -> Option<String> {
    let wanted: Vec<(String, &String)> = new.strong_names().map(|n| (fold_name(n), n)).collect();
    taken
        .into_iter()
        .filter(|(id, _, _)| Some(*id) != own)
        .find_map(|(_, owner, name)| {
            let key = fold_name(name);
            wanted.iter().find(|(k, _)| *k == key).map(|(_, mine)| {
                format!("\"{mine}\" is al een naam of bijnaam van {owner}; kies een andere.")
            })
        })
}

/// How names and aliases are compared: case and diacritics folded, spaces squeezed.
pub fn fold_name(name: &str) -> String {
    deunicode::deunicode(name)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checked_topic_is_trimmed_deduplicated_and_strong_beats_weak() {
        let t = NewTopic {
            name: "  Club Brugge ".into(),
            name_fr: Some(" club brugge".into()),
            kind: TopicKind::Club,
            aliases: vec!["blauw-zwart".into(), "".into(), "Blauw-Zwart ".into()],
            weak_aliases: vec!["Brugge".into(), "blauw-zwart".into(), "  ".into()],
            crest: None,
        }
        .checked()
        .unwrap();
        assert_eq!(t.name, "Club Brugge");
        assert_eq!(
            t.name_fr, None,
            "a French name equal to the Dutch one is left out"
        );
        assert_eq!(t.aliases, ["blauw-zwart"]);
        assert_eq!(t.weak_aliases, ["Brugge"]);

        let mut bad = NewTopic::named("Gent", TopicKind::Club);
        bad.name = " ".into();
        assert!(bad.checked().unwrap_err().contains("naam"));
        bad.name = "Gent\u{202E}".into();
        assert!(bad.checked().unwrap_err().contains("onzichtbare"));
        bad.name = "x".repeat(NAME_MAX_CHARS + 1);
        assert!(bad.checked().unwrap_err().contains("te lang"));
        bad.name = "---".into();
        assert!(bad.checked().unwrap_err().contains("letter"));
    }

    #[test]
    fn a_strong_name_of_another_topic_clashes_a_weak_one_does_not() {
        let mut cercle = NewTopic::named("Cercle Brugge", TopicKind::Club);
        cercle.aliases = vec!["Groen-Zwart".into()];
        cercle.weak_aliases = vec!["Brugge".into()];
        let taken = [
            (1, "Club Brugge", "Club Brugge"),
            (1, "Club Brugge", "blauw-zwart"),
            (2, "Cercle Brugge", "Cercle Brugge"),
            (2, "Cercle Brugge", "groen-zwart"),
        ];
        assert_eq!(name_clash(&cercle, Some(2), taken), None, "its own names");
        assert_eq!(
            name_clash(&cercle, Some(2), [(1, "Club Brugge", "Brugge")]),
            None
        );
        cercle.aliases.push("Blauw-zwart".into());
        assert_eq!(
            name_clash(&cercle, Some(2), taken).as_deref(),
            Some("\"Blauw-zwart\" is al een naam of bijnaam van Club Brugge; kies een andere.")
        );
        assert!(
            name_clash(
                &NewTopic::named("Cercle Brugge", TopicKind::Club),
                None,
                taken
            )
            .is_some()
        );
    }

    #[test]
    fn names_fold_case_diacritics_and_spaces() {
        assert_eq!(fold_name("  Standard  Luik "), "standard luik");
        assert_eq!(fold_name("Mateo Ordóñez"), "mateo ordonez");
        assert_eq!(fold_name("PAARS-WIT"), "paars-wit");
    }
}
