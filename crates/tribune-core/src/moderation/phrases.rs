//! Phrase rules: threats, wishes of harm, dehumanising comparisons, racism without a
//! slur, exclusion, homophobic and misogynist phrases, sexual harassment and doxxing, in
//! Dutch, French and English.
//!
//! A rule is a small pattern over the normalised words of a comment, written as slots
//! separated by spaces:
//!
//! * `ga|gaan|zal` one word out of the alternatives; `vermoord*` any word starting so;
//!   `in_elkaar` two consecutive words;
//! * `@target` a named word class (see [`CLASSES`]), expanded into alternatives;
//! * `~3` up to three words of anything;
//! * `?al|wel` an optional slot.
//!
//! Rules fire on the words as [`super::fold`] would give them, after evasions are undone.
//! A comment that reports or condemns abuse ("de club veroordeelt", "the club condemns")
//! fires no rule: news about racism is not racism.

use std::collections::HashMap;

use rustc_hash::FxHashSet;
use std::sync::OnceLock;

use super::Category;
use super::normalise::Reading;

/// A phrase rule that fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub rule: &'static str,
    pub category: Category,
}

/// Named word classes, usable in patterns as `@name`.
const CLASSES: &[(&str, &str)] = &[
    // People a comment can be aimed at.
    (
        "you",
        "je|jij|jou|u|jullie|hem|haar|hen|die|dat|deze|te|toi|t|vous|le|la|lui|you|u|ya|him|her|ye|yall",
    ),
    (
        "role",
        "scheids*|ref|refs|referee*|arbiter*|arbitre*|trainer*|coach*|speler*|spelers|keeper*|doelman|spits|journalist*|presentat*|verslaggever*|commentator*|voorzitter*|supporter*|fans|fan|joueur*|gardien|attaquant|presentateur*|journaliste*|president|player*|manager|pundit*|reporter*|lijnrechter*|grensrechter*|assistent|var|linesman|juge|ploeg|equipe|team",
    ),
    // Killing and serious violence. No "kapot", "afmaken", "tuer", "kill", "defoncer":
    // those are also how fans talk about winning.
    (
        "violence",
        "vermoord*|doodmaken|doodmaak|doodslaan|doodsla|doodschieten|neersteken|neersteek|neerschieten|neerschiet|afslachten|slachten|afranselen|aftuigen|opwachten|opwacht|verminken|verkrachten|lynchen|ophangen|opknopen|onthoofden|buter|bute|egorger|egorge|poignarder|poignarde|lyncher|pendre|tabasser|tabasse|massacrer|bruler|violer|murder|stab|stabbed|shoot|shot|lynch|hang|behead|strangle|rape|slaughter|batter|torch",
    ),
    (
        "bodypart",
        "kop|kopje|smoel|bek|hoofd|benen|been|knieen|knie|tanden|nek|gueule|tete|jambes|genoux|dents|face|legs|knees|teeth|head|skull|neck",
    ),
    (
        "monkey",
        "aap|apen|aapje|apenkop|gorilla|gorillas|chimpansee|singe|singes|gorille|gorilles|monkey|monkeys|ape|apes|chimp|chimps|macaque*|makak*|orang*",
    ),
    (
        "vermin",
        "ratten|rat|kakkerlak*|ongedierte|parasiet*|vee|varken|varkens|zwijn|zwijnen|rats|cafard*|vermine|porc|porcs|betail|parasite*|cockroach*|vermin|pig|pigs|swine|subhuman*|untermensch*|animals|animaux|dieren",
    ),
    (
        "copula",
        "is|zijn|ben|bent|es|est|sont|etes|are|re|am|is|was|waren|zie|look|lijkt|ressemble",
    ),
    (
        "disease",
        "kanker|cancer|tyfus|pest|tering|kolere|klere|cholera|corona|covid|aids|sida|leukemie|leucemie|hartaanval|infarctus|hersentumor|tumor|tumeur|ziekte|maladie|disease|heart_attack|stroke|beroerte",
    ),
    (
        "die",
        "sterft|sterven|sterve|doodgaat|doodgaan|dood_gaat|crepeert|creperen|verrekt|verrekken|verongelukt|verongelukken|verzuipt|verdrinkt|crashe|crash|crashes|meurt|meure|creve|crevent|crever|mourir|dies|died|drown|drowns|rots",
    ),
    (
        "injury",
        "breekt|breken|brak|scheurt|afscheurt|kwetst|blesseert|se_casse|se_blesse|casse|pete|breaks|break|tears|snaps|injured|injures",
    ),
    (
        "woman",
        "vrouw|vrouwen|wijf|wijven|meid|meisje|meiden|presentatrice|scheidsrechtster|madame|femme|femmes|fille|filles|nana|meuf|woman|women|girl|girls|lady|ladies|bird|birds",
    ),
    (
        "sexact",
        "neuken|neuk|pakken|nemen|bespringen|likken|beffen|naaien|baiser|sauter|niquer|lecher|fuck|bang|smash|shag|lick|ride|nail|rail",
    ),
    (
        "sexbody",
        "tieten|tietjes|memmen|borsten|kont|kontje|reet|poes|poesje|doos|seins|nichons|fesses|cul|chatte|tits|titties|boobs|ass|arse|pussy|rack|legs",
    ),
    (
        "country",
        "land|landje|eigen_land|woestijn|jungle|afrika|marokko|turkije|congo|kameroen|bled|pays|afrique|maroc|desert|brousse|country|africa|desert|jungle|homeland",
    ),
    (
        "gayslur",
        "homo|homos|homo's|mietje|mietjes|janet|janetten|flikker|flikkers|nicht|pd|pede|pedes|tapette|tapettes|tarlouze|tantouze|fiotte|fiottes|tafiole|poof|poofs|poofter|queer|queers|fairy|fairies|homo|fag|fags|faggot",
    ),
];

