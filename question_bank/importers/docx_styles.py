"""Word formatting reduced to what can flag a correct choice: marks, styles and list numbering.

A run's marks are a bit set (bold, underline, red, highlight). Word resolves them from the
document defaults, the paragraph style, the character style and the run itself, in that order;
`Styles` does the same so a "Strong" or red character style counts like direct formatting.
"""
from flask_babel import gettext as _, lazy_gettext as _l
from lxml import etree

from core.files import UnsafeFile

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

BOLD, UNDERLINE, RED, HIGHLIGHT = 1, 2, 4, 8
MARKS = (BOLD, UNDERLINE, RED, HIGHLIGHT)
# Shown in messages; lazy, so made str where used.
MARK_NAMES = {BOLD: _l("in đậm"), UNDERLINE: _l("gạch chân"), RED: _l("chữ đỏ"), HIGHLIGHT: _l("tô nền")}
HIDDEN = 16  # w:vanish: text Word does not show

_OFF = {"0", "false", "off"}
_NO_FILL = {"", "auto", "ffffff", "none"}
_MAX_STYLE_DEPTH = 20
_VAL, _HIGHLIGHT_TAG = W + "val", W + "highlight"
_RPR_KINDS = {
    W + "b": BOLD, W + "u": UNDERLINE, W + "color": RED, W + "vanish": HIDDEN,
    W + "highlight": HIGHLIGHT, W + "shd": HIGHLIGHT,
}
_DTD_REFUSED = _l("Tệp chứa khai báo XML không được phép (DOCTYPE/ENTITY); tệp bị từ chối.")


def parse_xml(data: bytes, name: str):
    """The root element of one package part, parsed without DTDs, entities or network."""
    if _declares_dtd(data):
        raise UnsafeFile(str(_DTD_REFUSED))
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
        remove_comments=True, remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise UnsafeFile(_("Tệp Word bị hỏng: phần %(part)s không phải XML hợp lệ.", part=name)) from exc
    if root is None:
        raise UnsafeFile(_("Tệp Word bị hỏng: phần %(part)s trống.", part=name))
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise UnsafeFile(str(_DTD_REFUSED))
    return root


def _declares_dtd(data: bytes) -> bool:
    """A DOCTYPE in a UTF-16 part, which a byte search for `<!DOCTYPE` does not see."""
    if b"\x00" not in data[:64]:
        return False
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"
    else:
        encoding = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
    head = data[:8192].decode(encoding, errors="ignore").upper()
    return "<!DOCTYPE" in head or "<!ENTITY" in head


