"""A generated mixed-script corpus (Latin, Thai, Arabic) and rule patterns over it, for the scoring
tests and benchmarks (the shape MEASURED.md used: 70 % Latin, 15 % Thai, 15 % Arabic)."""

import random

LATIN = [
    "café",
    "École",
    "naïve",
    "protest",
    "king",
    "Crown",
    "river",
    "STATE",
    "money",
    "vote",
    "army",
    "Bank",
    "señor",
    "straße",
    "cat",
    "category",
    "dog",
    "dogs",
    "riot",
    "flag",
    "hero",
    "royal",
    "rule",
    "truth",
]
THAI = ["สวัสดี", "พระราชา", "ประเทศ", "ราชวงศ์", "ข่าว", "ทหาร", "เงิน", "ธง", "ความจริง", "ประชาธิปไตย", "กษัตริย์", "ครับ"]
ARABIC = ["كتاب", "ملك", "الملك", "جيش", "علم", "حكومة", "شعب", "مال", "حرية", "ثورة", "دولة", "وطن"]
ARABIC_PREFIXES = ["ال", "و", "ب"]
PUNCT = [" ", " ", " ", ", ", ". ", "! ", " (", ") ", " #", " @", "-", "_", "1", "٣", "، ", " «", "» ", "\u00a0", "\n"]


def make_posts(n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    posts = []
    for _ in range(n):
        parts = []
        while sum(len(p) for p in parts) < 140:
            r = rnd.random()
            if r < 0.7:
                w = rnd.choice(LATIN)
                w = w.upper() if rnd.random() < 0.1 else (w.capitalize() if rnd.random() < 0.2 else w)
                parts.append(w + rnd.choice(PUNCT))
            elif r < 0.85:  # Thai: a run of words with no spaces between them
                parts.append("".join(rnd.choice(THAI) for _ in range(rnd.randint(1, 4))) + rnd.choice(PUNCT))
            else:
                w = rnd.choice(ARABIC)
                if rnd.random() < 0.3:
                    w = rnd.choice(ARABIC_PREFIXES) + w  # attached prefix: not a word boundary
                parts.append(w + rnd.choice(PUNCT))
        posts.append("".join(parts).strip())
    return posts


def make_patterns(seed: int = 11) -> list[str]:
    rnd = random.Random(seed)
    pats = []
    for w in LATIN:
        pats += [rf"\b{w}\b", w.lower(), rf"\b{w.lower()}s?\b"]
    for w in ARABIC:
        pats += [rf"\b{w}\b", w]
    for w in THAI:
        pats += [rf"\b{w}\b", w]
    for _ in range(40):
        a, b = rnd.sample(LATIN, 2)
        pats.append(rf"\b(?:{a.lower()}|{b.lower()})\b")
        t1, t2 = rnd.sample(THAI, 2)
        pats.append(f"{t1}{t2}")
        pats.append(rf"\b{rnd.choice(LATIN).lower()}[\s,]+\w+\b")
        pats.append(rf"\b{rnd.choice(ARABIC)}\s+\w+")
    pats += [r"\b\d+\b", r"#\w+", r"@\w{3,}\b", r"\bking\b|ملك", r"(?:royal|crown)\s+\w+"]
    return pats


LATIN_SYL = ["ka", "ro", "mi", "tu", "sel", "van", "dor", "pe", "li", "qua", "ber", "zan", "to", "ne", "gri", "fal"]
THAI_CONS = "กขคงจฉชซดตถทนบปผพฟมยรลวสหอฮ"
THAI_VOW = ["า", "ิ", "ี", "ุ", "ู", "ั", "ำ", ""]
ARABIC_LET = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def synthetic_words(n: int, script: str, rnd: random.Random) -> list[str]:
    """`n` distinct made-up words of one script (for 10k-rule benchmarks)."""
    out: set[str] = set()
    while len(out) < n:
        k = rnd.randint(2, 4)
        if script == "latin":
            w = "".join(rnd.choice(LATIN_SYL) for _ in range(k))
        elif script == "thai":
            w = "".join(rnd.choice(THAI_CONS) + rnd.choice(THAI_VOW) for _ in range(k))
        else:
            w = "".join(rnd.choice(ARABIC_LET) for _ in range(k + 2))
        out.add(w)
    return sorted(out)


def bench_vocabulary(seed: int = 5) -> dict[str, list[str]]:
    rnd = random.Random(seed)
    return {s: synthetic_words(n, s, rnd) for s, n in (("latin", 14000), ("thai", 3000), ("arabic", 3000))}


def bench_posts(
    n: int, vocab: dict[str, list[str]], rule_terms: list[str], *, seed: int = 9, term_rate: float = 0.01
) -> list[str]:
    """~140-char posts, 70 % Latin / 15 % Thai / 15 % Arabic words; a word is a rule term with
    probability `term_rate` (so a realistic minority of posts hit)."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        parts, size = [], 0
        while size < 140:
            if rule_terms and rnd.random() < term_rate:
                w = rnd.choice(rule_terms)
            else:
                r = rnd.random()
                w = rnd.choice(vocab["latin"] if r < 0.7 else vocab["thai"] if r < 0.85 else vocab["arabic"])
            sep = "" if (w[0] >= "\u0e00" and w[0] <= "\u0e7f" and rnd.random() < 0.7) else rnd.choice(PUNCT)
            parts.append(w + sep)
            size += len(w) + len(sep)
        out.append("".join(parts).strip())
    return out
