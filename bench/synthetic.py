"""A synthetic report project for benchmarks: about 300 A4 pages at scale 1.

Scale 1 is 200 sections, 100 tables and 60 charts with Chinese and English text; scale N
repeats that N times. The same content is also written as Markdown, for pandoc.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ZH = ("中国医疗大模型行业已从单模态文本处理迈向多模态临床智能协同阶段，通过算法创新与合规体系建设，"
      "实现从通用模型能力迁移到医疗专用场景深度赋能的转型。当前行业已形成“算力筑基—模型攻坚—应用引领”的"
      "全链条发展体系，覆盖基础设施、技术研发、产品落地与生态运营的完整产业框架。")
EN = ("Artificial intelligence is transforming biomedical research and clinical practice at a remarkable "
      "pace, making strategic clarity essential for leaders across healthcare systems, life sciences and "
      "public health organisations. Advances in algorithms, compute and data integration have moved "
      "experimental techniques into regulated settings.")


def make(project: Path, scale: int = 1, seed: int = 7) -> Path:
    """Write the synthetic project (spec, data, layout) under `project`; return its report folder."""
    rng = random.Random(seed)
    report = project / "content" / "synthetic"
    (report).mkdir(parents=True, exist_ok=True)
    (project / "content" / "data").mkdir(parents=True, exist_ok=True)
    layouts = Path(__file__).resolve().parents[1] / "layouts"
    (project / "layouts").mkdir(exist_ok=True)
    for layout in layouts.glob("*.yaml"):
        (project / "layouts" / layout.name).write_text(layout.read_text(encoding="utf-8"), encoding="utf-8")
    data = ["series:"]
    for i in range(60 * scale):
        data.append(f"  s{i}:")
        for year in range(2018, 2026):
            data.append(f"    {year}: {rng.uniform(10, 500):.1f}")
    (project / "content" / "data" / "bench.yaml").write_text("\n".join(data) + "\n", encoding="utf-8")
    spec = ["title: 基准测试报告 Benchmark report", "data: [bench]", "sections:"]
    markdown = ["# 基准测试报告 Benchmark report", ""]
    tables = charts = 0
    for chapter in range(20 * scale):
        spec += [f"  - title: 第 {chapter + 1} 章 Chapter {chapter + 1}", f"    id: c{chapter}", "    sections:"]
        markdown += [f"# 第 {chapter + 1} 章 Chapter {chapter + 1}", ""]
        for section in range(10):
            spec += [f"      - title: 小节 {section + 1} Section {section + 1}", f"        id: c{chapter}s{section}",
                     "        blocks:"]
            markdown += [f"## 小节 {section + 1} Section {section + 1}", ""]
            for p in range(4):
                text = ZH * 2 if (section + p) % 2 == 0 else EN * 2
                spec.append(f"          - \"{text}\"")
                markdown += [text, ""]
            if section % 2 == 0:
                tables += 1
                spec += ["          - table:", f"              caption: 表格 {tables} Table {tables}",
                         "              columns: [指标 Metric, 2024, 2025, 变化 Change]", "              rows:"]
                markdown += ["| 指标 Metric | 2024 | 2025 | 变化 Change |", "|---|--:|--:|--:|"]
                for r in range(12):
                    a, b = rng.uniform(1, 999), rng.uniform(1, 999)
                    spec.append(f"                - [指标 {r} item, \"{a:.1f}\", \"{b:.1f}\", \"{(b / a - 1):.1%}\"]")
                    markdown.append(f"| 指标 {r} item | {a:.1f} | {b:.1f} | {(b / a - 1):.1%} |")
                markdown.append("")
            if section in (1, 4, 7):
                spec += ["          - chart:", f"              type: {('bar', 'line', 'bar_line')[charts % 3]}",
                         f"              caption: 图表 {charts + 1}", f"              data: bench.series.s{charts}",
                         "              height: 0.45"]
                charts += 1
    (report / "report.yaml").write_text("\n".join(spec) + "\n", encoding="utf-8")
    (project / "synthetic.md").write_text("\n".join(markdown) + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    make(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1)
