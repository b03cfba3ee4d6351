"""HTML boilerplate rules as data: element lists, class/id words, patterns and thresholds.

``parsers.html_page`` applies them. Every rule is general (no site names, no class name of
one site); the comment on each says which real case it handles.
"""

from __future__ import annotations

import re

# --- markup removed before parsing (cheap string work that keeps BeautifulSoup's tree small) ---

#: Elements whose whole content is never article text: code, styling, embedded documents and
#: form widgets (a <select> of 200 countries is 200 nodes of noise). Not <noscript>: blog
#: platforms render the post from a script template and put its only readable copy there
#: (its other uses, tracking pixels and "enable JavaScript" lines, leave no prose).
RAW_DROP_ELEMENTS = tuple("script style svg select textarea iframe template object video audio canvas math".split())
#: Inline formatting tags: their markup is removed, their text kept (``<b>``, ``<font>`` soup
#: of 2005-era layouts is a third of the nodes but changes no paragraph boundary).
INLINE_UNWRAP_TAGS = tuple(
    """b i em strong u font small big tt sup sub abbr acronym ins del s strike mark q dfn kbd
    samp var nobr bdi bdo wbr""".split()
)
#: Void elements without text (images, inputs, media sources), dropped whole.
VOID_DROP_TAGS = tuple("img input source track param area col embed keygen".split())

# --- the parsed tree ---

