"""The people of the demo event, as plain data: fictional, on example domains only.

Topics overlap on purpose (one person's "can help with" is another's "looking for") so that
exchanges in the demo have something to talk about.
"""
from __future__ import annotations

from ..attendees.models import SHAREABLE_FIELDS

EVENT = {
    "slug": "demo",
    "name": "Demo Conference 2026",
    "timezone": "Europe/Amsterdam",
    "venue": "Harbour Hall, Amsterdam",
}

ORGANIZER_EMAIL = "organizer@demo.example"
ATTENDEE_EMAIL = "ada@demo.example"
# Whose badge the seed points to for a first exchange (shares generously, so the card is full).
SCAN_TARGET_EMAIL = "kenji.watanabe@demo.example"

# Sharing choices people make, from generous to reserved.
EVERYTHING = frozenset(SHAREABLE_FIELDS)
USUAL = EVERYTHING - {"phone"}
NO_EMAIL = USUAL - {"email"}
RESERVED = frozenset({"headline", "company", "linkedin"})

PEOPLE: list[dict] = [
    {
        "email": ORGANIZER_EMAIL, "name": "Maren Lindqvist", "role": "organizer",
        "company": "Demo Conference", "headline": "Program lead, Demo Conference 2026",
        "bio": "Runs the program and the help desk. Ask me about the schedule, the venue or a lost badge.",
        "linkedin": "https://www.linkedin.com/in/maren-lindqvist-demo", "website": "https://demo-conference.example.org",
        "phone": "+31 20 555 0100",
        "can_help_with": "event logistics, speaking, introductions", "looking_for": "speakers, sponsors, volunteers",
        "share": USUAL,
    },
    {
        "email": ATTENDEE_EMAIL, "name": "Ada Nwosu",
        "company": "Northwind Analytics", "headline": "Staff data engineer",
        "bio": "Builds data pipelines that people can trust. Lagos-born, Rotterdam-based, runs on strong coffee.",
        "linkedin": "https://www.linkedin.com/in/ada-nwosu-demo", "website": "https://ada.example.com",
        "links": [{"label": "Talk: pipelines people trust", "url": "https://ada.example.com/talks/trust"}],
        "can_help_with": "data engineering, Python, mentoring", "looking_for": "machine learning, hiring, open source",
        "share": USUAL,
    },
    {
        "email": SCAN_TARGET_EMAIL, "name": "Kenji Watanabe",
        "company": "Kumo Labs", "headline": "Founder & CTO",
        "bio": "Second-time founder building observability tools for small teams. Previously SRE at a payments company.",
        "linkedin": "https://www.linkedin.com/in/kenji-watanabe-demo", "website": "https://kumolabs.example.com",
        "phone": "+81 3 5550 0142",
        "can_help_with": "Kubernetes, startups, fundraising", "looking_for": "data engineering, hiring, design partners",
        "share": EVERYTHING,
    },
    {
        "email": "priya.raghunathan@demo.example", "name": "Priya Raghunathan",
        "company": "Brightline Health", "headline": "Head of product",
        "bio": "Product person for patient-facing apps. I care about accessibility and plain language.",
        "linkedin": "https://www.linkedin.com/in/priya-raghunathan-demo",
        "can_help_with": "product design, accessibility, UX research", "looking_for": "machine learning, data engineering",
        "share": USUAL,
    },
    {
        "email": "mateo.fernandez@demo.example", "name": "Mateo Fernández",
        "company": "Solaria Energía", "headline": "Machine learning engineer",
        "bio": "Forecasting solar output from weather data. Happy to talk about ML in production.",
        "linkedin": "https://www.linkedin.com/in/mateo-fernandez-demo", "website": "https://mateo.example.org",
        "can_help_with": "machine learning, Python, climate tech", "looking_for": "Kubernetes, mentoring",
        "share": USUAL,
    },
    {
        "email": "fatima.elamrani@demo.example", "name": "Fatima Zahra El Amrani",
        "company": "Atlas Cloud", "headline": "Security engineer",
        "bio": "Threat modelling, incident response and teaching developers to love their security team.",
        "linkedin": "https://www.linkedin.com/in/fatima-el-amrani-demo",
        "can_help_with": "security, public speaking", "looking_for": "open source, startups",
        "share": NO_EMAIL,
    },
    {
        "email": "lukas.schneider@demo.example", "name": "Lukas Schneider",
        "company": "Fernweh Travel", "headline": "Engineering manager",
        "bio": "Leads three remote teams across five time zones. Hiring backend engineers.",
        "linkedin": "https://www.linkedin.com/in/lukas-schneider-demo", "website": "https://fernweh.example.com/jobs",
        "can_help_with": "hiring, remote teams, mentoring", "looking_for": "Python, data engineering",
        "share": USUAL,
    },
    {
        "email": "aroha.ngata@demo.example", "name": "Aroha Ngata",
        "company": "Kauri Studio", "headline": "Design systems lead",
        "bio": "Designs components that work for everyone, on every screen. Based in Wellington.",
        "linkedin": "https://www.linkedin.com/in/aroha-ngata-demo", "website": "https://kauri.example.org",
        "can_help_with": "product design, accessibility", "looking_for": "developer relations, public speaking",
        "share": USUAL,
    },
    {
        "email": "yu.chen@demo.example", "name": "Chen Yu",
        "company": "Lattice Robotics", "headline": "Research scientist",
        "bio": "Robot perception and the data that trains it. Open source maintainer on the side.",
        "linkedin": "https://www.linkedin.com/in/chen-yu-demo",
        "can_help_with": "machine learning, open source", "looking_for": "fundraising, startups",
        "share": RESERVED,
    },
    {
        "email": "seun.adeyemi@demo.example", "name": "Oluwaseun Adeyemi",
        "company": "Paystack Friends", "headline": "Developer advocate",
        "bio": "Talks, docs and sample apps. I will happily review your conference talk proposal.",
        "linkedin": "https://www.linkedin.com/in/seun-adeyemi-demo", "website": "https://seun.example.com",
        "phone": "+234 1 555 0199",
        "links": [{"label": "Talk proposal checklist", "url": "https://seun.example.com/cfp"}, {"label": "Mastodon", "url": "https://social.example.org/@seun"}],
        "can_help_with": "developer relations, public speaking", "looking_for": "security, Kubernetes",
        "share": EVERYTHING,
    },
    {
        "email": "sofia.herrera@demo.example", "name": "Sofía Herrera",
        "company": "Mercado Verde", "headline": "Data analyst",
        "bio": "Turns messy sales data into decisions. Learning data engineering one pipeline at a time.",
        "linkedin": "https://www.linkedin.com/in/sofia-herrera-demo",
        "can_help_with": "analytics, Spanish-speaking markets", "looking_for": "data engineering, mentoring",
        "share": USUAL,
    },
    {
        "email": "olena.kovalenko@demo.example", "name": "Olena Kovalenko",
        "company": "Chornozem AgriTech", "headline": "Backend developer",
        "bio": "Python and PostgreSQL for farms that measure everything.",
        "linkedin": "https://www.linkedin.com/in/olena-kovalenko-demo",
        "can_help_with": "Python, PostgreSQL", "looking_for": "hiring, remote teams",
        "share": NO_EMAIL,
    },
    {
        "email": "amara.diallo@demo.example", "name": "Amara Diallo",
        "company": "Sahel Ventures", "headline": "Investor, early stage",
        "bio": "Invests in climate and fintech founders across West Africa and Europe.",
        "linkedin": "https://www.linkedin.com/in/amara-diallo-demo", "website": "https://sahelventures.example.com",
        "can_help_with": "fundraising, startups", "looking_for": "climate tech, founders",
        "share": USUAL,
    },
    {
        "email": "siobhan.oconnell@demo.example", "name": "Siobhán O'Connell",
        "company": "Harp & Hound", "headline": "Frontend engineer",
        "bio": "Web performance nerd. Ask me why your page is slow on a train.",
        "linkedin": "https://www.linkedin.com/in/siobhan-oconnell-demo",
        "can_help_with": "web performance, accessibility", "looking_for": "product design, open source",
        "share": USUAL,
    },
    {
        "email": "rahul.mehta@demo.example", "name": "Rahul Mehta",
        "company": "Indigo Payments", "headline": "Platform engineer",
        "bio": "Runs the Kubernetes platform behind a payments network.",
        "linkedin": "https://www.linkedin.com/in/rahul-mehta-demo",
        "can_help_with": "Kubernetes, security", "looking_for": "machine learning, mentoring",
        "share": USUAL,
    },
    {
        "email": "ingrid.haugen@demo.example", "name": "Ingrid Haugen",
        "company": "Fjord Public Radio", "headline": "Newsroom developer",
        "bio": "Election-night dashboards and data journalism tools.",
        "linkedin": "https://www.linkedin.com/in/ingrid-haugen-demo", "website": "https://ingrid.example.org",
        "can_help_with": "data visualisation, Python", "looking_for": "UX research, accessibility",
        "share": USUAL,
    },
    {
        "email": "lan.nguyen@demo.example", "name": "Nguyễn Thị Lan",
        "company": "Mekong Logistics", "headline": "CTO",
        "bio": "Scaling a logistics platform from one city to four countries.",
        "linkedin": "https://www.linkedin.com/in/lan-nguyen-demo",
        "can_help_with": "startups, remote teams", "looking_for": "hiring, fundraising",
        "share": RESERVED,
    },
    {
        "email": "youssef.haddad@demo.example", "name": "Youssef Haddad",
        "company": "Cedar Open Source Foundation", "headline": "Community manager",
        "bio": "Helps maintainers avoid burnout and companies give back.",
        "linkedin": "https://www.linkedin.com/in/youssef-haddad-demo", "website": "https://cedar-oss.example.org",
        "links": [{"label": "Maintainer fund", "url": "https://cedar-oss.example.org/fund"}],
        "can_help_with": "open source, mentoring", "looking_for": "sponsors, developer relations",
        "share": USUAL,
    },
    {
        "email": "jiwoo.park@demo.example", "name": "Park Ji-woo",
        "company": "Hanul Games", "headline": "Game designer",
        "bio": "Designs cosy games and the tools to build them.",
        "linkedin": "https://www.linkedin.com/in/jiwoo-park-demo",
        "can_help_with": "product design, UX research", "looking_for": "machine learning, public speaking",
        "share": USUAL,
    },
    {
        "email": "camille.dubois@demo.example", "name": "Camille Dubois",
        "company": "Atelier Numérique", "headline": "Freelance Django developer",
        "bio": "Twelve years of Django, from newspapers to NGOs. Available from March.",
        "linkedin": "https://www.linkedin.com/in/camille-dubois-demo", "website": "https://camille.example.com",
        "phone": "+33 1 55 50 01 23",
        "can_help_with": "Django, Python, accessibility", "looking_for": "hiring, remote teams",
        "share": EVERYTHING,
    },
    # Three people who have not filled their profiles yet: the organizer page shows that.
    {
        "email": "kwame.mensah@demo.example", "name": "Kwame Mensah",
        "company": "Gold Coast Telecom", "headline": "Network architect",
    },
    {
        "email": "leilani.kahale@demo.example", "name": "Leilani Kahale",
        "company": "Aloha Civic Tech", "headline": "Volunteer coordinator",
    },
    {
        "email": "zeynep.yilmaz@demo.example", "name": "Zeynep Yılmaz",
        "company": "Bosphorus Bank", "headline": "Risk modelling lead",
    },
    {
        "email": "gabriel.santos@demo.example", "name": "Gabriel Santos",
        "company": "Ipê Studio", "headline": "Mobile developer",
        "bio": "React Native and Kotlin. Built apps for three festivals, so badges are my thing.",
        "linkedin": "https://www.linkedin.com/in/gabriel-santos-demo",
        "can_help_with": "mobile apps, event tech", "looking_for": "startups, design partners",
        "share": USUAL,
    },
]

