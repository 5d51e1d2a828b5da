"""Every diagnostic code: what it means and how to fix it (SARIF rules, ``docs/spec-format.md``).

Each entry: a one-line summary and the help text (what is wrong, what to do).
A code missing here (one added elsewhere and not yet described) still gets a
generic description, so that a SARIF rule is never empty.
"""

from __future__ import annotations

RULES: dict[str, tuple[str, str]] = {
    "file": ("The path cannot be read.", "The path is missing, a directory or unreadable. Check the path and its permissions."),
    "encoding": ("The file is not UTF-8 text.", "Save the spec as UTF-8 text; binary files are not specs."),
    "empty": ("The file is empty.", "Write a spec: an `input` and a `layers` list."),
    "yaml": ("The YAML does not parse.", "Fix the YAML syntax at the position shown (indentation, brackets, quotes)."),
    "yaml-tag": ("A YAML tag convcalc does not read.", "Remove the `!tag`: specs hold plain numbers, strings, lists and mappings."),
    "duplicate-key": ("A key is given twice in one mapping.", "Keep one of the two keys; YAML would silently keep the last."),
    "alias-bomb": ("YAML aliases expand too far.", "Write the repeated part out, or use `repeat:` or a block."),
    "too-deep": ("Nesting is too deep.", "Flatten the spec: composites and blocks nest at most a fixed number of levels."),
    "too-large": ("The document or a number is too large.", "Make the spec smaller, or the number smaller."),
    "format-version": ("Unknown spec format version.", "Write `convcalc: 1`, the format this convcalc reads."),
    "unknown-key": ("A key the entry does not take.", "Fix the spelling (the message suggests the nearest key) or remove the key."),
    "missing-key": ("A required key is missing.", "Add the key the message names, e.g. `conv: {filters: 64, kernel: 3}`."),
    "type": ("A value of the wrong type.", "Give the type the message names (booleans are not numbers)."),
    "value": ("A value out of range.", "Give a value in the range the message names."),
    "entry": ("An entry that is not one type with its args.", "Write an entry as `- TYPE` or `- TYPE: {ARGS}`, args indented under the type."),
    "unknown-type": ("No such layer type or block.", "Fix the spelling (the message suggests the nearest type) or define the block."),
    "kernel-size": ("The kernel is larger than the padded input.", "Pad more, use a smaller kernel, or check the input size and layout."),
    "output-size": ("The output size would be less than 1.", "Pad more or use a smaller stride or kernel."),
    "groups": ("Channels are not divisible by groups.", "Make the input and output channels multiples of `groups`."),
    "shape": ("Shapes that cannot be merged.", "Branches of a concat must agree in size, those of an add in shape."),
    "spatial": ("A spatial layer on a flat input.", "After flatten or fc, only fc, flatten, bn and shape-preserving layers apply."),
    "heads": ("Heads do not divide the width.", "Make the embedding width a multiple of the number of heads."),
    "window": ("A window does not divide the size.", "Make the spatial size a multiple of the window, or pad."),
    "reshape": ("A reshape to another number of elements.", "The target shape must hold as many elements as the input."),
    "token": ("`token` on a feature map.", "Take a token from a sequence, after flattening the map to tokens."),
    "duplicate-name": ("Two siblings share a name.", "Give each row in one list its own name."),
    "block-name": ("A bad block name.", "Name blocks with plain identifiers that are not layer types."),
    "block-param": ("A bad block parameter.", "Declare the parameter under the block's `params` and give it a value."),
    "block-cycle": ("A block uses itself.", "Break the cycle: a block may not use itself, directly or through others."),
    "expression": ("A `${...}` expression that cannot be evaluated.", "Use the block's parameters, integers and + − × // % ( )."),
    "too-many-rows": ("The spec expands to too many rows.", "Lower `repeat`, or raise the cap with `--max-rows`."),
    "reference": ("A name that is not visible from the entry.", "Refer to an earlier row by its name or path `a/b`."),
    "from": ("`from` gives the wrong number of tensors.", "Name as many tensors in `from` as the entry reads."),
    "share": ("Parameters shared across different layers.", "Share only with an earlier layer of the same type and parameter shapes."),
    "crop": ("A crop larger than its input.", "Crop to a size no larger than the input."),
    "inputs": ("A bad `input`/`inputs`.", "Write one input as `input`, several as `inputs: {name: shape}`."),
    "unsupported-op": (
        "`convcalc import`: an op with no layer type.",
        "The imported graph uses an operation convcalc has no layer type for; write that part of the spec by hand.",
    ),
    "import": (
        "`convcalc import`: a graph convcalc can't read.",
        "Dynamic sizes or computed weights can't be read; export the model with static shapes.",
    ),
    "export": ("`convcalc export --to torch`: a layer with no PyTorch module.", "Export a spec whose layers all map to PyTorch modules."),
    "internal": ("convcalc failed on this spec.", "Please report the spec as a bug; the other files keep their results."),
    "config": ("The configuration file is bad.", "Fix convcalc.toml or `[tool.convcalc]`: keys strict, ignore, select, budget."),
    "budget": ("A measured cost exceeds its budget.", "Make the network cheaper, or raise the budget in the spec, configuration or command line."),
    "unused": (
        "A row nothing reads.",
        "A row's output that no row reads and that is no network output is wasted work: "
        "read it, name it in `outputs`, or remove it.",
    ),
    "uneven-stride": (
        "The stride does not divide the padded input: the output is floored.",
        "(n + p_lo + p_hi − d(k − 1) − 1) is not a multiple of the stride, so the last positions are "
        "never read. A warning when input rows/columns are lost, a note when only padding is. The message "
        "lists the nearest paddings, strides and input sizes that fit exactly; silence a deliberate one "
        "with `ignore: [uneven-stride]` on the entry.",
    ),
    "pool-padding": ("Pool padding is more than half the kernel.", "PyTorch refuses this: pad at most kernel // 2."),
    "layout": (
        "The input list reads like channels last.",
        "A bare input list is channels first ([C, H, W]). If [224, 224, 3] means 224×224 with 3 channels, "
        "write `input: {shape: [224, 224, 3], layout: hwc}`; `layout: chw` keeps the channels-first reading.",
    ),
    "yaml-1.1": (
        "A value only YAML 1.1 reads this way.",
        "yes/no/on/off, 1_024 and 1:30 (base 60) are YAML 1.1 spellings that YAML 1.2 tools read differently; "
        "write true/false and plain integers.",
    ),
}


def describe(code: str) -> tuple[str, str]:
    """The summary and help of ``code`` (a generic pair for a code not described here)."""
    return RULES.get(
        code,
        (f"convcalc diagnostic {code}.", "See the message, and the codes table in docs/spec-format.md."),
    )