def is_red(value: str | None) -> bool:
    """FF0000, C00000, E00000, C0504D…: a strong red component and little green or blue."""
    if not value or len(value) != 6:
        return False
    try:
        r, g, b = (int(value[i:i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return False
    return r >= 0x99 and g <= 0x55 and b <= 0x66 and r - max(g, b) >= 0x70


def is_filled(shd) -> bool:
    """A w:shd that paints a visible background."""
    if shd is None or (shd.get(W + "val") or "").lower() == "nil":
        return False
    if (shd.get(W + "fill") or "").lower() not in _NO_FILL:
        return True
    pattern = (shd.get(W + "val") or "clear").lower()
    return pattern not in ("clear", "nil") and (shd.get(W + "color") or "").lower() not in _NO_FILL


def run_props(rpr) -> tuple[int, int]:
    """(bits a w:rPr sets, their values); a bit it does not mention is inherited."""
    if rpr is None:
        return 0, 0
    bits = values = 0
    highlight = None
    for child in rpr:
        kind = _RPR_KINDS.get(child.tag)
        if kind is None:
            continue  # fonts, sizes, languages…
        if kind == HIGHLIGHT:
            if child.tag == _HIGHLIGHT_TAG:
                on = (child.get(_VAL) or "none").lower() not in ("none", "white")
            else:
                on = is_filled(child)
            highlight = on or bool(highlight)
            continue
        if kind == UNDERLINE:
            on = (child.get(_VAL) or "single").lower() != "none"
        elif kind == RED:
            on = is_red(child.get(_VAL))
        else:
            on = (child.get(_VAL) or "true").lower() not in _OFF
        bits |= kind
        values = (values & ~kind) | (kind if on else 0)
    if highlight is not None:
        bits |= HIGHLIGHT
        values |= HIGHLIGHT if highlight else 0
    return bits, values


def merge(base: tuple[int, int], over: tuple[int, int]) -> tuple[int, int]:
    return base[0] | over[0], (base[1] & ~over[0]) | (over[1] & over[0])


def num_pr(ppr) -> tuple[str | None, int | None]:
    """(numId, ilvl) of a w:pPr, either possibly missing."""
    numpr = ppr.find(W + "numPr") if ppr is not None else None
    if numpr is None:
        return None, None
    num_id = numpr.find(W + "numId")
    ilvl = numpr.find(W + "ilvl")
    level = None
    if ilvl is not None:
        try:
            level = max(0, min(int(ilvl.get(W + "val") or 0), 8))
        except ValueError:
            level = 0
    return (num_id.get(W + "val") if num_id is not None else None), level


class Styles:
    """Resolved run properties, shading and numbering of the styles in word/styles.xml."""

    def __init__(self, root):
        self._raw: dict[str, tuple] = {}
        self._resolved: dict[str, tuple] = {}
        self.defaults = (0, 0)
        self.default_paragraph: str | None = None
        if root is None:
            return
        rpr_default = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
        self.defaults = run_props(rpr_default)
        for style in root.iter(W + "style"):
            style_id = style.get(W + "styleId")
            if not style_id:
                continue
            based = style.find(W + "basedOn")
            ppr = style.find(W + "pPr")
            self._raw[style_id] = (
                based.get(W + "val") if based is not None else None,
                run_props(style.find(W + "rPr")),
                is_filled(ppr.find(W + "shd")) if ppr is not None else False,
                num_pr(ppr),
            )
            if style.get(W + "type") == "paragraph" and _toggle_attr(style.get(W + "default")):
                self.default_paragraph = style_id

    def resolve(self, style_id: str | None) -> tuple:
        """((bits, values), shaded, (numId, ilvl)) of a style with everything it is based on."""
        if not style_id or style_id not in self._raw:
            return (0, 0), False, (None, None)
        if style_id not in self._resolved:
            chain, current = [], style_id
            while current in self._raw and current not in chain and len(chain) < _MAX_STYLE_DEPTH:
                chain.append(current)
                current = self._raw[current][0]
            props, shaded, num = (0, 0), False, (None, None)
            for sid in reversed(chain):
                _based_on, own, own_shaded, own_num = self._raw[sid]
                props = merge(props, own)
                shaded = shaded or own_shaded
                num = (own_num[0] or num[0], own_num[1] if own_num[1] is not None else num[1])
            self._resolved[style_id] = (props, shaded, num)
        return self._resolved[style_id]


def _toggle_attr(value: str | None) -> bool:
    return (value or "0").lower() in ("1", "true", "on")


def _roman(number: int) -> str:
    out = []
    for value, digits in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        count, number = divmod(number, value)
        out.append(digits * count)
    return "".join(out)


def _letters(number: int) -> str:
    # Word repeats the letter past Z: AA, BB…
    number = max(number, 1)
    return chr(ord("A") + (number - 1) % 26) * ((number - 1) // 26 + 1)


_FORMATS = {
    "upperLetter": _letters,
    "lowerLetter": lambda n: _letters(n).lower(),
    "upperRoman": lambda n: _roman(n),
    "lowerRoman": lambda n: _roman(n).lower(),
}


class Numbering:
    """The text Word draws for numbered paragraphs (`Câu %1:`, `%1.` as A., B.…)."""

    def __init__(self, root):
        self._levels: dict[str, dict[int, tuple]] = {}
        self._nums: dict[str, tuple[str, dict[int, int]]] = {}
        self._counters: dict[str, dict[int, int]] = {}
        if root is None:
            return
        for abstract in root.iter(W + "abstractNum"):
            levels = {}
            for lvl in abstract.iter(W + "lvl"):
                levels[_int(lvl.get(W + "ilvl"), 0)] = _level(lvl)
            self._levels[abstract.get(W + "abstractNumId") or ""] = levels
        for num in root.iter(W + "num"):
            ref = num.find(W + "abstractNumId")
            starts = {}
            for override in num.iter(W + "lvlOverride"):
                start = override.find(W + "startOverride")
                if start is not None:
                    starts[_int(override.get(W + "ilvl"), 0)] = _int(start.get(W + "val"), 1)
            self._nums[num.get(W + "numId") or ""] = (
                ref.get(W + "val") if ref is not None else "", starts,
            )

    def label(self, num_id: str | None, ilvl: int | None) -> str:
        """Advances the list and returns its label with its suffix, or '' (bullets, none)."""
        if not num_id or num_id == "0" or num_id not in self._nums:
            return ""
        abstract, starts = self._nums[num_id]
        levels = self._levels.get(abstract, {})
        ilvl = ilvl or 0
        if ilvl not in levels:
            return ""
        counters = self._counters.setdefault(num_id, {})
        start = starts.get(ilvl, levels[ilvl][0])
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        _start, fmt, text, suffix = levels[ilvl]
        if fmt in ("bullet", "none") or not text:
            return ""
        for level in range(9):
            placeholder = f"%{level + 1}"
            if placeholder in text:
                value = counters.get(level, starts.get(level, levels.get(level, (1,))[0]))
                level_fmt = levels[level][1] if level in levels else "decimal"
                text = text.replace(placeholder, _FORMATS.get(level_fmt, str)(value))
        return text + suffix


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _level(lvl) -> tuple[int, str, str, str]:
    start = lvl.find(W + "start")
    fmt = lvl.find(W + "numFmt")
    text = lvl.find(W + "lvlText")
    suffix = lvl.find(W + "suff")
    suffix_value = (suffix.get(W + "val") if suffix is not None else "tab") or "tab"
    return (
        _int(start.get(W + "val") if start is not None else None, 1),
        (fmt.get(W + "val") if fmt is not None else "decimal") or "decimal",
        (text.get(W + "val") if text is not None else "") or "",
        {"tab": "\t", "space": " "}.get(suffix_value, ""),
    )