#: Elements that start a new paragraph when the page is rendered to text.
BLOCK_TAGS = frozenset(
    "p div li h1 h2 h3 h4 h5 h6 td th tr table tbody thead tfoot ul ol section article header "
    "blockquote pre dd dt dl figure figcaption br hr main center address caption legend "
    "fieldset details summary body html".split()
)
#: Inline elements left after unwrapping: furniture-classed ones ("tag-link" topic links inside
#: a sentence) stay part of their paragraph; other furniture elements are blocks of their own
#: (an <aside> of further reading opened in the middle of a <p>).
INLINE_TAGS = frozenset("a span time cite code label".split())
#: Headings: kept inside an article (subheads) but prose only when long (a standfirst).
HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6".split())
#: Elements that are page furniture by definition (menus, page footer, buttons, dialogs).
BOILERPLATE_TAGS = frozenset("nav footer button label menu dialog select figcaption".split())
#: Elements that are usually furniture but sometimes wrap the story (ASP.NET pages put the
#: whole page in one <form>; an <aside> may sit inside the story column).
LAYOUT_TAGS = frozenset("aside form".split())
#: ARIA roles of furniture (strong) and of side columns (weak, like LAYOUT_TAGS).
BOILERPLATE_ROLES = frozenset("navigation banner contentinfo search menu menubar dialog".split())
LAYOUT_ROLES = frozenset(["complementary"])
#: Words of class/id names (split at -, _, spaces and camelCase) that mark page furniture:
#: menus, share bars, comment threads, related-link lists, promos, ads, cookie banners,
#: newsletter boxes, photo captions and galleries (news extraction keeps the story's prose, not
#: the text around its pictures). Such an element is dropped unless it holds the headline.
BOILERPLATE_CLASS_WORDS = frozenset(
    """nav navbar navigation menu menubar submenu megamenu footer breadcrumb breadcrumbs crumbs
    skip skiplink comment comments commentary disqus respond share sharing sharebar sharetools
    social socialmedia sociallinks facebook twitter pinterest whatsapp linkedin print email
    mailto related relatedlinks recommended recommendations outbrain taboola promo promotion
    promos sponsor sponsored sponsors ad ads adv advert adverts advertisement advertising adsense
    dfp popup modal overlay cookie cookies consent gdpr newsletter subscribe subscription signup
    login register trending popular mostpopular mostread pagination pager paging offscreen
    visuallyhidden caption captions credit credits gallery slideshow carousel""".split()
)
#: Prose words outside named furniture and side boxes under which the story is looked for
#: inside them: a story told in gallery slides each named "gallery-slide", a page builder's
#: text "widgets", a recipe's "print-step"s (``html_page._story_in_slides``,
#: ``_story_in_boxes``). Higher, a short story's donation appeal in a "promo" box joins it.
#: Fitted on the sites of fold 0/2 (HTML F1 2023/multilingual: 25 -> .922/.923, 50 ->
#: .922/.923, 150 -> .922/.924 with leaks .109 -> .117), scored on the others: 50 ->
#: .937/.904 (150: .932/.904).
MIN_FREE_PROSE_WORDS = 50
#: Words of ``BOILERPLATE_CLASS_WORDS`` that name a comment thread: its comments are never
#: the story's slides (``html_page._story_in_slides``), whatever their share of the prose.
THREAD_CLASS_WORDS = frozenset("comment comments commentary disqus respond".split())
#: Words of class/id names of breadcrumb trails (read for the section, dropped from the body).
BREADCRUMB_CLASS_WORDS = frozenset("breadcrumb breadcrumbs crumbs crumb".split())
#: Words of class/id names of side columns, widgets and story furniture (bylines, tag lists)
#: that some themes also give the story's own column ("leftRail", "content-with-sidebar",
#: "hidden-print"): dropped unless they outweigh the prose outside all furniture.
LAYOUT_CLASS_WORDS = frozenset(
    """sidebar sidebox rail rightrail leftrail widget widgets masthead topbar toolbar banner
    partner partners tags tag tagcloud keywords bio byline dateline timestamp meta metadata
    toolbox tools utility utilities hidden hide""".split()
)
#: An element furniture only by a class/id word is the story's container when it holds this
#: share of the page's prose outside the named furniture nested in it ("tone-comment",
#: "article-overlay", "photo-gallery-content" around the story; see ``html_page._classify``).
NAMED_FURNITURE_MIN_PROSE_SHARE = 0.5
#: The page itself: its class names describe the page's state ("cookies-not-set", "has-nav").
PAGE_TAGS = frozenset(["body", "html"])
#: Landmarks of the main content: never furniture, whatever their class names say
#: (``<main class="js-social-anchor-start">``).
CONTENT_TAGS = frozenset(["main"])
CONTENT_ROLES = frozenset(["main", "article"])
CONTENT_ITEMPROPS = frozenset(["articleBody", "text"])
#: Class names that are not roles: atomic CSS ("Mstart(65px)--modalMinWidth" is no modal),
#: JavaScript hooks ("js-social-anchor-start" marks where a share bar docks) and responsive
#: visibility utilities ("hidden-print" is a story column shown on screen).
ATOMIC_CSS_CLASS = re.compile(r"[()!:]|^js-|^(hidden|visible)-(xs|sm|md|lg|xl|print)\b")
#: A layout-marked element is kept anyway when it holds at least this share of the page's
#: prose outside furniture (the story's column, not a side box with an author's bio).
LAYOUT_MIN_PROSE_SHARE = 0.5
#: Inline styles of invisible or floating elements: pop-up "about" boxes, toolbars pinned to
#: the window and cookie banners (``display:none``, ``position:fixed``).
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|position\s*:\s*fixed", re.I)

# --- block classification (a block: the text between two block-tag boundaries) ---

#: Share of a block's characters inside links above which it is a menu or link list.
MAX_LINK_DENSITY = 0.5
#: Words a block needs to count as prose on its own.
MIN_PROSE_WORDS = 10
#: Characters of each of the page's longest blocks that the language is detected on.
LANGUAGE_SAMPLE_BLOCK_CHARS = 400
#: Stopword share a prose block reaches (jusText uses ~0.30), counted with the stoplist of the
#: page's language (``parsers.language``; English: parsers.rules.STOPWORDS).
MIN_STOPWORD_DENSITY = 0.2
#: A heading this long, or one ending like a sentence, is a standfirst set in <h2>/<h3> type
#: ("Stocks end in the red after Europe fails to find the magic formula."), not a title.
MIN_HEADING_PROSE_WORDS = 20
SENTENCE_END = (".", "!", "?", ".\u201d", '."', ".'", "\u3002", "\uff01", "\uff1f", "\u300d")
#: Prose blocks may have a few links (inline mentions) but not this share of linked text.
MAX_PROSE_LINK_DENSITY = 0.33
#: A prose block shorter than this between two link lists is a teaser's blurb ("Fans
#: remember the King of Pop..." under a linked headline in a "more stories" box).
MAX_TEASER_WORDS = 30
#: Lone prose blocks (link lists or furniture on both sides) this many in a row are the blurbs
#: of a teaser list whatever their length ("more stories" after the story: linked headline,
#: a 60-word summary, byline and date, then the next); a story rarely sets a link between
#: each of three paragraphs in a row.
MIN_TEASER_RUN = 3
#: Most words a run of furniture blocks costs when the article container is chosen (a photo
#: gallery's hidden captions among the paragraphs must not split the story).
MAX_FURNITURE_PENALTY = 50
#: Weight of link-list and furniture text against prose when the article container is chosen.
BAD_TEXT_PENALTY = 1.0

