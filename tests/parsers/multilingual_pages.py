"""Short news stories in German, Korean, Japanese and Chinese, written for these tests, and the
pages and text dumps a crawl would meet them in: a menu, share buttons, a cookie notice,
related links and a footer in the page's own language around the story.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Story:
    language: str
    headline: str
    paragraphs: tuple[str, ...]
    menu: tuple[str, ...]
    share: tuple[str, ...]
    cookie: str
    related: tuple[str, ...]
    footer: str


GERMAN = Story(
    "de",
    "Neuer Radweg an der Ringstraße nach zwei Jahren Bauzeit eröffnet",
    (
        "Nach fast zwei Jahren Bauzeit ist der neue Radweg entlang der Ringstraße am Montag für den "
        "Verkehr freigegeben worden. Die Stadt hatte das Projekt im Frühjahr begonnen, musste die "
        "Arbeiten aber wegen gestiegener Materialkosten mehrmals unterbrechen.",
        "„Wir haben lange auf diesen Tag gewartet“, sagte die Bürgermeisterin bei der Eröffnung vor "
        "dem Rathaus. Der Weg sei breiter als die alten Schutzstreifen und durch einen Bordstein von "
        "der Fahrbahn getrennt, damit sich Radfahrerinnen und Radfahrer sicherer fühlen könnten.",
        "Insgesamt hat der Umbau rund 4,8 Millionen Euro gekostet. Ein Drittel der Summe trägt das "
        "Land, den Rest bezahlt die Stadt aus ihrem Haushalt für die Verkehrswende, der in diesem "
        "Jahr deutlich aufgestockt worden war.",
        "Kritik kam von den Geschäftsleuten an der Ringstraße. Durch den Umbau seien mehr als vierzig "
        "Parkplätze weggefallen, und viele Kunden kämen nun seltener in die Innenstadt, klagte der "
        "Vorsitzende des örtlichen Einzelhandelsverbands.",
        "Die Verwaltung will die Zahl der Radfahrer in den kommenden Monaten mit einer automatischen "
        "Zählstelle erfassen. Im Herbst soll der Stadtrat dann entscheiden, ob weitere Straßen nach "
        "dem gleichen Muster umgebaut werden.",
    ),
    ("Startseite", "Politik", "Wirtschaft", "Sport", "Kultur", "Wetter"),
    ("Artikel teilen", "Auf Facebook teilen", "Per E-Mail senden"),
    "Wir verwenden Cookies, um Ihnen ein besseres Nutzungserlebnis zu bieten. Alle akzeptieren",
    ("Busbahnhof wird ab Juli umgebaut", "Stadtrat beschließt neuen Haushalt"),
    "© 2024 Stadtanzeiger. Impressum | Datenschutz | Kontakt",
)

KOREAN = Story(
    "ko",
    "시립도서관 새 건물 개관…하루 만에 방문객 3천 명 몰려",
    (
        "시립도서관 새 건물이 지난 토요일 문을 열었다. 개관 첫날에만 3천 명이 넘는 시민이 도서관을 "
        "찾아 새로 마련된 열람실과 어린이 자료실을 둘러봤다.",
        "새 도서관은 지하 1층, 지상 5층 규모로 지어졌으며 약 25만 권의 책을 소장할 수 있다. 시는 기존 "
        "도서관이 낡고 좁아 이용자들의 불편이 크다는 지적에 따라 4년 전부터 이전을 추진해 왔다.",
        "도서관 관계자는 \u201c주말에는 가족 단위 방문객이 많을 것으로 보고 어린이 자료실을 가장 넓게 "
        "꾸몄다\u201d며 \u201c저녁 늦게까지 공부할 수 있도록 평일 운영 시간도 밤 10시까지 늘렸다\u201d고 말했다.",
        "다만 주차 공간이 부족하다는 불만도 나왔다. 개관 당일 도서관 주변 도로에는 주차할 곳을 찾는 "
        "차량이 길게 늘어서 한때 혼잡을 빚었다.",
        "시는 다음 달부터 인근 공영주차장과 도서관을 오가는 셔틀버스를 운행하고, 대중교통 이용을 "
        "권장하는 안내문을 배포할 계획이라고 밝혔다.",
    ),
    ("홈", "정치", "경제", "사회", "문화", "스포츠"),
    ("공유하기", "페이스북", "카카오톡"),
    "이 사이트는 쿠키를 사용합니다. 동의",
    ("구도심 재개발 사업 본격 추진", "시내버스 노선 개편안 발표"),
    "저작권자 © 시민일보 무단전재 및 재배포 금지",
)

JAPANESE = Story(
    "ja",
    "大雨で不通の鉄道、3カ月ぶりに全線で運転再開",
    (
        "7月の大雨で線路が流されるなどの被害を受け、一部の区間で運転を見合わせていた地方鉄道が、"
        "20日、およそ3カ月ぶりに全線で運転を再開しました。",
        "始発の列車が駅を出発すると、ホームに集まった地元の住民たちが手を振って見送りました。"
        "通学に利用している高校生は「バスでの振り替え輸送は時間がかかって大変だったので、うれしいです」と話していました。",
        "鉄道会社によりますと、大雨では川沿いの線路およそ200メートルが流され、橋の一部も壊れました。"
        "復旧工事には、国と県の補助金を含めておよそ12億円がかかったということです。",
        "沿線の自治体は、利用者の減少が続く中での被災に危機感を強めており、観光客を呼び込むための"
        "イベントを来月から開く予定です。",
        "鉄道会社の社長は「地域の皆さんに支えられて再開の日を迎えることができた。安全運行に努め、"
        "多くの方に利用していただきたい」と述べました。",
    ),
    ("ホーム", "ニュース", "天気", "スポーツ", "経済", "地域"),
    ("シェアする", "ツイート", "ブックマーク"),
    "当サイトではクッキーを使用しています 同意する",
    ("新しい駅舎の設計案がまとまる", "県内の観光客数が回復"),
    "Copyright © 2024 地方新聞社 All rights reserved.",
)

#: Two different Chinese stories (a metro line opens; the rice harvest), for dedup.
CHINESE_METRO = Story(
    "zh",
    "地铁五号线今日开通运营 全线设二十二座车站",
    (
        "本市地铁五号线今天上午正式开通运营。这条线路全长二十八公里，共设二十二座车站，"
        "连接城市东部的新区和西部的老城区，是本市第一条贯穿东西的轨道交通线路。",
        "早上六点，首班列车从东湖站驶出。不少市民一早就来到车站，排队体验新线路。"
        "一位家住新区的乘客说，过去坐公交车去市中心上班要一个多小时，现在只需要四十分钟。",
        "据地铁公司介绍，五号线开通初期的行车间隔为六分钟，早晚高峰时段将缩短到四分钟。"
        "全线各站都设有无障碍电梯，并提供手机扫码进站服务。",
        "五号线从开工到通车历时五年，总投资约二百一十亿元。建设过程中，施工方先后克服了"
        "穿越河道和老城区密集建筑群等多项技术难题。",
        "市交通部门表示，五号线开通后，全市轨道交通运营里程将超过一百五十公里，"
        "预计每天可分流地面公交客流约三十万人次，有助于缓解城市东西方向的交通压力。",
    ),
    ("首页", "新闻", "财经", "体育", "娱乐", "科技"),
    ("分享到微信", "分享到微博"),
    "本网站使用cookie以改善您的浏览体验 同意",
    ("市区新增三条公交线路", "老旧小区改造工程启动"),
    "版权所有 © 2024 城市日报社 未经授权禁止转载",
)

CHINESE_HARVEST = Story(
    "zh",
    "全省早稻喜获丰收 平均亩产创近十年新高",
    (
        "记者从省农业农村厅获悉，今年全省早稻收割工作已基本结束，平均亩产达到四百五十公斤，"
        "比去年增加百分之六，创下近十年来的最高水平。",
        "今年春季气温回升较快，降雨分布相对均匀，为早稻生长提供了良好条件。"
        "各地还大力推广优质高产品种和机械化插秧技术，进一步提高了种植效率。",
        "在南部的一个产粮大县，种粮大户老李站在田边算起了收入账。他说，今年承包的三百亩稻田"
        "每亩多收了三十多公斤，加上国家的种粮补贴，一季下来能多挣好几万元。",
        "农业专家提醒，早稻收割后要抓紧时间晾晒和烘干，防止稻谷霉变，同时要做好晚稻的育秧和"
        "移栽工作，确保全年粮食生产稳定。",
        "省农业农村厅表示，下一步将继续加强农田水利设施建设，扩大高标准农田面积，"
        "并加大对种粮农民的支持力度，进一步调动农民种粮的积极性。",
    ),
    ("首页", "要闻", "三农", "经济", "社会", "图片"),
    ("分享到微信", "分享到微博"),
    "本网站使用cookie以改善您的浏览体验 同意",
    ("秋粮生产形势总体良好", "农村电商带动农产品销售"),
    "版权所有 © 2024 农村报社 未经授权禁止转载",
)


def story_page(story: Story, *, site: str = "", extra: str = "") -> str:
    """The story as a 2020s news site serves it (``site``: a word that tells templates apart;
    ``extra``: a paragraph some copies add at the end)."""
    menu = "".join(f'<li><a href="/{n}">{escape(item)}</a></li>' for n, item in enumerate(story.menu))
    share = "".join(f'<a href="/share/{n}">{escape(item)}</a> ' for n, item in enumerate(story.share))
    related = "".join(f'<li><a href="/r/{n}">{escape(item)}</a></li>' for n, item in enumerate(story.related))
    paragraphs = "".join(f"<p>{escape(p)}</p>\n" for p in (*story.paragraphs, *([extra] if extra else [])))
    return f"""<!DOCTYPE html>
