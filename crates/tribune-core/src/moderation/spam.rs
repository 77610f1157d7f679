//! Spam signs in the text itself (links, disguised links, offers, phone numbers) and
//! doxxing (a person's address or phone number with a hint).

use super::Category;
use super::phrases::Hit;

/// Words of money, betting and crypto offers (folded).
const OFFER: &[&str] = &[
    "bitcoin",
    "bitcoins",
    "btc",
    "crypto",
    "cryptos",
    "cryptomunt",
    "ethereum",
    "eth",
    "usdt",
    "invest",
    "investeer",
    "investeren",
    "investering",
    "investment",
    "investir",
    "investissez",
    "investissement",
    "winst",
    "verdien",
    "verdienen",
    "verdiende",
    "gratis",
    "free",
    "bonus",
    "casino",
    "bet",
    "bets",
    "betting",
    "paris",
    "pari",
    "parier",
    "pariez",
    "gokken",
    "gok",
    "wedden",
    "weddenschap",
    "weddenschappen",
    "odds",
    "cote",
    "cotes",
    "tips",
    "tipster",
    "profit",
    "profits",
    "earn",
    "earned",
    "gagner",
    "gagnez",
    "gagne",
    "argent",
    "geld",
    "cash",
    "promo",
    "promocode",
    "forex",
    "trading",
    "trader",
    "airdrop",
    "giveaway",
    "loterij",
    "jackpot",
    "rendement",
    "returns",
    "passief",
    "passive",
    "inkomen",
    "income",
    "revenu",
    "rijk",
    "riche",
    "rich",
    "per",
    "dag",
    "daily",
    "euro",
    "euros",
    "dollars",
    "inschrijven",
    "inscris",
    "inscrivez",
    "signup",
    "register",
    "klik",
    "cliquez",
    "click",
    "gegarandeerd",
    "garanti",
    "guaranteed",
    "fixed",
    "vaste",
    "zeker",
    "sure",
    "viagra",
    "dating",
    "sexy",
];

/// Words that say a number or place belongs to a person (doxxing hints).
const DOX_HINT: &[&str] = &[
    "woont",
    "wonen",
    "woonde",
    "adres",
    "thuisadres",
    "huis",
    "huisnummer",
    "nummer",
    "gsm",
    "telefoon",
    "telefoonnummer",
    "bel",
    "bellen",
    "belt",
    "sms",
    "app",
    "habite",
    "habitent",
    "adresse",
    "domicile",
    "maison",
    "numero",
    "tel",
    "telephone",
    "portable",
    "appelle",
    "appelez",
    "appeler",
    "lives",
    "live",
    "address",
    "house",
    "home",
    "number",
    "phone",
    "call",
    "ring",
    "text",
];

/// Words that point at a person.
const PERSON: &[&str] = &[
    "hij",
    "zij",
    "ze",
    "hem",
    "haar",
    "zijn",
    "scheids",
    "scheidsrechter",
    "ref",
    "referee",
    "arbiter",
    "trainer",
    "coach",
    "speler",
    "keeper",
    "doelman",
    "journalist",
    "presentator",
    "presentatrice",
    "voorzitter",
    "il",
    "elle",
    "lui",
    "son",
    "sa",
    "ses",
    "arbitre",
    "joueur",
    "entraineur",
    "journaliste",
    "he",
    "she",
    "him",
    "her",
    "his",
    "player",
    "manager",
    "reporter",
    "familie",
    "vrouw",
    "moeder",
    "famille",
    "femme",
    "mere",
    "family",
    "wife",
    "mother",
    "kinderen",
    "enfants",
    "kids",
];

/// Street words: a word ending so, followed by a house number, is an address.
const STREET: &[&str] = &[
    "straat",
    "laan",
    "lei",
    "weg",
    "plein",
    "dreef",
    "steenweg",
    "kaai",
    "baan",
    "singel",
    "wegel",
    "hof",
    "veld",
    "dries",
    "markt",
    "rue",
    "avenue",
    "chaussee",
    "boulevard",
    "place",
    "street",
    "road",
    "lane",
    "drive",
    "square",
];

const TLDS: &[&str] = &[
    "com", "be", "nl", "net", "org", "io", "xyz", "bet", "fr", "eu", "info", "biz", "co", "app",
    "club", "online", "site", "top", "vip", "win", "casino", "ly", "gg", "me",
];

fn is_offer(w: &str) -> bool {
    OFFER.contains(&w)
}

/// Whether a word is a house number ("12", "12a", "3b").
fn house_number(w: &str) -> bool {
    let digits = w.bytes().take_while(u8::is_ascii_digit).count();
    (1..=4).contains(&digits) && w.len() - digits <= 1
}

