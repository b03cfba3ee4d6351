"""Short news stories written for the dedup tests (not taken from any dataset), and the ways
syndication changes them: other site chrome, a new headline, a dateline, straight quotes,
re-wrapping, a cut tail, an appended note.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.fixtures.pages import html_page, text_dump

TRAM_TITLE = "Tram line to the airport will open two years late and 40 per cent over budget"
TRAM = [
    "The new tram line linking the city centre with the airport will open two years later than "
    "planned and cost about 40 per cent more than its original budget, the regional transport "
    "authority said on Thursday.",
    "The authority blamed the delay on flooding in the tunnel under the river last winter, a "
    "shortage of qualified electricians and a dispute with the contractor over the design of the "
    "three underground stations.",
    "\u201cNobody is happy with where we are,\u201d the authority\u2019s chief executive told a "
    "meeting of the regional assembly. \u201cBut we would rather open a line that works than open "
    "a line on time.\u201d",
    "The line was due to carry its first passengers next spring. Under the revised timetable, "
    "test runs will start in the autumn of next year and the full service will begin the spring "
    "after that.",
    "Opposition members of the assembly called for an independent review of the project, saying "
    "that warnings about the tunnel had been ignored and that the public had been kept in the "
    "dark about rising costs for more than a year.",
    "The authority said the extra money would come from a loan from the national infrastructure "
    "bank and would not require higher fares on the existing bus and tram network.",
    "Business groups at the airport, which employs about 12,000 people, said the delay was a blow "
    "to staff who had planned their commutes around the new line and to hotels that had expected "
    "more visitors.",
    "Once it is running, the line is expected to carry 30,000 passengers a day, cutting the "
    "journey from the main railway station to the terminal to 22 minutes from about 50 by bus.",
    "The contractor said in a statement that it had worked closely with the authority to limit "
    "the delay and that most of the remaining work was on signalling and the fitting out of the "
    "stations.",
    "Engineers expect to finish drying out the flooded section of the tunnel by the end of the "
    "summer, after which the last 800 metres of track can be laid and the overhead wires strung.",
    "The regional assembly will vote next month on whether to order the independent review that "
    "opposition members have asked for, and on how much detail about the contract should be made "
    "public.",
    "Residents along the route, who have lived with road closures and night work for three years, "
    "said they mainly wanted a date they could believe, and an end to the noise.",
]

LIBRARY_TITLE = "Volunteers save village library from closure with a year of weekend shifts"
LIBRARY = [
    "A village library that was due to close last spring is still open a year later, thanks to "
    "a rota of more than sixty volunteers who have staffed it every weekend since the county "
    "council withdrew its funding.",
    "The volunteers, the youngest of whom is fifteen and the oldest eighty-seven, raised enough "
    "money at a series of quiz nights and a summer fair to pay the heating bills and buy about "
    "four hundred new books.",
    "\u201cWe thought we would last a couple of months,\u201d said the retired teacher who "
    "organised the first meeting. \u201cNow people ask us what we are going to do next.\u201d",
    "The library now opens on four days a week instead of two, runs a homework club for the "
    "village school and lends out laptops to older residents who want to learn to use them.",
    "The county council, which has closed eleven libraries in the past five years, said it "
    "welcomed community efforts but could not promise any money for the building in next "
    "year's budget.",
    "The volunteers have applied for a lottery grant to repair the roof, which leaks in heavy "
    "rain, and hope to hear whether they have been successful before the winter.",
    "Other villages in the county have asked the group for advice on keeping their own "
    "libraries open, and its members plan to publish a short guide on their website this summer.",
]

#: Leftover chrome of one site, found word for word under every story of that site.
SITE_FOOTER = [
    "You must be signed in to leave a comment. Sign in or create a free account to join the "
    "conversation with other readers.",
    "We have sent a confirmation email to the address you gave us. Please follow the link in "
    "the email within 48 hours to complete your registration.",
    "Your username will appear next to your comments. You can change it at any time from the "
    "settings page of your account.",
    "Get the best of our journalism in your inbox every morning, with the stories everyone is "
    "talking about and the ones they should be.",
    "Our newsletters may contain advertising and links to partner sites. You can unsubscribe at "
    "any time using the link at the bottom of every email.",
]


def straight_quotes(paragraphs: list[str]) -> list[str]:
    table = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2019": "'", "\u2018": "'"})
    return [p.translate(table) for p in paragraphs]


def syndicated(paragraphs: list[str], dateline: str = "LONDON (Wire) \u2014 ") -> list[str]:
    """How a partner site republishes a story: dateline added, straight quotes, a typo and a
    copy edit, and an editor's note appended."""
    copy = straight_quotes(paragraphs)
    copy[0] = dateline + copy[0]
    copy[1] = copy[1].replace("the", "teh", 1).replace("said", "says", 1)
    return [*copy, "Editor's note: this story has been updated with additional reporting."]


def write(folder: Path, name: str, text: str) -> str:
    """Write ``text`` to ``folder/name`` (folders created); return the path."""
    path = folder / name
    os.makedirs(path.parent, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


__all__ = [
    "LIBRARY",
    "LIBRARY_TITLE",
    "SITE_FOOTER",
    "TRAM",
    "TRAM_TITLE",
    "html_page",
    "syndicated",
    "text_dump",
    "write",
]