<html lang="{story.language}"><head><meta charset="utf-8">
<title>{escape(story.headline)} - {site}</title>
<meta property="og:title" content="{escape(story.headline)}">
</head><body class="{site}">
<div class="cookie-notice"><p>{escape(story.cookie)}</p></div>
<header><nav class="{site}-menu"><ul>{menu}</ul></nav></header>
<main><article>
<h1>{escape(story.headline)}</h1>
<div class="share-buttons">{share}</div>
<div class="article-text">
{paragraphs}</div>
<aside class="related"><ul>{related}</ul></aside>
</article></main>
<footer><p>{escape(story.footer)}</p></footer>
</body></html>"""


def _display_width(text: str) -> int:
    """Columns a text browser gives ``text``: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _wrap(paragraph: str, width: int = 78) -> list[str]:
    """``paragraph`` wrapped as a text browser wraps it at ``width`` columns: at spaces, or,
    in Chinese and Japanese text, wherever the line is full."""
    lines, line = [], ""
    spaced = " " in paragraph
    for word in paragraph.split(" ") if spaced else paragraph:
        candidate = f"{line} {word}" if spaced and line else line + word
        if _display_width(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines


def story_dump(story: Story) -> str:
    """The page as a text browser (w3m) renders it."""
    lines = ["  ".join(story.menu), "", story.cookie, "", story.headline, "", " | ".join(story.share), ""]
    for paragraph in story.paragraphs:
        lines += [*_wrap(paragraph), ""]
    lines += [f"  • {item}" for item in story.related]
    lines += ["", story.footer]
    return "\n".join(lines) + "\n"