/// The rules, one a line: name, category code, pattern. Names start with the language
/// ("any-" for rules that work in every language).
const RULES: &str = r#"
nl-threat-will           threat        ik|we|wij|ze|iemand|ik'll|gaan|ga|zal|zullen|moet|moeten|moest|gaat ~4 @you|@role ~4 @violence
nl-threat-beat           threat        @you|@role ~3 in_elkaar|tegen_de_grond|de_kop_in|de_kop_inslaan|verrot|bont_en_blauw slaan|trappen|timmeren|stampen|meppen|inslaan
nl-threat-break          threat        breek|breken|sla|slaan|trap|trappen|schop|schoppen|snij|snijden ~3 je|jouw|zijn|haar|uw @bodypart ~2 kapot|stuk|in|af|open|eraf|uit
nl-threat-bodypart       threat        je|jouw|zijn|uw @bodypart ~2 gaat|zal|gaan|word|wordt ~2 kapot|eraf|ingeslagen|ingetrapt|gebroken
nl-threat-find           threat        we|wij|ik ~2 weten|weet|vinden|vind|krijgen|krijg|pakken|pak|staan ~3 je|jou|jullie|hem|u ~4 wel|woont|thuis|parking|uitgang|buiten|opwachten|na_de_match
nl-threat-wait           threat        we|wij|ik ~3 staan|wachten|wacht|staan_klaar ~3 je|jou|jullie|hem|u ~2 op ~3 parking|uitgang|buiten|straks|na_de_match|thuis|je_huis
nl-threat-weapon         threat        mes|messen|kogel|kogels|pistool|geweer|bom|vuur|aansteker ~4 @you|@role|huis|auto
nl-threat-weapon-b       threat        @you|@role ~4 een_kogel|een_mes|kogel|mes ~2 in|door|tussen|verdient|verdienen
nl-threat-burn           threat        huis|auto|winkel ~4 in_brand|in_de_fik|fikken|afbranden|platbranden
fr-threat-will           threat        je|on|j|nous|ils|quelqu'un|quelqu ~2 va|vais|vas|allons|vont|doit|faut|faudrait|devrait ~3 te|t|vous|le|la|l|lui|@role ~2 @violence|tuer|crever|defoncer|fumer|planter|casser|eclater|niquer|retrouver|attendre|choper
fr-threat-tue            threat        te|t|vous ~1 tuer|tue|crever|defoncer|fumer|planter|buter|bute|egorger|saigner
fr-threat-break          threat        casser|peter|eclater|defoncer|exploser|demonter|refaire ~2 la|ta|les|sa|tes|ses @bodypart
fr-threat-find           threat        on|je|nous ~2 sait|sais|savons|connait|connais|connaissons|trouvera|trouver|retrouver|retrouvera ~3 ou|ton|ta|ta_maison|ton_adresse ~3 habites|habite|vis|vit|maison|adresse|voiture|famille
fr-threat-weapon         threat        balle|couteau|flingue|kalash|bombe|lame ~4 @you|@role|tete
fr-threat-weapon-b       threat        @you|@role ~4 une_balle|un_coup_de_couteau|couteau|balle ~2 dans|entre|merite|meritent
en-threat-will           threat        i|i'll|ill|we|we'll|someone|somebody|they|gonna|going|will|should|ought|need ~4 @you|@role|them ~3 @violence
en-threat-kill           threat        i|we|ill|gonna|will|going ~3 kill|murder|end|destroy|hurt|find ~1 you|u|ya|him|her|that_ref|the_ref|your_family
en-threat-kill-role      threat        kill|murder|stab|shoot|hang|lynch ~1 the|that|this|your ~1 @role
en-threat-break          threat        break|smash|snap|kick|cave|bash ~2 your|his|her|their @bodypart
en-threat-find           threat        we|i ~2 know|find|found|get|see ~3 where ~2 you|u|he|she|they ~2 live|lives|work|park|sleep
en-threat-waiting        threat        waiting|wait ~2 for ~2 you|u|him|her|them ~3 outside|after|car|park|home|parking
en-threat-weapon         threat        bullet|knife|blade|gun|bomb|acid ~3 for|in|into|through|at ~2 @you|@role|his|your|her
en-threat-watch          threat        watch|mind ~1 your|ur ~1 back
nl-threat-watch          threat        kijk|let ~3 maar ~2 uit ~3 je|jij ~1 gaat|woont|rijdt|parkeert|slaapt
nl-harm-hope             harm-wish     hoop|hoopje|hopelijk|wens|wensen|moge|zou ~7 @die|@disease|@injury|dood|doodvalt|neervalt|ongeluk|hartaanval|rolstoel|ziekenhuis|kreupel|invalide|kapot|ziek|ziekbed|nooit_meer_lopen|nooit_meer_wakker
nl-harm-glad               harm-wish     niet_erg|geen_probleem|blij|lachen|feest ~6 dood|sterft|neervalt|doodvalt|crepeert|verongelukt
nl-harm-krijg            harm-wish     krijg|krijgt|krijgen|kriegt|kreeg ~2 de|een|het|ne ~2 @disease|kanker|tering|tyfus|pest|kolere|klere|hartstilstand
nl-harm-doodvallen       harm-wish     mag|mogen|moet|moeten|zou|zouden|laat ~4 doodvallen|doodgaan|creperen|sterven|verrekken|verzuipen|verbranden|stikken|verrotten|zelfmoord|ophangen|dood
nl-harm-val              harm-wish     val|ga|vallen ~1 dood|doodvallen|dood_neer|creperen|verrekken
nl-harm-suicide          harm-wish     pleeg|plegen ~1 zelfmoord|suicide
fr-harm-hope             harm-wish     espere|esperons|souhaite|souhaitons|pourvu|vivement|j'espere ~6 lachent|lache|petent|pete|casse|cassent|@die|@disease|@injury|accident|fauteuil|hopital|mort|morte|creve|crevent|chope|attrape|cancer
fr-harm-creve            harm-wish     va|allez|vas|qu'il|qu'elle|qu'ils|qu|que ~4 crever|creve|crevent|mourir|meure|meurent|te_pendre|se_pendre|disparaisse|disparaissent
fr-harm-meriter          harm-wish     merite|meritent|merites ~2 de ~1 mourir|crever|souffrir|cancer
fr-harm-suicide          harm-wish     suicide|pends ~1 toi|vous|toi|pends-toi
en-harm-hope             harm-wish     hope|hoping|wish|pray|praying|may ~7 @die|die|rot|@disease|@injury|dead|accident|wheelchair|hospital|crippled|career-ending|cancer|never_walks
en-harm-should           harm-wish     should|deserves|deserve|must|ought ~2 ?to ~2 @die|die|rot|dead|suffer|cancer|hang
en-harm-fire             harm-wish     die|burn|rot ~1 in ~1 a|hell ~1 fire|ditch|cell
en-harm-get              harm-wish     get|gets|catch|catches ~1 cancer|aids|ebola|covid|a_tumour|a_tumor
en-harm-kys              harm-wish     go ~1 kill|hang|end ~1 yourself|urself|yourselves
nl-dehuman-is            dehumanising  @copula|als|zoals ~2 ?een|allemaal|gewoon|echte|net|maar ~1 @vermin
nl-dehuman-wat             dehumanising  wat_een|stelletje|bende|troep|hoop ~1 @vermin
nl-dehuman-geen-mensen     dehumanising  @vermin ~2 geen_mensen|geen_mens
nl-dehuman-vuil          dehumanising  vuile|smerige|stinkende|vieze @vermin
fr-dehuman-is            dehumanising  c'est|ce|cette|ces|sont|es|est|etes|comme ~2 ?de|des|un|une|du|que ~1 @vermin
fr-dehuman-sale            dehumanising  sale|sales|espece_de|espece_d|bande_de|gros ~1 @vermin
en-dehuman-is            dehumanising  @copula|of|like|bunch ~2 ?a|an|bloody|dirty|filthy|fucking ~1 @vermin
en-dehuman-filthy          dehumanising  filthy|dirty|bunch_of|disgusting|stinking ~1 @vermin
en-dehuman-not-human       dehumanising  @vermin ~2 not_humans|not_human|not_people
nl-racism-monkey         racism        is|ben|bent|zijn|lijkt|als|zoals ~2 ?wel|gewoon|net|echt ~1 een|echte|als ~1 @monkey
nl-racism-monkey-direct  racism        vuile|zwarte|stomme|smerige|bruine|jij|zo'n ~1 @monkey
nl-racism-jungle         racism        terug|ga|rot ~3 naar|in ~2 de|je|jouw|zijn ~1 jungle|boom|bomen|dierentuin|zoo|kooi|oerwoud
nl-racism-zoo              racism        @monkey ~2 horen ~3 dierentuin|zoo|jungle|boom|kooi
nl-racism-banana         racism        banaan|bananen|banaantje ~2 voor|naar|eten|eet|vreten
nl-racism-banana-b       racism        gooi|geef|gooien|geven|werp ~3 banaan|bananen|banaantje
any-racism-monkeys       racism        @monkey @monkey
any-racism-noise         racism        oe|oeh|oeoe|hoe|hoeh|ouh|ou|ooh|oo|uh|oeoeoe|hoehoe|ouhouh|oohooh|uhuh ~0 oe|oeh|oeoe|hoe|hoeh|ouh|ou|ooh|oo|uh|ah|aa|oeoeoe|hoehoe|ouhouh|oohooh|uhuh ~0 oe|oeh|oeoe|hoe|hoeh|ouh|ou|ooh|oo|uh|ah|aa|oeoeoe|hoehoe|ouhouh|oohooh|uhuh
any-racism-noise-word    racism        oehoehoe*|oeoeoe*|hoehoehoe*|ouhouhouh*|oohoohooh*|oeoeaa*|hoehoeha*|uhuhuh*
fr-racism-monkey         racism        c'est|est|es|ressemble|comme|sale|espece ~2 ?a ~1 un|une|de|d|des ~1 @monkey
fr-racism-tree           racism        retourne|retournez|remonte|remontez|rentre ~2 dans|sur|a|au ~2 ton|ta|votre|ses|son|l ~1 arbre|arbres|jungle|zoo|cage|brousse
fr-racism-zoo              racism        retourne|retournez|va|allez ~1 au|a_la ~1 zoo|jungle|cage|brousse
fr-racism-banana         racism        banane|bananes ~2 pour|a|au|mange|bouffe
fr-racism-banana-b         racism        lance|lancez|jette|jetez|donne|donnez ~3 banane|bananes
en-racism-monkey         racism        is|are|you're|youre|he's|hes|looks|look|like|such ~2 a|an|fucking|bloody ~1 @monkey
en-racism-chimp            racism        bunch_of|filthy|dirty|chimp|monkey|ape ~1 @monkey|@you|@role
en-racism-jungle         racism        back|go|get ~2 to|in ~1 the|your|his ~1 jungle|zoo|trees|tree|cage
en-racism-banana         racism        throw|give|toss|feed ~3 banana|bananas
nl-exclusion-back        exclusion     ga|gaat|terug|rot|oprotten|opkrassen|keer|vlieg ~3 terug|op ~2 naar ~2 je|jouw|uw|jullie|zijn|eigen|hun @country
nl-exclusion-belg        exclusion     geen|nooit|nooit_een|is_geen ~2 echte|ware|rasechte ~1 belg|belgen|vlaming|vlamingen|rode_duivel
nl-exclusion-for         exclusion     belgie|vlaanderen|belgium ~1 voor|aan ~1 de ~1 belgen|vlamingen|blanken
nl-exclusion-out         exclusion     buitenlanders|vreemdelingen|allochtonen|migranten|zwarten|moslims|marokkanen|turken ~2 buiten|eruit|het_land_uit|oprotten|terug
fr-exclusion-back        exclusion     rentre|rentrez|retourne|retournez|casse-toi|degage|degagez|barre-toi ~2 dans|en|au|a ~2 ton|ta|votre|leur @country
fr-exclusion-home          exclusion     rentre|rentrez|retourne|retournez|casse-toi|degage|degagez|barre-toi ~1 chez ~1 toi|vous|ta_mere|les_tiens
fr-exclusion-belge       exclusion     pas|jamais ~2 un|une ~2 vrai|vraie|vrais ~1 belge|belges|diable
fr-exclusion-for         exclusion     la ~1 belgique ~1 aux ~1 belges
en-exclusion-back        exclusion     go|get|fly|send|sent|fuck ~2 back|off|home ~2 to ~2 your|ur|his|their|own|where|africa @country|you|u|he|they
en-exclusion-back-b      exclusion     go|send|sent ~1 back ~1 to|where ~2 your|ur|his|they|you|he ~2 country|came|come|belong
en-exclusion-belg        exclusion     not|never ~2 a ~1 real|true|proper ~1 belgian|belgians|red_devil
nl-threat-visit          threat        bezoekje ~4 thuis|huis|adres|woning|deur
nl-threat-visit-b        threat        thuis|adres|woning ~4 bezoekje
nl-threat-alive          threat        @you|@role|ge|gij ~3 komt|geraakt|raakt ~3 niet ~2 levend
nl-threat-deadman        threat        ge|je|jij|gij|hij|die|zijt|bent|is ~2 een|ne ~1 dode ~1 man|vent|mens
fr-threat-visit          threat        visite ~3 chez|domicile|maison
fr-threat-alive          threat        sortira|sortiras|sortirez|repartira|repartiras|partira ~3 pas ~1 vivant|vivants|indemne
fr-threat-deadman        threat        t'es|tu_es|il_est|c'est ~1 un ~1 homme ~1 mort
en-threat-visit          threat        pay|paid ~1 him|her|you|them|his|their ~2 a ~1 visit
en-threat-alive          threat        won't|wont|will_not|not ~3 leave|walk|get|make ~3 alive|in_one_piece
en-threat-deadman        threat        you're|youre|ur|he's|hes|you_are|he_is ~1 a ~1 dead ~1 man|men
en-threat-numbered       threat        your|his|her ~1 days ~1 are ~1 numbered
nl-harm-jammer           harm-wish     jammer|spijtig ~2 dat ~3 niet ~3 dood|verongelukt|gestorven|crepeert|omgekomen|verongelukte
nl-harm-mooi             harm-wish     mooi|fijn|leuk|heerlijk ~2 als|moest|moesten ~6 @injury|@die|doodvalt|rolstoel|kanker
nl-harm-miss             harm-wish     niemand ~3 zou|zal ~3 missen|wenen|huilen|rouwen ~4 dood|sterft|doodgaat|crepeert
en-harm-miss             harm-wish     nobody|no_one|noone ~2 would|will ~2 miss|cry|mourn ~4 died|dies|dead
en-harm-cantwait         harm-wish     can't|cant|cannot ~1 wait ~2 till|until|for ~6 @die|dies|dead|injured|@injury|crippled
en-harm-never            harm-wish     hope|hoping|pray ~4 never ~2 walks|walk|wakes|wake
fr-harm-pleurer          harm-wish     personne ~2 ne ~2 pleurera|pleurerait|regrettera|regretterait ~4 mort|meurt|creve
fr-harm-attends          harm-wish     j'attends|attends|vivement ~3 qu|que|le_jour ~4 creve|meure|crever|mourir
nl-exclusion-belong      exclusion     @you|hij|ze|die|zij|jullie|ge|gullie|zo'n ~3 hoort|horen|hoorde ~2 niet|nie ~2 in_ons_land|in_belgie|in_vlaanderen|in_europa|in_dit_land|thuis_in_belgie
nl-exclusion-welcome     exclusion     niet|nie|geen ~1 welkom ~2 in|hier ~2 ons_land|belgie|vlaanderen|dit_land|europa
nl-exclusion-koffers     exclusion     pak|pakt|pakken ~2 je|zijn|uw|hun|jullie ~1 koffers|biezen|valiezen ~4 @country
nl-exclusion-deport      exclusion     uitzetten|uitwijzen|deporteren ~4 land|afrika|marokko|turkije|congo|grens
nl-exclusion-volk        exclusion     eigen ~1 volk ~1 eerst
fr-exclusion-welcome     exclusion     pas|jamais ~2 bienvenu|bienvenus|bienvenue ~2 en|ici|dans|chez ~2 belgique|nous|pays|notre|europe
fr-exclusion-valise      exclusion     fais|faites|fait|prends ~2 tes|ses|vos|leurs ~1 valises|bagages ~4 pays|bled|afrique|brousse
fr-exclusion-expulse     exclusion     expulser|expulsez|expulsons|renvoyer|renvoyez ~4 chez_eux|bled|afrique|maroc|leur_pays|son_pays
fr-exclusion-bled        exclusion     rentre|retourne|renvoie|renvoyer|va ~2 au ~1 bled
en-exclusion-belong      exclusion     @you|he|she|they|them|these|those|his_kind|their_kind ~3 don't|dont|doesn't|doesnt|do_not|does_not|never ~1 belong ~2 in_this_country|in_our_country|in_belgium|in_europe
en-exclusion-welcome     exclusion     not ~1 welcome ~2 in|here ~2 our_country|this_country|belgium|europe
en-exclusion-deport      exclusion     deport|deported|deporting|repatriate ~3 him|her|them|these|those|the_lot|all|home|back|africa
en-exclusion-bags        exclusion     pack|packs ~1 your|his|their ~1 bags ~4 country|africa|jungle|desert
nl-homophobia-slur       homophobia    vuile|stomme|smerige|vieze|vuil|bende|stelletje|zo'n|jij|als_een|is_een|zijn_allemaal|allemaal ~1 @gayslur
nl-homophobia-belong     homophobia    homo|homos|homo's|holebi|holebis|gays|homoseksuelen ~3 horen|moeten|mogen ~3 niet|nergens|weg|buiten|eruit|ziek|ziekte
fr-homophobia-slur       homophobia    sale|sales|espece|bande|gros|comme_une|comme_un|c'est_une|t'es_une|t'es_un|es_une|est_une ~1 @gayslur
fr-homophobia-belong     homophobia    homos|homosexuels|gays|pedes ~3 n'ont|ont|doivent|devraient ~3 rien|pas|dehors|malades|maladie
en-homophobia-slur       homophobia    you|ur|youre|you're|bunch|such_a|like_a|filthy|dirty|is_a|are ~2 @gayslur
en-homophobia-sogay      homophobia    so|too|such|you're|youre|ur|hes|he's|are ~1 gay
en-homophobia-belong     homophobia    gays|gay_players|homos|queers ~3 don't|dont|shouldn't|shouldnt|should|have ~2 belong|allowed|sick|disease|out|banned
any-disability-insult      disability    comme_un|comme_une|als_een|like_a|is_a|is_een|espece_d|espece_de|what_a|wat_een|zo ~1 autist*|spast*|spastic*|mong|mongs|triso*|attarde*|gehandicapte*|handicape*|downie*|mongol*
nl-misogyny-kitchen      misogyny      terug|ga|naar ~3 de|het|je ~1 keuken|aanrecht|strijkplank|wasmand
nl-misogyny-belong       misogyny      @woman ~3 horen|moeten|kunnen|snappen|begrijpen|hebben ~4 niet|niks|niets|geen|thuis|keuken|zwijgen|mond
nl-misogyny-wijf         misogyny      die|dat|dat_domme|domme|stomme|vuile|lelijke|dikke|hysterische ~1 wijf|wijven|teef|teven|koe|trut|del|slet
fr-misogyny-kitchen      misogyny      retourne|retournez|va|allez|file ~2 a|dans|aux ~1 la|ta ~1 cuisine|fourneaux|vaisselle|menage
fr-misogyny-belong       misogyny      @woman ~4 n'y|ne|n'ont|rien|pas ~3 connaissent|comprennent|rien|faire|place|foot|football
en-misogyny-kitchen      misogyny      back|get|go ~2 to|in|into ~1 the ~1 kitchen
en-misogyny-sandwich     misogyny      make ~1 me|us ~1 a ~1 sandwich
en-misogyny-belong       misogyny      @woman ~3 don't|dont|shouldn't|shouldnt|can't|cant|know|have ~3 belong|nothing|ref|commentate|understand|know|clue|business|place
nl-sexual-act            sexual        zou|wil|wou|ga|zal|mag|laat ~4 haar|je|jou|hem|die|dat ~3 @sexact
nl-sexual-body           sexual        haar|je|jouw|die|wat_een|mooie|lekkere|geile|dikke|strakke ~2 @sexbody
nl-sexual-geil           sexual        geil|geile|geiler|lekker_wijf|lekkere_meid|neukbaar|bespringen|sletje|hoertje
nl-sexual-nude           sexual        stuur|toon|laat|zien ~3 naaktfoto*|naakt|nudes|je_tieten|je_borsten|je_kont
fr-sexual-act            sexual        je|j|on|veux|voudrais|vais|aimerais ~4 la|te|t|le ~1 @sexact|prendre|defoncer
fr-sexual-body           sexual        ses|tes|quels|quelles|beaux|belles|ta|son|ton|quel|quelle|beau|belle|gros|grosse|jolie|jolies ~2 @sexbody
fr-sexual-bonne          sexual        elle|la|cette|t|tu|presentatrice|journaliste|arbitre ~2 est|es|bien ~1 bonne|baisable|chaude
fr-sexual-nude           sexual        envoie|montre|montrez ~3 nudes|photos_nues|tes_seins|ton_cul|tes_fesses
en-sexual-act            sexual        i'd|id|i|would|wanna|want|gonna|let ~4 @sexact ~1 her|you|u|him|that|them
en-sexual-body           sexual        her|your|ur|nice|great|those|fine|sexy|tight ~2 @sexbody
en-sexual-nude           sexual        send|show|post ~3 nudes|nude|tits|boobs|pussy
en-sexual-face           sexual        sit|sits ~1 on ~1 my ~1 face|lap|dick
"#;

