"""People whose names are in every script the address-book tests check, with the parts expected.

Each person: the display name, the name parts they typed themselves (empty when none), the vCard
N parts expected (family, given, additional, prefix, suffix), and a company, note and tags in
the same script, so that every text property of their vCard and CSV row is in it too.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    n: tuple[str, str, str, str, str]  # family, given, additional, prefix, suffix
    company: str
    note: str
    tags: list[str]
    parts: dict = field(default_factory=dict)  # the attendee's own name parts

    @property
    def email(self) -> str:
        return f"{self.key}@example.org"


PEOPLE = (
    Person("ada", "Ada Lovelace", ("Lovelace", "Ada", "", "", ""), "Analytical Engines Ltd", "Plain ASCII note",
           ["maths"]),
    Person("juergen", "Jürgen Müller", ("Müller", "Jürgen", "", "", ""), "Müller & Söhne GmbH",
           "Größere Stückzahlen, Lieferung nach Köln", ["köln", "b2b"]),
    Person("hal", "Hal Daumé III", ("Daumé", "Hal", "", "", "III"), "University of Maryland",
           "Talked about NLP évaluation", ["nlp"]),
    Person("amara", "Amara Nwosu", ("Nwosu", "Amara", "", "Dr.", ""), "Lagos Health Lab", "Clinical trials",
           ["health"], parts={"name_prefix": "Dr.", "given_name": "Amara", "family_name": "Nwosu"}),
    Person("tomas", "Tomás Herrera Díaz", ("Herrera Díaz", "Tomás", "", "", ""), "Compañía Ñandú",
           "Quiere una demostración", ["españa"], parts={"given_name": "Tomás", "family_name": "Herrera Díaz"}),
    Person("noa", "נועה כהן", ("כהן", "נועה", "", "", ""), "חברת הייטק בע״מ", "נפגשנו ליד הקפה", ["ישראל"]),
    Person("layla", "ليلى حداد", ("حداد", "ليلى", "", "", ""), "شركة النور", "تحدثنا عن التعلم الآلي", ["عمان"]),
    Person("wang", "王秀英", ("王秀英", "", "", "", ""), "北京数据有限公司", "讨论了数据管道", ["北京"]),
    Person("yamada", "山田太郎", ("山田", "太郎", "", "", ""), "株式会社サンプル", "名刺交換しました", ["東京"],
           parts={"given_name": "太郎", "family_name": "山田"}),
    Person("suzuki", "鈴木花子", ("鈴木花子", "", "", "", ""), "株式会社テスト", "また会いましょう", ["大阪"]),
    Person("minjun", "김민준", ("김민준", "", "", "", ""), "서울 스타트업", "채용에 관심 있음", ["서울"]),
    Person("priya", "प्रिया शर्मा", ("शर्मा", "प्रिया", "", "", ""), "भारत टेक प्राइवेट लिमिटेड", "डेटा पर बात हुई",
           ["दिल्ली"]),
)


def n_parts(vcard) -> tuple[str, str, str, str, str]:
    """A parsed vCard's N as (family, given, additional, prefix, suffix), each part as one string."""
    value = vcard.n.value

    def text(part) -> str:
        return " ".join(part) if isinstance(part, list) else part

    return (text(value.family), text(value.given), text(value.additional), text(value.prefix), text(value.suffix))
