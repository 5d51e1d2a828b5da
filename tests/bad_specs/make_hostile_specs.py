"""Write the corpus files that are easier to generate than to type.

Run from anywhere: ``python tests/bad_specs/make_hostile_specs.py``. The
files it writes are committed; this script only documents how they were
made (and regenerates them byte for byte).
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

# The first bytes of a PNG (signature + IHDR chunk of a 1×1 image) and some
# pixel-ish noise: the NUL bytes make it a binary file.
PNG = (
    b"\x89PNG\r\n\x1a\n"
    b"\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def billion_laughs(levels: int = 9, fanout: int = 10) -> str:
    """The classic: 10⁹ copies of one string through nine levels of aliases."""
    lines = ["# Billion laughs: nine levels of ten aliases each.", 'lol0: &l0 ["lol"]']
    for i in range(1, levels + 1):
        lines.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * fanout) + "]")
    return "\n".join(lines) + "\ninput: {channels: 3, size: 32}\nlayers: [relu]\n"


def deep_yaml_sequences(levels: int = 80) -> str:
    """``sequence`` inside ``sequence`` in block style, 80 levels: YAML nesting far past 200."""
    lines = ["# 80 nested sequences, written out in block style.", "input: {channels: 3, size: 32}", "layers:"]
    indent = "  "
    for _ in range(levels):
        lines.append(f"{indent}- sequence:")
        lines.append(f"{indent}    layers:")
        indent += "      "
    lines.append(f"{indent}- relu")
    return "\n".join(lines) + "\n"


def deep_block_uses(levels: int = 70) -> str:
    """Blocks that use the next block, 70 deep: flat YAML, composite nesting past 64."""
    lines = [
        f"# {levels} blocks, each using the next: nesting past the limit of 64.",
        "input: {channels: 3, size: 32}",
        "blocks:",
    ]
    for i in range(levels):
        inner = f"level{i + 1}" if i + 1 < levels else "relu"
        lines += [f"  level{i}:", f"    layers: [{inner}]"]
    lines += ["layers:", "  - level0"]
    return "\n".join(lines) + "\n"


def long_block_chain(levels: int = 3000) -> str:
    """3,000 blocks in a chain, the last using the first: a cycle found without recursion limits."""
    lines = [f"# {levels} blocks in a chain; the last uses the first.", "input: {channels: 3, size: 32}", "blocks:"]
    for i in range(levels):
        inner = f"b{(i + 1) % levels}"
        lines += [f"  b{i}:", f"    layers: [{inner}]"]
    lines += ["layers:", "  - b0"]
    return "\n".join(lines) + "\n"


def long_unused_block_chain(levels: int = 3000) -> str:
    """3,000 blocks in a chain without a cycle; only the last (a plain relu) is used, then a conv that does not fit."""
    lines = [
        f"# {levels} blocks, each using the next; the spec uses only the last one.",
        "input: {channels: 3, size: 32}",
        "blocks:",
    ]
    for i in range(levels):
        inner = f"b{i + 1}" if i + 1 < levels else "relu"
        lines += [f"  b{i}:", f"    layers: [{inner}]"]
    lines += ["layers:", f"  - b{levels - 1}", "  - conv: {filters: 8, kernel: 64}"]
    return "\n".join(lines) + "\n"


def layers_without_header(entries: int = 60) -> str:
    """Only the ``layers:`` list, pasted without its header: the whole document is a long list."""
    lines = ["# Only the layer list was pasted; the input and layers keys are missing."]
    for i in range(entries // 2):
        lines += [f"- conv: {{filters: {16 * (i % 8 + 1)}, kernel: 3, padding: 1}}", "- relu"]
    return "\n".join(lines) + "\n"


def nul_after_8k(comment_lines: int = 200) -> bytes:
    """A NUL byte past the first 8 KB, where a quick binary sniff does not look."""
    lines = ["# A NUL byte hides after 10 KB of comments.", "input: {channels: 3, size: 32}", "layers: [relu]"]
    lines += [f"# {'padding ' * 6}{i:04d}" for i in range(comment_lines)]
    return ("\n".join(lines) + '\nname: "a\x00b"\n').encode()


def block_fanout_bomb(levels: int = 7, fanout: int = 10) -> str:
    """Billion laughs with blocks: each block uses the next ten times, written out (no repeat): 10^7 rows."""
    lines = [
        f"# {levels} levels of blocks, each using the next {fanout} times: {fanout}^{levels} rows.",
        "input: {channels: 3, size: 32}",
        "blocks:",
    ]
    for i in range(levels):
        inner = f"l{i + 1}" if i + 1 < levels else "relu"
        lines += [f"  l{i}:", "    layers: [" + ", ".join([inner] * fanout) + "]"]
    lines += ["layers:", "  - l0"]
    return "\n".join(lines) + "\n"


FILES: dict[str, bytes] = {
    "09-binary-png.yaml": PNG,
    "11-billion-laughs.yaml": billion_laughs().encode(),
    "36-deep-yaml-nesting.yaml": deep_yaml_sequences().encode(),
    "37-deep-block-nesting.yaml": deep_block_uses().encode(),
    "81-long-block-cycle.yaml": long_block_chain().encode(),
    "82-long-block-chain.yaml": long_unused_block_chain().encode(),
    "83-spec-is-a-long-list.yaml": layers_without_header().encode(),
    "85-nul-after-8k.yaml": nul_after_8k(),
    "87-block-fanout-bomb.yaml": block_fanout_bomb().encode(),
}


def main() -> None:
    for name, content in FILES.items():
        (HERE / name).write_bytes(content)
        print(f"wrote {name} ({len(content):,} bytes)")


if __name__ == "__main__":
    main()