/// Context words that mark a comment as reporting or condemning abuse, not committing it.
const CONDEMN: &[&str] = &[
    "mascotte",
    "mascot",
    "mascottes",
    "mascots",
    "racistisch",
    "bejegend",
    "honte",
    "tolerance",
    "bannis",
    "exclus",
    "sanctionnes",
    "suspendus",
    "geschorst",
    "verbannen",
    "shameful",
    "disgraceful",
    "stadionverboden",
    "veroordeelt",
    "veroordelen",
    "veroordeeld",
    "veroordeling",
    "afkeurt",
    "keurt",
    "betreurt",
    "racistische",
    "racisme",
    "spreekkoren",
    "spreekkoor",
    "gezongen",
    "zongen",
    "geroepen",
    "riepen",
    "klacht",
    "aangifte",
    "onderzoek",
    "sanctie",
    "sancties",
    "stadionverbod",
    "straf",
    "boete",
    "condamne",
    "condamnent",
    "condamnation",
    "denonce",
    "denoncent",
    "deplore",
    "raciste",
    "racistes",
    "chants",
    "cris",
    "insultes",
    "plainte",
    "enquete",
    "amende",
    "banni",
    "condemns",
    "condemned",
    "condemn",
    "condemnation",
    "racist",
    "racism",
    "abuse",
    "abused",
    "chanting",
    "chanted",
    "investigation",
    "banned",
    "fined",
    "reported",
    "homofobe",
    "homophobes",
    "homophobic",
    "homofobie",
    "homophobie",
    "seksisme",
    "sexisme",
    "sexism",
];

