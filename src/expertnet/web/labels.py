"""Display names of enumerated values, marked for translation (translated where they are shown).

Categories and regional groups are project data (expertnet/data/*.json, English names); the names
here are their msgids. tests/web/test_i18n.py fails when a slug has no label.
"""

from expertnet.web.i18n import N_

CATEGORIES = {
    "archaeology": N_("Archaeology"),
    "numismatics": N_("Numismatics"),
    "manuscripts": N_("Manuscripts, archives and rare books"),
    "religious_art": N_("Religious art and icons"),
    "fine_art": N_("Fine art"),
    "ethnography": N_("Ethnography"),
    "palaeontology": N_("Palaeontology and minerals"),
    "arms_armour": N_("Arms and armour"),
    "decorative_arts": N_("Decorative arts"),
    "provenance": N_("Provenance research"),
    "authentication": N_("Authentication and scientific analysis"),
    "legal": N_("Cultural-property law"),
    "customs": N_("Customs and border procedure"),
    "online_markets": N_("Online markets and OSINT"),
    "financial": N_("Financial investigation"),
    "conservation": N_("Conservation and handling"),
}

REGIONS = {
    "western_balkans": N_("Western Balkans"),
    "south_east_europe": N_("South-East Europe"),
    "central_europe": N_("Central Europe"),
    "western_europe": N_("Western Europe"),
    "northern_europe": N_("Northern Europe"),
    "eastern_europe": N_("Eastern Europe"),
    "south_caucasus": N_("South Caucasus"),
    "central_asia": N_("Central Asia"),
    "north_america": N_("North America"),
    "osce_mediterranean_partners": N_("OSCE Mediterranean Partners"),
    "osce_asian_partners": N_("OSCE Asian Partners"),
    "middle_east": N_("Middle East"),
    "south_asia": N_("South Asia"),
    "south_east_asia": N_("South-East Asia"),
    "africa": N_("Africa"),
    "latin_america": N_("Latin America"),
}

ORG_TYPES = {
    "museum": N_("Museum"),
    "library_archive": N_("Library or archive"),
    "academia": N_("University or research institute"),
    "law_enforcement": N_("Law enforcement"),
    "customs": N_("Customs"),
    "prosecution": N_("Prosecution"),
    "ministry": N_("Ministry"),
    "international_org": N_("International organisation"),
    "independent": N_("Independent"),
}

ROLES = {
    "le_official": N_("Law-enforcement official"),
    "expert": N_("Expert"),
    "admin": N_("Administrator"),
}

VETTING = {
    "pending": N_("Pending"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "suspended": N_("Suspended"),
}

# Consultation life cycle (DESIGN.md) and its companions.
STATUSES = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "offered": N_("Offered to experts"),
    "accepted": N_("Accepted"),
    "answered": N_("Answered"),
    "closed": N_("Closed"),
    "expired": N_("Expired"),
    "withdrawn": N_("Withdrawn"),
    "escalated": N_("Escalated"),
}

URGENCY = {
    "routine": N_("Routine"),
    "urgent": N_("Urgent"),
    "critical": N_("Critical"),
}

CONFIDENCE = {
    "low": N_("Low"),
    "medium": N_("Medium"),
    "high": N_("High"),
}

AUTHENTICITY = {
    "authentic": N_("Authentic"),
    "probably_authentic": N_("Probably authentic"),
    "undetermined": N_("Cannot be determined"),
    "probably_not_authentic": N_("Probably not authentic"),
    "not_authentic": N_("Not authentic (forgery, replica or souvenir copy)"),
}

OUTCOMES = {
    "seized": N_("Object seized"),
    "released": N_("Object released"),
    "referred": N_("Referred to another authority, a court or the country of origin"),
    "returned": N_("Returned to the country of origin or the owner"),
    "inconclusive": N_("Inconclusive"),
    "other": N_("Other"),
}