#: Blocks that are page utilities whatever their markup: "Print", "E-mail this", "Share",
#: "Advertisement", "Comments (12)", "Read more", "Back to top".
UTILITY_BLOCK = re.compile(
    r"^\W*(print( this( article| story| page)?)?|printer[- ]friendly( version| format)?"
    r"|e-?mail( this( article| story)?)?|share( this( article| story)?)?|tweet|advertisement"
    r"|comments?( \(\d+\))?|\d+ comments?|read more|more|see more|back to top|top|close"
    r"|related( stories| articles| links| content)?|next|previous|subscribe|sign in|log in"
    r"|continue reading|skip to (main )?content)\W*$",
    re.I,
)
#: Bylines and datelines above the story ("By Jane Doe, Staff Writer", "Updated 3:05 PM ET").
BYLINE_BLOCK = re.compile(r"^(by|posted by|written by|updated|posted|published|last updated)\b", re.I)
#: Date and time stamps ("Apr 4, 10:57 AM EDT", "Updated 2009-02-12", "March 3, 2009").
DATE_LINE = re.compile(
    r"\b\d{1,2}:\d{2}\s*[ap]\.?m\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|^\W*(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s"
    r"|^\W*(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b",
    re.I,
)
#: Longest byline-shaped block that is dropped (longer ones are prose that starts with "By").
MAX_BYLINE_WORDS = 12
#: Markup that leaked into the text (escaped ad code, a document.write'd tag shown as text).
LEAKED_MARKUP = re.compile(r"</?[a-z][a-z0-9]*\s[^<>]*=|\bhref=\S|</(a|div|p|span|td)>", re.I)
#: An author's contact line under the story: "Follow Jane on Twitter @jane", "Got a tip? Email
#: me at ...", "You can reach Dave securely through Signal on ...".
AUTHOR_CONTACT_BLOCK = re.compile(  # names stay case-sensitive: "follow each other on Twitter"
    r"\b(?i:follow) (?:(?i:me|us|him|her|them)|[A-Z][\w.-]+(?: [A-Z][\w.-]+)?) (?i:on)"
    r" (?i:twitter|facebook|instagram|linkedin)|\b(?i:got a (?:news )?tip)\b"
    r"|\b(?i:reach|contact|email|e-mail) (?:(?i:me|us|him|her)|[A-Z]\w+) (?i:securely|at|on|via)\b"
)
#: Longest block read as a contact line (longer ones are the story quoting such a line).
MAX_CONTACT_WORDS = 60
#: Lines about cookies, consent, copyright and legal small print.
LEGAL_BLOCK = re.compile(
    r"(\bcookies?\b.*\b(use|accept|policy|consent)|all rights reserved|©|\(c\) ?\d{4}"
    r"|copyright \d{4}|terms of (use|service)|privacy policy|may not be (published|reproduced"
    r"|broadcast|rewritten|redistributed))",
    re.I,
)
#: A legal line longer than this is prose that mentions copyright, not a notice.
MAX_LEGAL_WORDS = 40

# --- fallbacks (``parsers.html_page._fallback``) ---

