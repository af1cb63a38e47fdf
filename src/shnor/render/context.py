"""The template context: what each document's templates receive, as typed dataclasses (README, «Контекст шаблонов»).

One view of the report feeds the Word and the HTML/Markdown templates of a document alike; every value is ready to
show (Russian numbers and dates, «36,1 %» with a no-break space), so that templates only lay it out. The fields of a
document's context (``AppendixContext``, ``NoteContext``, ``CardsContext``, ``MentorsContext``) are the names its
templates see; ``TEMPLATES`` says which context each shipped template gets.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Properties:
    """What goes into the file's properties, not onto its pages: the title, the language, the program that made it."""

    title: str
    language: str
    generator: str


@dataclass(frozen=True)
class Issuer:
    """Who issues and signs (the document settings); what is not given is a line to fill in by hand."""

    authority: str  # the issuing body, for the heading of the note
    authority_genitive: str  # after «к приказу»
    order_number: str
    order_date: str
    signer: str
    signer_position: str
    prepared_by: str
    prepared_by_position: str
    phone: str
    date: str  # the report's date, «15.01.2026»


@dataclass(frozen=True)
class AppendixMark:
    """The block at the top right of an appendix: «Приложение № 1», «к приказу …», «от … № …»."""

    number: int
    lines: list[str]


@dataclass(frozen=True)
class ListRow:
    """A school of a list: its number, municipality, name, participants (Russian and maths over the window) and the
    criteria it met in words."""

    n: int
    municipality: str
    school: str
    participants: str
    criteria: str


@dataclass(frozen=True)
class SchoolList:
    """One list (ШНОР or the risk zone) as an appendix of the order."""

    mark: AppendixMark
    title: str
    subtitle: str
    rows: list[ListRow]
    empty: str  # shown instead of rows where there are none
    notes: list[str]  # what the words of the criteria mean (below the table)


@dataclass(frozen=True)
class Chart:
    """A picture: ``image`` is what the format shows (a data URI in HTML, an inline image in Word), sized to fit the
    text area."""

    image: object
    caption: str
    alt: str


@dataclass(frozen=True)
class DataRow:
    """One assessment in one year of the data used."""

    assessment: str
    year: str
    subjects: str
    schools: str
    participants: str


@dataclass(frozen=True)
class Term:
    """A glossary entry."""

    term: str
    meaning: str


@dataclass(frozen=True)
class StatusRule:
    """A status's criterion as the order states it: a lead-in and its conditions."""

    title: str
    lead: str
    conditions: list[str]


@dataclass(frozen=True)
class MunicipalityRow:
    """A municipality (or the region's total, ``total`` true) in the table of results."""

    name: str
    schools: str
    shnor: str
    risk: str
    insufficient: str
    fail: str
    high: str
    index: str
    total: bool


@dataclass(frozen=True)
class YearRow:
    """The main indicators of the region in one year."""

    year: str
    participants: str
    fail_core: str
    high_core: str
    fail_other: str


@dataclass(frozen=True)
class ContextRow:
    """Schools of one settlement type (context data)."""

    group: str
    schools: str
    shnor: str
    risk: str
    shnsu: str


@dataclass(frozen=True)
class TargetRow:
    """A road-map target against the fact."""

    label: str
    value: str
    target: str
    met: str


@dataclass(frozen=True)
class MentorRow:
    """A listed school and one of its mentor schools (``first``: the school's first row, which carries its number)."""

    n: str
    school: str
    municipality: str
    mentor: str
    mentor_municipality: str
    subjects: str
    basis: str
    first: bool


@dataclass(frozen=True)
class Recommendations:
    """Recommendations to one addressee."""

    to: str
    items: list[str]


@dataclass(frozen=True)
class Headings:
    """The column headings whose words depend on the data («доля «2»» or «не преодолели минимальный порог»)."""

    fail_core: str
    high_core: str
    fail_other: str


