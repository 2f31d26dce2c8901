"""Build data/leaders/contrast.jsonl from the edit list below and the current corpus.

Each edit names its source statement (a test-split id), the kind, the edit type, the target it is
about, the textual replacements (old substring -> new substring, applied to the source's current
`text_en`), and, for label_change edits, the gold labels of the edited text (us ukraine negotiations
sentiment). Invariant edits keep all labels of the original; a speaker_swap keeps the text and
changes speaker and country. The `original` side is copied from the corpus when this script runs,
so the file is self-contained. The build stops if a replacement no longer matches the corpus text
(another session may have rewritten a statement): such an edit has to be redone by hand.

Written and labelled by a language model (see instructions.md); run from the repository root:
    .venv/bin/python data/leaders/contrast/build.py
"""

from __future__ import annotations

import collections
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "data/leaders/statements.jsonl"
OUT = ROOT / "data/leaders/contrast.jsonl"
LABELS = ("stance_us", "stance_ukraine", "stance_negotiations", "sentiment")
TARGET_COLUMN = {"us": "stance_us", "ukraine": "stance_ukraine", "negotiations": "stance_negotiations"}

EDITS: list[dict] = []


def L(src, edit, target, repl, labels, note):
    """label_change: `labels` = 'us ukraine negotiations sentiment' after the edit."""
    EDITS.append(dict(src=src, kind="label_change", edit=edit, target=target, repl=repl,
                      labels=dict(zip(LABELS, labels.split())), note=note))


def N(src, target, repl, note):
    """invariant name_variant."""
    EDITS.append(dict(src=src, kind="invariant", edit="name_variant", target=target, repl=repl, note=note))


def S(src, target, speaker, country, note):
    """invariant speaker_swap: same words, another speaker."""
    EDITS.append(dict(src=src, kind="invariant", edit="speaker_swap", target=target, repl=[],
                      speaker=speaker, country=country, note=note))


# ---------------------------------------------------------------- Central and Eastern Europe
L("ceu-0006", "target_swap", "ukraine", [("Europe and Ukraine", "Europe and Moldova")],
  "neutral none neutral neutral", "Ukraine replaced by Moldova; Ukraine is no longer referred to, so none.")
N("ceu-0006", "us", [("Washington's talks", "the United States' talks")],
  "Washington -> the United States; the talks are still only watched (US neutral).")
L("ceu-0011", "negation", "negotiations",
  [("can be a starting point, but it needs serious amendments", "cannot be a starting point, and no amendments can fix it")],
  "against favor against neutral", "The plan is now rejected outright instead of accepted with amendments (3.3 d): against.")
N("ceu-0011", "us", [("The American peace plan", "Washington's peace plan")],
  "American -> Washington's; the same criticism of the US plan.")
L("ceu-0018", "target_swap", "us", [("as the Americans also confirm", "as the Lithuanians also confirm")],
  "none none against negative", "The confirming authority is Lithuania, not the US, so the US is not referred to.")
N("ceu-0018", "negotiations", [("Moscow's good will", "Russia's good will")],
  "Moscow -> Russia; distrust of Russia at the negotiating table is unchanged.")
L("ceu-0029", "target_swap", "ukraine", [("neither the Union nor Ukraine", "neither the Union nor NATO")],
  "none none against negative", "Ukraine replaced by NATO; nothing refers to Ukraine any more.")
L("ceu-0033", "negation", "negotiations",
  [("Until that changes, talks with him are a waste of time.", "Even so, talks with him are not a waste of time.")],
  "none favor favor negative", "Talks are now defended rather than dismissed; the blame on Putin still sets a negative tone.")
N("ceu-0050", "ukraine", [("Ukrainians will not give up", "Ukraine will not give up"), ("give them the means", "give it the means")],
  "Ukrainians -> Ukraine; the same praise and support.")
N("ceu-0054", "us", [("of our most important ally", "of the United States")],
  "The description 'our most important ally' (the US for Poland) is replaced by the name; thanks unchanged.")
N("ceu-0059", "us", [("our most important ally's soldiers", "American soldiers")],
  "Description replaced by the name (American); the gratitude is the same.")
L("ceu-0059", "target_swap", "us", [("our most important ally's soldiers", "our Baltic allies' soldiers")],
  "none none none positive", "The praised soldiers are Baltic, not American, so the US is not referred to.")
N("ceu-0062", "ukraine", [("but Kyiv must understand", "but Ukraine must understand")],
  "Kyiv -> Ukraine (the government); the same warning.")
N("ceu-0065", "ukraine", [("on a sovereign state", "on sovereign Ukraine")],
  "The victim is named instead of described; still favor Ukraine.")
L("ceu-0066", "negation", "ukraine", [("Ukraine deserves", "Ukraine does not deserve")],
  "none against none neutral", "Denying that Ukraine deserves a NATO perspective is against Ukraine; tone stays plain.")
L("ceu-0066", "target_swap", "ukraine", [("Ukraine deserves", "Georgia deserves")],
  "none none none neutral", "The same support now concerns Georgia; Ukraine is not referred to.")
N("ceu-0078", "us", [("the alliance with America", "the alliance with the United States")],
  "America -> the United States; same praise.")
L("ceu-0078", "target_swap", "us", [("the alliance with America", "the alliance with Britain")],
  "none favor none positive", "The praised alliance is with Britain; the US is no longer referred to.")
N("ceu-0079", "ukraine", [("to our neighbour that is defending itself", "to Ukraine, which is defending itself")],
  "The neighbour (Ukraine) is named instead of described; still favor.")
N("ceu-0089", "us", [("discussed in Washington", "discussed in the United States")],
  "Washington -> the United States; the complaint is about Poland's absence, the US stays neutral.")
L("ceu-0092", "negation", "ukraine",
  [("President Zelensky should remember better who", "President Zelensky remembers well who")],
  "none favor none positive", "The reproach becomes praise of Zelensky's gratitude: favor, approving tone (judgement call on sentiment).")
N("ceu-0096", "us", [("I thank the United States", "I thank Washington")],
  "The United States -> Washington; same thanks.")
L("ceu-0096", "target_swap", "us", [("I thank the United States", "I thank the United Kingdom"), ("Without America", "Without Britain")],
  "none favor none positive", "Both thanks now go to the UK; the US is not referred to.")
N("ceu-0115", "ukraine", [("Meanwhile Kyiv demands", "Meanwhile Ukraine demands")],
  "Kyiv -> Ukraine; the same complaint about Ukraine's demands.")
L("ceu-0115", "target_swap", "us", [("the pro-war elite in Brussels", "the pro-war elite in Washington")],
  "against against favor negative", "The blamed 'pro-war elite' is now in Washington: against the US.")
S("ceu-0116", "negotiations", "Emmanuel Macron", "FR",
  "A request to Zelensky to speed up talks reads the same from the French president: favor talks, Ukraine only addressed.")
L("ceu-0116", "negation", "negotiations",
  [("speeding up peace talks with a quick ceasefire", "breaking off peace talks and rejecting a quick ceasefire")],
  "none neutral against neutral", "Urging an end to talks and rejection of a ceasefire is against the negotiations.")
N("ceu-0122", "us", [("under pressure from Washington", "under pressure from the United States")],
  "Washington -> the United States; same blame.")
S("ceu-0142", "negotiations", "Andrii Sybiha", "UA",
  "A procedural remark on the US-Russia summit date; the words carry no stance of the speaker's side.")
N("ceu-0150", "us", [("even Washington knows it", "even the White House knows it")],
  "Washington -> the White House; the US is still cited as agreeing.")
L("ceu-0150", "target_swap", "us", [("even Washington knows it", "even Brussels knows it")],
  "none neutral none neutral", "The cited authority is Brussels; the US is no longer referred to.")
L("ceu-0152", "negation", "us",
  [("has understood", "has not understood"), ("This is the gesture", "This is not the gesture")],
  "against none none negative", "The praise of the American president is negated into reproach: against, negative.")
N("ceu-0152", "us", [("The American president has", "Washington has")],
  "The American president -> Washington; the same praise.")
N("ceu-0154", "ukraine", [("The leadership of the neighbouring country at war", "The Ukrainian leadership")],
  "The described neighbour is named; same criticism.")
L("ceu-0156", "target_swap", "us", [("The American Democratic administration", "The Brussels bureaucracy")],
  "none none none negative", "The accused meddler is Brussels, not the US.")
N("ceu-0156", "us", [("The American Democratic administration", "The Democratic administration in Washington")],
  "American -> in Washington; same accusation.")
L("ceu-0173", "target_swap", "ukraine", [("Only Brussels and Kyiv", "Only Brussels and Warsaw")],
  "none none favor negative", "The mocked capital is Warsaw, not Kyiv; Ukraine is no longer referred to.")
N("ceu-0173", "ukraine", [("Only Brussels and Kyiv", "Only Brussels and the Ukrainian government")],
  "Kyiv -> the Ukrainian government; the same mockery.")
N("ceu-0186", "negotiations", [("support the peace process rather than slow it down", "support the negotiations rather than slow them down")],
  "the peace process -> the negotiations; still favor.")
