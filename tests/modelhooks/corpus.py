"""A generated mixed-script corpus (Latin, Thai, Arabic) and rule patterns over it, for the scoring tests."""
import random

LATIN = ["café", "École", "naïve", "protest", "king", "Crown", "river", "STATE", "money", "vote", "army", "Bank",
         "señor", "straße", "cat", "category", "dog", "dogs", "riot", "flag", "hero", "royal", "rule", "truth"]
THAI = ["สวัสดี", "พระราชา", "ประเทศ", "ราชวงศ์", "ข่าว", "ทหาร", "เงิน", "ธง", "ความจริง", "ประชาธิปไตย", "กษัตริย์", "ครับ"]
ARABIC = ["كتاب", "ملك", "الملك", "جيش", "علم", "حكومة", "شعب", "مال", "حرية", "ثورة", "دولة", "وطن"]
ARABIC_PREFIXES = ["ال", "و", "ب"]
PUNCT = [" ", " ", " ", ", ", ". ", "! ", " (", ") ", " #", " @", "-", "_", "1", "٣"]


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