@dataclass(frozen=True)
class ResultRow:
    """A procedure of a school card: its results in each year (participants, «2», «4» и «5»; counts where a group
    is under 10) and the region's shares in the latest year."""

    procedure: str
    cells: list[str]


@dataclass(frozen=True)
class DynamicsRow:
    """An indicator of a school against the previous year: the shares, the change in п. п. and the verdict with
    why."""

    indicator: str
    before: str
    after: str
    change: str
    verdict: str


@dataclass(frozen=True)
class Advice:
    """A targeted recommendation: what it is about and what to do."""

    topic: str
    text: str


@dataclass(frozen=True)
class Card:
    """One listed school's card."""

    name: str
    about: str  # «Озёрский муниципальный округ · СОШ · логин sch770238» (the login only when it is one)
    status: str
    context: str
    criteria: list[str]
    rows: list[ResultRow]
    signs: list[str]
    signs_note: str
    dynamics: list[DynamicsRow]
    dynamics_note: str
    exit: list[str]  # what it would take to leave the list
    advice: list[Advice]


@dataclass(frozen=True)
class AppendixContext:
    """``appendix.docx``, ``appendix.html.j2``, ``appendix.md.j2``: the lists as appendices of the order."""

    properties: Properties
    issuer: Issuer
    lists: list[SchoolList]


@dataclass(frozen=True)
class NoteContext:
    """``note.docx``, ``note.html.j2``: the analytical note."""

    properties: Properties
    issuer: Issuer
    title: str
    subtitle: str
    window: str  # «2024–2025 гг.»
    data: list[str]  # paragraphs of «Использованные данные»
    data_rows: list[DataRow]
    methodology: list[str]
    statuses: list[StatusRule]
    glossary: list[Term]
    headings: Headings
    municipalities: list[MunicipalityRow]
    with_index: bool  # the objectivity index column is shown (it was computed)
    years: list[YearRow]  # empty where the data has one year
    chart_municipalities: Chart | None
    chart_scatter: Chart | None
    chart_objectivity: Chart | None
    shnor: list[ListRow]
    context: list[ContextRow]
    movement: list[str]  # against the previous list
    targets: list[TargetRow]
    objectivity: list[str]
    mentors: list[MentorRow]
    conclusions: list[str]
    recommendations: list[Recommendations]
    notes: list[str]  # what the short words mean


@dataclass(frozen=True)
class CardsContext:
    """``cards.docx``, ``cards.html.j2``: a card per listed school, each on its own page."""

    properties: Properties
    issuer: Issuer
    title: str
    subtitle: str
    columns: list[str]  # the headings of the cards' results table after «Процедура» (the same for every card)
    cards: list[Card]
    empty: str
    notes: list[str]


@dataclass(frozen=True)
class MentorsContext:
    """``mentors.docx``, ``mentors.html.j2``, ``mentors.md.j2``: the mentors appendix of the order."""

    properties: Properties
    issuer: Issuer
    mark: AppendixMark
    title: str
    rows: list[MentorRow]
    empty: str


CONTEXTS = {"appendix": AppendixContext, "note": NoteContext, "cards": CardsContext, "mentors": MentorsContext}
TEMPLATES = {
    "appendix.docx": "appendix", "appendix.html.j2": "appendix", "appendix.md.j2": "appendix",
    "note.docx": "note", "note.html.j2": "note",
    "cards.docx": "cards", "cards.html.j2": "cards",
    "mentors.docx": "mentors", "mentors.html.j2": "mentors", "mentors.md.j2": "mentors",
}
ITEMS: tuple[type, ...] = (
    Properties, Issuer, AppendixMark, ListRow, SchoolList, Chart, DataRow, Term, StatusRule, MunicipalityRow,
    YearRow, ContextRow, TargetRow, MentorRow, Recommendations, Headings, ResultRow, DynamicsRow, Advice, Card,
)