L("ceu-0192", "target_swap", "ukraine", [("Ukrainian grain", "Brazilian grain"), ("whatever Kyiv says", "whatever Brasília says")],
  "none none none negative", "The grain and the protesting capital are now Brazilian; Ukraine is not referred to.")
N("ceu-0192", "ukraine", [("whatever Kyiv says", "whatever Ukraine says")],
  "Kyiv -> Ukraine; same defiance.")
N("ceu-0194", "ukraine", [("The army of the neighbouring country at war", "The Ukrainian army")],
  "The described army is named; the assessment stays neutral.")
L("ceu-0199", "negation", "negotiations",
  [("Ukraine's European path and a ceasefire as soon as possible, but not its entry into NATO", "Ukraine's European path, but not a ceasefire or its entry into NATO")],
  "none favor against positive", "The ceasefire moves from supported to rejected; the rest (friendly, pro-EU path) is unchanged.")
L("ceu-0206", "target_swap", "ukraine", [("Zelensky's government should stop", "Brussels should stop")],
  "favor none favor negative", "The alleged saboteur is Brussels; Ukraine is no longer referred to.")
N("ceu-0206", "ukraine", [("Zelensky's government should stop", "The Kyiv government should stop")],
  "Zelensky's government -> the Kyiv government; same blame.")
N("ceu-0209", "us", [("between Washington and Kyiv", "between the United States and Ukraine")],
  "Capitals replaced by the states' names; still only a description of the deal.")
L("ceu-0219", "target_swap", "negotiations", [("could block the peace process", "could block the EU budget process")],
  "none neutral none neutral", "The threatened process is the EU budget, not the peace process: negotiations none.")
L("ceu-0226", "target_swap", "ukraine", [("Ukraine's post-war reconstruction", "Syria's post-war reconstruction")],
  "none none none positive", "The reconstruction offered is Syria's; Ukraine is not referred to.")
N("ceu-0229", "us", [("sent to them by Washington", "sent to them by the United States")],
  "Washington -> the United States; same criticism.")
L("ceu-0229", "target_swap", "us", [("sent to them by Washington", "sent to them by Brussels")],
  "none neutral favor negative", "The weapons now come from Brussels; the US is no longer referred to.")
L("ceu-0232", "target_swap", "us", [("with President Trump", "with President Macron")],
  "none neutral favor positive", "The praised interlocutor is Macron; nothing refers to the US.")
L("ceu-0234", "target_swap", "ukraine", [("help Ukraine keep its own", "help Estonia keep its own")],
  "none none neutral neutral", "The help now goes to Estonia; Ukraine is not referred to.")
N("ceu-0235", "negotiations", [("A ceasefire proposal", "A truce proposal")],
  "ceasefire -> truce; same support.")
N("ceu-0242", "us", [("The United States is our", "America is our")],
  "The United States -> America; same praise.")
N("ceu-0248", "ukraine", [("will help Ukraine", "will help Kyiv")],
  "Ukraine -> Kyiv (the state it helps); same support.")
L("ceu-0256", "hedge", "negotiations", [("I take note of", "I warmly welcome"), ("and of the American mediation", "and the American mediation")],
  "favor neutral favor positive", "The procedural 'take note' becomes a warm welcome: favor talks and, since the US mediation is welcomed too, favor US.")
S("ceu-0256", "negotiations", "Mao Ning", "CN",
  "A procedural 'take note' carries no side's stance; the same words from China's spokesperson keep all labels.")
N("ceu-0259", "negotiations", [("the ceasefire talks", "the truce negotiations")],
  "ceasefire talks -> truce negotiations; still only a frame (neutral).")
N("ceu-0265", "us", [("from its strongest partner", "from Washington, its strongest partner")],
  "The partner is named (Washington); the criticism is the same.")
N("ceu-0277", "us", [("by the Americans and Europeans", "by Washington and the Europeans")],
  "the Americans -> Washington; still a neutral mention.")

# ---------------------------------------------------------------- global: Belarus, China, Turkey, others
N("gl-0009", "us", [("but in Washington", "but in the United States")],
  "Washington -> the United States; the same puppet-master accusation.")
L("gl-0009", "negation", "negotiations",
  [("So tell me, who is there to negotiate with?", "So negotiate with Washington, not with Kyiv.")],
  "against against favor negative", "The rhetorical refusal becomes a call to negotiate (with Washington): favor.")
L("gl-0012", "target_swap", "ukraine", [("Kyiv-style", "Brussels-style")],
  "none none against negative", "The mocked 'just peace' is Brussels', not Kyiv's; Ukraine is not referred to.")
S("gl-0012", "ukraine", "Donald Trump", "US",
  "The mockery of Kyiv's 'just peace' is in the words; said by the US president the labels are the same (US not mentioned).")
L("gl-0014", "target_swap", "ukraine", [("Kyiv first of all", "Brussels first of all")],
  "none none favor negative", "The blamed rejecter is Brussels; Ukraine is not referred to.")
N("gl-0014", "ukraine", [("Kyiv first of all", "Ukraine first of all")],
  "Kyiv -> Ukraine; same blame.")
N("gl-0024", "ukraine", [("Zelensky's so-called", "Kyiv's so-called")],
  "Zelensky's -> Kyiv's; the same dismissal.")
L("gl-0024", "target_swap", "ukraine", [("Zelensky's so-called", "Brussels' so-called")],
  "none none against negative", "The dismissed formula is attributed to Brussels; Ukraine is not referred to.")
N("gl-0025", "ukraine", [("The Ukrainians went into", "The Armed Forces of Ukraine went into")],
  "the Ukrainians -> the Armed Forces of Ukraine; same mockery.")
L("gl-0025", "target_swap", "negotiations", [("They only wrecked the negotiations", "They only wrecked the defences")],
  "none against none negative", "What was wrecked is defences, not negotiations: negotiations none.")
S("gl-0040", "ukraine", "Karol Nawrocki", "PL",
  "The mockery of Zelensky and the Europeans is in the words; the Polish president saying them changes no label.")
L("gl-0040", "target_swap", "ukraine", [("to rescue Zelensky", "to rescue themselves")],
  "neutral none neutral negative", "The Europeans rescue themselves, not Zelensky; Ukraine is not referred to.")
N("gl-0041", "ukraine", [("For Kyiv and its Western patrons", "For Ukraine and its Western patrons")],
  "Kyiv -> Ukraine; same accusation.")
S("gl-0049", "ukraine", "JD Vance", "US",
  "Dismissing Zelensky's plan as a request for money is in the words; the US is not mentioned either way.")
N("gl-0049", "ukraine", [("Zelensky's 'victory plan'", "Kyiv's 'victory plan'")],
  "Zelensky's -> Kyiv's; same dismissal.")
N("gl-0055", "us", [("can the Americans give when they are", "can Washington give when it is")],
  "the Americans -> Washington; same distrust.")
N("gl-0062", "us", [("The Americans have started", "Washington has started")],
  "the Americans -> Washington; same approval.")
L("gl-0062", "target_swap", "us", [("The Americans have started", "The Lithuanians have started")],
  "none none none positive", "The sanctions relief now comes from Lithuania; the US is not referred to.")
L("gl-0067", "negation", "us", [("the Americans are right to press him", "the Americans are wrong to press him")],
  "against against favor negative", "'right' -> 'wrong': the US pressure is now criticised, against the US.")
N("gl-0067", "us", [("the Americans are right", "Washington is right")],
  "the Americans -> Washington; same approval.")
L("gl-0078", "target_swap", "ukraine", [("which Kyiv lobbies for so hard", "which London lobbies for so hard")],
  "none neutral against negative", "The lobbying is London's; Ukraine is only the place of deployment (mentioned, neutral).")
N("gl-0100", "us", [("including the United States", "including Washington")],
  "the United States -> Washington; still a neutral mention.")
N("gl-0100", "negotiations", [("promoting talks", "promoting negotiations")],
  "talks -> negotiations; same support.")
L("gl-0106", "negation", "negotiations",
  [("the battlefield cannot solve the problem; the negotiating table is the ultimate way out", "the negotiating table cannot solve the problem; the battlefield is the ultimate way out")],
  "against neutral against neutral", "Battlefield and table swap roles: the statement now says the war will be decided by fighting (against).")
N("gl-0106", "us", [("the US included", "Washington included")],
  "the US -> Washington; same implied reproach.")
N("gl-0113", "negotiations", [("China welcomes dialogue", "China welcomes talks")],
  "dialogue -> talks; same welcome.")
N("gl-0115", "us", [("the US mediation efforts", "Washington's mediation efforts")],
  "the US -> Washington; still neutral ('open-minded').")
N("gl-0115", "negotiations", [("in the negotiations", "in the talks")],
  "negotiations -> talks; same support.")
N("gl-0117", "negotiations", [("future negotiations", "future talks")],
  "negotiations -> talks; still only a future frame (neutral).")
S("gl-0117", "negotiations", "Sergey Lavrov", "RU",
  "An abstract remark on European security as a subject of future talks; Russia's foreign minister saying it changes no label.")
N("gl-0121", "us", [("The United States is the instigator", "Washington is the instigator")],
  "The United States -> Washington; same blame.")