# Exchanges for the demo once scanning exists: (scanner, scanned, the scanner's note, tags,
# star, intent key of connections.models.INTENTS, the scanner's private "I'd like to stay in
# touch", and optionally the note's prompted parts and promises: (text, days after the event ends
# that it is due, or None)). Each side's note is its own row. The demo attendee and Lukas both
# want to keep in touch (mutual: both see it); the attendee's mark on Mateo and Sofia's on the
# attendee are one-sided, so only their owner ever sees them.
EXCHANGES: list[dict] = [
    {
        "scanner": ATTENDEE_EMAIL, "scanned": "lukas.schneider@demo.example",
        "note": "Hiring two backend engineers, remote OK. Send him my CV by Friday.",
        "tags": ["hiring"], "starred": True, "intent": "job", "keep_in_touch": True,
        # The note says it, and the promise is tracked: the digest chases it, dated.
        "promises": [("Send him my CV by Friday", 3)],
    },
    {
        "scanner": "lukas.schneider@demo.example", "scanned": ATTENDEE_EMAIL,
        "note": "Strong data engineer, interested in the platform team role.",
        "tags": ["candidate"], "starred": True, "intent": "send", "keep_in_touch": True,
    },
    {
        "scanner": ATTENDEE_EMAIL, "scanned": "mateo.fernandez@demo.example",
        # "I'll share…" is a promise written in the note and never tracked: the digest chases it
        # "from your note", and the contact page offers "Track this as a promise?".
        "note": "Solar forecasting with gradient boosting. Wants feedback on their feature store. "
                "I'll share our notes on offline sync.",
        "works_on": "Solar forecasting with gradient boosting", "needs": "Feedback on their feature store",
        "tags": ["ml", "climate"], "starred": False, "intent": "coffee", "keep_in_touch": True,
    },
    {
        "scanner": ATTENDEE_EMAIL, "scanned": "youssef.haddad@demo.example",
        "note": "Maintains the CSV library; they look for maintainers and reviewers.",
        "tags": ["open source"], "starred": False, "intent": "introduce",
    },
    {
        "scanner": "sofia.herrera@demo.example", "scanned": ATTENDEE_EMAIL,
        "note": "Offered to mentor me on data pipelines, monthly call.",
        "tags": ["mentoring"], "starred": True, "intent": "mentor", "keep_in_touch": True,
    },
    {
        "scanner": "kenji.watanabe@demo.example", "scanned": "amara.diallo@demo.example",
        "note": "Seed round in spring; send the deck after the event.",
        "offers": "An intro to two seed investors",
        "tags": ["fundraising"], "starred": True, "intent": "send",
        "promises": [("Send the deck after the event", None)],
    },
    # Others who planned follow-ups, kept some promises and both want to keep in touch: enough
    # people for the organizer's follow-through figures, which hide groups under five.
    {
        "scanner": "priya.raghunathan@demo.example", "scanned": "fatima.elamrani@demo.example",
        "note": "Accessibility audits for the booking flow.", "tags": ["accessibility"], "starred": False,
        "intent": "coffee", "keep_in_touch": True, "followup_done": True,
    },
    {
        "scanner": "fatima.elamrani@demo.example", "scanned": "priya.raghunathan@demo.example",
        "note": "Knows the ML platform team well.", "tags": ["ml"], "starred": False,
        "intent": "coffee", "keep_in_touch": True,
    },
    {
        "scanner": "aroha.ngata@demo.example", "scanned": "yu.chen@demo.example",
        "note": "I'll share the benchmark notebook.", "tags": ["kubernetes"], "starred": False,
        "intent": "send", "keep_in_touch": True, "promises": [("Share the benchmark notebook", 2, "done")],
    },
    {
        "scanner": "yu.chen@demo.example", "scanned": "aroha.ngata@demo.example",
        "note": "Intro to the Postgres maintainers.", "tags": ["postgres"], "starred": True,
        "intent": "introduce", "keep_in_touch": True, "promises": [("Intro to the Postgres maintainers", 7)],
    },
    {
        "scanner": "olena.kovalenko@demo.example", "scanned": "rahul.mehta@demo.example",
        "note": "Forward the job ad for the SRE role.", "tags": ["hiring"], "starred": False,
        "intent": "job", "followup_done": True, "promises": [("Forward the job ad", None, "done")],
    },
    {
        "scanner": "ingrid.haugen@demo.example", "scanned": "camille.dubois@demo.example",
        "note": "Send the reading list on product discovery.", "tags": ["product"], "starred": False,
        "intent": "mentor", "promises": [("Send the reading list", 5)],
    },
    {
        "scanner": "lukas.schneider@demo.example", "scanned": "priya.raghunathan@demo.example",
        "note": "Wants data engineers for her patient-app analytics. Introduce to Ada?",
        "tags": ["data"], "starred": False, "intent": "introduce",
    },
]