#[derive(Debug, Clone)]
enum Slot {
    /// Alternatives; the flag says the slot is optional.
    Words(Alternatives, bool),
    Gap(usize),
}

/// A slot's alternatives, split for speed: most are one whole word (a hash lookup).
#[derive(Debug, Clone, Default)]
struct Alternatives {
    words: FxHashSet<String>,
    prefixes: Vec<String>,
    /// Runs of several words, each a word or a prefix (flag).
    runs: Vec<Vec<(String, bool)>>,
}

impl Alternatives {
    fn add(&mut self, run: Vec<(String, bool)>) {
        match run.as_slice() {
            [(w, false)] => {
                self.words.insert(w.clone());
            }
            [(w, true)] => {
                if !self.prefixes.contains(w) {
                    self.prefixes.push(w.clone());
                }
            }
            _ => {
                if !self.runs.contains(&run) {
                    self.runs.push(run);
                }
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.words.is_empty() && self.prefixes.is_empty() && self.runs.is_empty()
    }

    /// Whether an alternative matches at `at`, ending at `end`, for each possible end.
    fn ends(&self, words: &[String], at: usize, mut found: impl FnMut(usize) -> bool) -> bool {
        let Some(word) = words.get(at) else {
            return false;
        };
        if (self.words.contains(word.as_str())
            || self.prefixes.iter().any(|p| word.starts_with(p.as_str())))
            && found(at + 1)
        {
            return true;
        }
        self.runs.iter().any(|run| {
            let end = at + run.len();
            end <= words.len()
                && run.iter().zip(&words[at..end]).all(|(p, w)| word_eq(p, w))
                && found(end)
        })
    }
}

#[derive(Debug)]
struct Rule {
    name: &'static str,
    category: Category,
    slots: Vec<Slot>,
}

fn fold_word(w: &str) -> String {
    deunicode::deunicode(w)
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '*' || *c == '_')
        .collect()
}

fn compile(pattern: &str, classes: &HashMap<&str, &str>) -> Vec<Slot> {
    let mut slots = Vec::new();
    for token in pattern.split_whitespace() {
        if let Some(n) = token.strip_prefix('~') {
            slots.push(Slot::Gap(n.parse().unwrap_or(0)));
            continue;
        }
        let (optional, token) = match token.strip_prefix('?') {
            Some(t) => (true, t),
            None => (false, token),
        };
        let mut alts = Alternatives::default();
        for alt in token.split('|') {
            let expanded: Vec<&str> = match alt.strip_prefix('@') {
                Some(class) => classes
                    .get(class)
                    .map(|c| c.split('|').collect())
                    .unwrap_or_default(),
                None => vec![alt],
            };
            for e in expanded {
                // "qu'il" and "c'est" fall apart into words, like the text does.
                let words: Vec<(String, bool)> = e
                    .split(['_', '\'', '-'])
                    .map(fold_word)
                    .filter(|w| !w.is_empty())
                    .map(|w| match w.strip_suffix('*') {
                        Some(stem) => (stem.to_string(), true),
                        None => (w, false),
                    })
                    .collect();
                if !words.is_empty() {
                    alts.add(words);
                }
            }
        }
        if !alts.is_empty() {
            slots.push(Slot::Words(alts, optional));
        }
    }
    slots
}

fn rules() -> &'static [Rule] {
    static RULES_COMPILED: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES_COMPILED.get_or_init(|| {
        let classes: HashMap<&str, &str> = CLASSES.iter().copied().collect();
        RULES
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|line| {
                let (name, rest) = line.trim().split_once(char::is_whitespace)?;
                let (category, pattern) = rest.trim_start().split_once(char::is_whitespace)?;
                Some(Rule {
                    name,
                    category: Category::parse(category)?,
                    slots: compile(pattern, &classes),
                })
            })
            .collect()
    })
}