L("gl-0121", "target_swap", "us", [("The United States is the instigator", "NATO is the instigator")],
  "none neutral favor negative", "The blame falls on NATO, which is not the US (2.1).")
N("gl-0122", "negotiations", [("resume dialogue soon", "resume negotiations soon")],
  "dialogue -> negotiations; same support.")
L("gl-0129", "target_swap", "us", [("The US says", "The EU says")],
  "none neutral favor negative", "The criticised aid-giver is the EU; the US is not referred to.")
N("gl-0129", "us", [("The US says", "Washington says")],
  "The US -> Washington; same criticism.")
N("gl-0135", "ukraine", [("The Ukrainian side's claims", "Kyiv's claims")],
  "the Ukrainian side -> Kyiv; the claims are still rejected as groundless.")
L("gl-0135", "target_swap", "ukraine", [("The Ukrainian side's claims", "Some Western media's claims")],
  "none none none neutral", "The rejected claims are the media's; Ukraine is not referred to.")
S("gl-0162", "negotiations", "Alexander Lukashenko", "BY",
  "'A just peace would benefit all; we call the parties to the table' favors talks whoever says it.")
L("gl-0164", "negation", "ukraine", [("We look favourably on", "We do not look favourably on")],
  "none against favor neutral", "Now opposing Ukraine's place in NATO: against Ukraine; the call for peace stays.")
N("gl-0165", "negotiations", [("the grain deal", "the Black Sea Grain Initiative")],
  "the grain deal -> the Black Sea Grain Initiative; same support for reopening it.")
S("gl-0168", "negotiations", "Sergey Lavrov", "RU",
  "Calling for talks that include Russia favors negotiations whoever says it.")
L("gl-0176", "target_swap", "us", [("Without Trump's leadership", "Without Qatar's leadership")],
  "none neutral favor positive", "The praised leadership is Qatar's; the US is not referred to.")
N("gl-0179", "us", [("at the White House", "in Washington")],
  "the White House -> Washington; same cooperative stance.")
L("gl-0182", "negation", "ukraine", [("unless Ukraine's sovereignty", "if Ukraine's sovereignty")],
  "none against neutral neutral", "'unless' -> 'if': Ukraine's territorial integrity is now an obstacle to peace, against Ukraine.")
L("gl-0190", "negation", "negotiations",
  [("We, on the other hand, want a ceasefire as soon as possible.", "We, too, do not want a ceasefire any time soon.")],
  "none none against neutral", "The speaker now rejects an early ceasefire (against); no longer an accusation, so the tone is plain.")
L("gl-0190", "target_swap", "us", [("some of our NATO allies want", "Washington wants")],
  "against none favor negative", "The accused ally is now Washington: against the US.")
N("gl-0211", "us", [("leaders in Moscow, Kyiv and Washington alike", "the leaders of Russia, Ukraine and the United States alike")],
  "Capitals replaced by states' names; still neutral mentions.")
N("gl-0211", "negotiations", [("a return to dialogue and diplomacy", "a return to negotiations")],
  "dialogue and diplomacy -> negotiations; same call.")
N("gl-0213", "negotiations", [("Our call for dialogue", "Our call for negotiations")],
  "dialogue -> negotiations; same call.")
L("gl-0213", "target_swap", "negotiations", [("Our call for dialogue", "Our call for fair food prices")],
  "none none none negative", "The call is now for fair food prices, not dialogue: negotiations none.")
L("gl-0224", "target_swap", "us", [("including Americans", "including Britons")],
  "none none favor positive", "The released detainees include Britons, not Americans; the US is not referred to.")
L("gl-0232", "target_swap", "us", [("President Trump's commitment", "President Erdoğan's commitment")],
  "none none favor positive", "The praised peace effort is Erdoğan's; the US is not referred to.")
L("gl-0246", "target_swap", "ukraine", [("Ukrainian civilians are paying", "Russian and Ukrainian civilians alike are paying")],
  "none neutral favor negative", "Sympathy now goes to civilians of both sides alike: Ukraine neutral (9.4).")
L("gl-0257", "hedge", "negotiations", [("I take note of", "I warmly welcome")],
  "none none favor positive", "The procedural 'take note' becomes a warm welcome of the proposals: favor, positive.")
S("gl-0257", "negotiations", "Sergey Lavrov", "RU",
  "A procedural note on peace proposals; the words keep their labels when said by Russia's foreign minister.")
N("gl-0258", "us", [("in Washington, Moscow", "in the White House, Moscow")],
  "Washington -> the White House; still a neutral mention.")
L("gl-0263", "target_swap", "us", [("the Americans and Europeans keep", "the arms makers keep")],
  "none none favor negative", "The war is fed by 'the arms makers', not the US; the US is not referred to.")
N("gl-0263", "us", [("the Americans and Europeans keep", "Washington and the Europeans keep")],
  "the Americans -> Washington; same blame.")
N("gl-0271", "negotiations", [("return to the negotiating table", "return to talks")],
  "the negotiating table -> talks; same support.")
L("gl-0278", "target_swap", "ukraine", [("respects Ukraine's territorial integrity", "respects Russia's security interests")],
  "none neutral favor neutral", "The peace terms now favor Russia's interests, not Ukraine's integrity; Zelensky is only addressed (neutral).")
N("gl-0279", "us", [("from Washington", "from the United States")],
  "Washington -> the United States; still neutral.")
S("gl-0279", "negotiations", "Emmanuel Macron", "FR",
  "A balanced statement on peace plans; the French president saying it changes no label.")

# ---------------------------------------------------------------- Russia
N("ru-0011", "us", [("Washington assures us", "The White House assures us")],
  "Washington -> the White House; same sarcasm.")
N("ru-0011", "ukraine", [("arms deliveries to Kyiv", "arms deliveries to Ukraine")],
  "Kyiv -> Ukraine; Ukraine only the recipient (neutral).")
N("ru-0014", "ukraine", [("Kyiv itself wound down", "Ukraine itself wound down")],
  "Kyiv -> Ukraine; same blame.")
L("ru-0014", "target_swap", "ukraine", [("That is not our choice: Kyiv itself wound down", "That is our choice: Moscow itself wound down")],
  "none neutral against neutral", "Russia, not Kyiv, ended the talks: Ukraine no longer blamed (neutral), and the speaker's side rejecting talks makes negotiations against.")
L("ru-0024", "negation", "negotiations",
  [("We are ready for dialogue", "We are not ready for dialogue"), ("but our demands are known", "until our demands are met")],
  "none against against neutral", "Readiness becomes refusal until demands are met (3.3 b): against.")
N("ru-0024", "ukraine", [("the current Kyiv leadership", "the current Ukrainian leadership")],
  "Kyiv -> Ukrainian; same demands.")
L("ru-0029", "negation", "negotiations", [("We are not refusing negotiations, but the longer", "We are refusing negotiations now, and the longer")],
  "none against against negative", "'not refusing' -> 'refusing': against the negotiations.")
N("ru-0030", "ukraine", [("the Ukrainian military bears", "the Armed Forces of Ukraine bear")],
  "the Ukrainian military -> the Armed Forces of Ukraine; same blame.")
N("ru-0035", "us", [("Biden's remarks", "the US president's remarks")],
  "Biden -> the US president; still noted without evaluation.")
L("ru-0035", "target_swap", "us", [("Biden's remarks", "Macron's remarks")],
  "none none neutral neutral", "The remarks are Macron's; the US is not referred to.")
L("ru-0039", "target_swap", "us", [("Western arms deliveries", "American arms deliveries")],
  "against neutral none negative", "'Western' (not the US, 2.1) -> 'American': the criticism now targets the US.")
N("ru-0039", "ukraine", [("to Ukraine only", "to Kyiv only")],
  "Ukraine -> Kyiv; still only the recipient (neutral).")
N("ru-0051", "us", [("The White House has decided", "Washington has decided")],
  "the White House -> Washington; same condemnation.")
L("ru-0051", "target_swap", "us", [("The White House has decided", "Ankara has decided")],
  "none neutral none negative", "The munitions now come from Ankara; the US is not referred to.")
L("ru-0053", "target_swap", "us", [("Our Western colleagues", "Our American colleagues")],
  "against none against negative", "'Western' (not the US) -> 'American': the broken promise is now the US's, against.")
N("ru-0054", "ukraine", [("Zelensky comes to New York", "The Ukrainian president comes to New York")],
  "Zelensky -> the Ukrainian president; same attack.")
N("ru-0068", "us", [("on Washington's part", "on the part of the United States")],
  "Washington -> the United States; same blame.")
L("ru-0068", "target_swap", "us", [("on Washington's part", "on Kyiv's part"), ("The Americans are", "The Ukrainians are")],
  "none against favor negative", "The blame moves from the US to Ukraine: US none, Ukraine against.")
N("ru-0074", "ukraine", [("statements from Kyiv", "statements from Ukraine")],
  "Kyiv -> Ukraine; same criticism.")
S("ru-0074", "ukraine", "Viktor Orbán", "HU",
  "Calling Kyiv's condition a refusal of dialogue is in the words; the Hungarian PM saying it keeps the labels.")
N("ru-0095", "us", [("the outgoing administration", "the outgoing US administration")],
  "The administration is named as the US's; same attack.")
