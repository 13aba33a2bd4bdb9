"""The start page and an event's home."""


def test_start_page_lists_events(client, make_event):
    make_event(name="PyCon Test")
    response = client.get("/")
    assert response.status_code == 200
    assert "PyCon Test" in response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_event_home_requires_login(client, make_event):
    event = make_event(slug="home-test")
    response = client.get("/e/home-test/")
    assert response.status_code == 303
    assert "/e/home-test/login" in response.headers["Location"]


def test_unknown_event_is_404(client):
    response = client.get("/e/nope/")
    assert response.status_code == 404
    assert "no event at this address" in response.get_data(as_text=True)