#: Elements that hold the story by definition: the fallback reads the one with most text.
STORY_TAGS = frozenset(["article", "main"])
#: A main pass that found fewer words than this found no convincing article: the fallbacks
#: (JSON-LD, microdata, <article>/<main>, densest prose) are tried and win if they hold more.
#: Fitted on the sites of fold 0/2 (HTML F1 9site/2023/multilingual: 1 -> .989/.910/.914,
#: 50 -> .989/.910/.916, 150 -> .989/.914/.922, 300 -> .988/.914/.922), scored on the others:
#: 50 -> .989/.906/.898, 150 -> .989/.915/.899. Costs leaks: 2023 0.067 -> 0.071 of pages.
MIN_MAIN_WORDS = 150
#: Fewest words a fallback must find to be the article (fewer: the page is rejected).
MIN_FALLBACK_WORDS = 25
#: A block of a fallback container this long is kept even without the prose signal.
MIN_FALLBACK_BLOCK_WORDS = 6
#: Cost of a block that is not long, link-poor text inside the densest run of prose.
DENSITY_GAP_COST = 10

# --- metadata ---

#: <meta> names/properties holding the headline, most specific first.
TITLE_META = ("og:title", "twitter:title", "title", "dc.title", "headline", "sailthru.title")
#: <meta> names/properties holding the publication date.
DATE_META = tuple(
    """article:published_time datepublished pubdate publishdate publish-date publication_date
    date dc.date.issued dc.date dcterms.created sailthru.date og:published_time
    originalpublicationdate displaydate last-modified""".split()
)
#: <meta> names/properties holding the section.
SECTION_META = ("article:section", "section", "og:section", "category", "article.section")
#: <meta> names/properties holding the page URL.
URL_META = ("og:url", "twitter:url")
#: Separators between a headline and the site name in <title>: "Story - Site", "Site | Story".
TITLE_SEPARATORS = re.compile(r"\s+[-–—•·»]\s+|\s*[|»]\s*|\s+::\s+")
#: A domain-like site name before a colon: "Forbes.com: AMD More Fleet-Footed Than Intel".
SITE_NAME_PREFIX = re.compile(r"^[\w.-]+\.(com|org|net|co\.uk|uk|gov|edu|tv)\s*:\s+", re.I)
#: A longer <title> is an unclosed one that swallowed the page, not a headline.
MAX_TITLE_CHARS = 300
#: A <title> part that is a site name, not the story: "Forbes.com", "CNN.com - ...".
SITE_NAME_PART = re.compile(r"\w\.(com|org|net|co\.uk|co|uk|gov|edu|tv)\b", re.I)
#: A headline has at most this many words (longer blocks are the story, not its title).
MAX_HEADLINE_WORDS = 40
#: How well a block must match the declared title (og:title, <title>) to be the headline.
MIN_HEADLINE_MATCH = 0.6
#: A heading element (h1-h6) is preferred to a block of the same words (a teaser link), and
#: an <h1> more so: it beats a "latest news" <h5> repeating the headline and a share-text
#: <div> repeating twitter:title when the story's <h1> words it differently.
HEADING_BONUS = 0.2
H1_BONUS = 0.5
#: Word range of a headline-shaped block (pages whose <title> is only the site's name).
HEADLINE_WORDS = (3, 25)
#: How many blocks above the body a heading is taken for the headline.
HEADLINE_LOOKBACK_BLOCKS = 10
#: The standfirst is looked for in at most this many blocks between headline and body.
MAX_LEAD_BLOCKS = 15
#: Blocks around the headline (before, after) searched for a written date when the page
#: declares none: bylines and datelines ("Friday, September 23, 2005; Posted: 11:43 p.m.").
BYLINE_WINDOW = (-4, 10)
#: Longest block read as a byline or dateline (longer ones are the story's sentences).
MAX_DATELINE_WORDS = 25
#: Numeric byline dates of US sites: "12/28/2005 5:35 PM", "04.08.05, 1:21 PM ET" (month first).
NUMERIC_DATE = re.compile(r"(?<![\d/.])(\d{1,2})([/.])(\d{1,2})\2((?:19|20)\d{2}|\d{2})(?![\d/.])")
#: Web-archive replay prefix in front of archived URLs ("https://web.archive.org/web/2009…/").
ARCHIVE_PREFIX = re.compile(r"^https?://[^/]+/web/\d{8,14}[a-z_]*/", re.I)
