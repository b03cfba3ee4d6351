"""Boilerplate rules as data: word lists, patterns and thresholds, each with the case it handles.

The code that applies them lives in ``parsers.text_dump`` and ``parsers.html_page``.
Rules here must be general (no site names, nothing keyed to one page).
"""

from __future__ import annotations

import re

#: English function words (jusText's signal): prose has many, menus and link lists few.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just me more most my myself no nor not now of off on
    once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves said says who's it's that's there's""".split()
)

#: Bullet glyphs text browsers draw in front of list items (menus, related links, tags).
BULLET_CHARS = "•□☆◦▪▫●○■‣⁃*·-–»›>"

#: A line that is a bullet item: "  • Trending", "□ Print" (the item text follows the match).
BULLET_LINE = re.compile(rf"^\s*[{re.escape(BULLET_CHARS)}]\s+(?=\S)")
#: Bullet items shorter than this are menu entries ("• Ukraine", "• Trending Japan"); longer
#: ones may be article lists (story highlights, bulleted facts) and are scored like text.
MIN_BULLET_TEXT_WORDS = 6

#: Three or more short items between pipes: a menu or share bar in any language
#: ("Home | News | Sport", "공유하기 | 페이스북 | 카카오톡").
PIPE_MENU = re.compile(r"^[^|]{1,25}(?: \| [^|]{1,25}){2,}$")
#: Lines without a single word character: rules ("━━━━", "-----"), lone bullets and stars.
RULE_LINE = re.compile(r"^[^\w]*$")

#: Form fields rendered as brackets: "Search term: [          ] Search", "[Select      ]",
#: radio buttons "( )Yes ( )No" (matched on normalised lines: runs of spaces are one space).
FORM_LINE = re.compile(r"\[[ _]*\]|\[\w+ \]|\( ?\*? ?\)\s?\w.*\( ?\*? ?\)")

#: Bracketed placeholders of images, inputs and buttons: "[SUBMIT]", "[0_68_320di]".
BRACKET_ONLY = re.compile(r"^\s*(\[[^\]]*\]\s*)+$")
#: An editor's note in brackets is text, not a placeholder: "[For the record, 1:04 p.m. Jan. 30:
#: An earlier version of this post identified ...]" (a dozen words or more, ending a sentence).
BRACKETED_SENTENCE = re.compile(r"^\[(?:[^\]\s]+ ){11,}[^\]]*[.!?][\"”’)]?\]$")

#: Section breadcrumbs: "National / Politics", "News > World > Asia", "Home | Business".
_CRUMB = r"[A-Z][\w&'.-]*(?: [\w&'.-]+){0,3}"
BREADCRUMB = re.compile(rf"^\s*{_CRUMB}(?:\s+[/>|»›]\s+{_CRUMB}){{1,4}}\s*$")

#: Utility links that recur on news pages, alone on a line or glued to a paragraph's end
#: ("...Africa.print PRINT"). Matched case-insensitively against the whole line.
UTILITY_LINE = re.compile(
    r"^\s*(print( print)?|share( this( article| story)?)?|e-?mail( this)?|tweet|comments?( \(\d+\))?"
    r"|sign in|log ?in|sign up|subscribe( now| to .*| & .*)?|register|read more|more news|advertisement"
    r"|see more|related( stories| articles| links)?|close|skip to (main )?content|menu|search"
    r"|back to top|next|previous|top|home|trending( now)?|hide caption|show caption|\d+ of \d+"
    r"|photos?:|enlarge)\s*$",
    re.I,
)
#: Photo captions and credits: "(Photo: Steve Helber/AP)", "Image caption ...", "Getty Images".
CAPTION_LINE = re.compile(
    r"\((?:photo|image|picture|credit)s?\b[^)]*\)|\b(?:photo|photograph|image|picture|illustration)s?"
    r"(?: credits?)?\s*:|getty images|\bimage (?:caption|copyright)|media caption|\(AP Photo",
    re.I,
)

#: Lowercase words every ``CAPTION_LINE`` match holds (a fast pre-filter).
CAPTION_KEYWORDS = ("photo", "image", "picture", "credit", "illustration", "getty", "caption", "(ap")

#: Bracketed placeholders inside a line: "[LL_logo_7]", "[BAG10404041140-small]".
BRACKETED = re.compile(r"\[[^\]]*\]")

#: Bylines: "By Nicole Gaouette and Edwin Chen, Times Staff Writers" (short, no sentence end).
BYLINE = re.compile(r"^(?:by|posted by|written by|reported by)\s+[A-Z][^.!?]{0,80}$", re.I)

#: Wire-service credits left on a line of their own: "Associated Press Writer", "Reuters".
WIRE_CREDIT = re.compile(r"^(?:\S+ ){0,3}(?:associated press|reuters|agence france-presse|afp)\b.{0,20}$", re.I)

#: Date and time lines (bylines, "Last updated at 16:09 ET"): never the headline.
DATE_LINE = re.compile(
    r"\b\d{1,2}:\d{2}\b|\b(?:updated|published|posted)(?: on| at)?:? (?:\d|yesterday|today"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\b)"
    r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2}\b"
    r"|\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]* \d{4}\b"
    r"|\b\d{4}-\d{2}-\d{2}\b|\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,",
    re.I,
)

#: Longest line checked against ``UTILITY_LINE`` (utility links are a few words).
UTILITY_MAX_CHARS = 40
#: Longest line checked against ``COMMENTS_START`` and ``LIST_HEADING``.
HEADING_MAX_CHARS = 90

#: A utility link glued to the end of the last paragraph by the page's markup.
TRAILING_UTILITY = re.compile(r"(?<=[.!?\"”’])\s*(print PRINT|PRINT|Print|Share|SHARE)\s*$")
#: How a paragraph ends when ``TRAILING_UTILITY`` matches it (a fast pre-filter).
TRAILING_UTILITY_WORDS = ("PRINT", "Print", "Share", "SHARE")

#: Lines about cookies, consent, copyright and legal small print.
LEGAL_LINE = re.compile(
    r"(cookies?\b.*\b(use|accept|policy|consent)|all rights reserved|©|\(c\) \d{4}|copyright \d{4}"
    r"|terms of (use|service)|privacy policy|may not be (published|reproduced))",
    re.I,
)

#: Lowercase words every ``LEGAL_LINE`` match holds (a fast pre-filter).
LEGAL_KEYWORDS = ("cookie", "rights reserved", "©", "(c) ", "copyright ", "terms of ", "privacy policy", "may not be ")

#: Dates in bylines and datelines: "Friday, September 18, 2009", "Sep 18, 2009", "2009-09-18".
DATE_PATTERNS = (
    re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?"),
    re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? (\d{1,2}),? (\d{4})\b"),
    re.compile(r"\b(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? (\d{4})\b"),
)
#: A page URL written as text: not inside brackets (w3m shows form fields, such as an archive's
#: address box, as "[http://www.latimes.c]", cut to the field's width).
PAGE_URL = re.compile(r"(?<!\[)https?://[^\s\[\]<>\"']+(?=[\s<>\"')]|$)")

# --- layout ---
#: A column start must be seen in this many lines of a page to count as a table gutter
#: (2005-era pages render navigation | article | sidebar side by side).
MIN_COLUMN_LINES = 6
#: A line is cut at a gutter only if a line this close (or itself) starts a cell there.
COLUMN_EVIDENCE_LINES = 2
#: Text browsers wrap at about 100 columns; longer lines were not wrapped (one paragraph each).
MAX_WRAP_WIDTH = 110
#: Runs of lines all shorter than this are lists (a navigation column), one item per line.
MIN_WRAP_WIDTH = 40
#: A line ends its paragraph when the next word would have fitted with this much room left.
WRAP_SLACK = 1

# --- thresholds for scoring a block (a paragraph) ---
#: Blocks with fewer words are too short to judge alone (subheads, menu items, datelines).
SHORT_BLOCK_WORDS = 8
#: Words a block needs to count as prose on its own.
MIN_PROSE_WORDS = 12
#: Stopword share below which a block is a list of names/links (jusText uses ~0.30), counted
#: with the stoplist of the page's language (``parsers.language``; English: ``STOPWORDS``).
MIN_STOPWORD_DENSITY = 0.25
#: Characters of each of a page's longest blocks that its language is detected on.
LANGUAGE_SAMPLE_BLOCK_CHARS = 400
#: How many of a page's longest blocks the language sample is taken from.
LANGUAGE_SAMPLE_BLOCKS = 12
#: Blocks at least this long are the paragraphs the language sample is taken from.
LANGUAGE_SAMPLE_MIN_CHARS = 100
#: Ways of measuring (language, stoplist) whose block classes are remembered at once.
MAX_LANGUAGE_MEMOS = 16
#: How running text ends (quotes and brackets after the full stop included).
SENTENCE_ENDINGS = tuple(".!?:;\"”’')…。！？」』")
#: A block this long is prose even without final punctuation (a paragraph cut by the page).
MIN_UNPUNCTUATED_PROSE_WORDS = 40
#: Score of prose-like but short/unfinished blocks, per word, relative to prose.
NEAR_GOOD_WEIGHT = 0.5
#: Score lost per furniture line (menus, share bars) inside a candidate body.
CHROME_LINE_PENALTY = 3
#: Score lost per short block that its neighbours do not vouch for.
SHORT_BLOCK_PENALTY = 1
#: Score lost per word of a non-prose block (captions, link lists).
BAD_WORD_WEIGHT = 0.5
#: Lines that open a comment section ("Post Your Comment", "Leave a comment", "12 comments",
#: "Reply"): readers' prose follows, so the article body ends there.
_COMMENT_OPENERS = (
    r"comments?(?: »)?|reply|cancel reply|\d+ comments?\b.*|(?:post|add|leave|write) (?:a |your )?"
    r"(?:comment|reply)\b.*|comment now|your comment:?|comments? \(required\).*"
    r"|loading comments.*|join the (?:conversation|discussion)\b.*|show comments"
)
#: ... and lines that say so further in ("Log in to comment", "Comments are moderated").
_COMMENT_NOTICES = r".*\bto comment\.?|.*comments are (?:filtered|moderated)\b.*|.*comments powered by.*"
COMMENTS_START = re.compile(rf"^(?:{_COMMENT_OPENERS}|{_COMMENT_NOTICES})$", re.I)
#: The notices alone: their leading ``.*`` makes them slow to try, so they are tried only on
#: lines holding ``COMMENT_WORD`` (every notice does).
COMMENT_NOTICE = re.compile(rf"^(?:{_COMMENT_NOTICES})$", re.I)
COMMENT_WORD = re.compile("comment", re.I)
#: Of those, the ones that open the thread itself (a comment form, "Join the conversation", a
#: comment's "NAME on DATE said:" header): a bare "Comments" or "7 Comments" is a link of a
#: share bar, often above the article.
THREAD_START = re.compile(
    r"^(?:(?:post|add|leave|write) (?:a |your )?(?:comment|reply)\b|join the (?:conversation|discussion)\b"
    r"|comments are (?:filtered|moderated)|.*\bto comment\.?$|comment now\b|your comment:?$|comments? \(required\))",
    re.I,
)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_STAMP = (
    rf"(?:{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}|\d{{1,2}} {_MONTH},? \d{{4}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}"
    r"|\d{4}-\d{2}-\d{2})(?:,? (?:at|@|-) \d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?)?"
)
_COMMENTER = (
    r"(?:\[[^\]]*\]\s*)?(?!(?:published|updated|posted|last|modified|first|by|on)\b)[\w.'’@-]+(?: [\w.'’@-]+){0,3}"
)
#: The header of a reader's comment: "suz December 21, 2023 at 1:24 pm", "Ann on May 2, 2023
#: said:", "bit_user said:" (an avatar placeholder may lead). Only a page with
#: ``COMMENT_HEADER_MIN`` of them has a thread: one such line may be a dateline.
COMMENT_HEADER = re.compile(
    rf"^{_COMMENTER}(?: on| says:?| said:?| wrote:?)? {_STAMP}(?: (?:said|says|wrote):?)?$"
    rf"|^{_COMMENTER} (?:said|says|wrote):$",
    re.I,
)
COMMENT_HEADER_MIN = 2
#: Score (prose words) a run before a comment section's opener needs to be the story: the
#: comments after it are then never the body, however long the thread.
STORY_BEFORE_COMMENTS_SCORE = 40
#: Headings of the link lists that follow an article ("Tags:", "Top Stories", "More from
#: Business", "Most Viewed Stories", "You may also like"): the article has ended.
LIST_HEADING = re.compile(
    r"^(?:tags|topics|related(?: stories| articles| content| coverage| links)?|more (?:stories|news|"
    r"headlines|from|on)\b.{0,40}|top (?:stories|news)|most (?:viewed|popular|read|shared|e-?mailed|"
    r"commented)\b.{0,30}|latest (?:news|stories|headlines)\b.{0,40}|recommended(?: for you)?"
    r"|you (?:may|might) also (?:like|enjoy)|editors?'? picks|see also|also on \S+"
    # Furniture boxes of 2020s pages: tag lines, sponsored and partner blocks, "read next" lists.
    r"|filed under\b.*|sponsored(?: content| posts?| links?| stories| features| by\b.{0,40})?"
    r"|promoted(?: content| stories| links)?|(?:partner|paid|branded) content|around the web"
    r"|people (?:who read this|also read)\b.{0,40}|(?:don'?t|do not) miss(?: this)?|in case you missed it"
    r"|(?:read|watch|up) next|what to read next|more (?:for|to explore|like this|in)\b.{0,40}"
    r"|(?:trending|popular)(?: now| stories| news| articles| today)?|suggested (?:for you|reading|stories))\s*:?$",
    re.I,
)
#: Score lost at such a heading (a box of links inside an article costs less than the
#: article text around it, a feed after the article more than its teasers bring).
LIST_HEADING_PENALTY = 15
#: The three line shapes above in one pattern (one match per line; ``lastgroup`` says which),
#: comment notices aside (``COMMENT_NOTICE``, tried first).
SPECIAL_LINE = re.compile(
    f"(?P<comments>^(?:{_COMMENT_OPENERS})$)|(?P<heading>{LIST_HEADING.pattern})|(?P<utility>{UTILITY_LINE.pattern})",
    re.I,
)
#: A sponsored label glued to the teaser it heads ("SponsoredThe 9 best cities ...", "Sponsored by
#: Acme", "Promoted: ..."): a paid link, whatever follows.
SPONSORED_LINE = re.compile(
    r"^(?:[Ss]ponsored|SPONSORED|[Pp]romoted|PROMOTED|[Pp]aid [Pp]ost|[Pp]artner [Cc]ontent)"
    r"(?:[A-Z\"“‘]|\s*[:|·•–-]\s*\S|\s+by\s+\S)"
)
#: How old a teaser is ("2H ago", "3 hours ago", "5 min ago"): stamps of feed items, never article text.
TIME_AGO_LINE = re.compile(
    r"^(?:updated |posted )?\d+\s?(?:[smhdw]|mins?|minutes?|hrs?|hours?|days?|weeks?|months?)\.? ago\b.{0,30}$", re.I
)
#: Prose that asks the reader to sign up, log in, subscribe or donate, or that explains cookies:
#: registration prompts and consent notices are written as sentences, but are not the article.
PROMPT_TEXT = re.compile(
    r"\bsign up (?:for|to)\b.{0,80}\b(?:newsletter|inbox|e-?mails?)\b|delivered (?:straight |directly |right )?"
    r"to your inbox|unsubscribe at any time|\b(?:create|register for) (?:a |an |your )?(?:free )?account\b"
    r"|\blog ?in to (?:leave a )?comment|already (?:a subscriber|have an account)|subscribers can gift"
    r"|support (?:our|independent|quality) (?:journalism|newsroom|reporting)|(?:contribut|donat)\w* as little as"
    r"|\bcookies?\b.{0,120}\b(?:your browser|your device|personal (?:data|information)|opt[- ]out|consent)"
    r"|do not sell (?:or share )?my personal",
    re.I,
)
#: Lowercase words every ``PROMPT_TEXT`` match holds (a fast pre-filter).
PROMPT_KEYWORDS = (
    "sign up", "inbox", "unsubscribe", "account", "comment", "already", "subscriber", "support ", "as little as",
    "cookie", "do not sell",
)  # fmt: skip
#: Longest block ``PROMPT_TEXT`` condemns (a long paragraph that mentions a newsletter is a story's).
PROMPT_MAX_WORDS = 60
#: A teaser card: an image placeholder glued before its headline ("[79186] She pours ...",
#: "[missing-im]The 10 most ..."): a placeholder name is one token with a digit, a mark or no capital.
CARD_START = re.compile(r"^(?:\[(?=[^\]\s]*(?:\d|[-_.:]|^[a-z]))[^\]\s]{4,}\]\s*)+\w")
#: Cards are a teaser list when another card sits within this many blocks (2005 pages glue
#: single images to article lines; a feed repeats cards).
CARD_NEIGHBOUR_BLOCKS = 2
#: A teaser list: headlines (title-shaped blocks) each followed by at most ``TEASER_GAP_BLOCKS``
#: blocks of ``TEASER_SUMMARY_WORDS`` words or fewer (a one-line summary, a byline, a stamp), at
#: least ``TEASER_MIN_ITEMS`` in a row. An article's subheads head longer stretches of text.
#: (``TEASER_SUMMARY_WORDS``: 25 over 40 on the sites of either fold, 0/2 or 1/2.)
TEASER_MIN_ITEMS = 3
TEASER_GAP_BLOCKS = 2
TEASER_SUMMARY_WORDS = 25
#: Time-stamped list items: "Yesterday at 9:59 p.m. Reports: ...", "4/7/2017 at 5:36 p.m. ...".
TIMESTAMPED = re.compile(r"^(?:yesterday|today|\d{1,2}/\d{1,2}/\d{2,4})\b.{0,12}\d{1,2}:\d{2}", re.I)
#: Share of capitalised words above which an unpunctuated short block is a headline.
HEADLINE_CAPS_SHARE = 0.7
#: A stretch of furniture scoring below minus this ends a body run (share bars, comment
#: forms and related-story lists between an article and its comments).
BODY_BREAK_SCORE = 150
#: A stretch of furniture scoring below minus this splits a body run into segments whose
#: topics are compared (``text_dump.story_end``): a share bar with a "More on" box, a form.
TOPIC_BREAK_SCORE = 30
#: Words of prose from the body's start that set the story's terms, whatever breaks them.
TOPIC_SEED_WORDS = 60
#: Share of a segment's terms (or of the story's, if fewer) the story's terms must hold for the
#: segment to be the story's. Paragraphs of one story share 15-50% (names, topic words), a next
#: story or teaser list under 10% (measured on the 9-site and 2023 dumps). With
#: ``TOPIC_BREAK_SCORE`` fitted on the sites of fold 0/2 (20/0.1, 20/0.15, 30/0.12; then 0, 0.05,
#: 0.08, 0.12); fold 1/2 picks 0.12 too. Its known cost: a listicle's entries share few terms.
TOPIC_MIN_OVERLAP = 0.12
#: A segment's overlap is divided by at least this many terms (a short box shares few).
TOPIC_MIN_TERMS = 8
#: Words of unrelated segments after the story's last one that end it (an inserted box is
#: short; a next story or a teaser list is long).
TOPIC_MAX_SKIP_WORDS = 60
#: Terms are words cut to this many letters ("killed"/"killing") ...
TOPIC_WORD_PREFIX = 5
#: ... of at least this many letters.
TOPIC_MIN_WORD_CHARS = 3
#: How a headline never ends: a sentence stop, list punctuation, a link arrow "»", an image
#: marker "*", a truncated teaser "…", a caption's photo credit "(Lisa Mascaro)".
TITLE_BAD_ENDINGS = (".", ",", ":", ";", "»", "|", "-", "*", "…", ")")
#: A numbered list item ("1. Who Lives in Israel and Gaza?", "3. Saw X") is an entry of the
#: article's list or of a ranking, not the page's headline.
TITLE_LIST_ITEM = re.compile(r"^\d{1,2}[.)]\s")
#: A headline may end on an abbreviation's full stop ("... challenges for U.S.").
TITLE_ABBREVIATION_END = re.compile(r"\b(?:[A-Z]\.){2,}$")
#: A headline has between these many words.
TITLE_WORDS = (3, 30)
#: How many lines above the body the headline is looked for (share bars, and side columns
#: read out between headline and text, put up to ~150 lines between them on 2005 pages).
TITLE_LOOKBACK_LINES = 150
#: The headline may sit inside the best-scoring run when prose precedes it (an archive
#: banner, a teaser): blocks before this share of the run's prose words are searched.
TITLE_IN_BODY_SHARE = 0.3
#: A headline wraps to at most this many lines.
TITLE_MAX_LINES = 2
#: Words of the following prose a headline is compared with.
TITLE_BODY_WORDS = 300
#: Headline score lost, per share of the run's prose skipped, by a headline inside the run.
TITLE_SKIPPED_PROSE_PENALTY = 1.0
#: Headline score: bonus per share of capitalised words ("Apple Unveils Video iPod").
TITLE_CASE_BONUS = 0.3
#: Headline score lost per non-blank line between the candidate and the body.
TITLE_DISTANCE_PENALTY = 0.005
#: Headline score lost by lines with several commas (captions, teasers read as sentences).
TITLE_SENTENCE_PENALTY = 0.3
#: Headlines rarely run longer than this; captions and standfirsts do. Score lost per word over.
TITLE_USUAL_WORDS = 16
TITLE_LONG_PENALTY = 0.03
#: Words a headline does not end on (a line ending so is a fragment of a wrapped caption).
TITLE_FRAGMENT_ENDINGS = frozenset(
    "a an the and or but of to in at for with by from is are was were be has have had his her "
    "their its our your my that which who as".split()
)
#: Headline and body words are compared on this many first letters ("kills"/"killed").
TITLE_WORD_PREFIX = 4
#: Headline word overlap is divided by at least this many content words: section names and
#: captions of two or three words ("NASCAR Cup Series", "Image Credits: Bird") match fully by
#: chance. Fitted with ``TITLE_TOPMOST_MARGIN`` on the sites of fold 0/2 of the 9-site and 2023
#: sets (3 -> 6: title accuracy 0.72 -> 0.81 there); fitting on fold 1/2 picks the same values.
TITLE_MIN_CONTENT_WORDS = 6
#: Candidates within this much of the best headline score compete on position (topmost wins).
TITLE_TOPMOST_MARGIN = 0.3
#: Share of a headline's content words that must recur in the text below it: the capitals of a
#: menu or of another story's headline (the chrome of the site a syndicated copy sits in) are
#: not enough. Fitted on fold 0/2 (0, 0.17, 0.3, 0.4, 0.5; then 0.3, 0.5 of the headline's own
#: words); fold 1/2 picks 0.3 too.
TITLE_MIN_OVERLAP = 0.3
#: ... and at least this many of them (all, if it has fewer): one shared word is chance.
TITLE_MIN_SHARED_WORDS = 2
#: Below this score no line is taken as the headline (a menu item is not a headline).
MIN_TITLE_SCORE = 0.35
#: How many lines above the headline a breadcrumb (section) is looked for.
SECTION_LOOKBACK_LINES = 10
#: Lines around the headline searched for the publication date.
DATE_LOOKAROUND_LINES = 10
#: Template lines are looked for among this many consecutive input files at a time (a
#: parse task of more files looks in each such window on its own, so the size of a run's
#: tasks does not change what is template).
TEMPLATE_WINDOW_FILES = 500
#: A line that recurs in at least this share of a batch's documents (and at least
#: ``TEMPLATE_MIN_DOCS`` of them) is a template candidate (menus, footers, archive banners;
#: a batch mixing nine sites gives each site's template ~10% of the documents).
TEMPLATE_MIN_SHARE = 0.03
TEMPLATE_MIN_DOCS = 4
#: Lines with at least this many spaces (words - 1) are "long" when comparing documents.
TEMPLATE_LONG_WORDS = 7
#: Long lines (paragraphs) must recur in this many documents: a story syndicated to a few
#: sites repeats its paragraphs a few times, an archive banner or footer on every page.
TEMPLATE_LONG_MIN_DOCS = 8
#: Documents whose long lines overlap this much (shared / smaller set) are copies of one
#: story (syndicated copies): the lines they share are the story, not template.
TEMPLATE_COPY_OVERLAP = 0.3
#: Pairs of documents compared per candidate group.
TEMPLATE_JACCARD_SAMPLE = 6
