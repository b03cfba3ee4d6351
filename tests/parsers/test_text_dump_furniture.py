"""Page furniture that reads like text, in text dumps: the story is kept and the furniture goes.

Each fixture is a dump as a text browser prints a 2020s news page: a story between a site's
chrome, and after it the furniture that used to run into the body (a teaser list of headlines
with one-line summaries and "2H ago" stamps, sponsored headlines, "Filed Under" tags, sign-up
prompts, a comment thread longer than the story, the next story of a page that scrolls on).
"""

from __future__ import annotations

import textwrap

from parsers.text_dump import clean_text_dump

HEADLINE = "Alabama governor signs order to expand rural broadband grants"
STORY = [
    "MONTGOMERY, Ala. (AP) — Alabama Gov. Kay Ivey signed an executive order on Tuesday that will expand "
    "a state grant program for rural broadband, and she said that too many of the families who live in "
    "the state's small towns still cannot get a reliable internet connection at home.",
    "The order directs the state's economic development agency to open a second round of grants next "
    "spring and lets counties apply together, which officials said would help the poorest areas that "
    "could not meet the program's matching requirements on their own.",
    "\u201cA child in Wilcox County deserves the same chance to do her homework as a child in Huntsville,\u201d "
    "Ivey said at a signing ceremony at the Capitol, where she was joined by several county commissioners.",
    "About one in five rural households in Alabama has no broadband service, according to figures the "
    "governor's office released with the order. Lawmakers set aside money for the program last year.",
]
#: Words of the story that furniture never holds: each must come out.
STORY_MARKS = ["Wilcox County", "second round of grants", "one in five rural households", "signing ceremony"]


def wrapped(paragraphs: list[str], width: int = 100) -> list[str]:
    """Paragraphs as a text browser prints them: wrapped, a blank line after each."""
    lines: list[str] = []
    for paragraph in paragraphs:
        lines += textwrap.wrap(paragraph, width) + [""]
    return lines


def dump(after: list[str], before: list[str] | None = None, story: list[str] = STORY, headline: str = HEADLINE) -> str:
    """A dump: a site's menu (or ``before``), the headline and story, then ``after``."""
    head = before or [
        "The Southern Ledger",
        "",
        "  \u2022 Home",
        "  \u2022 Politics",
        "  \u2022 Business",
        "  \u2022 Sports",
        "",
        "Search [                    ] [Go]",
        "",
    ]
    lines = head + [headline, "", "By Kim Chandler, Associated Press", "December 21, 2023", ""]
    lines += wrapped(story)
    return "\n".join(lines + after) + "\n"


def assert_story_whole(text: str) -> None:
    for mark in STORY_MARKS:
        assert mark in " ".join(text.split()), mark


def test_teaser_list_after_the_story_is_not_the_story():
    teasers = [
        ("Storm damage closes two schools in Mobile County for the rest of the week",
         "Officials said repairs to the roofs could take until after the holiday break."),
        ("Auburn lands top quarterback recruit a day before the early signing period",
         "The four-star passer from Georgia had been committed to another school since June."),
        ("Birmingham restaurant owner opens a second location downtown after a record year",
         "The new dining room seats more than a hundred people and opens in the spring."),
        ("Huntsville city council votes to rename a park for a retired NASA engineer",
         "Her family attended the meeting and thanked the council for the honour it gave her."),
    ]  # fmt: skip
    after = ["Share", "  \u2022 Facebook", "  \u2022 X", ""]
    for number, (headline, summary) in enumerate(teasers, start=2):
        after += [headline, "", summary, f"{number}H ago", ""]
    page = clean_text_dump(dump(after))
    assert page.title == HEADLINE
    assert_story_whole(page.text)
    for headline, summary in teasers:
        assert headline not in page.text and summary not in page.text


def test_teaser_cards_with_image_placeholders_are_not_the_story():
    cards = [
        "[79307121-0-image-a-3] Singer bundles up in a yellow coat as she goes shopping in Beverly Hills"
        " days after her birthday",
        "[79302467-0-image-a-6] Actor's former partner recalls the extreme step he took to stay sober before his death",
        "[79305903-0-image-m-8] Viewers are baffled after only just realising a legendary star appears"
        " in the holiday film",
        "[79303167-0-image-m-3] Lingerie tycoon says she has been treated like a drug lord after her bank"
        " accounts were frozen",
    ]
    after = ["DON'T MISS", ""]
    for card in cards:
        after += textwrap.wrap(card, 100) + [""]
    page = clean_text_dump(dump(after))
    assert_story_whole(page.text)
    assert "Beverly Hills" not in page.text and "bank accounts" not in page.text