N("ru-0106", "negotiations", [("readiness for a political solution", "readiness for a negotiated solution")],
  "political -> negotiated solution; same support.")
L("ru-0106", "negation", "negotiations",
  [("Our partners know our position and appreciate our readiness for a political solution.", "Our partners know our position: we see no room for a political solution.")],
  "none neutral against neutral", "Readiness for a political solution becomes its rejection: against.")
N("ru-0119", "negotiations", [("Prisoner exchanges will continue.", "Exchanges of prisoners of war will continue.")],
  "Paraphrase of 'prisoner exchanges'; still a plain report (neutral).")
N("ru-0120", "us", [("Contacts with the Americans", "Contacts with Washington")],
  "the Americans -> Washington; neutral report.")
L("ru-0120", "target_swap", "us", [("Contacts with the Americans", "Contacts with the British")],
  "none neutral neutral neutral", "The contacts are with the British; the US is not referred to.")
N("ru-0122", "us", [("to work in Washington", "to work in the United States")],
  "Washington -> the United States; same complaint.")
L("ru-0122", "target_swap", "us", [("American diplomats", "British diplomats"), ("to work in Washington", "to work in London")],
  "none none none negative", "The quarrel is now with Britain; the US is not referred to.")
L("ru-0125", "negation", "negotiations", [("We stand for a political solution. But", "We do not stand for a political solution. And")],
  "none against against neutral", "Support for a political solution is negated: against.")
N("ru-0138", "us", [("taken in Washington", "taken by the United States")],
  "Washington -> the United States; same blame.")
L("ru-0138", "target_swap", "us", [("taken in Washington", "taken in Moscow")],
  "neutral none against neutral", "Moscow, not Washington, ended the dialogue: US only mentioned (neutral), and the speaker's side rejecting dialogue is against negotiations.")
N("ru-0143", "negotiations", [("The Chinese-Brazilian proposals look", "The Chinese-Brazilian peace plan looks")],
  "proposals -> peace plan; same support.")
L("ru-0164", "negation", "us", [("and Washington is hearing us", "but Washington is not hearing us")],
  "against none none negative", "Washington now ignores Russia: a complaint, against the US.")
N("ru-0164", "us", [("and Washington is hearing us", "and the US administration is hearing us")],
  "Washington -> the US administration; same approval.")
N("ru-0165", "us", [("Washington seems", "The White House seems")],
  "Washington -> the White House; same approval.")
L("ru-0165", "target_swap", "us", [("Washington seems", "Budapest seems")],
  "none none favor negative", "The praised capital is Budapest; the US is not referred to.")
N("ru-0166", "ukraine", [("Kyiv's position", "Ukraine's position")],
  "Kyiv -> Ukraine; same blame.")
L("ru-0166", "negation", "ukraine", [("Kyiv's position still shows no desire for peace", "Kyiv's position now shows a desire for peace")],
  "neutral favor favor neutral", "Kyiv is now credited with wanting peace: favor Ukraine; tone plain.")
N("ru-0176", "negotiations", [("a truce for the Easter holiday", "a ceasefire for the Easter holiday")],
  "truce -> ceasefire; same declaration.")
L("ru-0193", "negation", "us",
  [("is pragmatic and not driven by ideology", "is not pragmatic and is driven by ideology"), ("One can work", "One cannot work")],
  "against none none negative", "The praise of the US administration is negated: against, negative.")
N("ru-0193", "us", [("the new administration in Washington", "the new US administration")],
  "in Washington -> US; same praise.")
N("ru-0194", "ukraine", [("The Bandera regime", "The Kyiv regime")],
  "'Bandera regime' -> 'Kyiv regime'; both name Ukraine's government with hostility.")
N("ru-0195", "ukraine", [("sit down with Kyiv again", "sit down with Ukraine again")],
  "Kyiv -> Ukraine; same neutral address.")
N("ru-0195", "negotiations", [("where the talks stopped", "where the negotiations stopped")],
  "talks -> negotiations; same proposal.")
N("ru-0201", "us", [("our American colleagues", "our colleagues in Washington")],
  "American -> in Washington; still neutral.")
N("ru-0202", "ukraine", [("that seized power must go", "that seized power in Kyiv must go")],
  "The implicit referent (Kyiv) is named; same hostility.")
N("ru-0206", "us", [("The American president", "Trump")],
  "The American president -> Trump; same rejection of his ultimatums.")
L("ru-0206", "target_swap", "us", [("The American president sets", "The EU sets")],
  "none none against negative", "The deadlines are now the EU's; the US is not referred to.")
N("ru-0208", "us", [("from across the ocean", "from Washington")],
  "'across the ocean' -> Washington; same rejection.")
L("ru-0208", "target_swap", "us", [("from across the ocean", "from Brussels")],
  "none none against negative", "The threats now come from Brussels; the US is not referred to.")
L("ru-0222", "target_swap", "ukraine", [("with our Ukrainian colleagues", "with our Turkish colleagues")],
  "none none favor positive", "The credited partners are Turkish; Ukraine is not referred to.")
N("ru-0222", "negotiations", [("the Istanbul meetings", "the Istanbul talks")],
  "meetings -> talks; same support for the humanitarian track.")
N("ru-0225", "us", [("Secretary of State Rubio", "the US Secretary of State")],
  "Rubio -> the US Secretary of State; still neutral.")
N("ru-0226", "ukraine", [("arms deliveries to Kyiv", "arms deliveries to Ukraine")],
  "Kyiv -> Ukraine; Ukraine only the recipient (neutral).")
S("ru-0226", "us", "Luiz Inácio Lula da Silva", "BR",
  "Criticism of Washington's arms decision is in the words; the Brazilian president saying it keeps the labels.")
N("ru-0243", "us", [("Washington is well aware", "The US administration is well aware")],
  "Washington -> the US administration; still neutral.")
L("ru-0250", "hedge", "us", [("a constructive telephone conversation", "a telephone conversation")],
  "neutral none neutral neutral", "Without 'constructive' the call with Rubio is only reported: US neutral.")
L("ru-0255", "hedge", "negotiations", [("is within reach, I am sure of it.", "may be within reach, but it is too early to say.")],
  "neutral neutral neutral neutral", "Certainty of a near settlement becomes a non-committal remark: negotiations neutral, tone neutral.")
N("ru-0261", "us", [("the American proposals", "Washington's proposals")],
  "American -> Washington's; same approval.")
L("ru-0261", "target_swap", "us", [("the American proposals", "the Chinese proposals")],
  "none against favor negative", "The approved proposals are China's; the US is not referred to.")
N("ru-0262", "us", [("The American proposals", "Washington's proposals")],
  "American -> Washington's; still neutral.")
L("ru-0268", "hedge", "negotiations", [("We are studying the American settlement proposals carefully.", "We welcome the American settlement proposals.")],
  "favor none favor neutral", "'Studying' becomes 'welcome': favor the proposals and their author (US favor); a plain welcome is neutral in tone.")
S("ru-0268", "negotiations", "Emmanuel Macron", "FR",
  "Studying proposals and keeping them out of the Council is procedural; the same from France keeps the labels.")
N("ru-0276", "us", [("our partners across the ocean", "our American partners")],
  "'across the ocean' -> American; same approval.")
L("ru-0276", "target_swap", "us", [("our partners across the ocean", "our partners in the Gulf")],
  "none none none positive", "The partners are in the Gulf; the US is not referred to.")

# ---------------------------------------------------------------- Ukraine
N("ua-0008", "us", [("We thank the United States", "We thank Washington")],
  "The United States -> Washington; same thanks.")
L("ua-0008", "target_swap", "us", [("We thank the United States", "We thank Canada")],
  "none none none positive", "The thanks go to Canada; the US is not referred to.")
N("ua-0017", "us", [("Our partners across the ocean", "Our American partners")],
  "'across the ocean' -> American; same praise.")
L("ua-0017", "target_swap", "us", [("Our partners across the ocean", "Our partners in Europe")],
  "none none none positive", "The praised partners are in Europe; the US is not referred to.")
L("ua-0021", "negation", "negotiations", [("We do not want it to come to that, but we are ready.", "We want it to come to that, and we are ready.")],
  "none none against negative", "The speaker now wants the battlefield outcome: against negotiations.")
N("ua-0024", "us", [("to the United States", "to America")],
  "The United States -> America; same gratitude.")
L("ua-0024", "target_swap", "us", [("to the United States for HIMARS", "to the United Kingdom for MLRS")],
  "none favor none positive", "The thanks go to the UK; the US is not referred to.")
N("ua-0025", "negotiations", [("The grain initiative", "The grain deal")],
  "initiative -> deal; same position.")
L("ua-0025", "negation", "negotiations", [("We will fulfil ours", "We will no longer fulfil ours")],
  "none neutral against neutral", "Ukraine now leaves the grain arrangement: against the negotiated arrangement.")
N("ua-0028", "negotiations", [("ready for dialogue", "ready for talks")],
  "dialogue -> talks; same distrust.")
L("ua-0040", "negation", "negotiations", [("Ukraine is open to a diplomatic solution, but no one", "Ukraine is not open to a diplomatic solution, and no one")],
  "none favor against neutral", "Openness to a diplomatic solution is negated: against.")