OFFER_STATUSES = {
    "open": N_("Waiting for an answer"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
    "expired": N_("No answer in time"),
    "closed": N_("Closed"),
}

# Timeline entries (consultation events).
EVENTS = {
    "created": N_("Request drafted"),
    "updated": N_("Draft edited"),
    "submitted": N_("Request submitted"),
    "offered": N_("Offered to experts"),
    "accepted": N_("An expert accepted"),
    "declined": N_("An expert declined"),
    "offers_closed": N_("Other offers closed"),
    "offers_expired": N_("Offers expired without an answer"),
    "escalated": N_("Escalated to the secretariat"),
    "reoffered": N_("Re-offered by the secretariat"),
    "message": N_("Message"),
    "attachment": N_("File attached"),
    "opinion": N_("Opinion given"),
    "closed": N_("Closed"),
    "withdrawn": N_("Withdrawn"),
    "expired": N_("Expired: the deadline passed"),
    "objects.add": N_("Object added"),
    "objects.update": N_("Object edited"),
    "objects.remove": N_("Object removed"),
    "objects.import": N_("Objects imported from a file"),
    "seen_before.link": N_("Linked by the secretariat to a similar request"),
    "languages_changed": N_("Languages corrected by the secretariat"),
}

# Form fields by their input name, as the error summaries name them (the labels the forms show).
FIELDS = {
    "title": N_("Short title"),
    "description": N_("Description"),
    "category": N_("Field of expertise"),
    "object_origin_country": N_("Suspected country of origin"),
    "location_country": N_("Country where the object is now"),
    "deadline": N_("Legal detention deadline"),
    "urgency": N_("Urgency"),
    "languages": N_("Working languages"),
    "exclude_market_ties": N_("Only experts without ties to dealers, auction houses or collectors"),
    "attachments": N_("Attach files"),
    "file": N_("File"),
    "body": N_("Your message"),
    "identification": N_("Identification: what is the object?"),
    "likely_origin": N_("Likely origin"),
    "likely_period": N_("Likely period"),
    "authenticity": N_("Authenticity"),
    "confidence": N_("Confidence"),
    "next_steps": N_("Recommended next steps"),
    "remarks": N_("Remarks"),
    "outcome": N_("Outcome"),
    "outcome_detail": N_("Details (optional)"),
    "rating": N_("Rating"),
    "reason": N_("Reason"),
    "expert_id": N_("Expert number"),
    "count": N_("Offer to how many experts at once"),
    "email": N_("E-mail address"),
    "password": N_("Password"),
    "password_confirm": N_("Password again"),
    "current_password": N_("Current password"),
    "new_password": N_("New password"),
    "totp_code": N_("Code from your authenticator app"),
    "full_name": N_("Full name"),
    "role": N_("Role"),
    "organisation": N_("Organisation"),
    "position": N_("Position"),
    "country": N_("Country"),
    "application_statement": N_("Why you apply"),
    "referee": N_("Referee"),
    "expert": N_("Fields of expertise"),
    "org_type": N_("Type of organisation"),
    "coverage_countries": N_("Countries you cover"),
    "categories": N_("Fields of expertise"),
    "specialties": N_("Specialties"),
    "bio": N_("Short biography"),
    "market_ties": N_("I have ties to dealers, auction houses or collectors"),
    "market_ties_detail": N_("Describe these ties"),
    "available": N_("I can take new consultations"),
    "away_until": N_("Away until"),
    "max_open_consultations": N_("Most consultations at a time"),
    "conflicts": N_("Declared conflicts of interest"),
    "time_zone": N_("Time zone"),
    "vetted_until": N_("Re-vet by"),
    "since": N_("From"),
    "until": N_("Until"),
    "q": N_("Name or e-mail"),
}

GROUPS = {
    "categories": CATEGORIES,
    "regions": REGIONS,
    "org_types": ORG_TYPES,
    "roles": ROLES,
    "vetting": VETTING,
    "statuses": STATUSES,
    "urgency": URGENCY,
    "confidence": CONFIDENCE,
    "authenticity": AUTHENTICITY,
    "outcomes": OUTCOMES,
    "offer_statuses": OFFER_STATUSES,
    "events": EVENTS,
}