def test_sponsored_headlines_and_filed_under_tags_are_furniture():
    after = [
        "Filed Under: Politics, Alabama, Kay Ivey, Broadband, Rural Development",
        "",
        "More For Our Consideration",
        "",
        "Lawmakers return to Montgomery in January with the budget at the top of their list",
        "",
        "SponsoredThe 9 best cities for a weekend break that you have never thought of visiting",
        "",
        "Sponsored Content",
        "",
        "This one simple trick could lower your electricity bill by hundreds of dollars every winter",
        "",
        "Sponsored by Acme Solar: homeowners in your state are switching to panels at no upfront cost",
        "",
    ]
    page = clean_text_dump(dump(after))
    assert_story_whole(page.text)
    for furniture in ("Filed Under", "weekend break", "electricity bill", "Acme Solar", "budget at the top"):
        assert furniture not in page.text, furniture


def test_sponsored_labels_glued_to_their_teasers_are_furniture():
    after = [
        "SponsoredThe nine best cities for a weekend break that you have probably never thought of visiting.",
        "",
        "Sponsored by Acme Solar: homeowners in your state are switching to solar panels at no upfront cost.",
        "",
        "PromotedThis one simple trick could lower your electricity bill by hundreds of dollars every winter.",
        "",
    ]
    page = clean_text_dump(dump(after))
    assert_story_whole(page.text)
    for furniture in ("weekend break", "Acme Solar", "electricity bill"):
        assert furniture not in page.text, furniture


def test_registration_prompts_are_not_the_story():
    after = [
        "Subscribers can gift articles to anyone",
        "",
        "Create a free account or log in to keep reading the stories that matter to your community.",
        "",
        "Sign up for our Morning Briefing newsletter to get the day's top stories delivered straight to your",
        "inbox every weekday.",
        "",
        "We cannot do this without your help. Support our newsroom by contributing as little as $1 a month.",
        "",
    ]
    page = clean_text_dump(dump(after))
    assert_story_whole(page.text)
    for prompt in ("free account", "Morning Briefing", "as little as", "gift articles"):
        assert prompt not in page.text, prompt


def test_a_comment_thread_longer_than_the_story_does_not_replace_it():
    story = STORY[:2]  # a short story: about 80 words
    comments = [
        ("RiverWatcher", "I have lived in this county my whole life and I can tell you that the internet here has been "
         "terrible for as long as anyone can remember. The last time the state promised money for this, the "
         "contractor laid cable along the highway and never connected a single house on our road. My neighbours "
         "pay for a satellite dish that drops out every time it rains, and the school sends the children home "
         "with assignments that need a video call. We wrote to our representative twice and to the company "
         "three times, and each time we were told that our road was on the list for next year. That was six "
         "years ago. I hope this order is different, but I would like to see the map of which roads will be "
         "connected before anybody in Montgomery takes credit for it."),
        ("suz", "It is good to see the governor finally doing something about it, but I will believe it when the "
         "technician is standing in my driveway. My children have been doing their homework in the parking "
         "lot of the public library because it is the only place in town with a signal that works."),
        ("Spyglass", "Everyone complains about this every year and nothing changes. The companies say there are not "
         "enough customers out here to make it worth their while, and the state keeps paying them anyway. "
         "Somebody should ask where the money from the first round actually went before we start another."),
    ]  # fmt: skip
    after = ["Join the conversation", "", "Log in to leave a comment", ""]
    for number, (name, text) in enumerate(comments):
        after += [f"[avatar-{number}] {name} on December {21 + number}, 2023 at 1:2{number} pm said:", ""]
        after += textwrap.wrap(text, 100) + ["", "Reply", ""]
    page = clean_text_dump(dump(after, story=story))
    assert "second round of grants" in page.text and "small towns" in page.text
    for name, text in comments:
        assert text.split(".")[0] not in " ".join(page.text.split()), name


