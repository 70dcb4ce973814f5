"""Writes the hostile-input corpus next to this script (run it again after changing it; the files are committed).

Every file here is input a hostile or unlucky user could hand the ingest: as a file, a feed or a page. Each
parser must turn each of them into a result or its own one-line error, never anything else (see
tests/digests/ingest/test_hostile_corpus.py). Sizes are kept small; the huge paragraph is 190 KB.
"""

from __future__ import annotations

import codecs
from pathlib import Path

HERE = Path(__file__).resolve().parent
BODY = "The minister announced new funding for the harbour on Monday. Work starts in the spring."
EDGE_DATES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")


def page(head: str = "", body: str = f"<p>{BODY} {BODY}</p>") -> str:
    return (
        f"<!doctype html><html><head><title>Harbour funding</title>{head}</head>"
        f"<body><article><h1>Harbour funding</h1>{body}</article></body></html>"
    )


def rss(items: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Hostile</title>'
        f"<link>https://example.gov/</link>{items}</channel></rss>"
    )


def item(n: int, extra: str = "", description: str = BODY) -> str:
    return (
        f"<item><title>Item {n}</title><link>https://example.gov/r/{n}</link><guid>h-{n}</guid>{extra}"
        f"<description>{description}</description></item>"
    )


def alias_bomb() -> str:
    """A "billion laughs" in YAML: 9 levels of 9 aliases, 9**9 = 387 million strings if expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
        previous = name
    return "---\n" + "\n".join(lines) + f"\ntitle: *{previous}\n---\n{BODY}\n"


def xml_bomb() -> str:
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)
    ]
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [{"".join(entities)}]><rss version="2.0"><channel><title>&lol9;</title>'
        f"{item(1)}</channel></rss>"
    )


def files() -> dict[str, bytes | str]:
    short = "Prices rose. Ports shut. Ships waited. Crews rested. Talks resumed. "
    out: dict[str, bytes | str] = {
        "front_matter_date_min.md": f"---\ntitle: Edge\ndate: {EDGE_DATES[0]}\n---\n{BODY}\n",
        "front_matter_date_max.md": f"---\ntitle: Edge\ndate: '{EDGE_DATES[1]}'\n---\n{BODY}\n",
        "front_matter_date_year_zero.md": f"---\ntitle: Edge\ndate: 0000-01-01\n---\n{BODY}\n",
        "page_dates_min.html": page(
            f'<meta property="article:published_time" content="{EDGE_DATES[0]}">'
            f'<script type="application/ld+json">{{"datePublished": "{EDGE_DATES[0]}"}}</script>'
        ),
        "page_dates_max.html": page(
            f'<meta property="article:published_time" content="{EDGE_DATES[1]}">'
            f'<script type="application/ld+json">{{"datePublished": "{EDGE_DATES[1]}"}}</script>',
            f'<p>{BODY} {BODY}</p><time datetime="{EDGE_DATES[1]}">later</time>',
        ),
        "feed_edge_dates.xml": rss(
            item(1, "<pubDate>Mon, 01 Jan 0001 00:00:00 +1400</pubDate>")
            + item(2, "<pubDate>Fri, 31 Dec 9999 23:59:59 -1400</pubDate>")
            + item(3, "<pubDate>Mon, 04 Mar 2024 10:00:00 GMT</pubDate>")
        ),
        "yaml_alias_bomb.md": alias_bomb(),
        "yaml_deep_flow.md": "---\ntitle: " + "[" * 5000 + "]" * 5000 + f"\n---\n{BODY}\n",
        "yaml_deep_mapping.md": "---\ntitle: " + "{a: " * 3000 + "b" + "}" * 3000 + f"\n---\n{BODY}\n",
        "yaml_deep_block.md": "---\n" + "".join(" " * i + f"k{i}:\n" for i in range(300)) + f"---\n{BODY}\n",
        "yaml_not_a_mapping.md": f"---\n- just\n- a list\n---\n{BODY}\n",
        "yaml_python_tag.md": f"---\ntitle: !!python/object/apply:os.system ['true']\n---\n{BODY}\n",
        "utf16_le_bom.txt": codecs.BOM_UTF16_LE + f"UTF-16 release\n\n{BODY}\n".encode("utf-16-le"),
        "utf16_be_bom.md": codecs.BOM_UTF16_BE + f"---\ntitle: Big endian\n---\n{BODY}\n".encode("utf-16-be"),
        "utf32_bom.txt": f"UTF-32 release\n\n{BODY}\n".encode("utf-32"),
        "utf16_bom_odd_length.txt": codecs.BOM_UTF16_LE + f"{BODY}".encode("utf-16-le") + b"\x00\xd8",
        "binary.txt": bytes(range(256)) * 4,
        "png_named_txt.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
        "huge_paragraph.txt": "Huge paragraph\n\n" + short * (190_000 // len(short)) + "\n",
        "surrogates_wtf8.txt": b"Surrogates\n\nA lone half \xed\xa0\x80 in the middle. " + BODY.encode(),
        "surrogates_page.html": page(
            '<script type="application/ld+json">{"datePublished": "2024-05-07", "headline": "\\ud800"}</script>',
            f"<p>&#xD800; lone &#xDFFF; halves. {BODY} {BODY}</p>",
        ),
        "surrogates_feed.xml": rss(item(1, description=f"&#xD800; {BODY}")),
        "control_chars.txt": "Control\x01chars\n\n\x02\x03\x07\x08\x0b\x0c\x1b[31m"
        + BODY
        + "\x7f \u202e reversed \u200b\u200d\ufeff zero widths.\n",
        "control_chars_page.html": page(body=f"<p>\x01\x02\x1b[2J\u202e{BODY} {BODY}</p>"),
        "crlf_and_cr.txt": f"Line endings\r\n\r\n{BODY}\r{BODY}\r\n",
        "empty.txt": "",
        "only_front_matter.md": "---\ntitle: Nothing else\n---\n",
        "unterminated_front_matter.md": f"---\ntitle: [unclosed\n{BODY}\n",
        "deep_html.html": page(body="<div>" * 5000 + f"<p>{BODY} {BODY}</p>" + "</div>" * 5000),
        "deep_feed.xml": rss(item(1, "<x>" * 3000 + "</x>" * 3000)),
        "xml_entity_bomb.xml": xml_bomb(),
        "not_a_feed.json": '{"items": [' + ",".join(["{}"] * 1000) + "]}",
        "truncated_feed.xml": rss(item(1) + item(2))[:-40],
        "huge_title_feed.xml": rss(item(1).replace("<title>Item 1</title>", f"<title>{'T' * 100_000}</title>")),
    }
    return out


def main() -> None:
    for name, content in files().items():
        path = HERE / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            path.write_bytes(content)
    print(f"wrote {len(files())} files to {HERE}")


if __name__ == "__main__":
    main()