fn word_eq(pattern: &(String, bool), word: &str) -> bool {
    if pattern.1 {
        word.starts_with(pattern.0.as_str())
    } else {
        word == pattern.0
    }
}

/// Whether `slots` match `words` starting at `at` (any ending is fine).
fn matches(slots: &[Slot], words: &[String], at: usize) -> bool {
    let Some((slot, rest)) = slots.split_first() else {
        return true;
    };
    match slot {
        Slot::Gap(n) => {
            (0..=*n).any(|skip| at + skip <= words.len() && matches(rest, words, at + skip))
        }
        Slot::Words(alts, optional) => {
            if *optional && matches(rest, words, at) {
                return true;
            }
            alts.ends(words, at, |end| matches(rest, words, end))
        }
    }
}

/// Whether a comment reports or condemns abuse rather than committing it.
pub fn condemns(words: &[String]) -> bool {
    words.iter().any(|w| CONDEMN.contains(&w.as_str()))
}

/// The phrase rules that fire on `text`, each once, in rule order.
///
/// Rules and the condemnation check work per sentence, so a comment that reports racism in
/// one sentence and threatens in the next is still caught. Doxxing looks at the whole
/// text (the hint and the address may sit in different sentences).
pub fn scan(text: &str) -> Vec<Hit> {
    scan_reading(&Reading::new(text))
}

