"""Bad inputs: each case is a tiny project (file -> text; bytes kept as bytes; None = a
20,000 x 20,000 pixel PNG made by the test) and the located message it must produce."""

HEAD = "title: 报告\nsections:\n  - title: 第一章\n    blocks:\n"
def spec(blocks): return {"content/r/report.yaml": HEAD + blocks}
DATA = "m:\n  size:\n    unit: {currency: CNY, scale: 1e8}\n    2024: 41.8\n    2025: 65.3\nrows:\n  - {name: a, v: 1}\n"
CASES = {
 "yaml-syntax": {"content/r/report.yaml": "title: [unclosed\nsections: []\n"},
 "yaml-tab": {"content/r/report.yaml": "title: a\nsections:\n\t- title: b\n"},
 "yaml-indent": {"content/r/report.yaml": "title: a\nsections:\n  - title: b\n   blocks: []\n"},
 "yaml-duplicate": {"content/r/report.yaml": "title: a\nsections: []\ntitle: b\n"},
 "yaml-empty": {"content/r/report.yaml": ""},
 "yaml-not-mapping": {"content/r/report.yaml": "- a\n- b\n"},
 "yaml-non-utf8": {"content/r/report.yaml": "title: 报告\nsections: []\n".encode("gbk")},
 "yaml-bom-ok-but-unknown-key": {"content/r/report.yaml": "\ufefftitle: a\nsectoins: []\n"},
 "yaml-billion-laughs": {"content/r/report.yaml": "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ntitle: x\nsections: []\n"},
 "yaml-merge-key": {"content/r/report.yaml": "base: &b {title: x}\ntitle: a\nsections:\n  - <<: *b\n"},
 "yaml-python-tag": {"content/r/report.yaml": "title: !!python/object/apply:os.system ['ls']\nsections: []\n"},
 "type-title-list": {"content/r/report.yaml": "title: [a, b]\nsections:\n  - title: x\n"},
 "type-sections-mapping": {"content/r/report.yaml": "title: a\nsections: {title: x}\n"},
 "type-blocks-string": {"content/r/report.yaml": "title: a\nsections:\n  - title: b\n    blocks: hello\n"},
 "type-numbered": {"content/r/report.yaml": "title: a\nsections:\n  - title: b\n    numbered: yes please\n"},
 "unknown-top-key": {"content/r/report.yaml": "title: a\nsubtitel: b\nsections:\n  - title: x\n"},
 "unknown-block": spec("      - tabel: {}\n"),
 "two-kinds-in-block": spec("      - text: a\n        quote: b\n"),
 "missing-title": {"content/r/report.yaml": "sections:\n  - title: x\n"},
 "missing-section-title": {"content/r/report.yaml": "title: a\nsections:\n  - blocks: [x]\n"},
 "missing-table-columns": spec("      - table: {rows: [[a]]}\n"),
 "table-row-too-long": spec("      - table:\n          columns: [a, b]\n          rows:\n            - [1, 2, 3]\n"),
 "table-rowspan-past-end": spec("      - table:\n          columns: [a, b]\n          rows:\n            - [{text: x, rowspan: 3}, y]\n"),
 "table-widths-over-1": spec("      - table:\n          columns: [{header: a, width: 0.7}, {header: b, width: 0.6}]\n          rows: [[1, 2]]\n"),
 "bad-align": spec("      - table:\n          columns: [{header: a, align: centre}]\n          rows: [[1]]\n"),
 "bad-locale": {"content/r/report.yaml": "title: a\nlocales: [zh-CN]\nsections:\n  - title: x\n"},
 "duplicate-section-id": {"content/r/report.yaml": "title: a\nsections:\n  - title: x\n    id: s\n  - title: y\n    id: s\n"},
 "too-deep": {"content/r/report.yaml": "title: a\nsections:\n  - title: 1\n    sections:\n      - title: 2\n        sections:\n          - title: 3\n            sections:\n              - title: 4\n                sections:\n                  - title: 5\n"},
 "missing-image": spec("      - figure: {image: assets/nope.png}\n"),
 "image-not-image": {**spec("      - figure: {image: assets/x.png}\n"), "assets/x.png": "not a png"},
 "image-absolute": spec("      - figure: {image: /etc/passwd}\n"),
 "image-outside": spec("      - figure: {image: ../../etc/passwd.png}\n"),
 "missing-include": {"content/r/report.yaml": "title: a\nsections:\n  - include: nope.yaml\n"},
 "include-outside": {"content/r/report.yaml": "title: a\nsections:\n  - include: ../../../../etc/passwd\n"},
 "include-self": {"content/r/report.yaml": "title: a\nsections:\n  - include: report.yaml\n"},
 "include-cycle": {"content/r/report.yaml": "title: a\nsections:\n  - include: a.yaml\n", "content/r/a.yaml": "- include: b.yaml\n", "content/r/b.yaml": "- include: a.yaml\n"},
 "include-bad-yaml": {"content/r/report.yaml": "title: a\nsections:\n  - include: a.yaml\n", "content/r/a.yaml": "title: [x\n"},
 "missing-layout": {"content/r/report.yaml": "title: a\nlayout: marketreport\nsections:\n  - title: x\n"},
 "layout-bad-margins": {"content/r/report.yaml": "title: a\nlayout: tight\nsections:\n  - title: x\n", "layouts/tight.yaml": "page:\n  margins: {left: 120mm, right: 120mm}\n"},
 "layout-bad-length": {"content/r/report.yaml": "title: a\nlayout: odd\nsections:\n  - title: x\n", "layouts/odd.yaml": "page:\n  margins: {left: 2 inches}\n"},
 "layout-unknown-font": {"content/r/report.yaml": "title: a\nlayout: f\nsections:\n  - title: x\n", "layouts/f.yaml": "fonts: {pdf: Noto Sans CJK CN}\n"},
 "layout-unknown-key": {"content/r/report.yaml": "title: a\nlayout: k\nsections:\n  - title: x\n", "layouts/k.yaml": "colours: {primary: '#000000'}\n"},
 "missing-data-file": {"content/r/report.yaml": "title: a\ndata: [markets]\nsections:\n  - title: x\n"},
 "missing-series": {"content/r/report.yaml": HEAD.replace("sections:", "data: [d]\nsections:") + "      - \"{{ d.m.sise[2024] }}\"\n", "content/data/d.yaml": DATA},
 "missing-year": {"content/r/report.yaml": HEAD.replace("sections:", "data: [d]\nsections:") + "      - \"{{ d.m.size[2030] }}\"\n", "content/data/d.yaml": DATA},
 "missing-column": {"content/r/report.yaml": HEAD.replace("sections:", "data: [d]\nsections:") + "      - table:\n          data: d.rows\n          columns: [{field: nmae}]\n", "content/data/d.yaml": DATA},
 "expr-python-internals": spec("      - \"{{ ''.__class__ }}\"\n"),
 "expr-syntax": spec("      - \"{{ 1 + }}\"\n"),
 "data-bad-unit": {"content/r/report.yaml": "title: a\ndata: [d]\nsections:\n  - title: x\n", "content/data/d.yaml": "m:\n  unit: {currency: yuan}\n  v: 1\n"},
 "csv-ragged": {"content/r/report.yaml": "title: a\ndata: [d]\nsections:\n  - title: x\n", "content/data/d.csv": "a,b\n1,2\n3\n"},
 "chart-unknown-type": spec("      - chart: {type: pie3d, data: x}\n"),
 "chart-no-data": spec("      - chart: {type: bar}\n"),
 "control-char": spec("      - \"a\\u0007b\"\n"),
 "surrogate": spec("      - \"a\\ud800b\"\n"),
 "emoji": spec("      - 好消息 😀\n"),
 "rtl": spec("      - مرحبا\n"),
 "po-syntax": {"content/r/report.yaml": "title: a\nlocales: [zh_CN, en]\nsections:\n  - title: x\n", "content/r/locales/en.po": 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "x\nmsgstr "y"\n'},
 "po-encoding": {"content/r/report.yaml": "title: a\nlocales: [zh_CN, en]\nsections:\n  - title: 第一章\n", "content/r/locales/en.po": 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "第一章"\nmsgstr "Chapter"\n'.encode("gbk")},
 "po-placeholder": {"content/r/report.yaml": HEAD.replace("sections:", "data: [d]\nlocales: [zh_CN, en]\nsections:") + "      - \"规模 {{ money(d.m.size[2024]) }}\"\n", "content/data/d.yaml": DATA, "content/r/locales/en.po": 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgctxt "s1|text"\nmsgid "规模 {{ money(d.m.size[2024]) }}"\nmsgstr "Size {{ money(d.m.size[2025]) }}"\n'},
 "po-plural": {"content/r/report.yaml": "title: a\nlocales: [zh_CN, en]\nsections:\n  - title: x\n", "content/r/locales/en.po": 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\nmsgid "file"\nmsgid_plural "files"\nmsgstr[0] "f"\nmsgstr[1] "fs"\nmsgstr[2] "fss"\n'},
 "draft-not-in-locales": {"content/r/report.yaml": "title: a\nlocales: [zh_CN]\ndraft_locales: [en]\nsections:\n  - title: x\n"},
 "huge-image": {**spec("      - figure: {image: assets/big.png}\n"), "assets/big.png": None},
}



def _image(fmt: str) -> bytes:
    """A small image of another format, to be given a .png name."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format=fmt)
    return out.getvalue()


def _zip_bomb() -> bytes:
    """A .docx-looking archive of 20 MB of zeros in 20 kB."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * 20_000_000)
    return out.getvalue()


def with_data(blocks, data, locales=""):
    return {"content/r/report.yaml": HEAD.replace("sections:", f"data: [d]\n{locales}sections:") + blocks,
            "content/data/d.yaml": data}


def with_layout(layout, name="l"):
    return {"content/r/report.yaml": f"title: a\nlayout: {name}\nsections:\n  - title: x\n", f"layouts/{name}.yaml": layout}


CHART = "      - chart: {{type: {type}, data: d.{name}}}\n"
POINTS = "      - chart:\n          type: {type}\n          series:\n            - {{data: d.{name}, x: x, y: y, size: s, label: n}}\n"
CASES.update({
 # charts: values the chart type cannot draw are refused at the chart
 "chart-pie-negative": with_data(CHART.format(type="pie", name="m"), "m: {a: 3, b: -1, c: 2}\n"),
 "chart-donut-all-zero": with_data(CHART.format(type="donut", name="m"), "m: {a: 0, b: 0}\n"),
 "chart-infinite": with_data(CHART.format(type="bar", name="m"), "m: {a: 1, b: .inf}\n"),
 "chart-absurd-value": with_data(CHART.format(type="line", name="m"), "m: {a: 1, b: 2.0e+16}\n"),
 "chart-all-missing": with_data(CHART.format(type="bar", name="m"), "m: {a: null, b: null}\n"),
 "chart-empty-series": with_data(CHART.format(type="bar", name="m"), "m: {}\nx: 1\n"),
 "chart-categories-length": with_data("      - chart: {type: bar, data: d.m, categories: d.c}\n",
                                      "m: {a: 1, b: 2, c: 3}\nc: [c, b]\n"),
 "chart-bubble-zero-size": with_data(POINTS.format(type="bubble", name="p"),
                                     "p:\n  - {n: A, x: 1, y: 2, s: 0}\n  - {n: B, x: 2, y: 3, s: 4}\n"),
 "chart-bubble-negative-size": with_data(POINTS.format(type="bubble", name="p"),
                                         "p:\n  - {n: A, x: 1, y: 2, s: -5}\n"),
 "chart-scatter-no-points": with_data(POINTS.format(type="scatter", name="p"), "p: []\n"),
 # layouts: a mapping where a list belongs and the reverse, words for numbers, absurd ranges
 "layout-page-list": with_layout("page: [A4]\n"),
 "layout-margins-list": with_layout("page:\n  margins: [20mm, 20mm]\n"),
 "layout-huge-page": with_layout("page:\n  size: [100000mm, 297mm]\n"),
 "layout-negative-margin": with_layout("page:\n  margins: {left: -5mm}\n"),
 "layout-size-word": with_layout("sizes: {body: big}\n"),
 "layout-size-huge": with_layout("sizes: {h1: 5000}\n"),
 "layout-line-spacing-word": with_layout("line_spacing: double\n"),
 "layout-palette-mapping": with_layout("palette: {a: '#000000'}\n"),
 "layout-palette-empty": with_layout("palette: []\n"),
 "layout-numbering-list": with_layout("numbering: ['{1}. ']\n"),
 "layout-locales-list": with_layout("locales: [en]\n"),
 "layout-override-not-mapping": with_layout("locales:\n  zh: big\n"),
 "layout-override-value": with_layout("locales:\n  zh:\n    paragraph: {space_after: -3}\n"),
 "layout-orientation": with_layout("page: {orientation: sideways}\n"),
 "layout-colour-unquoted": with_layout("colors:\n  primary: #1F4E79\n"),
 "layout-header-list": with_layout("header: {left: [a, b]}\n"),
 "layout-zip-bomb": {**with_layout("docx_reference: ref.docx\n"), "layouts/ref.docx": _zip_bomb()},
 "layout-reference-not-docx": {**with_layout("docx_reference: ref.docx\n"), "layouts/ref.docx": "not a zip"},
 "layout-emoji-header": with_layout("header: {left: '好 😀'}\n"),
 # images: the content, not the name, decides
 "image-webp-named-png": {**spec("      - figure: {image: assets/x.png}\n"), "assets/x.png": _image("WEBP")},
 "image-bmp-named-png": {**spec("      - figure: {image: assets/x.png}\n"), "assets/x.png": _image("BMP")},
 "image-truncated-png": {**spec("      - figure: {image: assets/x.png}\n"), "assets/x.png": _image("PNG")[:60]},
 "image-directory": {**spec("      - figure: {image: assets/x.png}\n"), "assets/x.png/empty": ""},
 # links: http, https, mailto and anchors that exist
 "link-javascript": spec("      - \"[x](javascript:alert(1))\"\n"),
 "link-file": spec("      - \"[x](file:///etc/passwd)\"\n"),
 "link-relative": spec("      - \"[x](other.html)\"\n"),
 "link-missing-anchor": spec("      - \"[x](#nowhere)\"\n"),
 # control characters and glyphs arriving through data and expressions
 "data-control-char": with_data("      - \"值 {{ d.t.v }}\"\n", "t: {v: \"a\\u0007b\"}\n"),
 "data-control-char-table": {"content/r/report.yaml": HEAD.replace("sections:", "data: [d]\nsections:")
                             + "      - table:\n          data: d\n          columns: [{field: name}]\n",
                             "content/data/d.csv": "name\na\x0bb\n"},
 "data-emoji": with_data("      - \"值 {{ d.t.v }}\"\n", "t: {v: \"好 😀\"}\n"),
 "emoji-chart-category": with_data(CHART.format(type="bar", name="m"), "m: {\"好😀\": 1, b: 2}\n"),
 "emoji-caption": spec("      - table:\n          caption: 收入 🚀\n          columns: [a]\n          rows: [[1]]\n"),
 "emoji-heading": {"content/r/report.yaml": "title: a\nsections:\n  - title: 第一章 🎉\n"},
 # lengths
 "paragraph-too-long": spec("      - " + "甲" * 100_001 + "\n"),
 # room on the line: nesting, columns, sizes against the page
 "nesting-too-deep": spec("      - \"" + "> " * 20 + "很深\"\n"),
 "table-too-many-columns": spec("      - table:\n          columns: [" + ", ".join(f"c{i}" for i in range(30))
                                + "]\n          rows: [[" + ", ".join("1" for _ in range(30)) + "]]\n"),
 "layout-body-too-large": with_layout("page: {size: A5}\nsizes: {body: 40}\n"),
 # locales in specs
 "spec-locale-unbuildable": {"content/r/report.yaml": "title: a\nlocales: [zh_CN, fr]\nsections:\n  - title: x\n"},
 "spec-locale-path": {"content/r/report.yaml": "title: a\nlocales: [zh_CN, ../x]\nsections:\n  - title: x\n"},
 "spec-source-locale-dash": {"content/r/report.yaml": "title: a\nsource_locale: zh-TW\nlocales: [zh-TW]\nsections:\n  - title: x\n"},
 # locales on the command line ("(args)": extra arguments)
 "cli-locale-dash": {"content/r/report.yaml": "title: a\nsections:\n  - title: x\n", "(args)": ["--locale", "zh-CN"]},
 "cli-locale-unbuildable": {"content/r/report.yaml": "title: a\nsections:\n  - title: x\n", "(args)": ["--locale", "fr"]},
 "cli-locale-path": {"content/r/report.yaml": "title: a\nsections:\n  - title: x\n", "(args)": ["--locale", "../x"]},
 "cli-locale-not-in-report": {"content/r/report.yaml": "title: a\nsections:\n  - title: x\n", "(args)": ["--locale", "en"]},
})


EXPECT = {
    'yaml-syntax': ('content/r/report.yaml:2:9', "YAML syntax: expected ',' or ']'"),
    'yaml-tab': ('content/r/report.yaml:3:1', 'a tab character is used for indentation'),
    'yaml-indent': ('content/r/report.yaml:4:4', 'check the indentation of this line'),
    'yaml-duplicate': ('content/r/report.yaml:3:1', 'duplicate key `title` (first at line 1)'),
    'yaml-empty': ('content/r/report.yaml:1:1', 'the file is empty'),
    'yaml-not-mapping': ('content/r/report.yaml:1:1', 'a report spec should be a mapping'),
    'yaml-non-utf8': ('content/r/report.yaml:1:8', 'not valid UTF-8 (byte 0xb1); save the file as UTF-8'),
    'yaml-bom-ok-but-unknown-key': ('content/r/report.yaml:2:1', 'unknown key `sectoins` in the report; did you mean `sections`?'),
    'yaml-billion-laughs': ('content/r/report.yaml:1:12', 'expands to too many values'),
    'yaml-merge-key': ('content/r/report.yaml:4:5', 'merge keys (`<<:`) are not supported'),
    'yaml-python-tag': ('content/r/report.yaml:1:8', 'the tag `!!python/object/apply:os.system` is not allowed'),
    'type-title-list': ('content/r/report.yaml:1:8', '`title` in the report should be text, not a list'),
    'type-sections-mapping': ('content/r/report.yaml:2:11', '`sections` should be a list, not a mapping'),
    'type-blocks-string': ('content/r/report.yaml:4:13', '`blocks` should be a list'),
    'type-numbered': ('content/r/report.yaml:4:15', '`numbered` should be true or false'),
    'unknown-top-key': ('content/r/report.yaml:2:1', 'unknown key `subtitel` in the report; did you mean `subtitle`?'),
    'unknown-block': ('content/r/report.yaml:5:9', 'unknown block `tabel`; did you mean `table`?'),
    'two-kinds-in-block': ('content/r/report.yaml:5:9', 'a block has one kind, this one has text, quote'),
    'missing-title': ('content/r/report.yaml:1:1', 'the report needs a `title`'),
    'missing-section-title': ('content/r/report.yaml:3:5', 'a section needs a `title`'),
    'missing-table-columns': ('content/r/report.yaml:5:16', 'a table needs a `columns`'),
    'table-row-too-long': ('content/r/report.yaml:8:22', "this row has more cells than the table's 2 columns"),
    'table-rowspan-past-end': ('content/r/report.yaml:8:13', 'a rowspan runs past the last row'),
    'table-widths-over-1': ('content/r/report.yaml:6:20', 'column widths add up to 1.30'),
    'bad-align': ('content/r/report.yaml:6:40', 'did you mean `center`?'),
    'bad-locale': ('content/r/report.yaml:2:10', '`zh-CN` is not a locale name'),
    'duplicate-section-id': ('content/r/report.yaml:6:9', 'section id `s` is already used at line 4'),
    'too-deep': ('content/r/report.yaml:11:21', 'sections nest at most 4 levels deep'),
    'missing-image': ('content/r/report.yaml:5:25', 'image `assets/nope.png` not found'),
    'image-not-image': ('content/r/report.yaml:5:25', 'cannot be read'),
    'image-absolute': ('content/r/report.yaml:5:25', 'is an absolute path'),
    'image-outside': ('content/r/report.yaml:5:25', 'resolves outside the project'),
    'missing-include': ('content/r/report.yaml:3:14', 'include `nope.yaml` not found'),
    'include-outside': ('content/r/report.yaml:3:14', 'resolves outside the project'),
    'include-self': ('content/r/report.yaml:3:14', 'circular include'),
    'include-cycle': ('content/r/b.yaml:1:12', 'circular include: content/r/a.yaml → content/r/b.yaml → content/r/a.yaml'),
    'include-bad-yaml': ('content/r/a.yaml:2:1', 'YAML syntax'),
    'missing-layout': ('content/r/report.yaml:2:9', 'no layout `marketreport` in layouts/'),
    'layout-bad-margins': ('layouts/tight.yaml:2:12', 'margins leave less than 1 inch of text width'),
    'layout-bad-length': ('layouts/odd.yaml:2:19', '`2 inches` is not a length'),
    'layout-unknown-font': ('layouts/f.yaml:1:14', 'unknown PDF font family `Noto Sans CJK CN`'),
    'layout-unknown-key': ('layouts/k.yaml:1:1', 'unknown layout key `colours`; did you mean `colors`?'),
    'missing-data-file': ('content/r/report.yaml:2:7', 'no data file `markets` in content/data/'),
    'missing-series': ('content/r/report.yaml:6:13', 'no such name in `d.m`; did you mean `size`?'),
    'missing-year': ('content/r/report.yaml:6:13', 'has no value for `2030` (it has 2024, 2025)'),
    'missing-column': ('content/r/report.yaml:8:21', '`nmae`: no such column'),
    'expr-python-internals': ('content/r/report.yaml:5:13', '`.__class__` is not allowed here'),
    'expr-syntax': ('content/r/report.yaml:5:13', 'expression `1 +`'),
    'data-bad-unit': ('content/data/d.yaml:2:20', 'currency `yuan` should be an ISO code'),
    'csv-ragged': ('content/data/d.csv:3:1', 'this row has 1 cells, the header 2'),
    'chart-unknown-type': ('content/r/report.yaml:5:23', 'chart type `pie3d` is not known; did you mean `pie`?'),
    'chart-no-data': ('content/r/report.yaml:5:16', 'a chart needs `data:`'),
    'control-char': ('content/r/report.yaml:5:11', 'control character U+0007'),
    'surrogate': ('content/r/report.yaml:5:11', 'unpaired surrogate U+D800'),
    'emoji': ('content/r/report.yaml:5:9', 'has no glyph for “😀” (U+1F600'),
    'rtl': ('content/r/report.yaml:5:9', 'ARABIC LETTER'),
    'po-syntax': ('content/r/locales/en.po:5:1', 'check for a missing closing quote'),
    'po-encoding': ('content/r/locales/en.po:5:1', 'not valid UTF-8'),
    'po-placeholder': ('content/r/locales/en.po:6:1', 'the translation changes the placeholders'),
    'po-plural': ('content/r/locales/en.po:6:1', 'more plural forms'),
    'draft-not-in-locales': ('content/r/report.yaml:3:16', "`draft_locales` should list some of the report's `locales`"),
    'huge-image': ('content/r/report.yaml:5:25', '20,000×20,000 pixels'),
    'chart-pie-negative': ('content/r/report.yaml:6:34', '`d.m` holds a negative value for `b`; a pie chart shows parts of a whole'),
    'chart-donut-all-zero': ('content/r/report.yaml:6:16', 'the values of the series add up to 0'),
    'chart-infinite': ('content/data/d.yaml:1:14', '`.inf` is not a finite number'),
    'chart-absurd-value': ('content/r/report.yaml:6:16', 'value for `b` is 2e+16, beyond ±1e+15; divide it with `scale:`'),
    'chart-all-missing': ('content/r/report.yaml:6:16', 'no values to draw (every value is missing)'),
    'chart-empty-series': ('content/r/report.yaml:6:16', 'the chart has no categories: its data is empty'),
    'chart-categories-length': ('content/r/report.yaml:6:51', '`categories:` should list each key of the chart\'s data once'),
    'chart-bubble-zero-size': ('content/r/report.yaml:7:11', 'bubble sizes should be greater than 0'),
    'chart-bubble-negative-size': ('content/r/report.yaml:7:11', 'bubble sizes should be greater than 0'),
    'chart-scatter-no-points': ('content/r/report.yaml:7:11', 'has no points: a scatter chart needs records'),
    'layout-page-list': ('layouts/l.yaml:1:7', '`page` should be a mapping'),
    'layout-margins-list': ('layouts/l.yaml:2:12', '`page.margins` should be a mapping'),
    'layout-huge-page': ('layouts/l.yaml:2:9', 'a page side should be from 50mm to 1200mm'),
    'layout-negative-margin': ('layouts/l.yaml:2:19', 'the left margin is -5mm; it should be from 0 to 200mm'),
    'layout-size-word': ('layouts/l.yaml:1:15', '`sizes.body` should be a number from 4 to 96 pt, not `big`'),
    'layout-size-huge': ('layouts/l.yaml:1:13', '`sizes.h1` is 5000; it should be from 4 to 96 pt'),
    'layout-line-spacing-word': ('layouts/l.yaml:1:15', '`line_spacing` should be a number from 0.8 to 3'),
    'layout-palette-mapping': ('layouts/l.yaml:1:10', '`palette` should be a list'),
    'layout-palette-empty': ('layouts/l.yaml:1:10', '`palette` should be a list of 1 to 64 colours'),
    'layout-numbering-list': ('layouts/l.yaml:1:12', '`numbering` should be a mapping'),
    'layout-locales-list': ('layouts/l.yaml:1:10', '`locales` should be a mapping'),
    'layout-override-not-mapping': ('layouts/l.yaml:2:7', 'the overrides for `zh` should be a mapping'),
    'layout-override-value': ('layouts/l.yaml:3:30', '`paragraph.space_after` is -3; it should be from 0 to 72 pt'),
    'layout-orientation': ('layouts/l.yaml:1:21', 'orientation `sideways` should be portrait or landscape'),
    'layout-colour-unquoted': ('layouts/l.yaml:2:11', 'should be written `#RRGGBB` (in quotes'),
    'layout-header-list': ('layouts/l.yaml:1:16', '`header.left` should be text, not a list'),
    'layout-zip-bomb': ('layouts/l.yaml:1:17', 'reference document `ref.docx` unpacks to 20 MB'),
    'layout-reference-not-docx': ('layouts/l.yaml:1:17', 'is not a Word document (.docx)'),
    'layout-emoji-header': ('layouts/l.yaml:1:16', 'has no glyph for “😀” (U+1F600'),
    'image-webp-named-png': ('content/r/report.yaml:5:17', 'is a WEBP image, whatever its name says'),
    'image-bmp-named-png': ('content/r/report.yaml:5:17', 'is a BMP image, whatever its name says'),
    'image-truncated-png': ('content/r/report.yaml:5:17', 'this image `x.png`'),
    'image-directory': ('content/r/report.yaml:5:25', '`assets/x.png`'),
    'link-javascript': ('content/r/report.yaml:5:9', 'link target `javascript:alert(1)` is not allowed'),
    'link-file': ('content/r/report.yaml:5:9', 'link target `file:///etc/passwd` is not allowed'),
    'link-relative': ('content/r/report.yaml:5:9', 'link target `other.html` is not allowed'),
    'link-missing-anchor': ('content/r/report.yaml:5:9', 'link target `#nowhere`: no section has the id `nowhere`'),
    'data-control-char': ('content/r/report.yaml:6:9', 'control character U+0007'),
    'data-control-char-table': ('content/r/report.yaml:7:11', 'control character U+000B'),
    'data-emoji': ('content/r/report.yaml:6:9', 'has no glyph for “😀” (U+1F600'),
    'emoji-chart-category': ('content/r/report.yaml:6:16', 'has no glyph for “😀” (U+1F600'),
    'emoji-caption': ('content/r/report.yaml:6:11', 'has no glyph for “🚀” (U+1F680'),
    'emoji-heading': ('content/r/report.yaml:3:5', 'has no glyph for “🎉” (U+1F389'),
    'paragraph-too-long': ('content/r/report.yaml:5:9', 'has 100,001 characters, more than the limit of 100,000; split it into shorter paragraphs (or raise the limit with REPORTGEN_MAX_PARAGRAPH_CHARS)'),
    'spec-locale-unbuildable': ('content/r/report.yaml:2:10', 'reportgen cannot build `fr` editions'),
    'spec-locale-path': ('content/r/report.yaml:2:10', '`../x` is not a locale name'),
    'spec-source-locale-dash': ('content/r/report.yaml:2:16', '`zh-TW` is not a locale name; did you mean `zh_TW`?'),
    'cli-locale-dash': ('', '--locale zh-CN: `zh-CN` is not a locale name; did you mean `zh_CN`?'),
    'cli-locale-unbuildable': ('', '--locale fr: reportgen cannot build `fr` editions'),
    'cli-locale-path': ('', '--locale ../x: `../x` is not a locale name'),
    'cli-locale-not-in-report': ('', '--locale en: no selected report has this locale (they have: zh_CN)'),
    'nesting-too-deep': ('content/r/report.yaml:5:9', 'nested so deep here that less than 3 characters of line are left'),
    'table-too-many-columns': ('content/r/report.yaml:6:11', '30 columns do not fit in 471 pt of line'),
    'layout-body-too-large': ('layouts/l.yaml:2:15', 'at 40 pt a line of body text holds fewer than 20 characters'),
}


# Found by tests/test_fuzz.py: each class of damage answered where the value was written.
def fuzz_case(name, files, location, message):
    CASES[name] = files
    EXPECT[name] = (location, message)


# a scalar where `sections:` holds a list: the scalar has no location of its own
fuzz_case("sections-scalar", {"content/r/report.yaml": "title: a\nsections: t\n"},
          "content/r/report.yaml:2:11", "`sections` should be a list, not `t`")
fuzz_case("include-sections-scalar", {"content/r/report.yaml": "title: a\nsections:\n  - include: a.yaml\n",
                                      "content/r/a.yaml": "# cut short\nt"},
          "content/r/a.yaml:1:1", "an included sections file should hold a section")
# names the file system refuses (too long, NUL) wherever a spec or layout names a file
fuzz_case("layout-name-too-long", {"content/r/report.yaml": f"title: a\nlayout: {'长' * 100}\nsections:\n  - title: x\n"},
          "content/r/report.yaml:2:9", "has a part of 305 bytes; a file system allows 255")
fuzz_case("image-name-nul", spec('      - figure: {image: "assets/a\\0.png"}\n'),
          "content/r/report.yaml:5:25", "holds the control character U+0000")
fuzz_case("include-name-too-long", {"content/r/report.yaml": "title: a\nsections:\n  - include: " + "a" * 300 + ".yaml\n"},
          "content/r/report.yaml:3:14", "has a part of 305 bytes")
fuzz_case("data-name-too-long", {"content/r/report.yaml": f"title: a\ndata: [{'d' * 300}]\nsections:\n  - title: x\n"},
          "content/r/report.yaml:2:7", "should be a file name without extension")
fuzz_case("layout-logo-name-too-long", with_layout("cover: {logo: assets/" + "a" * 300 + ".png}\n"),
          "layouts/l.yaml:1:15", "has a part of 304 bytes")
# texts the PDF sets in one piece, taller than a page: a heading, its line in the contents, a
# part title, a footnote, the cover's title and subtitle (with a layout's large sizes too)
fuzz_case("heading-taller-than-page", {"content/r/report.yaml": "title: a\nsections:\n  - title: " + "长" * 1500 + "\n"},
          "content/r/report.yaml:3:5", "this heading has 1,502 characters")
fuzz_case("heading-large-size-small-page", {**with_layout("page: {size: A5}\nsizes: {h1: 96}\n"),
                                            "content/r/report.yaml": "title: a\nlayout: l\nsections:\n  - title: " + "长" * 20 + "\n"},
          "content/r/report.yaml:4:5", "about 8 lines at 96 pt")
fuzz_case("part-title-taller-than-page", {"content/r/report.yaml": "title: a\nsections:\n  - title: " + "长" * 1500 + "\n    part: true\n"},
          "content/r/report.yaml:3:5", "this part title has 1,500 characters")
fuzz_case("footnote-taller-than-page", spec("      - \"x[^1]\n\n        [^1]: " + "长" * 6000 + "\"\n"),
          "content/r/report.yaml:5:9", "this footnote has 6,000 characters")
fuzz_case("cover-title-taller-than-cover", {"content/r/report.yaml": "title: " + "长" * 200 + "\nsections:\n  - title: b\n"},
          "content/r/report.yaml:1:8", "the report's title and subtitle take about")
# Word's document properties hold 255 characters
fuzz_case("title-longer-than-word-property", {"content/r/report.yaml": "title: " + "a" * 300 + "\nsections:\n  - title: b\n"},
          "content/r/report.yaml:1:8", "the report's title has 300 characters; Word's document properties hold at most 255")
fuzz_case("subtitle-longer-than-word-property", {"content/r/report.yaml": "title: a\nsubtitle: " + "a " * 150 + "\nsections:\n  - title: b\n"},
          "content/r/report.yaml:2:11", "the report's subtitle has 299 characters")
# every numeric setting of a chart has a range: a box too small for its labels, a `scale:` so
# large or small that labels cannot be printed (on the chart, per language, in a data unit)
fuzz_case("chart-box-too-flat", with_data("      - chart: {type: bar, data: d.m, width: 0.6, height: 0.2, y_label: 亿元}\n",
                                          "m: {a: 1, b: 2}\n"),
          "content/r/report.yaml:6:16", "this chart would be 282 × 56 pt, too small for its axes and labels")
fuzz_case("chart-box-small-for-large-text", {**with_layout("sizes: {small: 40}\n"),
                                             "content/r/report.yaml": HEAD.replace("sections:", "data: [d]\nlayout: l\nsections:")
                                             + "      - chart: {type: bar, data: d.m, width: 0.5, height: 1}\n",
                                             "content/data/d.yaml": "m: {a: 1, b: 2}\n"},
          "content/r/report.yaml:7:16", "each side needs 280 pt")
fuzz_case("chart-scale-huge", with_data("      - chart: {type: bar, data: d.m, scale: 1e300}\n", "m: {a: 1, b: 2}\n"),
          "content/r/report.yaml:6:46", "`scale` should be a number from 1e-06 to 1e+15")
fuzz_case("chart-scale-per-language-tiny", with_data("      - chart: {type: bar, data: d.m, scale: {zh: 1e-300}}\n",
                                                     "m: {a: 1, b: 2}\n"),
          "content/r/report.yaml:6:51", "`scale` should be a number from 1e-06 to 1e+15")
fuzz_case("data-unit-scale-nan", with_data("      - \"{{ d.m.a }}\"\n", "m: {unit: {scale: .nan}, a: 1}\n"),
          "content/data/d.yaml:1:19", "`scale` should be a number from 1e-12 to 1e15")
fuzz_case("data-unit-scale-tiny", with_data(CHART.format(type="bar", name="m"), "m: {unit: {scale: 1e-300}, a: 1.5, b: 2}\n"),
          "content/data/d.yaml:1:19", "`scale` should be a number from 1e-12 to 1e15")
fuzz_case("table-head-taller-than-page", spec("      - table:\n          columns: [" + "长" * 4000 + ", b]\n          rows: [[1, 2]]\n"),
          "content/r/report.yaml:6:11", "the table's header rows are about")
fuzz_case("merged-cell-taller-than-page", spec("      - table:\n          columns: [a, b]\n          rows:\n"
                                               "            - [{text: " + "长" * 6000 + ", rowspan: 2}, x]\n            - [y]\n"),
          "content/r/report.yaml:6:11", "a merged cell (rowspan 2) is about")
fuzz_case("figure-caption-taller-than-page", {**spec("      - figure: {image: assets/x.png, caption: " + "长" * 3000 + "}\n"),
                                              "assets/x.png": _image("PNG")},
          "content/r/report.yaml:5:17", "the caption, source and note under this figure are about")