N("ua-0054", "us", [("The United States' decision", "Washington's decision")],
  "The United States -> Washington; same praise.")
L("ua-0054", "target_swap", "us", [("The United States' decision on Abrams tanks", "Germany's decision on Leopard tanks")],
  "none none none positive", "The praised decision is Germany's; the US is not referred to.")
L("ua-0055", "target_swap", "us", [("Some in the West", "Some in Washington")],
  "against favor against negative", "The accused appeasers are now in Washington: against the US.")
N("ua-0060", "us", [("American financial support", "US financial support")],
  "American -> US; same praise.")
L("ua-0060", "target_swap", "us", [("American financial support", "European financial support")],
  "none favor none positive", "The praised support is European; the US is not referred to.")
L("ua-0066", "target_swap", "us", [("President Biden and the American people", "President Macron and the French people")],
  "none favor none positive", "The thanks go to France; the US is not referred to.")
N("ua-0069", "us", [("including the United States", "including Washington")],
  "The United States -> Washington; still neutral.")
N("ua-0100", "us", [("our partners know whose decisions it depends on", "our partners know it depends on decisions in Washington")],
  "The implicit referent (Washington) is named; same reproach.")
S("ua-0121", "negotiations", "Luiz Inácio Lula da Silva", "BR",
  "Praise of the summit's principles as a start of peace is in the words; Lula saying it keeps the labels.")
L("ua-0137", "hedge", "us", [("went well and was useful", "took place")],
  "neutral none neutral neutral", "Without 'went well and was useful' the meeting with Trump is only reported: US neutral, tone neutral.")
N("ua-0144", "us", [("Washington's desire", "the US administration's desire")],
  "Washington -> the US administration; same reservation.")
L("ua-0144", "target_swap", "us", [("Washington's desire", "Ankara's desire")],
  "none favor neutral neutral", "The criticised haste is Ankara's; the US is not referred to.")
N("ua-0152", "us", [("partners in Washington", "American partners")],
  "in Washington -> American; still neutral.")
L("ua-0152", "target_swap", "us", [("partners in Washington", "partners in Berlin")],
  "none neutral none neutral", "The meetings were in Berlin; the US is not referred to.")
N("ua-0155", "ukraine", [("Ukraine does not trade", "Kyiv does not trade")],
  "Ukraine -> Kyiv; same defence of Ukraine's land.")
L("ua-0156", "target_swap", "us", [("from the US", "from Germany")],
  "none favor none positive", "The assistance package is German; the US is not referred to.")
N("ua-0164", "negotiations", [("a thirty-day ceasefire", "a thirty-day truce")],
  "ceasefire -> truce; same acceptance.")
L("ua-0165", "hedge", "us", [("were constructive", "took place")],
  "neutral neutral favor neutral", "Without 'constructive' the talks are only reported: US neutral, tone neutral (restored aid is stated, not praised).")
L("ua-0167", "negation", "negotiations", [("The army is ready to observe a ceasefire if", "The army is not ready to observe a ceasefire even if")],
  "none neutral against negative", "Readiness to observe a ceasefire is negated: against.")
N("ua-0167", "negotiations", [("observe a ceasefire", "observe a truce")],
  "ceasefire -> truce; same conditional readiness.")
L("ua-0170", "target_swap", "us", [("to the United States for its mediation", "to Saudi Arabia for its mediation")],
  "none neutral favor neutral", "The thanks go to Saudi Arabia; the US is not referred to.")
N("ua-0181", "us", [("our biggest partner", "the United States")],
  "'our biggest partner' -> the United States; same reproach.")
N("ua-0182", "us", [("our American partners remain", "Washington remains")],
  "our American partners -> Washington; same appreciation.")
L("ua-0182", "target_swap", "us", [("our American partners", "our British partners")],
  "none none none positive", "The appreciated partners are British; the US is not referred to.")
L("ua-0196", "target_swap", "us", [("American participation", "British participation")],
  "none none none neutral", "The irreplaceable partner is Britain; the US is not referred to.")
N("ua-0201", "us", [("with the United States", "with Washington")],
  "The United States -> Washington; still neutral.")
L("ua-0215", "negation", "negotiations", [("We are ready for a ceasefire along the front line, but not to withdraw", "We are not ready for a ceasefire along the front line, nor to withdraw")],
  "neutral favor against neutral", "Readiness for a ceasefire is negated: against.")
L("ua-0216", "target_swap", "us", [("US sanctions", "EU sanctions")],
  "none none none positive", "The praised sanctions are the EU's; the US is not referred to.")
L("ua-0227", "hedge", "us", [("We welcome US mediation", "We take note of US mediation")],
  "neutral none favor neutral", "'welcome' -> 'take note of' (procedural): US neutral.")
S("ua-0230", "negotiations", "Donald Tusk", "PL",
  "Scepticism that a conversation will persuade Putin is in the words; the Polish PM saying it keeps the labels.")
N("ua-0234", "negotiations", [("where negotiations produce results", "where talks produce results")],
  "negotiations -> talks; same support.")
N("ua-0236", "us", [("our most important ally", "the United States")],
  "'our most important ally' -> the United States; same support.")
L("ua-0236", "target_swap", "us", [("promoted by our most important ally", "promoted by Türkiye")],
  "none neutral favor neutral", "The promoter of the meeting is Türkiye; the US is not referred to.")
N("ua-0241", "us", [("from the American side", "from Washington")],
  "the American side -> Washington; still neutral.")
L("ua-0241", "hedge", "negotiations", [("We have received the updated text", "We welcome the updated text")],
  "favor none favor neutral", "'received' -> 'welcome': favor the agreement and the US text; a plain welcome is neutral in tone.")
L("ua-0246", "target_swap", "us", [("to the American people", "to the Polish people")],
  "none favor none positive", "The thanks go to Poland; the US is not referred to.")
N("ua-0248", "us", [("including from the United States", "including from Washington")],
  "The United States -> Washington; still neutral.")
S("ua-0248", "negotiations", "Mao Ning", "CN",
  "A factual report on the summit's participants; China's spokesperson saying it keeps the labels.")
S("ua-0254", "negotiations", "Friedrich Merz", "DE",
  "The rhetorical attack on the plan is in the words; the German chancellor saying it keeps the labels.")
N("ua-0269", "us", [("with the American side", "with Washington")],
  "the American side -> Washington; still neutral.")
L("ua-0272", "target_swap", "us", [("waiting for permission", "waiting for Washington's permission")],
  "against favor none negative", "The withheld permission is now Washington's, called unfair: against the US.")
L("ua-0274", "negation", "negotiations", [("We agreed to a ceasefire", "We refused a ceasefire")],
  "none none against negative", "The speaker's side now refused the ceasefire: against.")
N("ua-0278", "us", [("to the Americans", "to Washington")],
  "the Americans -> Washington; same gratitude.")
L("ua-0278", "target_swap", "us", [("to the Americans", "to the Europeans")],
  "none none against negative", "The thanks go to the Europeans; the US is not referred to.")

# ---------------------------------------------------------------- United States
N("us-0007", "us", [("American policy", "Washington's policy")],
  "American policy -> Washington's policy; same policy.")
L("us-0007", "target_swap", "ukraine", [("What we want for Ukraine", "What we want for Taiwan")],
  "favor none none positive", "The policy goal now concerns Taiwan; Ukraine is not referred to.")
N("us-0008", "ukraine", [("twist Kyiv's arm", "twist Ukraine's arm")],
  "Kyiv -> Ukraine; same support.")
N("us-0011", "us", [("The United States will never", "America will never")],
  "The United States -> America; same policy.")
N("us-0024", "ukraine", [("Backing Ukraine's defense", "Backing Kyiv's defense")],
  "Ukraine -> Kyiv; same support.")
L("us-0024", "target_swap", "ukraine", [("Backing Ukraine's defense", "Backing Israel's defense")],
  "favor none none positive", "The aid now goes to Israel; Ukraine is not referred to.")
L("us-0073", "target_swap", "us", [("Western support", "American support")],
  "favor favor none positive", "'Western' (not the US) -> 'American': a US official praising US support is favor.")
L("us-0085", "target_swap", "ukraine", [("the people of Ukraine", "the people of Moldova")],
  "favor none none positive", "Solidarity now goes to Moldova; Ukraine is not referred to.")
L("us-0086", "target_swap", "ukraine", [("the will of Ukrainians", "the will of Syrians")],
  "none none none negative", "The attacked people are Syrians; Ukraine is not referred to.")
L("us-0093", "target_swap", "ukraine", [("stand strongly with Ukraine", "stand strongly with Israel")],
  "favor none none positive", "The support now goes to Israel; Ukraine is not referred to.")
N("us-0122", "ukraine", [("Now Ukraine complains", "Now Kyiv complains")],
  "Ukraine -> Kyiv; same reproach.")
S("us-0122", "ukraine", "Maria Zakharova", "RU",
  "The reproach that Ukraine could have made a deal is in the words; said by Russia's spokeswoman the labels are the same.")
S("us-0134", "negotiations", "Dmitry Peskov", "RU",
  "The announcement of talks and an end to the war reads the same from the Kremlin spokesman.")
