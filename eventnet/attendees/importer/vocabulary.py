"""The words of attendee files: header names per field and language, whose columns they are, statuses.

Data, and the two functions that compare against it. Headers are compared by `key()`: accents
and case dropped, every run of other characters a single space ("E-Mail-Adresse" -> "e mail
adresse"), so one entry covers the spellings people type. Sources: the exports of Eventbrite
(attendee report), Tito (tickets), pretix (order positions), Luma (guests: snake_case, custom
questions as headers), Google Forms (questions as headers), and the forms organizers build in
Excel or LibreOffice, in English, German, French, Spanish, Italian, Dutch and Portuguese.
"""
from __future__ import annotations

import re
import unicodedata

from ...i18n.markers import N_
from .said import Said, say

# Our fields, in the order the mapping form shows them.
FIELDS = (
    "email", "name", "name_prefix", "given_name", "name_particle", "family_name", "name_suffix",
    "company", "headline", "role", "status",
)
# English, as the command line prints them; a page shows `_(LABELS[name])` (N_ marks them).
LABELS = {
    "email": N_("Email"),
    "name": N_("Full name"),
    "name_prefix": N_("Title (Dr., Prof.)"),
    "given_name": N_("Given name"),
    "name_particle": N_("Name particle (van, de)"),
    "family_name": N_("Family name"),
    "name_suffix": N_("Suffix (Jr., III)"),
    "company": N_("Company"),
    "headline": N_("Job title"),
    "role": N_("Role (attendee or organizer)"),
    "status": N_("Registration status"),
}


def label(name: str) -> Said:
    """A field's label inside a sentence of the import (said in the reader's language where shown)."""
    return Said(LABELS[name])

