"""MH-5: the canonical probe set a release is stamped over.

Two parts, kept apart: the human "sanity core" (`sanity_core.txt`, written by people, never generated)
and generated probes: sentences built from templates in the three demo languages, enumerated in a
fixed order, so the n-th generated probe is always the same sentence. The shipped set is the core plus
the first `MODELHOOKS["PROBES_GENERATED_SHIPPED"]` generated ones; the nightly task appends the next
ones (stored rows), which changes the version. The version is a hash of every probe text in order:
stamps over different versions are never compared.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from pathlib import Path

SANITY_CORE = Path(__file__).with_name("sanity_core.txt")

# Templates: (pattern, slot lists). Slots are filled in mixed-radix order of the index.
_TEMPLATES = [
    (
        "{s} {v} {p} {t}.",
        {
            "s": [
                "The minister",
                "A crowd of students",
                "The police",
                "A local reporter",
                "The football club",
                "Farmers from the north",
                "The city council",
                "A group of monks",
                "The health office",
                "Taxi drivers",
                "The opposition party",
                "A famous singer",
            ],
            "v": [
                "spoke about the floods",
                "gathered",
                "denied the rumour",
                "handed out water",
                "posted a photo",
                "asked for calm",
                "announced a plan",
                "waited for hours",
                "shared a video",
                "answered questions",
            ],
            "p": [
                "near the river",
                "in the capital",
                "at the border",
                "outside the palace",
                "in the old market",
                "at the stadium",
                "on the main road",
                "in a small village",
                "at the train station",
                "by the temple",
            ],
            "t": ["this morning", "last night", "on Sunday", "yesterday", "after the storm"],
        },
    ),
    (
        "{s}{v}{p}{t}",
        {
            "s": [
                "รัฐมนตรี",
                "นักศึกษากลุ่มหนึ่ง",
                "ตำรวจ",
                "นักข่าวท้องถิ่น",
                "สโมสรฟุตบอล",
                "เกษตรกรภาคเหนือ",
                "สภาเมือง",
                "พระสงฆ์กลุ่มหนึ่ง",
                "สำนักงานสาธารณสุข",
                "คนขับแท็กซี่",
            ],
            "v": [
                "พูดถึงน้ำท่วม",
                "รวมตัวกัน",
                "ปฏิเสธข่าวลือ",
                "แจกน้ำดื่ม",
                "โพสต์ภาพ",
                "ขอให้ใจเย็น",
                "ประกาศแผนใหม่",
                "รอหลายชั่วโมง",
                "แชร์คลิป",
                "ตอบคำถาม",
            ],
            "p": [
                "ใกล้แม่น้ำ",
                "ในเมืองหลวง",
                "ที่ชายแดน",
                "หน้าวัง",
                "ในตลาดเก่า",
                "ที่สนามกีฬา",
                "บนถนนใหญ่",
                "ในหมู่บ้านเล็ก",
                "ที่สถานีรถไฟ",
                "ข้างวัด",
            ],
            "t": ["เมื่อเช้านี้", "เมื่อคืน", "วันอาทิตย์", "เมื่อวาน", "หลังพายุ"],
        },
    ),
    (
        "{s} {v} {p} {t}",
        {
            "s": [
                "الوزير",
                "مجموعة من الطلاب",
                "الشرطة",
                "صحفي محلي",
                "نادي كرة القدم",
                "مزارعون من الشمال",
                "مجلس المدينة",
                "مكتب الصحة",
                "سائقو سيارات الأجرة",
                "حزب المعارضة",
            ],
            "v": [
                "تحدث عن الفيضانات",
                "تجمعوا",
                "نفى الشائعة",
                "وزع الماء",
                "نشر صورة",
                "دعا إلى الهدوء",
                "أعلن خطة",
                "انتظر ساعات",
                "شارك مقطعا",
                "أجاب عن الأسئلة",
            ],
            "p": [
                "قرب النهر",
                "في العاصمة",
                "على الحدود",
                "أمام القصر",
                "في السوق القديم",
                "في الملعب",
                "على الطريق الرئيسي",
                "في قرية صغيرة",
                "في محطة القطار",
                "بجانب المسجد",
            ],
            "t": ["هذا الصباح", "الليلة الماضية", "يوم الأحد", "أمس", "بعد العاصفة"],
        },
    ),
]


def _template_sentences(pattern: str, slots: dict[str, list[str]]):
    names = list(slots)
    for combo in itertools.product(*(slots[n] for n in names)):
        yield pattern.format(**dict(zip(names, combo)))


def _generated_all() -> list[str]:
    per_template = [list(_template_sentences(p, s)) for p, s in _TEMPLATES]
    out = []
    # round-robin over the languages, each template's combinations in a strided order (7919, a prime,
    # is coprime to every template's size) so the first few hundred cover every slot value
    strided = [[seq[(i * 7919) % len(seq)] for i in range(len(seq))] for seq in per_template]
    for row in itertools.zip_longest(*strided):
        out.extend(s for s in row if s is not None)
    return out


GENERATED = _generated_all()  # the generator's whole, fixed sequence (16,000 sentences)


def generated_probes(*, start: int, count: int) -> list[str]:
    """The generated probes start..start+count-1 of the fixed sequence (fewer at its end)."""
    return GENERATED[start : start + count]


def sanity_core() -> list[str]:
    lines = SANITY_CORE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class ProbeSet:
    human: tuple[str, ...]
    generated: tuple[str, ...]

    @property
    def texts(self) -> list[str]:
        return [*self.human, *self.generated]

    @property
    def version(self) -> str:
        """`<count>-<sha256 prefix>` over every probe in order, the core first."""
        h = hashlib.sha256()
        for part, texts in (("human", self.human), ("generated", self.generated)):
            h.update(part.encode())
            for t in texts:
                h.update(b"\x00" + t.encode("utf-8"))
        return f"{len(self.human) + len(self.generated)}-{h.hexdigest()[:16]}"