/// The start index and length of a phone number in the words, if any: Belgian style
/// ("0478 12 34 56", "+32 478 123456", "04781234 56") or any 9 to 12 digits in groups.
fn phone_at(words: &[String]) -> Option<usize> {
    for start in 0..words.len() {
        let mut digits = 0;
        for w in &words[start..] {
            if !w.bytes().all(|b| b.is_ascii_digit()) {
                break;
            }
            digits += w.len();
            if (9..=13).contains(&digits) {
                return Some(start);
            }
        }
    }
    None
}

fn is_street(w: &str) -> bool {
    STREET.iter().any(|s| w.ends_with(s) && w.len() >= s.len())
}

/// Doxxing: an address (street word + house number) or phone number with a hint that it
/// is a person's.
pub(crate) fn doxxing(words: &[String]) -> Vec<Hit> {
    let hint = words.iter().any(|w| DOX_HINT.contains(&w.as_str()));
    let person = words.iter().any(|w| PERSON.contains(&w.as_str()));
    let offer = words.iter().any(|w| is_offer(w));
    let mut hits = Vec::new();
    let address = words.windows(2).any(|p| {
        (is_street(&p[0]) && house_number(&p[1]))
            // French order: "12 rue ..."
            || (house_number(&p[0]) && matches!(p[1].as_str(), "rue" | "avenue" | "chaussee" | "boulevard" | "place"))
    });
    if address && hint {
        hits.push(Hit {
            rule: "any-doxxing-address",
            category: Category::Doxxing,
        });
    }
    // A club's ticket office or shop number is no person's.
    let business = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "ticketdienst"
                | "tickets"
                | "ticket"
                | "secretariaat"
                | "fanshop"
                | "billetterie"
                | "ticketing"
                | "onthaal"
                | "accueil"
                | "reception"
                | "clubhuis"
        )
    });
    if phone_at(words).is_some() && person && !offer && !business {
        hits.push(Hit {
            rule: "any-doxxing-phone",
            category: Category::Doxxing,
        });
    }
    hits
}

/// Domain-like things in the text: "example.com", "www.x.be/abc" give "example.com",
/// "x.be". Also disguised ones ("example[.]com", "example (dot) com", "example punt be").
fn domains(lower: &str) -> Vec<String> {
    let cleaned = lower
        .replace("[.]", ".")
        .replace("(.)", ".")
        .replace("[dot]", ".")
        .replace("(dot)", ".")
        .replace(" dot ", ".")
        .replace(" punt ", ".")
        .replace(" point ", ".");
    let mut out = Vec::new();
    for token in cleaned
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '<' | '>' | '"' | '[' | ']'))
    {
        let token = token
            .trim_start_matches("hxxps://")
            .trim_start_matches("hxxp://")
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_start_matches("www.");
        let host = token.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.trim_end_matches(['.', ',', '!', ':', ';']);
        let labels: Vec<&str> = host.split('.').collect();
        if labels.len() < 2 {
            continue;
        }
        let Some(tld) = labels.last() else { continue };
        let ok = labels
            .iter()
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        if ok
            && TLDS.contains(tld)
            && labels
                .iter()
                .any(|l| l.bytes().any(|b| b.is_ascii_alphabetic()) && l.len() >= 2)
        {
            let n = labels.len();
            out.push(format!("{}.{}", labels[n - 2], labels[n - 1]));
        }
    }
    out
}

/// The spam signs found in `text`, as short codes: "disguised-link", "repeated-domain",
/// "offer-link", "offer-phone", "offer-contact".
pub fn signs(text: &str) -> Vec<&'static str> {
    signs_reading(&super::normalise::Reading::new(text))
}

/// [`signs`] of a text taken apart already.
pub(crate) fn signs_reading(reading: &super::normalise::Reading) -> Vec<&'static str> {
    let text = reading.text;
    let lower = text.to_lowercase();
    let words = &reading.whole.words;
    let mut out = Vec::new();
    let disguised = [
        "hxxp",
        "[.]",
        "(.)",
        "[dot]",
        "(dot)",
        " dot com",
        " punt com",
        " punt be",
        " punt nl",
        " point com",
        " point be",
        "{.}",
    ]
    .iter()
    .any(|d| lower.contains(d));
    let found = domains(&lower);
    let links = super::count_links(text) + found.len();
    if disguised {
        out.push("disguised-link");
    }
    let mut sorted = found.clone();
    sorted.sort();
    if sorted.windows(2).any(|p| p[0] == p[1]) {
        out.push("repeated-domain");
    }
    let offers = words.iter().filter(|w| is_offer(w)).count()
        + usize::from(lower.contains('€') || lower.contains('$'))
        + usize::from(lower.contains('%'));
    if offers >= 2 && (links > 0 || disguised) {
        out.push("offer-link");
    }
    let phone = phone_at(words).is_some();
    if offers >= 2 && phone {
        out.push("offer-phone");
    }
    let contact = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "whatsapp" | "telegram" | "signal" | "snapchat" | "dm" | "inbox" | "pm" | "mp"
        )
    });
    if offers >= 2 && contact && !out.contains(&"offer-phone") {
        out.push("offer-contact");
    }
    out
}