def test_the_headline_is_the_one_above_the_story_not_the_other_sites():
    # A syndicated copy inside another site's chrome: that site's own headline sits far above.
    before = (
        [
            "GameSpot",
            "",
            "  \u2022 Reviews",
            "  \u2022 News",
            "  \u2022 Videos",
            "",
            "Review: Nintendo Switch",
            "",
            "The console that changed how we play at home and on the go",
            "",
            "  \u2022 Share",
            "  \u2022 Comments",
            "",
        ]
        + [f"  \u2022 Trending topic number {n}" for n in range(1, 25)]
        + [""]
    )
    page = clean_text_dump(dump([], before=before))
    assert page.title == HEADLINE
    assert_story_whole(page.text)
    assert "Nintendo" not in page.text


def test_another_sites_headline_is_not_taken_for_a_copy_without_one():
    # A copy that lost its headline, inside another site's chrome whose headline shares one word.
    story = [*STORY, "Ivey said several providers have agreed to switch older lines to fiber by the end of 2025."]
    before = ["GameSpot", "", "  \u2022 Reviews", "  \u2022 News", "", "Review: Nintendo Switch", "", "Share", ""]
    text = dump([], before=before, story=story).replace(HEADLINE + "\n", "")
    page = clean_text_dump(text)
    assert page.title != "Review: Nintendo Switch"
    assert_story_whole(page.text)


def test_the_next_story_of_a_page_that_scrolls_on_is_not_this_one():
    next_story = [
        "Rudy Giuliani has filed for Chapter 11 bankruptcy, days after being hit with a $148 million "
        "judgment in a defamation case brought by two former election workers from Georgia.",
        "The filing shows that the former New York mayor owes as much as $500 million in debt but has only "
        "up to $10 million in assets, according to documents submitted to a federal court in Manhattan.",
        "His creditors include several law firms that represented him in recent years, an accounting firm, "
        "the federal tax authorities and a voting machine company that sued him for spreading false claims.",
        "Giuliani listed his Manhattan apartment for sale in the summer and began representing himself in "
        "court to save on legal fees, people familiar with his finances said at the time of the listing.",
    ]
    after = ["Share This Story [ ]", "", "More on Politics:", "", "Broke Giuliani Files for Bankruptcy", ""]
    after += wrapped(next_story)
    page = clean_text_dump(dump(after))
    assert page.title == HEADLINE
    assert_story_whole(page.text)
    assert "Giuliani" not in page.text


def test_a_german_teaser_list_is_cut_like_an_english_one():
    story = [
        "Der Landtag in Stuttgart hat am Donnerstag ein Gesetz beschlossen, mit dem das Land den Ausbau "
        "schneller Internetanschl\u00fcsse in den l\u00e4ndlichen Gemeinden st\u00e4rker f\u00f6rdern will als bisher.",
        "Die Gemeinden k\u00f6nnen k\u00fcnftig gemeinsam einen Antrag stellen, was nach Angaben des Ministeriums vor "
        "allem kleinen Orten hilft, die den Eigenanteil bisher nicht aufbringen konnten.",
        "\u201eJedes Kind auf dem Land soll die gleichen Chancen haben wie ein Kind in der Stadt\u201c, sagte die "
        "Ministerin nach der Abstimmung, bei der auch Abgeordnete der Opposition zustimmten.",
    ]
    teasers = [
        (
            "Sturm besch\u00e4digt zwei Schulen im Schwarzwald schwer",
            "Die Reparaturen dauern nach Angaben der Stadt bis nach den Ferien.",
        ),
        (
            "Neuer Bahnhof in Ulm wird ein Jahr sp\u00e4ter fertig",
            "Die Kosten steigen nach einem Bericht der Bahn um weitere Millionen.",
        ),
        (
            "Stadtrat benennt einen Park nach einer Ingenieurin",
            "Ihre Familie dankte dem Gemeinderat f\u00fcr die Ehre bei der Sitzung.",
        ),
        (
            "Restaurant er\u00f6ffnet eine zweite Filiale in der Altstadt",
            "Der neue Gastraum hat mehr als hundert Pl\u00e4tze und \u00f6ffnet im Fr\u00fchjahr.",
        ),
    ]
    after = ["Teilen", "  \u2022 Facebook", "  \u2022 E-Mail", ""]
    for number, (headline, summary) in enumerate(teasers, start=1):
        after += [headline, "", summary, f"vor {number} Std.", ""]
    headline = "Landtag beschlie\u00dft schnelleres Internet f\u00fcr l\u00e4ndliche Gemeinden"
    page = clean_text_dump(dump(after, story=story, headline=headline))
    assert "Eigenanteil" in page.text and "Opposition" in page.text
    for teaser, summary in teasers:
        assert teaser not in page.text and summary not in page.text
