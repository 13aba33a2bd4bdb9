"""The organizer's pages of one event."""
from flask import Blueprint

bp = Blueprint("organizer", __name__)