N("us-0150", "ukraine", [("but Zelensky still hasn't", "but the Ukrainian president still hasn't")],
  "Zelensky -> the Ukrainian president; same jab.")
S("us-0150", "ukraine", "Yuri Ushakov", "RU",
  "The jab at Zelensky and support for the proposal are in the words; a Kremlin aide saying them keeps the labels.")
L("us-0153", "target_swap", "ukraine", [("when Putin started attacking Zelensky's legitimacy", "when Zelensky started attacking Putin's legitimacy")],
  "neutral against favor negative", "The speaker's displeasure is now aimed at Zelensky: against Ukraine.")
L("us-0172", "target_swap", "ukraine", [("Europe and Kyiv should be realistic if they want", "Europe should be realistic if it wants")],
  "favor none favor negative", "Only Europe is told to be realistic; Ukraine is not referred to.")
S("us-0181", "negotiations", "Wang Yi", "CN",
  "'Each side must give something; no army will win outright' favors a settlement whoever says it.")
L("us-0181", "negation", "negotiations",
  [("Each side is going to have to give up something. This war won't be resolved by either army", "Neither side should give up anything. This war will be resolved by one army")],
  "none neutral against neutral", "Compromise is refused and an outright military win expected: decided by force, against.")
L("us-0189", "target_swap", "ukraine", [("The Ukrainian team", "The Russian team")],
  "none none favor positive", "The praised team is Russia's; Ukraine is not referred to.")
L("us-0190", "hedge", "negotiations", [("a solid basis to build on", "a text to work on")],
  "neutral neutral neutral neutral", "Without 'a solid basis' the proposal is only described: negotiations neutral, and the US authorship is a plain announcement (US neutral).")
N("us-0190", "negotiations", [("It gives the negotiations", "It gives the talks")],
  "negotiations -> talks; same praise.")
N("us-0196", "ukraine", [("consultations with Kyiv", "consultations with Ukraine")],
  "Kyiv -> Ukraine; still neutral.")
S("us-0197", "negotiations", "Yuri Ushakov", "RU",
  "An analysis of the sticking points; a Kremlin aide saying it keeps the labels.")
S("us-0205", "negotiations", "Dmitry Peskov", "RU",
  "An analysis of the remaining issues; the Kremlin spokesman saying it keeps the labels.")
N("us-0219", "ukraine", [("invading his neighbor", "invading Ukraine")],
  "The neighbour is named; same favor.")
L("us-0233", "hedge", "negotiations", [("and that's a meaningful move toward peace", "and we'll see what that means")],
  "none none neutral neutral", "The praise becomes a wait-and-see remark: negotiations neutral, tone neutral.")
S("us-0233", "negotiations", "Recep Tayyip Erdoğan", "TR",
  "Welcoming Russian concessions as a move toward peace reads the same from the Turkish president.")
N("us-0254", "us", [("America's commitment", "The United States' commitment")],
  "America -> the United States; same praise.")
N("us-0257", "ukraine", [("A former TV entertainer", "Zelensky, a former TV entertainer,")],
  "The implicit referent (Zelensky) is named; same mockery.")
S("us-0259", "ukraine", "Sergey Lavrov", "RU",
  "The demands on Zelensky are in the words; Russia's foreign minister saying them keeps the labels.")
L("us-0263", "target_swap", "ukraine", [("President Zelensky's insults", "The Democrats' insults")],
  "favor none favor negative", "The condemned insults are the Democrats'; Ukraine is not referred to.")
S("us-0264", "ukraine", "Sergey Lavrov", "RU",
  "Dismissing Ukraine's border goal is in the words; Russia's foreign minister saying it keeps the labels.")
S("us-0269", "ukraine", "Dmitry Peskov", "RU",
  "The demand for Zelensky's compromises is in the words; the Kremlin spokesman saying it keeps the labels.")

# ---------------------------------------------------------------- Western Europe, EU, NATO
L("weu-0009", "negation", "ukraine", [("but no peace plan can enshrine", "but any peace plan must enshrine")],
  "none against neutral neutral", "Demanding that plans enshrine the annexation denies Ukraine's claim: against; still only terms for talks.")
N("weu-0015", "us", [("what Washington will do", "what the United States will do")],
  "Washington -> the United States; still neutral.")
S("weu-0033", "negotiations", "Dmitry Peskov", "RU",
  "A refusal to comment on drafts is procedural; the Kremlin spokesman saying it keeps the labels.")
L("weu-0034", "negation", "negotiations",
  [("I speak to President Putin to avoid escalation and to obtain", "I refuse to speak to President Putin, even to avoid escalation or to obtain"), ("Talking is not approving.", "Talking is approving.")],
  "none none against neutral", "Talking to Putin is now refused as approval: against.")
L("weu-0035", "target_swap", "ukraine", [("to help Ukraine resist", "to help Moldova resist")],
  "none none none neutral", "The help goes to Moldova; Ukraine is not referred to.")
N("weu-0041", "ukraine", [("support for Ukraine", "support for Kyiv")],
  "Ukraine -> Kyiv; same support.")
N("weu-0043", "us", [("even a partner", "even the United States")],
  "'a partner' (the US, clearly meant) is named; same rejection.")
N("weu-0061", "us", [("especially the Americans and the Germans", "especially Washington and Berlin")],
  "the Americans -> Washington; still neutral.")
L("weu-0061", "target_swap", "us", [("especially the Americans and the Germans", "especially the British and the Germans")],
  "none favor none neutral", "The consulted allies are the British; the US is not referred to.")
L("weu-0064", "target_swap", "ukraine", [("President Zelensky's peace formula", "President Xi's peace plan")],
  "none none favor positive", "The praised plan is Xi's; Ukraine is not referred to.")
N("weu-0064", "ukraine", [("President Zelensky's peace formula", "Ukraine's peace formula")],
  "Zelensky's -> Ukraine's; same praise.")
N("weu-0072", "ukraine", [("We stand by Ukraine", "We stand by Kyiv")],
  "Ukraine -> Kyiv; same support.")
L("weu-0072", "target_swap", "ukraine", [("We stand by Ukraine", "We stand by our allies")],
  "none none none positive", "The support is for 'our allies'; Ukraine is not referred to.")
N("weu-0074", "us", [("with the United States", "with Washington")],
  "The United States -> Washington; same praise.")
L("weu-0074", "target_swap", "us", [("with the United States", "with Japan")],
  "none favor none positive", "The praised relationship is with Japan; the US is not referred to.")
L("weu-0079", "hedge", "negotiations", [("Italy is ready to support any initiative", "Italy will study any initiative")],
  "none none neutral neutral", "'ready to support' -> 'will study' (procedural): neutral.")
N("weu-0079", "negotiations", [("leads to a ceasefire", "leads to a truce")],
  "ceasefire -> truce; same support.")
N("weu-0086", "us", [("The United States and Europe", "Washington and Europe")],
  "The United States -> Washington; same praise.")
L("weu-0086", "target_swap", "us", [("The United States and Europe", "The United Kingdom and the EU")],
  "none none none positive", "The praised coordination is the UK's; the US is not referred to.")
N("weu-0087", "us", [("with the USA", "with Washington")],
  "the USA -> Washington; still neutral.")
L("weu-0087", "target_swap", "us", [("with the USA", "with France")],
  "none favor none neutral", "The coordination is with France; the US is not referred to.")
N("weu-0102", "us", [("The US administration's tariffs", "Washington's tariffs")],
  "The US administration -> Washington; same criticism.")
L("weu-0102", "target_swap", "us", [("The US administration's tariffs", "China's tariffs")],
  "none none none negative", "The criticised tariffs are China's; the US is not referred to.")
N("weu-0114", "us", [("the new US administration", "the new administration in Washington")],
  "US -> in Washington; still neutral.")
N("weu-0116", "us", [("on our transatlantic partners", "on the United States")],
  "'transatlantic partners' (the US, clearly meant) is named; same distrust.")
L("weu-0121", "target_swap", "ukraine", [("Ukraine needs heavy weapons", "The Bundeswehr needs heavy weapons")],
  "none none none negative", "The weapons are for Germany's own army; Ukraine is not referred to.")
N("weu-0127", "us", [("the statements from Washington", "the statements from the White House")],
  "Washington -> the White House; same distrust.")
N("weu-0139", "us", [("our most important ally across the Atlantic", "the United States")],
  "The description is replaced by the name; same doubt.")
L("weu-0146", "target_swap", "us", [("The new American sanctions", "The new British sanctions")],
  "none favor neutral positive", "The praised sanctions are British; the US is not referred to.")
L("weu-0149", "target_swap", "ukraine", [("Whoever abandons Ukraine", "Whoever abandons Moldova")],
  "none none none negative", "The warning concerns Moldova; Ukraine is not referred to.")
S("weu-0149", "ukraine", "Recep Tayyip Erdoğan", "TR",
  "The warning against abandoning Ukraine is in the words; the Turkish president saying it keeps the labels.")
L("weu-0152", "target_swap", "us", [("President Biden and the European allies", "Canada and the European allies")],
  "none favor none positive", "The praised partner is Canada; 'the West' alone is not the US.")