_SPACE = re.compile(r"[^0-9a-z]+")
_PARENS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def key(text: str) -> str:
    """'E-Mail-Adresse *' -> 'e mail adresse'; 'Prénom' -> 'prenom'; 'Straße' -> 'strasse'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACE.sub(" ", plain).strip()


def header_words(header: str) -> list[str]:
    """The words of a header, without form decorations: '(required)', '[optional]', '*'."""
    return key(_PARENS.sub(" ", header)).split()


def _keys(*names: str) -> frozenset[str]:
    return frozenset(key(name) for name in names)


# A header naming one field outright, after its context words are taken off (see CONTEXT).
ALIASES: dict[str, frozenset[str]] = {
    "email": _keys(
        "email", "e-mail", "mail", "email address", "e-mail address", "emailaddress", "email addr",
        "E-Mail-Adresse", "Mailadresse", "Mail-Adresse", "Emailadresse", "Elektronische Post",  # de
        "courriel", "adresse e-mail", "adresse email", "adresse mail", "adresse courriel",  # fr
        "adresse électronique", "mél",
        "correo", "correo electrónico", "correo-e", "dirección de correo", "dirección de email",  # es
        "dirección de correo electrónico", "email de contacto",
        "indirizzo email", "indirizzo e-mail", "posta elettronica", "indirizzo di posta elettronica",  # it
        "e-mailadres", "emailadres", "mailadres",  # nl
        "endereço de e-mail", "endereço de email", "endereço eletrônico", "correio eletrônico",  # pt
        "correio electrónico", "correio eletrónico",
    ),
    # The name as people write it in one cell.
    "name": _keys(
        "full name", "fullname", "name full", "display name", "participant", "participant name",
        "guest", "guest name", "registrant", "registrant name", "delegate", "delegate name",
        "vollständiger name", "teilnehmer", "teilnehmername", "teilnehmer name", "teilnehmerin",  # de
        "nom complet", "nom et prénom", "nom prénom", "prénom et nom", "prénom nom", "participant",  # fr
        "nombre completo", "nombre y apellidos", "nombre y apellido", "nombre apellidos", "asistente",  # es
        "participante",
        "nome completo", "nome e cognome", "nome cognome", "partecipante",  # it
        "volledige naam", "deelnemer", "naam deelnemer", "voor en achternaam", "voornaam en achternaam",  # nl
        "nome e sobrenome", "nome e apelido",  # pt
    ),
    "given_name": _keys(
        "first name", "firstname", "first", "given name", "givenname", "forename", "christian name",
        "name given name", "name first name",  # pretix "Attendee name: Given name"
        "vorname", "rufname",  # de
        "prénom",  # fr
        "nombre de pila", "primer nombre",  # es
        "nome proprio", "nome di battesimo",  # it
        "voornaam", "roepnaam",  # nl
        "primeiro nome", "nome próprio",  # pt
    ),
    "family_name": _keys(
        "last name", "lastname", "last", "surname", "family name", "familyname",
        "name family name", "name last name",
        "nachname", "familienname", "zuname",  # de
        "nom de famille",  # fr
        "apellido", "apellidos",  # es
        "cognome",  # it
        "achternaam", "familienaam",  # nl
        "sobrenome", "apelido", "apelidos", "último nome",  # pt
    ),
    # Dutch names keep "van der" apart from the family name in forms (tussenvoegsel).
    "name_particle": _keys("tussenvoegsel", "tussenvoegsels", "voorvoegsel", "name particle", "nobiliary particle"),
    "name_prefix": _keys(
        "prefix", "name prefix", "name title", "honorific", "honorific prefix", "academic title",
        "titel akademisch", "akademischer titel", "akademischer grad",  # de
        "titre de civilité académique",  # fr
    ),
    "name_suffix": _keys("suffix", "name suffix", "honorific suffix", "generational suffix", "namenszusatz"),
    "company": _keys(
        "company", "company name", "organisation", "organization", "organisation name", "organization name",
        "org", "employer", "affiliation", "institution", "business", "business name", "firm",
        "firma", "unternehmen", "firmenname", "arbeitgeber", "organisation name", "institut",  # de
        "entreprise", "société", "organisme", "employeur", "structure", "nom de l entreprise",  # fr
        "empresa", "compañía", "organización", "nombre de la empresa", "institución", "entidad",  # es
        "azienda", "società", "organizzazione", "ente", "nome azienda",  # it
        "bedrijf", "bedrijfsnaam", "organisatie", "werkgever", "instelling",  # nl
        "companhia", "organização", "nome da empresa", "instituição",  # pt
    ),
    "headline": _keys(
        "headline", "job title", "jobtitle", "job", "position", "role title", "job role", "job position",
        "occupation", "profession", "designation", "work title",
        "position", "berufsbezeichnung", "jobtitel", "stellenbezeichnung", "funktion", "beruf", "tätigkeit",  # de
        "poste", "fonction", "intitulé du poste", "titre du poste", "métier", "profession",  # fr
        "cargo", "puesto", "título del puesto", "ocupación", "profesión",  # es
        "posizione", "qualifica", "mansione", "professione", "ruolo", "ruolo aziendale",  # it
        "functie", "functietitel", "beroep",  # nl
        "função", "profissão", "ocupação", "cargo profissional",  # pt
    ),
    # Our own column: attendee or organizer. Only these names: "Type" and "Role" questions in
    # forms hold job roles or ticket types ("General Admission"), which are not ours.
    "role": _keys("role", "eventnet role", "attendee role", "access role", "rolle"),
    "status": _keys(
        "status", "attendee status", "order status", "registration status", "ticket status",
        "approval status", "void status", "attendance status", "booking status", "rsvp", "rsvp status",
        "payment status",
        "bestellstatus", "anmeldestatus", "zahlungsstatus",  # de
        "statut", "statut de la commande", "statut de l inscription",  # fr
        "estado", "estado del pedido", "estado de la inscripción",  # es
        "stato", "stato dell ordine", "stato iscrizione",  # it
        "bestelstatus", "inschrijfstatus",  # nl
        "situação", "estado da inscrição",  # pt
    ),
}

# Headers that look like a field but are not: the ticket's product name, a login handle.
IGNORED = _keys(
    "ticket name", "ticket type", "ticket type name", "ticket type id", "ticket class", "product", "product name",
    "event name", "event", "price tier", "session name", "user name", "username", "screen name", "nickname",
    "file name", "display name of ticket", "badge type",
)

# One word that is a name in a file without the other part, and a part of it beside it: German
# and Dutch forms pair "Name" / "Naam" with "Vorname" / "Voornaam" (so it is the family name),
# French "Nom" with "Prénom", Spanish "Nombre" with "Apellidos", Italian and Portuguese "Nome"
# with "Cognome" / "Sobrenome", English "Name" with "Surname" (so it is the given name).
GENERIC_NAME = _keys("name", "names", "your name", "nom", "nombre", "nome", "naam", "nimi", "namn")

# Honorific titles people put in a "Title" column; any other value makes it a job title column.
AMBIGUOUS_TITLE = _keys("title", "titel", "titre", "título", "titolo", "tratamiento", "tratamento")
HONORIFIC_WORDS = frozenset(
    "dr dres drs prof professor mr mrs ms miss mx sir dame lord lady rev revd fr pr ing ir dipl mag med rer nat "
    "phil jur oec habil hc h c mult univ doz dott dottssa dssa ssa avv arch sr sra srta dna don dona lic "
    "m mme mlle me herr frau dhr mevr mw eng engo arq bsc msc mba phd".split()
)

# Words that say whose column it is: the attendee's (first choice) or the buyer's (never
# picked by itself: "Order Email" is the person who paid, not the one who comes).
ATTENDEE_WORDS = frozenset(key(w) for w in (
    "attendee", "attendees", "ticket", "ticket holder", "holder", "participant", "guest", "registrant", "delegate",
    "teilnehmer", "teilnehmerin", "gast", "participante", "asistente", "partecipante", "deelnemer", "invite", "invité",
))
BUYER_WORDS = frozenset(key(w) for w in (
    "order", "buyer", "purchaser", "booker", "payer", "billing", "invoice", "customer", "purchase",
    "besteller", "bestellers", "bestellung", "käufer", "käufers", "rechnung", "rechnungs", "auftraggeber",
    "acheteur", "commande", "facturation", "payeur", "comprador", "pedido", "facturación", "pagador",
    "acquirente", "ordine", "fatturazione", "koper", "bestelling", "factuur", "facturatie", "faturação", "faturamento",
))
# Words of a question that carry no meaning for the mapping ("What's your company?").
FILLER_WORDS = frozenset(key(w) for w in (
    "what", "whats", "s", "is", "are", "your", "you", "the", "a", "an", "please", "enter", "provide", "type", "here",
    "current", "primary", "main", "work", "business", "professional", "do", "at", "which", "for", "on", "of", "to",
    "who", "write", "give", "us", "with", "affiliated", "required", "optional",
    "ihr", "ihre", "dein", "deine", "bitte", "wie", "lautet", "der", "die", "das",
    "votre", "ton", "ta", "quel", "quelle", "est", "le", "la", "de", "du", "l", "d",
    "tu", "su", "cual", "es", "el", "por", "favor", "il", "tuo", "tua", "qual", "e", "jouw", "uw", "wat", "is",
    "seu", "sua", "o",
))
# Question words after the fillers are gone -> the alias they mean ("What's your role?" is a job).
QUESTION_ALIASES = {
    "role": "headline", "title": "headline", "job": "headline", "position": "headline", "company": "company",
    "organisation": "company", "organization": "company", "employer": "company", "email": "email",
    "name": "name", "full name": "name", "first name": "given_name", "last name": "family_name",
}

# Registration statuses: whole words or phrases of the value, checked in this order (the
# waiting list before "en attente", which alone means pending). Source: the status values of
# Eventbrite ("Attending", "Checked In", "Not Attending", "Refunded", "Cancelled",
# "Transferred"), pretix ("paid", "pending", "canceled", "expired" and their translations),
# Luma approval_status ("approved", "pending_approval", "declined", "waitlist", "invited"), Tito
# "Void Status", and the words organizers type.
SKIP, PENDING, IMPORT = "skip", "pending", "import"
STATUS_WORDS: tuple[tuple[str, str, str], ...] = tuple((key(phrase), outcome, why) for phrase, outcome, why in (
    ("not attending", SKIP, "not attending"),
    ("not going", SKIP, "not attending"),
    ("waitlist", SKIP, "on the waiting list"),
    ("waitlisted", SKIP, "on the waiting list"),
    ("waiting list", SKIP, "on the waiting list"),
    ("wait list", SKIP, "on the waiting list"),
    ("warteliste", SKIP, "on the waiting list"),
    ("liste d attente", SKIP, "on the waiting list"),
    ("lista de espera", SKIP, "on the waiting list"),
    ("lista d attesa", SKIP, "on the waiting list"),
    ("wachtlijst", SKIP, "on the waiting list"),
    ("cancelled", SKIP, "cancelled"), ("canceled", SKIP, "cancelled"), ("cancel", SKIP, "cancelled"),
    ("storniert", SKIP, "cancelled"), ("abgesagt", SKIP, "cancelled"), ("annulé", SKIP, "cancelled"),
    ("annulée", SKIP, "cancelled"), ("cancelado", SKIP, "cancelled"), ("cancelada", SKIP, "cancelled"),
    ("annullato", SKIP, "cancelled"), ("annullata", SKIP, "cancelled"), ("geannuleerd", SKIP, "cancelled"),
    ("refunded", SKIP, "refunded"), ("refund", SKIP, "refunded"), ("erstattet", SKIP, "refunded"),
    ("rückerstattet", SKIP, "refunded"), ("remboursé", SKIP, "refunded"), ("remboursée", SKIP, "refunded"),
    ("reembolsado", SKIP, "refunded"), ("rimborsato", SKIP, "refunded"), ("terugbetaald", SKIP, "refunded"),
    ("declined", SKIP, "declined"), ("rejected", SKIP, "declined"), ("denied", SKIP, "declined"),
    ("abgelehnt", SKIP, "declined"), ("refusé", SKIP, "declined"), ("refusée", SKIP, "declined"),
    ("rechazado", SKIP, "declined"), ("rifiutato", SKIP, "declined"), ("afgewezen", SKIP, "declined"),
    ("recusado", SKIP, "declined"),
    ("void", SKIP, "void"), ("voided", SKIP, "void"), ("invalid", SKIP, "void"), ("ungültig", SKIP, "void"),
    ("expired", SKIP, "expired"), ("abgelaufen", SKIP, "expired"), ("expiré", SKIP, "expired"),
    ("expirado", SKIP, "expired"), ("scaduto", SKIP, "expired"), ("verlopen", SKIP, "expired"),
    ("deleted", SKIP, "deleted"), ("transferred", SKIP, "transferred to someone else"),
    ("invited", SKIP, "invited but not registered"),
    ("pending approval", PENDING, "pending approval"), ("pending", PENDING, "pending"),
    ("awaiting payment", PENDING, "awaiting payment"), ("unpaid", PENDING, "not paid yet"),
    ("reserved", PENDING, "reserved"), ("ausstehend", PENDING, "pending"), ("offen", PENDING, "pending"),
    ("en attente", PENDING, "pending"), ("pendiente", PENDING, "pending"), ("in attesa", PENDING, "pending"),
    ("in afwachting", PENDING, "pending"), ("pendente", PENDING, "pending"),
    ("paid", IMPORT, "paid"), ("attending", IMPORT, "attending"), ("approved", IMPORT, "approved"),
    ("checked in", IMPORT, "checked in"), ("confirmed", IMPORT, "confirmed"), ("completed", IMPORT, "completed"),
    ("complete", IMPORT, "completed"), ("registered", IMPORT, "registered"), ("going", IMPORT, "going"),
    ("accepted", IMPORT, "accepted"), ("valid", IMPORT, "valid"), ("active", IMPORT, "active"), ("yes", IMPORT, "yes"),
    ("free", IMPORT, "free"), ("free order", IMPORT, "free"),
    ("bezahlt", IMPORT, "paid"), ("bestätigt", IMPORT, "confirmed"), ("angemeldet", IMPORT, "registered"),
    ("genehmigt", IMPORT, "approved"), ("payé", IMPORT, "paid"), ("payée", IMPORT, "paid"),
    ("confirmé", IMPORT, "confirmed"), ("inscrit", IMPORT, "registered"), ("approuvé", IMPORT, "approved"),
    ("pagado", IMPORT, "paid"), ("confirmado", IMPORT, "confirmed"), ("aprobado", IMPORT, "approved"),
    ("inscrito", IMPORT, "registered"), ("pagato", IMPORT, "paid"), ("confermato", IMPORT, "confirmed"),
    ("approvato", IMPORT, "approved"), ("iscritto", IMPORT, "registered"), ("betaald", IMPORT, "paid"),
    ("bevestigd", IMPORT, "confirmed"), ("goedgekeurd", IMPORT, "approved"), ("aangemeld", IMPORT, "registered"),
    ("pago", IMPORT, "paid"), ("aprovado", IMPORT, "approved"),
))


def classify_status(value: str) -> tuple[str, str] | None:
    """(SKIP, PENDING or IMPORT, what it means in plain words) for a status cell, or None if unknown.

    An empty cell is IMPORT: exports leave it empty for an ordinary ticket (Tito's "Void Status").
    """
    text = f" {key(value)} "
    if not text.strip():
        return IMPORT, "no status"
    for phrase, outcome, meaning in STATUS_WORDS:
        if f" {phrase} " in text:
            return outcome, MEANINGS.get(meaning, meaning)
    return None


# What a skipped or pending registration is, as the report says it (in its reader's language).
MEANINGS = {
    "not attending": say("not attending"), "on the waiting list": say("on the waiting list"),
    "cancelled": say("cancelled"), "refunded": say("refunded"), "declined": say("declined"),
    "void": say("void"), "expired": say("expired"), "deleted": say("deleted"),
    "transferred to someone else": say("transferred to someone else"),
    "invited but not registered": say("invited but not registered"), "pending approval": say("pending approval"),
    "pending": say("pending"), "awaiting payment": say("awaiting payment"), "not paid yet": say("not paid yet"),
    "reserved": say("reserved"),
}

# A field as a sentence of the report names it ("family name is longer than 120 characters").
FIELD_WORDS = {
    "email": say("email"), "name": say("name"), "name_prefix": say("name prefix"),
    "given_name": say("given name"), "name_particle": say("name particle"), "family_name": say("family name"),
    "name_suffix": say("name suffix"), "company": say("company"), "headline": say("headline"),
    "role": say("role"), "status": say("status"),
}


def field_word(name: str) -> str:
    """The field in a report's words: a Said ("family name"), or the key spelled out for an unknown one."""
    return FIELD_WORDS.get(name) or name.replace("_", " ")


def field_words(names: list[str]) -> Said:
    """"name and role": fields joined as one phrase of the report."""
    words = [field_word(n) for n in names]
    if len(words) == 1:
        return words[0]
    return say("%(first)s and %(last)s", first=words[:-1], last=words[-1])


def is_honorific(value: str) -> bool:
    """Whether a cell reads as a title before a name: 'Dr.', 'Prof. Dr.', 'Dipl.-Ing.', 'Mx'."""
    words = key(value).split()
    return bool(words) and len(words) <= 5 and all(word in HONORIFIC_WORDS for word in words)


# Our roles as organizers write them: British spelling, and "participant" for an attendee.
ROLE_ALIASES = {"organiser": "organizer", "participant": "attendee"}


def role(value: str) -> str | None:
    """'Organiser' -> 'organizer'; None when the value is not one of our roles."""
    from ..models import ROLES  # here, not at the top: vocabulary stays free of the database models

    name = value.strip().casefold()
    name = ROLE_ALIASES.get(name, name)
    return name if name in ROLES else None
