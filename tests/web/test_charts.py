"""The server's SVG charts: well-formed, scaled to the data, labels escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from web.charts import HEIGHT, Band, bar_chart, fan_chart

SVG = "{http://www.w3.org/2000/svg}"


def parsed(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def test_a_fan_chart_draws_each_band_around_its_median() -> None:
    labels = ["Jan", "Feb", "Mar"]
    svg = parsed(
        fan_chart(
            "Reserve <&> next",
            labels,
            [Band([0, 10, 20], [100, 110, 120], "band-outer")],
            [50, 60, 70],
            lambda v: f"${v}",
        )
    )
    assert svg.find(f"{SVG}title").text == "Reserve <&> next"  # escaped, then read back
    polygon = svg.find(f"{SVG}polygon")
    assert polygon is not None and polygon.get("class") == "band-outer"
    assert len(polygon.get("points", "").split()) == 6
    line = [
        tuple(map(float, p.split(","))) for p in svg.find(f"{SVG}polyline").get("points").split()
    ]
    xs, ys = [x for x, _ in line], [y for _, y in line]
    assert xs == sorted(xs) and ys == sorted(ys, reverse=True), "time runs right, value up"
    band_top = min(float(p.split(",")[1]) for p in polygon.get("points").split())
    assert band_top < min(ys) and all(0 <= y <= HEIGHT for y in ys)
    ticks = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Jan" in ticks and "$0" in ticks and "$120" in ticks


def test_bars_stand_on_zero_with_one_class_per_series() -> None:
    svg = parsed(bar_chart("Flows", ["a", "b"], [("bar-in", [10, 0]), ("bar-out", [5, 20])], str))
    rects = svg.findall(f"{SVG}rect")
    assert [r.get("class") for r in rects] == ["bar-in", "bar-in", "bar-out", "bar-out"]
    heights = [float(r.get("height", "0")) for r in rects]
    assert heights[1] == 0 and heights[3] > heights[0] > heights[2] > 0
    bottoms = {round(float(r.get("y", 0)) + float(r.get("height", 0)), 1) for r in rects}
    assert len(bottoms) == 1, "every bar stands on the same zero line"