S("weu-0153", "ukraine", "Narendra Modi", "IN",
  "Rejecting a stronger country's invasion of its neighbour is in the words; Modi saying it keeps the labels.")
L("weu-0155", "target_swap", "ukraine", [("meets from Kyiv", "meets in Hiroshima")],
  "none none none positive", "The G7 meets in Hiroshima; nothing refers to Ukraine.")
L("weu-0159", "target_swap", "ukraine", [("Rebuilding Ukraine", "Rebuilding the Balkans"), ("believe in its future", "believe in their future")],
  "none none none positive", "The reconstruction is of the Balkans; Ukraine is not referred to.")
L("weu-0169", "target_swap", "ukraine", [("Ukraine's future is in NATO", "Sweden's future is in NATO")],
  "none none none neutral", "The NATO future is Sweden's; Ukraine is not referred to.")
L("weu-0176", "target_swap", "ukraine", [("give Ukraine the means", "give Taiwan the means")],
  "favor none none neutral", "The means go to Taiwan; Ukraine is not referred to.")
N("weu-0177", "us", [("with the White House", "with Washington")],
  "the White House -> Washington; same criticism of the pause.")
S("weu-0187", "ukraine", "Wang Yi", "CN",
  "Borders and Ukraine's free choice are affirmed in the words; China's foreign minister saying it keeps the labels.")
N("weu-0198", "us", [("between Washington and Kyiv", "between the United States and Kyiv")],
  "Washington -> the United States; still neutral.")
N("weu-0204", "us", [("together with the Americans", "together with the United States")],
  "the Americans -> the United States; still neutral.")
N("weu-0216", "us", [("the incoming US administration", "the incoming administration in Washington")],
  "US -> in Washington; still neutral.")
L("weu-0229", "target_swap", "us", [("the stalemate in the US Congress", "the stalemate in the EU Council")],
  "none favor against negative", "The stalemate blamed is the EU's; the US is not referred to.")
L("weu-0240", "target_swap", "us", [("including President Trump's", "including President Erdoğan's")],
  "none neutral favor neutral", "The welcomed effort is Erdoğan's; the US is not referred to.")
N("weu-0243", "negotiations", [("the ceasefire proposed", "the truce proposed")],
  "ceasefire -> truce; same support.")
N("weu-0243", "us", [("proposed by the United States", "proposed by Washington")],
  "The United States -> Washington; same support.")
L("weu-0264", "target_swap", "us", [("of the United States", "of the United Kingdom")],
  "none favor neutral positive", "The welcomed leadership is the UK's; the US is not referred to.")
N("weu-0274", "ukraine", [("After Kyiv's reply", "After Ukraine's reply")],
  "Kyiv -> Ukraine; still neutral.")
L("weu-0274", "target_swap", "us", [("President Trump and I agree", "President Macron and I agree")],
  "none neutral favor neutral", "The agreeing partner is Macron; the US is not referred to.")
L("weu-0279", "negation", "negotiations", [("or from backing President Trump's push", "or from opposing President Trump's push")],
  "against favor against negative", "Backing -> opposing the push for peace: against the negotiations and, through Trump, against the US.")


# sha256 (first 16 hex digits) of each source's text_en as it was when its edits were written and
# labelled; the build refuses a source whose corpus text has changed since (its edits must be redone).
REVIEWED = {
    "ceu-0006": "56820f0dd9052eb7", "ceu-0011": "ea9e2064032e1777", "ceu-0018": "9565ded254b3bcf2",
    "ceu-0029": "088bde9ccffe9432", "ceu-0033": "71f7fc70ecad254e", "ceu-0050": "e0443e31b29c2d07",
    "ceu-0054": "d40aff6f3b1a84a5", "ceu-0059": "61ba8929282a139d", "ceu-0062": "eb80261f2a6cc0f7",
    "ceu-0065": "80c9cf88aaccab56", "ceu-0066": "607be27cd2e2947d", "ceu-0078": "631767c5b213eef2",
    "ceu-0079": "85d084efa3c14fe0", "ceu-0089": "37a641cc50f06df1", "ceu-0092": "ac7ede7dcf06d0f8",
    "ceu-0096": "78541b407f521998", "ceu-0115": "49b5e03b7f9ebffd", "ceu-0116": "31268ba6a42b7fe1",
    "ceu-0122": "21589284fb40cac4", "ceu-0142": "256d828b72c5885a", "ceu-0150": "95c5f70d9a9dcb77",
    "ceu-0152": "14fc15f76b058eb7", "ceu-0154": "61b29fab359f43db", "ceu-0156": "d26aa18d9803ef8f",
    "ceu-0173": "22b3ad2c4063cb01", "ceu-0186": "3fa578ac5f7bd6a6", "ceu-0192": "ef5d92e729ed82ea",
    "ceu-0194": "a576a037980a1cd8", "ceu-0199": "98f04bdd61922b5c", "ceu-0206": "ce3f2ca915a7acc2",
    "ceu-0209": "94e6ced12b1dc391", "ceu-0219": "dcf504465e7a06e2", "ceu-0226": "303a0d42852a9896",
    "ceu-0229": "130cc26dbca99de2", "ceu-0232": "2b4cd9b5e9c9d45d", "ceu-0234": "a19c9886cedf0a72",
    "ceu-0235": "3eca1e8d0e2b3bfc", "ceu-0242": "a38232a7423fed79", "ceu-0248": "001d3ba162ca5b90",
    "ceu-0256": "1873f62ee837450c", "ceu-0259": "96866ab7da46a928", "ceu-0265": "4ceb8b8afb8d1e0e",
    "ceu-0277": "680562e2076c05ce", "gl-0009": "9445ee9c0ed44dca", "gl-0012": "e0fe4ec4b8479f2a",
    "gl-0014": "9c74aabbb8b2a4e3", "gl-0024": "0c746b6f964d56bc", "gl-0025": "73a72770819f7a35",
    "gl-0040": "c850ff3abba359b3", "gl-0041": "a69b82ad4703e636", "gl-0049": "fd0729808cb3643d",
    "gl-0055": "fe23dfcedfd746b5", "gl-0062": "89758932d026d0a5", "gl-0067": "1db8c7da7af6fd72",
    "gl-0078": "7470ce6c2284d8ee", "gl-0100": "2a300fd0aed614e4", "gl-0106": "ac91d625b2f1e696",
    "gl-0113": "e2523369f4e61a01", "gl-0115": "cd82f5e2d6ffb043", "gl-0117": "ace33a6f3d9e443c",
    "gl-0121": "783849091430ef10", "gl-0122": "588497111260eb74", "gl-0129": "3159ea41a55895d5",
    "gl-0135": "69f35095401dd73b", "gl-0162": "5f528b4c99e2226d", "gl-0164": "7e8bfc2ddd62cd49",
    "gl-0165": "de708281499a703f", "gl-0168": "200b8fde7ecde1be", "gl-0176": "82450e9dd995e7f5",
    "gl-0179": "ca6a842280c4822a", "gl-0182": "c863289b2c261e2b", "gl-0190": "d85f1ca31c2fb8d3",
    "gl-0211": "236aacd6f591a8e1", "gl-0213": "c3ad40818ca4765b", "gl-0224": "5f7f4a6d0abf9d07",
    "gl-0232": "5613371474953ddc", "gl-0246": "30e0f11d5f5d2578", "gl-0257": "bab87efffb92c0a0",
    "gl-0258": "d07eed32435e07bd", "gl-0263": "e82bccf90b068bd4", "gl-0271": "91252e5bd2d536d4",
    "gl-0278": "0ecbdcf768a3ff20", "gl-0279": "ef98cca63b47a19a", "ru-0011": "ab018e7730b6b764",
    "ru-0014": "2bee1d8aa79a467a", "ru-0024": "af6a074922b32102", "ru-0029": "5aa68328e138fd71",
    "ru-0030": "14426337f99fe1d5", "ru-0035": "04567b90809b9a9f", "ru-0039": "931e245f67dfbc61",
    "ru-0051": "3650277c42e8a080", "ru-0053": "6b22757088d96aa3", "ru-0054": "da7339c5d7b86cde",
    "ru-0068": "1d6ec7f72ea471ba", "ru-0074": "cec16be1bfdc8c68", "ru-0095": "9ddd39d2ce59ebef",
    "ru-0106": "b102123e13738980", "ru-0119": "82397d775e68493e", "ru-0120": "f7598c8f4c497833",
    "ru-0122": "0dae6e86df2214e8", "ru-0125": "9b58399047e38bf5", "ru-0138": "877f04ee55de7f61",
    "ru-0143": "72a1af0288e77ae5", "ru-0164": "6d4c361b011d1d05", "ru-0165": "0788a70ff8c48dc5",
    "ru-0166": "217cb03417840748", "ru-0176": "fdafab37fa7fe37f", "ru-0193": "19c31216375339ac",
    "ru-0194": "bdc6ff33bac95afc", "ru-0195": "b024a0b85db4ded3", "ru-0201": "99d6f917f747f0c6",
    "ru-0202": "5865296a4613e1c3", "ru-0206": "00860761ad061060", "ru-0208": "05b80dd5d8af26d4",
    "ru-0222": "7b941b852681f8f4", "ru-0225": "cb7eac6c3990caff", "ru-0226": "a3436ab518e51a4e",
    "ru-0243": "14411412898dcdc7", "ru-0250": "840848198a15e6fa", "ru-0255": "2a10b1dc2fabc7bd",
    "ru-0261": "9a35c80436c83d82", "ru-0262": "40c891aadd64122a", "ru-0268": "4040896f4ff33fea",
    "ru-0276": "0eda714a0afe9093", "ua-0008": "f6697fac539923b7", "ua-0017": "6f2ee3317b49db5b",
    "ua-0021": "c44b4897b6e62e60", "ua-0024": "aba786c9274f6b0f", "ua-0025": "003e5b50534c196d",
    "ua-0028": "8ef1ec124c8bde68", "ua-0040": "c3444d40dae7284d", "ua-0054": "6d08fa64eb1ef939",
    "ua-0055": "e91ce408d3766442", "ua-0060": "a4c5548beeabf677", "ua-0066": "a070a2b762f69da4",
    "ua-0069": "6fbdc44deff1d564", "ua-0100": "4b9095319d708409", "ua-0121": "b5d987ec95cc65c7",
    "ua-0137": "bd8fa4614fffbd41", "ua-0144": "f2a24259208896a9", "ua-0152": "e4317d5e3eb765d1",
    "ua-0155": "7e5af4787cce38d3", "ua-0156": "8d940a64a8dbe9d2", "ua-0164": "ec1443fcf4757520",
    "ua-0165": "d22b0eeaa8bc1055", "ua-0167": "672db214c3c6bf45", "ua-0170": "2da6ca2eb3b48744",
    "ua-0181": "119b0ab68c3054c0", "ua-0182": "4addf8e93e639175", "ua-0196": "4b949caaf70541be",
    "ua-0201": "da6a9303c4c64b5f", "ua-0215": "f55cb679c3e4d3f3", "ua-0216": "2dbf25827ad6a541",
    "ua-0227": "5e130c644ddb6084", "ua-0230": "1eddca31b9a02e7d", "ua-0234": "e787237ae8d8e832",
    "ua-0236": "455fdd37b6d0a4e8", "ua-0241": "d1cc7fffb93af4ba", "ua-0246": "52c20a3a284ca6df",
    "ua-0248": "685e3fd25d3a088e", "ua-0254": "f0a050ad38dbd433", "ua-0269": "8e68e3c58600f735",
    "ua-0272": "889ae1dacb9bff1e", "ua-0274": "0b7d5eb01922f994", "ua-0278": "a10a3d2827b3f78a",
    "us-0007": "ab2cae8e465715c5", "us-0008": "e8568e8ed255b9d5", "us-0011": "096d59f7eeb3ef52",
    "us-0024": "8696616cef6f7467", "us-0073": "5e5623029e178ef2", "us-0085": "331a37a7088a6d8c",
    "us-0086": "56e61f9a397ae5e8", "us-0093": "112fddeabc5f38da", "us-0122": "50070285344aa23f",
    "us-0134": "3732928124e5c837", "us-0150": "85b77a356f7b3c2d", "us-0153": "705bb1028433b915",
    "us-0172": "81a33b3496430497", "us-0181": "85d50ad776e037cb", "us-0189": "996f3fe1edf49c63",
    "us-0190": "587f4ea7b7a540d4", "us-0196": "5f82019d8d815802", "us-0197": "a2e0064dead72cb4",
    "us-0205": "07d540b2771782a8", "us-0219": "80a47c5529f8abc9", "us-0233": "d7bb88c2400a414d",
    "us-0254": "caf20450d35da418", "us-0257": "1e9de9b7c0ed4d83", "us-0259": "185ca7c1176fc9c5",
    "us-0263": "d283cf53f7b25fd5", "us-0264": "18d368ce2beba99d", "us-0269": "b907994aa436ac4d",
    "weu-0009": "c218071c44d23a0b", "weu-0015": "c6e17b1c5ecbf784", "weu-0033": "e6de1ad436b7fbf9",
    "weu-0034": "102cad6bc0b4f3c9", "weu-0035": "bf3e4b75e4d47c73", "weu-0041": "4028d3253f9cc053",
    "weu-0043": "ec4985eeb7334dd9", "weu-0061": "9ceb00e826bd43c0", "weu-0064": "c37c95a355f2c667",
    "weu-0072": "6a3965e7e27cb480", "weu-0074": "3f502219fe26eef6", "weu-0079": "3bcbb07c29619d14",
    "weu-0086": "c70ae17d566a6bbf", "weu-0087": "0b673077a93faa82", "weu-0102": "764c4b1112a7da22",
    "weu-0114": "47384f89611c11ed", "weu-0116": "5e7878707a0eac03", "weu-0121": "d9da6a68108779d1",
    "weu-0127": "6fe0c8b6bd658d49", "weu-0139": "28d7905487e53862", "weu-0146": "9afc6a3ec0622963",
    "weu-0149": "b189c6ac240d0c21", "weu-0152": "94cb298186e61e46", "weu-0153": "424fa4af48ae74de",
    "weu-0155": "c7585fc36f99be8a", "weu-0159": "45239f3e48a51958", "weu-0169": "f919a8732773a9a4",
    "weu-0176": "2fab678ee8ae12b5", "weu-0177": "ba14a96b73ced899", "weu-0187": "c633e6edef50bb16",
    "weu-0198": "b8d51cef2ecc34e3", "weu-0204": "f1abe35dab02dc3a", "weu-0216": "3a0ce2f410b35c61",
    "weu-0229": "ba34abb52621dd50", "weu-0240": "ffc4dfd736b5e4d6", "weu-0243": "0e781d3a242e2a56",
    "weu-0264": "cb3df42d83b0c21c", "weu-0274": "f699b26b241aea3e", "weu-0279": "d5ee8605064310b1",
}


