"""Draw the app's PNG icons (home screen, manifest) from the same shapes as static/icons/icon.svg.

Run from the repository root:  python scripts/make_icons.py
The PNGs are committed; run this again only when the icon's design changes.
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (11, 87, 208, 255)
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "static" / "icons"


def draw(size: int, *, maskable: bool = False, rounded: bool = True) -> Image.Image:
    """The icon at `size` px: a filled and a ringed circle (two people) on the brand blue.

    Drawn at 4x and scaled down for smooth edges. A maskable icon fills the whole square and
    keeps the symbol inside the central 80% safe zone that launchers never crop.
    """
    scale = 4
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    unit = big / 64
    if maskable or not rounded:
        pen.rectangle((0, 0, big, big), fill=BLUE)
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=14 * unit, fill=BLUE)
    shrink = 0.72 if maskable else 1.0  # the symbol inside the safe zone

    def at(x: float, y: float) -> tuple[float, float]:
        return (32 + (x - 32) * shrink) * unit, (32 + (y - 32) * shrink) * unit

    r = 10 * shrink * unit
    cx, cy = at(22, 32)
    pen.ellipse((cx - r, cy - r, cx + r, cy + r), fill=WHITE)
    cx, cy = at(42, 32)
    pen.ellipse((cx - r, cy - r, cx + r, cy + r), outline=WHITE, width=round(5 * shrink * unit))
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    draw(192).save(OUT / "icon-192.png", optimize=True)
    draw(512).save(OUT / "icon-512.png", optimize=True)
    draw(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
    # iOS rounds the corners itself and shows transparency as black: a full square.
    draw(180, rounded=False).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    for name in ("icon-192.png", "icon-512.png", "icon-maskable-512.png", "apple-touch-icon.png"):
        print(OUT / name, (OUT / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