/// [`scan`] of a text taken apart already.
pub(crate) fn scan_reading(reading: &Reading) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    for words in &reading.sentences {
        for hit in scan_sentence(words) {
            if !hits.contains(&hit) {
                hits.push(hit);
            }
        }
    }
    let words = &reading.whole.words;
    if !condemns(words) {
        hits.extend(super::spam::doxxing(words));
    }
    hits
}

/// The text cut after sentence ends (". ", "! ", "? ", line breaks). A dot inside a word
/// ("K.A.N.K.E.R", "0478.12") does not end a sentence.
pub(crate) fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let end = match b {
            b'\n' => true,
            b'.' | b'!' | b'?' | b';' => bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace()),
            _ => false,
        };
        if end {
            out.push(&text[start..=i]);
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

fn scan_sentence(words: &[String]) -> Vec<Hit> {
    if words.is_empty() || condemns(words) {
        return Vec::new();
    }
    rules()
        .iter()
        .filter(|rule| (0..words.len()).any(|at| matches(&rule.slots, words, at)))
        .map(|rule| Hit {
            rule: rule.name,
            category: rule.category,
        })
        .collect()
}

/// All rule names with their category, for documentation and tests.
pub fn rule_names() -> Vec<(&'static str, Category)> {
    rules().iter().map(|r| (r.name, r.category)).collect()
}