def main() -> int:
    corpus = {r["id"]: r for r in map(json.loads, CORPUS.read_text(encoding="utf-8").splitlines()) if r}
    errors, out, per_source = [], [], collections.Counter()
    for number, e in enumerate(EDITS, 1):
        src = corpus.get(e["src"])
        if src is None or src["split"] != "test":
            errors.append(f"{e['src']}: not a test statement")
            continue
        per_source[e["src"]] += 1
        text = src["text_en"]
        if hashlib.sha256(text.encode()).hexdigest()[:16] != REVIEWED.get(e["src"]):
            errors.append(f"{e['src']}: text_en differs from the text these edits were written for; redo them")
        for old, new in e["repl"]:
            if text.count(old) != 1:
                errors.append(f"{e['src']}: {old!r} occurs {text.count(old)} times in {src['text_en']!r}")
            text = text.replace(old, new, 1)
        original = {"text_en": src["text_en"], "speaker": src["speaker"], "country": src["country"], "lang": src["lang"],
                    **{c: src[c] for c in LABELS}}
        edited = {"text_en": text, "speaker": e.get("speaker", src["speaker"]), "country": e.get("country", src["country"]),
                  "lang": "en", **(e["labels"] if e["kind"] == "label_change" else {c: src[c] for c in LABELS})}
        if e["kind"] == "label_change" and edited[TARGET_COLUMN[e["target"]]] == original[TARGET_COLUMN[e["target"]]]:
            errors.append(f"{e['src']}: label_change leaves {e['target']} at {edited[TARGET_COLUMN[e['target']]]}")
        if e["edit"] == "speaker_swap" and edited["speaker"] == original["speaker"]:
            errors.append(f"{e['src']}: speaker_swap keeps the speaker")
        if e["edit"] != "speaker_swap" and text == src["text_en"]:
            errors.append(f"{e['src']}: edit leaves the text unchanged")
        out.append({"id": f"contrast-{number:04d}", "source_id": e["src"], "kind": e["kind"], "edit": e["edit"],
                    "target": e["target"], "original": original, "edited": edited, "note": e["note"]})
    errors += [f"{s}: {n} edits (at most 2)" for s, n in per_source.items() if n > 2]
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    OUT.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in out), encoding="utf-8")
    print(f"wrote {len(out)} edits of {len(per_source)} test statements to {OUT.relative_to(ROOT)}")
    table = collections.Counter((i["kind"], i["edit"], i["target"]) for i in out)
    print("| kind | edit | us | ukraine | negotiations | total |\n|---|---|---:|---:|---:|---:|")
    for kind, edit in sorted({(k, ed) for k, ed, _ in table}):
        counts = [table[(kind, edit, t)] for t in TARGET_COLUMN]
        print(f"| {kind} | {edit} | {' | '.join(map(str, counts))} | {sum(counts)} |")
    for kind in ("label_change", "invariant"):
        counts = [sum(v for (k, _, t), v in table.items() if k == kind and t == tg) for tg in TARGET_COLUMN]
        print(f"| {kind} | all | {' | '.join(map(str, counts))} | {sum(counts)} |")
    counts = [sum(v for (_, _, t), v in table.items() if t == tg) for tg in TARGET_COLUMN]
    print(f"| all | all | {' | '.join(map(str, counts))} | {sum(counts)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
