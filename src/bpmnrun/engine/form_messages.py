"""What a form says when an answer is missing or wrong: what to do, in the field's own terms.

The GOV.UK pattern: an empty field asks for the answer with the verb of its control ("Select the
service requested", "Enter the date of the joint visit", "Tick the children this applies to"); a
wrong answer says what a right one looks like ("Date of the joint visit must be a real date, like
2025-04-17"). A diagram may give its own text for any rule (`message_<rule>` field properties); the
wording here is what a field without one gets.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .forms import Field

# Small words a title-case label keeps in lower case ("Source of Contact").
_SMALL_WORDS = {"a", "an", "and", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"}
_ARTICLES = ("the ", "a ", "an ")
# A label that is a clause ("What the outstanding areas of need are") takes no article.
_CLAUSE_WORDS = ("what ", "why ", "who ", "how ", "which ", "when ", "where ", "whether ", "if ")
_YES_NO = {"yes", "no"}


def required(f: Field) -> str:
    """The message for a required field left empty."""
    if f.picks_children:
        return "Tick the children this applies to"
    if f.type == "boolean":
        return f"Tick ‘{_phrase(f.label)}’ to go on" if _is_question(f.label) else f"Tick to confirm: {_phrase(f.label)}"
    if _is_question(f.label):
        verb = "Select" if f.type == "enum" else "Enter"
        return f"{verb} an answer to ‘{f.label}’"
    if _is_statement(f):
        return f"Select yes if {_phrase(f.label)}"
    verb = "Select" if f.type == "enum" else "Enter"
    return f"{verb} {_the(_phrase(f.label))}"


def unanswered_child(f: Field, child_name: str) -> str:
    """A per-child field with a row left empty."""
    verb = "Select" if f.type == "enum" else "Enter"
    what = f"an answer to ‘{f.label}’" if _is_question(f.label) else _the(_phrase(f.label))
    return f"{verb} {what} for {child_name}"


def not_fitting(f: Field) -> str:
    return f"Check {_the(_phrase(f.label))}: it does not fit the other answers"


def not_a_number(f: Field) -> str:
    return f"{_sentence(f.label)} must be a whole number, like 3"


def not_a_date(f: Field) -> str:
    return f"{_sentence(f.label)} must be a real date, like 2025-04-17"


def not_yes_or_no(f: Field) -> str:
    return f"{_sentence(f.label)} must be yes or no"


def more_than_one(f: Field) -> str:
    return f"Select one option for {_the(_phrase(f.label))}"


def not_an_option(f: Field) -> str:
    if f.picked_teams:
        return f"Select {_the(_phrase(f.label))} from the list: a member of {' or '.join(f.picked_teams)}"
    choices = ", ".join(o.label for o in f.options)
    return f"Select {_the(_phrase(f.label))} from the options: {choices}"


def bad_format(f: Field) -> str:
    if f.properties.get("hint"):
        return f"Enter {_the(_phrase(f.label))} in the format the hint shows"
    return f"Check {_the(_phrase(f.label))}: it is not in the format expected"


def refused_option(f: Field, option_label: str) -> str:
    return f"{option_label} cannot be chosen here: select another option"


def too_short(f: Field, least: str) -> str:
    return f"{_sentence(f.label)} must be {least} characters or more"


def too_long(f: Field, most: str) -> str:
    return f"{_sentence(f.label)} must be {most} characters or fewer"


def too_small(f: Field, least: str) -> str:
    return f"{_sentence(f.label)} must be {least} or more"


def too_large(f: Field, most: str) -> str:
    return f"{_sentence(f.label)} must be {most} or less"


def _is_question(label: str) -> bool:
    return label.rstrip().endswith("?")


def _is_statement(f: Field) -> bool:
    """A yes/no field whose label states what "yes" means ("The family have seen the assessment")."""
    return {o.id for o in f.options} == _YES_NO and f.label.lower().startswith(_ARTICLES)


def _phrase(label: str) -> str:
    """A label as words inside a sentence: a title-case name ("Service Requested") in lower case, a label
    that starts a sentence ("Allocated social worker") with its first letter lowered, names and acronyms
    ("Early Help worker", "SC TM / ATM") as they are."""
    if label.lower().startswith(_ARTICLES):
        return label[0].lower() + label[1:]
    words = label.split()
    alphabetic = [w for w in words if re.match(r"[A-Za-z]", w)]
    if not alphabetic:
        return label
    if all(_title_word(w) or w in _SMALL_WORDS for w in alphabetic) and len(alphabetic) > 1:
        return " ".join(w.lower() if _title_word(w) else w for w in words)
    first, rest = alphabetic[0], [w for w in alphabetic[1:] if w not in _SMALL_WORDS]
    if _title_word(first) and (not rest or not rest[0][0].isupper()):
        return label[0].lower() + label[1:]
    return label


def _title_word(word: str) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", word)
    return len(letters) > 1 and letters[0].isupper() and letters[1:].islower()


def _the(phrase: str) -> str:
    return phrase if phrase.lower().startswith(_ARTICLES + _CLAUSE_WORDS) else f"the {phrase}"


def _sentence(label: str) -> str:
    return label.rstrip("?:").rstrip()
