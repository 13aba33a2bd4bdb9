"""Mail has no pages of its own outside development; its CLI lives here."""
from flask import Blueprint

bp = Blueprint("mail", __name__, cli_group="mail")
