"""Badge URLs, public cards, QR images and vCards."""
from flask import Blueprint

bp = Blueprint("badges", __name__)