# Introductions (issue 14): Lukas asks the demo attendee and Priya, waiting for the attendee's
# answer on her home page; the attendee introduced Mateo and Youssef, and both accepted, so
# their contact pages say "Introduced by" and hers says "Introduced".
INTRODUCTIONS: list[dict] = [
    {
        "introducer": "lukas.schneider@demo.example", "a": ATTENDEE_EMAIL, "b": "priya.raghunathan@demo.example",
        "reason": "Priya needs a data engineer's eye on her analytics pipeline; Ada builds those.", "accepted": False,
    },
    {
        "introducer": ATTENDEE_EMAIL, "a": "mateo.fernandez@demo.example", "b": "youssef.haddad@demo.example",
        "reason": "Mateo's feature store could use Youssef's CSV library, and he wants to contribute.", "accepted": True,
    },
]

# My card, per person (issue 14), shown by the demo attendee on "Who has my card": Mateo gets a
# narrowed card (no email, bio or links), Youssef had the card taken back (he sees only the
# name and the event; his own note stays), and every copy expires a year after the event.
CARD_EXPIRY_MONTHS = 12
CARD_NARROWED = {"mateo.fernandez@demo.example": ["headline", "company", "linkedin", "photo"]}
CARD_TAKEN_BACK = ("youssef.haddad@demo.example",)
