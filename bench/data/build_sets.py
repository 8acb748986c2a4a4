"""Build the labelled retrieval sets in this directory (deterministic; run once, commit the JSON).

There is no network here, so the sets are written for this project: three small corpora in the
shape agents store (incident notes, facts about people, a product catalogue). Each has
keyword-heavy queries (ticket codes, SKUs, names, rare terms), where full-text search should
shine, and paraphrase-heavy queries (the same need in other words), where embeddings should.
Every query is worded differently from the documents it should find: query phrasings are held
out from the phrasings used to write the documents.

    python bench/data/build_sets.py      # rewrites bench/data/*.json
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _code(rng: random.Random, prefix: str, used: set[str]) -> str:
    while True:
        code = f"{prefix}-{rng.randint(1000, 9999)}"
        if code not in used:
            used.add(code)
            return code


# --- set 1: incident notes ----------------------------------------------------------------
SERVICES = [
    "ledgerd",
    "quokka-api",
    "fernhub",
    "tallyman",
    "birchqueue",
    "orchid-auth",
    "saltmine-etl",
    "kestrel-cdn",
    "pylon-gateway",
    "marmot-cache",
    "gantry-scheduler",
    "wicket-mailer",
]
PEOPLE = [
    "Amara Okafor",
    "Tobias Lindqvist",
    "Priya Raman",
    "Mateo Ferreira",
    "Yuki Tanaka",
    "Helga Brandt",
    "Kwame Mensah",
    "Sofia Castellanos",
    "Ivan Petrov",
    "Leilani Kahale",
]
# category: (phrasings used in documents, phrasing held out for queries)
SYMPTOMS = {
    "disk_full": (
        [
            "the data volume ran out of free space",
            "writes failed with no space left on device",
            "the partition filled to 100 percent",
            "storage hit capacity and segments could not be written",
        ],
        "storage exhausted, nothing more could be saved",
    ),
    "memory_leak": (
        [
            "resident memory grew steadily until the OOM killer stepped in",
            "the process kept allocating and never released heap",
            "RSS climbed for hours and the pod was evicted",
            "a leak in the connection pool consumed all RAM",
        ],
        "it used more and more memory until it died",
    ),
    "cert_expired": (
        [
            "the TLS certificate expired overnight",
            "clients rejected the handshake because the cert was out of date",
            "x509 validity period ended and HTTPS broke",
            "nobody renewed the certificate before its end date",
        ],
        "secure connections failed since the credentials lapsed",
    ),
    "dns": (
        [
            "name resolution failed for internal hosts",
            "the resolver returned NXDOMAIN for the upstream",
            "a bad DNS record pointed traffic at a dead address",
            "lookups timed out against the nameserver",
        ],
        "hostnames could not be translated to addresses",
    ),
    "latency": (
        [
            "p99 response time jumped from 80 ms to 4 seconds",
            "requests became very slow under normal load",
            "tail latency spiked and timeouts piled up",
            "endpoints answered sluggishly for an hour",
        ],
        "responses took far too long to come back",
    ),
    "deadlock": (
        [
            "two transactions waited on each other's row locks",
            "the database reported a deadlock and aborted writes",
            "lock ordering between workers caused a deadlock",
            "threads blocked forever holding mutexes in opposite order",
        ],
        "jobs got stuck waiting on one another's locks",
    ),
    "rate_limit": (
        [
            "the upstream API answered 429 Too Many Requests",
            "we exceeded the vendor's request quota",
            "throttling kicked in after a burst of calls",
            "calls were rejected because the rate limit was hit",
        ],
        "the provider refused us for sending too many calls",
    ),
    "bad_deploy": (
        [
            "a release shipped a broken config and was rolled back",
            "the new build crashed on start and we reverted",
            "a faulty deployment took the service down until rollback",
            "version bump introduced a regression; previous image restored",
        ],
        "the latest rollout broke things and had to be undone",
    ),
    "queue_backlog": (
        [
            "messages piled up faster than consumers could drain them",
            "the backlog reached two million unprocessed events",
            "consumer lag grew for hours",
            "workers fell behind and the queue depth exploded",
        ],
        "work kept accumulating without being handled",
    ),
    "clock_skew": (
        [
            "node clocks drifted apart by several minutes",
            "NTP stopped syncing and timestamps went wrong",
            "token validation failed because of time drift",
            "the host's system time was far off",
        ],
        "the servers disagreed about what time it was",
    ),
    "auth_failure": (
        [
            "logins failed with invalid credentials for everyone",
            "the identity provider rejected valid passwords",
            "sessions were revoked and users were signed out",
            "OAuth token refresh returned unauthorized",
        ],
        "people could not sign in",
    ),
    "data_corruption": (
        [
            "checksums failed on several stored blocks",
            "rows came back with garbled bytes",
            "an index became corrupt and returned wrong rows",
            "a torn write left a damaged file",
        ],
        "the saved records were broken and unreadable",
    ),
    "network_partition": (
        [
            "the availability zones lost connectivity to each other",
            "packets between racks were dropped",
            "a switch failure split the cluster in two",
            "the link to the other region went down",
        ],
        "the machines could no longer reach one another",
    ),
    "cpu_saturation": (
        [
            "CPU sat at 100 percent on every core",
            "a hot loop pinned the processors",
            "load average climbed past 40",
            "compute was maxed out by a runaway regex",
        ],
        "the processors were completely busy",
    ),
}
RESOLUTIONS = [
    "the issue was mitigated within the hour",
    "a postmortem is scheduled",
    "customers saw errors for twenty minutes",
    "an alert was added to catch this earlier",
    "the fix is tracked in the backlog",
    "no data was lost",
    "the status page was updated",
    "a runbook entry now covers this case",
]


def build_incidents(rng: random.Random) -> dict[str, object]:
    docs, used = [], set()
    combos = [(s, c) for s in SERVICES for c in SYMPTOMS]
    rng.shuffle(combos)
    # every combination once, then random repeats up to 320 documents
    picks = combos + [rng.choice(combos) for _ in range(320 - len(combos))]
    for i, (service, cat) in enumerate(picks):
        phrase = rng.choice(SYMPTOMS[cat][0])
        person = rng.choice(PEOPLE)
        code = _code(rng, "INC", used)
        text = (
            f"{service}: {phrase}. {person} was on call and opened ticket {code}; "
            f"{rng.choice(RESOLUTIONS)}."
        )
        docs.append(
            {
                "id": f"inc{i}",
                "text": text,
                "_service": service,
                "_cat": cat,
                "_person": person,
                "_code": code,
            }
        )
    queries = []
    for d in rng.sample(docs, 20):
        queries.append(
            {
                "id": f"q{len(queries)}",
                "kind": "keyword",
                "text": f"ticket {d['_code']}",
                "relevant": {d["id"]: 2},
            }
        )
    pairs = sorted({(d["_person"], d["_service"]) for d in docs})
    for person, service in rng.sample(pairs, 10):
        rel = {d["id"]: 1 for d in docs if d["_person"] == person and d["_service"] == service}
        queries.append(
            {
                "id": f"q{len(queries)}",
                "kind": "keyword",
                "text": f"{person.split()[1]} {service}",
                "relevant": rel,
            }
        )
    for service, cat in rng.sample(combos, 30):
        rel = {d["id"]: (2 if d["_service"] == service else 1) for d in docs if d["_cat"] == cat}
        queries.append(
            {
                "id": f"q{len(queries)}",
                "kind": "paraphrase",
                "text": f"{service}: {SYMPTOMS[cat][1]}",
                "relevant": rel,
            }
        )
    return {
        "name": "incidents",
        "description": (
            "Incident notes: ticket codes and names (keyword), "
            "symptoms in other words (paraphrase)."
        ),
        "documents": [{"id": d["id"], "text": d["text"]} for d in docs],
        "queries": queries,
    }


# --- set 2: facts about people ---------------------------------------------------------------
FIRST = [
    "Ilse",
    "Oluwaseun",
    "Bartholomew",
    "Xiomara",
    "Radek",
    "Fenna",
    "Tariq",
    "Marisol",
    "Eamon",
    "Chidera",
    "Vesna",
    "Lorcan",
    "Anouk",
    "Dmitri",
    "Saoirse",
    "Kenji",
    "Zofia",
    "Thiago",
    "Ingrid",
    "Rashida",
    "Cormac",
    "Ebba",
    "Nikhil",
    "Paloma",
    "Ulrich",
    "Wanjiru",
    "Hamish",
    "Annika",
    "Joaquin",
    "Mirela",
    "Oisin",
    "Svetlana",
    "Bongani",
    "Liesel",
    "Ravi",
    "Noemi",
    "Torsten",
    "Yara",
    "Declan",
    "Hedda",
]
LAST = [
    "Brandvold",
    "Adeyemi",
    "Quigley",
    "Villanueva",
    "Novak",
    "Jansen",
    "Haddad",
    "Ortega",
    "Fitzgerald",
    "Okonkwo",
    "Kovac",
    "Byrne",
    "Visser",
    "Volkov",
    "Gallagher",
    "Morimoto",
    "Wisniewska",
    "Barbosa",
    "Halvorsen",
    "Mahmoud",
    "Doyle",
    "Lindgren",
    "Iyer",
    "Rosales",
    "Kessler",
    "Kamau",
    "MacLeod",
    "Bergstrom",
    "Salazar",
    "Popescu",
    "Keane",
    "Orlova",
    "Dlamini",
    "Vogt",
    "Chandran",
    "Esposito",
    "Lund",
    "Nassar",
    "Flanagan",
    "Aas",
]
# attribute: (document template, query template, values)
ATTRIBUTES = {
    "allergy": (
        "{name} is allergic to {v}.",
        "What food must {name} avoid?",
        ["peanuts", "shellfish", "gluten", "sesame", "dairy"],
    ),
    "pet": (
        "{name} owns a {v} that sleeps under the desk.",
        "What animal lives with {name}?",
        ["greyhound", "tabby cat", "parrot", "tortoise", "rabbit"],
    ),
    "timezone": (
        "{name} works from {v} and keeps local hours.",
        "Which city is {name} based in?",
        ["Lisbon", "Nairobi", "Osaka", "Winnipeg", "Tallinn"],
    ),
    "editor": (
        "{name} writes code in {v} every day.",
        "Which text editor does {name} prefer?",
        ["Vim", "Emacs", "VS Code", "Helix", "Sublime Text"],
    ),
    "meeting": (
        "{name} refuses meetings before {v}.",
        "When is the earliest {name} will join a call?",
        ["9 am", "10 am", "11 am", "noon", "8 am"],
    ),
    "drink": (
        "{name} drinks {v} all afternoon.",
        "What beverage should we order for {name}?",
        ["green tea", "espresso", "sparkling water", "chai", "cold brew"],
    ),
    "language": (
        "{name} is learning {v} in the evenings.",
        "Which foreign tongue is {name} studying?",
        ["Portuguese", "Japanese", "Swahili", "Icelandic", "Korean"],
    ),
    "sport": (
        "{name} plays {v} on weekends.",
        "What does {name} do for exercise?",
        ["squash", "cricket", "volleyball", "rock climbing", "rowing"],
    ),
    "birthday": (
        "{name} celebrates a birthday in {v}.",
        "In which month was {name} born?",
        ["March", "July", "October", "January", "May"],
    ),
    "team": (
        "{name} leads the {v} team.",
        "Which group does {name} manage?",
        ["payments", "search", "mobile", "infrastructure", "data platform"],
    ),
    "commute": (
        "{name} gets to the office by {v}.",
        "How does {name} travel to work?",
        ["bicycle", "train", "ferry", "scooter", "car"],
    ),
    "music": (
        "{name} listens to {v} while working.",
        "What kind of songs does {name} enjoy?",
        ["jazz", "techno", "baroque", "hip hop", "bluegrass"],
    ),
    "diet": (
        "{name} follows a {v} diet.",
        "What does {name} eat or not eat?",
        ["vegan", "vegetarian", "pescatarian", "keto", "halal"],
    ),
    "feedback": (
        "{name} likes feedback delivered {v}.",
        "How should I give {name} criticism?",
        ["in writing", "face to face", "in private", "bluntly", "with examples"],
    ),
    "hobby": (
        "{name} spends free time on {v}.",
        "What is {name}'s pastime?",
        ["pottery", "birdwatching", "chess", "woodworking", "astronomy"],
    ),
    "kids": (
        "{name} has {v} at home.",
        "Does {name} have children?",
        ["two daughters", "a newborn son", "three kids", "twin boys", "one teenager"],
    ),
}


def build_people(rng: random.Random) -> dict[str, object]:
    docs = []
    names = [f"{f} {last}" for f, last in zip(FIRST, LAST, strict=True)]
    for name in names:
        for attr in rng.sample(sorted(ATTRIBUTES), 8):
            template, _, values = ATTRIBUTES[attr]
            v = rng.choice(values)
            docs.append(
                {
                    "id": f"p{len(docs)}",
                    "text": template.format(name=name, v=v),
                    "_name": name,
                    "_attr": attr,
                    "_v": v,
                }
            )
    queries = []
    for d in rng.sample(docs, 40):
        who = d["_name"] if rng.random() < 0.5 else d["_name"].split()[0]
        queries.append(
            {
                "id": f"q{len(queries)}",
                "kind": "paraphrase",
                "text": ATTRIBUTES[d["_attr"]][1].format(name=who),
                "relevant": {d["id"]: 1},
            }
        )
    for d in rng.sample(docs, 20):
        queries.append(
            {
                "id": f"q{len(queries)}",
                "kind": "keyword",
                "text": f"{d['_name'].split()[1]} {d['_v']}",
                "relevant": {d["id"]: 1},
            }
        )
    return {
        "name": "people",
        "description": (
            "Facts about people: questions in other words (paraphrase), "
            "surname plus value (keyword)."
        ),
        "documents": [{"id": d["id"], "text": d["text"]} for d in docs],
        "queries": queries,
    }


# --- set 3: product catalogue ------------------------------------------------------------------
BRANDS = [
    "Vantrek",
    "Olmsby",
    "Quillfeather",
    "Zarnova",
    "Hollis & Pike",
    "Brekka",
    "Tundrix",
    "Mossgrove",
    "Kairo",
    "Pellucid",
    "Ardent Loom",
    "Skerry",
]
COLOURS = ["red", "navy", "olive", "charcoal", "mustard", "white", "teal", "black"]
# item: (document phrasings, query paraphrase)
ITEMS = {
    "rain_jacket": (
        ["waterproof shell jacket with taped seams", "hooded rain jacket"],
        "a coat that keeps me dry in a downpour",
    ),
    "hiking_boots": (
        ["leather hiking boots with lugged soles", "mid-cut trail boots"],
        "footwear for walking mountain paths",
    ),
    "backpack": (
        ["30 litre daypack with hip belt", "roll-top backpack"],
        "a bag to carry on my shoulders for a day trip",
    ),
    "sleeping_bag": (
        ["down sleeping bag rated to minus five", "mummy sleeping bag"],
        "something warm to sleep in while camping",
    ),
    "headlamp": (
        ["rechargeable headlamp, 400 lumens", "LED head torch"],
        "a light I can wear on my forehead at night",
    ),
    "water_bottle": (
        ["insulated steel water bottle", "BPA-free drinking flask"],
        "a container to keep drinks cold",
    ),
    "tent": (
        ["two-person backpacking tent", "freestanding dome tent"],
        "a shelter for sleeping outdoors",
    ),
    "gloves": (
        ["fleece-lined winter gloves", "touchscreen knit gloves"],
        "something to keep my hands warm",
    ),
    "sunglasses": (
        ["polarised sunglasses with UV400 lenses", "wraparound sport shades"],
        "eyewear against bright sunlight",
    ),
    "stove": (
        ["compact gas camping stove", "canister burner for cooking outdoors"],
        "a way to heat food at the campsite",
    ),
    "trekking_poles": (
        ["carbon trekking poles with cork grips", "collapsible walking sticks"],
        "sticks that help my knees on descents",
    ),
    "wool_socks": (
        ["merino wool hiking socks", "cushioned crew socks"],
        "warm things for my feet that do not smell",
    ),
    "fleece": (
        ["midweight fleece pullover", "zip-up fleece jacket"],
        "a cosy layer to wear under a coat",
    ),
    "hammock": (
        ["ultralight camping hammock with straps", "parachute nylon hammock"],
        "a hanging bed between two trees",
    ),
    "first_aid": (
        ["pocket first aid kit with bandages", "trauma kit with blister plasters"],
        "supplies for treating cuts on the trail",
    ),
}
FEATURES = [
    "Ships in recycled packaging.",
    "Backed by a two-year warranty.",
    "Weighs less than you would expect.",
    "Sizes run slightly small.",
    "Machine washable.",
    "Repair service available.",
    "Limited edition colourway.",
]


def build_catalogue(rng: random.Random) -> dict[str, object]:
    docs, used = [], set()
    for i in range(300):
        item = rng.choice(sorted(ITEMS))
        brand, colour = rng.choice(BRANDS), rng.choice(COLOURS)
        sku = _code(rng, "SKU", used)
        text = (
            f"{brand} {rng.choice(ITEMS[item][0])} in {colour}. Item {sku}. {rng.choice(FEATURES)}"
        )
        docs.append(
            {
                "id": f"c{i}",
                "text": text,
                "_item": item,
                "_brand": brand,
                "_colour": colour,
                "_sku": sku,
            }
        )
    queries = []
    for d in rng.sample(docs, 15):
        queries.append(
            {
                "id": f"q{len(queries)}",
                "kind": "keyword",
                "text": d["_sku"],
                "relevant": {d["id"]: 2},
            }
        )
    brand_items = sorted({(d["_brand"], d["_item"]) for d in docs})
    for brand, item in rng.sample(brand_items, 10):
        rel = {d["id"]: 1 for d in docs if d["_brand"] == brand and d["_item"] == item}
        word = ITEMS[item][0][0].split()[-1]
        queries.append(
            {
                "id": f"q{len(queries)}",
                "kind": "keyword",
                "text": f"{brand} {word}",
                "relevant": rel,
            }
        )
    item_colours = sorted({(d["_item"], d["_colour"]) for d in docs})
    for item, colour in rng.sample(item_colours, 25):
        rel = {d["id"]: (2 if d["_colour"] == colour else 1) for d in docs if d["_item"] == item}
        queries.append(
            {
                "id": f"q{len(queries)}",
                "kind": "paraphrase",
                "text": f"{ITEMS[item][1]}, in {colour}",
                "relevant": rel,
            }
        )
    return {
        "name": "catalogue",
        "description": (
            "Outdoor-gear catalogue: SKUs and brands (keyword), "
            "needs described in other words (paraphrase)."
        ),
        "documents": [{"id": d["id"], "text": d["text"]} for d in docs],
        "queries": queries,
    }


def main() -> None:
    for build, seed in ((build_incidents, 1), (build_people, 2), (build_catalogue, 3)):
        data = build(random.Random(seed))
        path = HERE / f"{data['name']}.json"
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
        print(f"{path.name}: {len(data['documents'])} documents, {len(data['queries'])} queries")


if __name__ == "__main__":
    main()
