"""The personalised follow-up suggestion and the drafted first line (plain functions)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from eventnet.digests.suggestions import mailto, note_parts, one_line, suggest
from eventnet.meet.topics import topic_overlap


def test_note_parts_take_the_stored_parts_as_they_are_and_the_free_text_by_line():
    parts = note_parts("random thought\n\nI promised: not parsed", works_on=" Rust\ncompilers ", needs="a CFO",
                       offers="", promises=["intro to Maria", "  ", "the deck"])
    assert parts.promises == ["intro to Maria", "the deck"]
    assert parts.works_on == ["Rust compilers"] and parts.needs == ["a CFO"] and parts.offers == []
    # A line that starts like an old prefix is free text now: nothing is parsed back out of English.
    assert parts.other == ["random thought", "I promised: not parsed"]
    assert note_parts(None).promises == []


def test_topic_overlap_ignores_case_punctuation_and_matches_whole_words():
    assert topic_overlap(["Machine-Learning!", "Python packaging", "Go"], ["machine-learning", "python"]) == [
        "Machine-Learning!", "Python packaging"]
    assert topic_overlap(["pythonic code"], ["python"]) == []
    assert topic_overlap(["", "  "], ["x"]) == []


def test_a_promise_comes_first_then_the_intent_then_shared_topics():
    result = suggest(note="", intent="coffee", parts=note_parts("", promises=["send the slides"]),
                     card={"name": "Bob Builder", "looking_for": ["Python"], "can_help_with": ["Funding"]},
                     my_help=["python"], my_needs=["funding"], event_name="PyConf")
    assert result.text.startswith("Keep your promise: “send the slides”. Suggest a coffee")
    assert "They're looking for help with Python, which you can help with." in result.text
    assert result.they_offer == ["Funding"]
    assert result.first_line == ("Hi Bob, it was great to meet you at PyConf. As promised, I'm writing to send the slides. "
                                 "You mentioned you're looking for help with Python — happy to share what worked for us.")
    assert result.draft == result.first_line.replace("Hi Bob, it", "Hi Bob,\n\nIt") + (
        "\n\nWould you like to grab a coffee in the next few weeks?\n\nBest,")


def test_without_a_note_or_intent_the_suggestion_still_says_something_useful():
    bare = suggest(note="", intent="none", card={"name": "X"}, my_help=[], my_needs=[], event_name="E")
    assert "while they still remember you" in bare.text and bare.first_line == "Hi X, it was great to meet you at E."
    needs = suggest(note="", intent="none", card={"name": "X"}, my_help=[], my_needs=[], event_name="E",
                    parts=note_parts("", needs="a designer"))
    assert needs.text == "They need a designer: a pointer from you would be remembered."
    done = suggest(note="", intent="send", card={"name": "X"}, my_help=[], my_needs=[], event_name="E", done=True)
    assert done.text == "You marked this follow-up done."
    # A promise still open is chased after the follow-up is done: it is done on its own.
    kept = suggest(note="", intent="send", card={"name": "X"}, my_help=[], my_needs=[], event_name="E", done=True,
                   parts=note_parts("", promises=["y"]))
    assert kept.text == "You marked this follow-up done. Keep your promise: “y”."


def test_mailto_encodes_everything_and_uses_crlf():
    url = mailto("o'brien+x@example.org", "Hi & bye?\r\nBcc: x", "Line one\nLine two & more")
    assert url.startswith("mailto:o%27brien%2Bx@example.org?subject=")
    query = parse_qs(urlsplit(url).query)
    assert query["subject"] == ["Hi & bye? Bcc: x"]
    assert query["body"] == ["Line one\r\nLine two & more"]
    assert "\n" not in url and " " not in url


def test_one_line_flattens_and_shortens():
    assert one_line("a\r\nb\tc  d") == "a b c d"
    assert one_line("x" * 300, 10) == "xxxxxxxxx…"
