"""TLA+ source to the engine's syntax tree, via tree-sitter-tlaplus: the one module that
knows the grammar.

The grammar is permissive where SANY (TLC's parser) is strict: it parses every infix operator
as left-associative at one precedence level, so ``a /\\ b \\/ c`` and ``a = b = c`` parse.
After conversion this module applies SANY's rule (an operator's precedence is a *range*; two
operators whose ranges overlap need parentheses unless they are the same left-associative
operator) and reports such expressions as parse errors, as SANY does.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from sys import intern

from conformance.tla import syntax as S
from conformance.tla.errors import ParseError, SemanticError

# --------------------------------------------------------------------------- operator names

# tree-sitter node type -> the operator's canonical name (SANY's spelling of synonyms)
INFIX = {
    "implies": "=>", "plus_arrow": "-+->", "equiv": "\\equiv", "iff": "\\equiv",
    "leads_to": "~>", "land": "\\land", "lor": "\\lor", "assign": ":=", "bnf_rule": "::=",
    "eq": "=", "neq": "/=", "lt": "<", "gt": ">", "leq": "\\leq", "geq": "\\geq",
    "approx": "\\approx", "rs_ttile": "|-", "rd_ttile": "|=", "ls_ttile": "-|",
    "ld_ttile": "=|", "asymp": "\\asymp", "cong": "\\cong", "doteq": "\\doteq", "gg": "\\gg",
    "ll": "\\ll", "in": "\\in", "notin": "\\notin", "prec": "\\prec", "succ": "\\succ",
    "preceq": "\\preceq", "succeq": "\\succeq", "propto": "\\propto", "sim": "\\sim",
    "simeq": "\\simeq", "sqsubset": "\\sqsubset", "sqsupset": "\\sqsupset",
    "sqsubseteq": "\\sqsubseteq", "sqsupseteq": "\\sqsupseteq", "subset": "\\subset",
    "supset": "\\supset", "subseteq": "\\subseteq", "supseteq": "\\supseteq",
    "compose": "@@", "map_to": ":>", "map_from": "<:", "setminus": "\\", "cap": "\\cap",
    "cup": "\\cup", "dots_2": "..", "dots_3": "...", "plus": "+", "plusplus": "++",
    "oplus": "\\oplus", "ominus": "\\ominus", "mod": "%", "modmod": "%%", "vert": "|",
    "vertvert": "||", "minus": "-", "minusminus": "--", "amp": "&", "ampamp": "&&",
    "odot": "\\odot", "oslash": "\\oslash", "otimes": "\\otimes", "mul": "*", "mulmul": "**",
    "slash": "/", "slashslash": "//", "bigcirc": "\\bigcirc", "bullet": "\\bullet",
    "div": "\\div", "circ": "\\o", "star": "\\star", "excl": "!!", "hashhash": "##",
    "dol": "$", "doldol": "$$", "qq": "??", "sqcap": "\\sqcap", "sqcup": "\\sqcup",
    "uplus": "\\uplus", "times": "\\X", "wr": "\\wr", "cdot": "\\cdot", "pow": "^",
    "powpow": "^^",
}
PREFIX = {
    "lnot": "\\lnot", "union": "UNION", "powerset": "SUBSET", "domain": "DOMAIN",
    "negative": "-.", "enabled": "ENABLED", "unchanged": "UNCHANGED", "always": "[]",
    "eventually": "<>",
}
POSTFIX = {"sup_plus": "^+", "asterisk": "^*", "sup_hash": "^#", "prime": "'"}

# SANY's precedence ranges and associativity (Specifying Systems, p. 271)
_L, _N = "left", "none"
PRECEDENCE: dict[str, tuple[int, int, str]] = {
    "=>": (1, 1, _N), "-+->": (2, 2, _N), "\\equiv": (2, 2, _N), "~>": (2, 2, _N),
    "\\land": (3, 3, _L), "\\lor": (3, 3, _L),
    "\\lnot": (4, 4, _L), "[]": (4, 15, _N), "<>": (4, 15, _N), "ENABLED": (4, 15, _N),
    "UNCHANGED": (4, 15, _N),
    "\\cdot": (5, 14, _L), "@@": (6, 6, _L), ":>": (7, 7, _N), "<:": (7, 7, _N),
    "\\": (8, 8, _N), "\\cap": (8, 8, _L), "\\cup": (8, 8, _L),
    "..": (9, 9, _N), "...": (9, 9, _N), "!!": (9, 13, _N), "##": (9, 13, _L),
    "$": (9, 13, _L), "$$": (9, 13, _L), "??": (9, 13, _L), "\\sqcap": (9, 13, _L),
    "\\sqcup": (9, 13, _L), "\\uplus": (9, 13, _L), "\\wr": (9, 14, _N),
    "+": (10, 10, _L), "++": (10, 10, _L), "\\oplus": (10, 10, _L),
    "%%": (10, 11, _L), "%": (10, 11, _N), "|": (10, 11, _L), "||": (10, 11, _L),
    "\\X": (10, 13, _L), "SUBSET": (10, 13, _N), "UNION": (10, 13, _N), "DOMAIN": (10, 13, _N),
    "-": (11, 11, _L), "--": (11, 11, _L), "\\ominus": (11, 11, _L),
    "-.": (12, 12, _N),
    "&": (13, 13, _L), "&&": (13, 13, _L), "*": (13, 13, _L), "**": (13, 13, _L),
    "/": (13, 13, _N), "//": (13, 13, _N), "\\div": (13, 13, _N), "\\odot": (13, 13, _L),
    "\\oslash": (13, 13, _N), "\\otimes": (13, 13, _L), "\\star": (13, 13, _L),
    "\\o": (13, 13, _L), "\\bigcirc": (13, 13, _L), "\\bullet": (13, 13, _L),
    "^": (14, 14, _N), "^^": (14, 14, _N),
}
for _rel in ("=", "/=", "<", ">", "\\leq", "\\geq", "\\in", "\\notin", "\\subseteq",
             "\\subset", "\\supset", "\\supseteq", "\\prec", "\\succ", "\\preceq", "\\succeq",
             "\\sim", "\\simeq", "\\ll", "\\gg", "\\asymp", "\\approx", "\\cong",
             "\\sqsubset", "\\sqsubseteq", "\\sqsupset", "\\sqsupseteq", "\\doteq",
             "\\propto", "|-", "|=", "-|", "=|", ":=", "::="):
    PRECEDENCE[_rel] = (5, 5, _N)

_MODULE_HEADER = re.compile(rb"-{4,}\s*MODULE\b")
_KEYWORD_LIKE = re.compile(r"[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*\Z")
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r", "f": "\f"}


@lru_cache(maxsize=1)
def _parser():
    import warnings

    import tree_sitter
    import tree_sitter_tlaplus

    with warnings.catch_warnings():  # the binding hands over its language as an int
        warnings.simplefilter("ignore", DeprecationWarning)
        return tree_sitter.Parser(tree_sitter.Language(tree_sitter_tlaplus.language()))


def parse_file(path: str | Path) -> list[S.Module]:
    """Every module in a .tla file (usually one), in order."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ParseError(f"cannot read {path}: {e.strerror}", file=str(path))
    return parse_text(data, str(path))


def parse_text(text: str | bytes, file: str = "<text>") -> list[S.Module]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    if b"\t" in data:
        data = expand_tabs(data)
    tree = _parser().parse(data)
    root = tree.root_node
    if root.has_error and (b"--algorithm" in data or b"--fair" in data):
        # tree-sitter parses a PlusCal algorithm inside a comment and may fail on it where
        # SANY skips the comment: parse again with such comments blanked out
        blanked = blank_algorithms(data)
        if blanked != data:
            retry = _parser().parse(blanked)
            if not retry.root_node.has_error:
                data, tree, root = blanked, retry, retry.root_node
    conv = _Converter(data, file)
    if not _MODULE_HEADER.search(data):
        raise ParseError(f"{file}: no module found (expected ---- MODULE Name ---- ... ====)",
                         file=file)
    if root.has_error:
        conv.report_syntax_error(root)
    modules = [conv.module(c) for c in _kids(root) if c.type == "module"]
    if not modules:
        raise ParseError(f"{file}: no module found (expected ---- MODULE Name ---- ... ====)",
                         file=file)
    return modules


def blank_algorithms(data: bytes) -> bytes:
    """The text with every block comment that holds a PlusCal algorithm turned into spaces
    (line breaks kept, so positions do not move): SANY never reads comments."""
    out = bytearray(data)
    i, n = 0, len(data)
    while i < n:
        if data.startswith(b"(*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if data.startswith(b"(*", j):
                    depth, j = depth + 1, j + 2
                elif data.startswith(b"*)", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            body = data[i:j]
            if b"--algorithm" in body or b"--fair" in body:
                for k in range(i + 2, j - 2):
                    if out[k] not in (10, 13):
                        out[k] = 32
            i = j
        elif data.startswith(b"\\*", i):
            j = data.find(b"\n", i)
            i = n if j < 0 else j
        elif data[i:i + 1] == b'"':
            j = i + 1
            while j < n and data[j:j + 1] not in (b'"', b"\n"):
                j += 2 if data[j:j + 1] == b"\\" else 1
            i = j + 1
        else:
            i += 1
    return bytes(out)


def expand_tabs(data: bytes) -> bytes:
    """Tabs outside strings as SANY reads them: to the next multiple of 8 columns (its
    lexer's tab stops). The alignment of bulleted /\\ and \\/ lists depends on it: a
    continuation line indented with tabs lies to the right of its bullet only so."""
    out = []
    for line in data.split(b"\n"):
        if b"\t" not in line:
            out.append(line)
            continue
        cells, col, in_string, i = [], 0, False, 0
        while i < len(line):
            c = line[i:i + 1]
            if c == b'"' and (i == 0 or line[i - 1:i] != b"\\"):
                in_string = not in_string
            if c == b"\t" and not in_string:
                pad = 8 - col % 8
                cells.append(b" " * pad)
                col += pad
            else:
                cells.append(c)
                col += 1
            i += 1
        out.append(b"".join(cells))
    return b"\n".join(out)


class _Converter:
    """Walks tree-sitter nodes of one file and builds :mod:`syntax` nodes."""

    def __init__(self, data: bytes, file: str) -> None:
        self.data = data
        self.file = file
        self.lines = data.split(b"\n")
        self.module_name = Path(file).stem

    # ------------------------------------------------------------------ positions

    def _col(self, row: int, bytecol: int) -> int:
        line = self.lines[row] if row < len(self.lines) else b""
        if line.isascii():
            return bytecol + 1
        return len(line[:bytecol].decode("utf-8", errors="replace")) + 1

    def loc(self, n) -> S.Loc:
        (r1, c1), (r2, c2) = n.start_point, _end(n)
        return S.Loc(self.module_name, r1 + 1, self._col(r1, c1), r2 + 1,
                     max(self._col(r2, c2) - 1, 1))

    def text(self, n) -> str:
        return intern(self.data[n.start_byte:n.end_byte].decode("utf-8", errors="replace"))

    def error(self, message: str, n) -> ParseError:
        return ParseError(message, self.loc(n), file=self.file)

    # ------------------------------------------------------------------ syntax errors

    def report_syntax_error(self, root) -> None:
        missing, errors = [], []
        stack = [(root, 0)]
        while stack:
            n, depth = stack.pop()
            if n.is_missing:
                missing.append(n)
            elif n.is_error:
                errors.append((depth, n))
            stack.extend((c, depth + 1) for c in reversed(n.children))
        if missing:
            n = min(missing, key=lambda m: m.start_byte)
            raise self.error(f"Parse error: missing {n.type!r} at line "
                             f"{n.start_point[0] + 1}, column {self._col(*n.start_point)}", n)
        nested = [n for depth, n in errors if n.parent is not None and n.parent.type not in
                  ("source_file",) and not (n.parent.is_error and n.parent.parent is None)]
        if nested:
            n = max(nested, key=lambda e: (_depth(e), -e.start_byte))
            tok = _first_leaf(n)
        else:
            n = errors[0][1]
            tok = self._end_of_module_inside(n) or _first_leaf(_first_broken_child(n))
        where = f"line {tok.start_point[0] + 1}, column {self._col(*tok.start_point)}"
        text = self.text(tok)
        line = self.lines[tok.start_point[0]]
        if tok.start_point[1] == 0 and line.startswith(b"===="):
            text = line.strip().decode("utf-8", errors="replace")
        raise ParseError(f'Parse error: encountered "{text}" at {where}',
                         self.loc(tok), file=self.file)

    def _end_of_module_inside(self, err):
        """A ``====`` line inside an error: the unit before it was left incomplete."""
        for leaf in _leaves(err):
            if leaf.start_point[1] == 0 and self.text(leaf).startswith("="):
                line = self.lines[leaf.start_point[0]]
                if line.startswith(b"====") and leaf.start_byte > err.start_byte:
                    return leaf
        return None

    # ------------------------------------------------------------------ modules

    def module(self, n) -> S.Module:
        name_node = n.child_by_field_name("name")
        name = self.text(name_node)
        saved, self.module_name = self.module_name, name
        extends: list[tuple[str, S.Loc]] = []
        units: list = []
        for c in _kids(n):
            t = c.type
            if t == "extends":
                extends.extend((self.text(r), self.loc(r)) for r in _kids(c))
            elif t in ("header_line", "identifier", "double_line", "single_line",
                       "comment", "block_comment"):
                continue
            else:
                units.extend(self.unit(c))
        idents, strings = self._tokens(n)
        mod = S.Module(self.loc(n), name, tuple(extends), tuple(units), self.file,
                       tuple(idents), tuple(strings))
        self.module_name = saved
        return mod

    def _tokens(self, n) -> tuple[list[str], list[str]]:
        """Identifier-like tokens and string literals, in source order (submodules too)."""
        idents: list[str] = []
        strings: list[str] = []
        stack = [n]
        while stack:
            x = stack.pop()
            t = x.type
            if t in ("comment", "block_comment"):
                continue
            if t == "string":
                strings.append(self.string_value(x))
                continue
            if x.child_count == 0:
                text = self.text(x)
                if _KEYWORD_LIKE.match(text):
                    idents.append(text)
                continue
            stack.extend(reversed(x.children))
        return idents, strings

    def unit(self, n) -> list:
        t = n.type
        if t == "variable_declaration":
            return [S.VarDecl(self.loc(c), self.text(c)) for c in _kids(n)
                    if c.type == "identifier"]
        if t == "constant_declaration":
            out: list[S.ConstDecl | S.RecursiveDecl] = []
            for c in _kids(n):
                if c.type == "identifier":
                    out.append(S.ConstDecl(self.loc(c), self.text(c), 0))
                elif c.type == "operator_declaration":
                    name, arity = self.op_declaration(c)
                    out.append(S.ConstDecl(self.loc(c), name, arity))
            return out
        if t == "recursive_declaration":
            out = []
            for c in _kids(n):
                if c.type == "identifier":
                    out.append(S.RecursiveDecl(self.loc(c), self.text(c), 0))
                elif c.type == "operator_declaration":
                    name, arity = self.op_declaration(c)
                    out.append(S.RecursiveDecl(self.loc(c), name, arity))
            return out
        if t == "local_definition":
            (inner,) = [c for c in _kids(n)]
            return [self.definition(inner, local=True)]
        if t in ("operator_definition", "function_definition", "instance",
                 "module_definition"):
            return [self.definition(n, local=False)]
        if t == "assumption":
            name_node = n.child_by_field_name("name")
            expr_node = _kids(n)[-1]
            return [S.Assume(self.loc(n), self.text(name_node) if name_node else None,
                             self.expr(expr_node), self.text(n).startswith("AXIOM"))]
        if t == "module":
            return [self.module(n)]
        if t == "theorem":
            self.hide_facts(n)
            # a named theorem is also a definition of its statement (THEOREM T == P)
            name_node = n.child_by_field_name("name")
            stmt = n.child_by_field_name("statement")
            if name_node is not None and stmt is not None and stmt.type != "assume_prove":
                try:
                    body = self.expr(stmt)
                except ParseError:
                    return []
                return [S.OpDef(self.loc(n), self.text(name_node), (), body)]
            return []
        if t == "use_or_hide":
            self.hide_facts(n)
            return []
        if t in ("single_line", "comment", "block_comment"):
            return []
        raise self.error(f"unexpected {t} at module level", n)

    def hide_facts(self, n) -> None:
        """SANY's check on HIDE (UseOrHideNode.factCheck): USE may name any expression as
        a fact, HIDE only a theorem, an assumption, a step or a module. An expression that
        is no name at all (``HIDE TRUE``) is SANY's semantic error; names are left alone."""
        names = ("identifier_ref", "proof_step_ref", "subexpression", "prefixed_op")
        stack = [n]
        while stack:
            m = stack.pop()
            if m.type == "use_or_hide":
                if self.text(m).lstrip().startswith("HIDE"):
                    facts = [e for body in _kids(m) for b in _kids(body)
                             if b.type == "use_body_expr" for e in _kids(b)]
                    for expr in facts:
                        if expr.type not in names:
                            raise SemanticError(
                                "The only expression allowed as a fact in a HIDE is the "
                                "name of a theorem, assumption, or step.", self.loc(expr),
                                file=self.file)
                continue
            stack.extend(_kids(m))

    def op_declaration(self, n) -> tuple[str, int]:
        name_node = n.child_by_field_name("name")
        if name_node.type == "identifier":
            return self.text(name_node), sum(1 for c in _kids(n)
                                             if c.type == "placeholder")
        return self.op_symbol(name_node), {"prefix_op_symbol": 1, "infix_op_symbol": 2,
                                           "postfix_op_symbol": 1}[name_node.type]

    def op_symbol(self, n) -> str:
        """The canonical name of a prefix_/infix_/postfix_op_symbol node."""
        (inner,) = _kids(n)
        table = {"prefix_op_symbol": PREFIX, "infix_op_symbol": INFIX,
                 "postfix_op_symbol": POSTFIX}[n.type]
        return table[inner.type]

    def params(self, n) -> tuple[S.Param, ...]:
        out = []
        for c in n.children_by_field_name("parameter"):
            if c.type == "identifier":
                out.append(S.Param(self.loc(c), self.text(c), 0))
            elif c.type == "operator_declaration":
                name, arity = self.op_declaration(c)
                out.append(S.Param(self.loc(c), name, arity))
        return tuple(out)

    def definition(self, n, local: bool):
        t = n.type
        if t == "operator_definition":
            name_node = n.child_by_field_name("name")
            body = self.expr(n.child_by_field_name("definition"))
            if name_node.type in ("identifier", "nat_number_set", "int_number_set",
                                  "real_number_set"):
                name = self.text(name_node)
                params = self.params(n)
            else:
                name = self.op_symbol(name_node)
                params = tuple(S.Param(self.loc(c), self.text(c), 0)
                               for c in n.children_by_field_name("parameter"))
            return S.OpDef(self.loc(n), name, params, body, local)
        if t == "function_definition":
            name = self.text(n.child_by_field_name("name"))
            bounds = tuple(self.bound(c) for c in _kids(n)
                           if c.type == "quantifier_bound")
            body = self.expr(n.child_by_field_name("definition"))
            return S.OpDef(self.loc(n), name, (), S.FnCons(self.loc(n), bounds, body, name),
                           local)
        if t == "instance":
            return self.instance(n, None, (), local)
        if t == "module_definition":
            name = self.text(n.child_by_field_name("name"))
            inst = n.child_by_field_name("definition")
            return self.instance(inst, name, self.params(n), local, self.loc(n))
        raise self.error(f"unexpected {t} in a definition", n)

    def instance(self, n, name, params, local, loc=None) -> S.InstanceDef:
        module = self.text(_kids(n)[0])
        substs = []
        for c in _kids(n)[1:]:
            if c.type != "substitution":
                continue
            target, _gets, value = _kids(c)
            tname = self.text(target) if target.type == "identifier_ref" else \
                self.op_symbol(target)
            substs.append((tname, self.op_or_expr(value)))
        return S.InstanceDef(loc or self.loc(n), name, params, module, tuple(substs), local)

    # ------------------------------------------------------------------ expressions

    def op_or_expr(self, n):
        t = n.type
        if t in ("prefix_op_symbol", "infix_op_symbol", "postfix_op_symbol"):
            return S.OpRef(self.loc(n), self.op_symbol(n))
        if t == "lambda":
            ids = tuple(self.text(c) for c in _kids(n) if c.type == "identifier")
            return S.Lambda(self.loc(n), ids, self.expr(_kids(n)[-1]))
        return self.expr(n)

    def bound(self, n) -> S.Bound:
        intro = n.children_by_field_name("intro")
        names = []
        is_tuple = False
        for c in intro:
            if c.type == "identifier":
                names.append(self.text(c))
            elif c.type == "tuple_of_identifiers":
                is_tuple = True
                names.extend(self.text(i) for i in _kids(c) if i.type == "identifier")
        return S.Bound(self.loc(n), tuple(names), is_tuple,
                       self.expr(n.child_by_field_name("set")))

    def string_value(self, n) -> str:
        raw = self.text(n)[1:-1]
        if "\\" not in raw:
            return intern(raw)
        out, i = [], 0
        while i < len(raw):
            ch = raw[i]
            if ch == "\\" and i + 1 < len(raw):
                out.append(_ESCAPES.get(raw[i + 1], raw[i + 1]))
                i += 2
            else:
                out.append(ch)
                i += 1
        return intern("".join(out))

    def exprs(self, nodes) -> tuple:
        return tuple(self.expr(c) for c in nodes)

    def expr(self, n):
        method = getattr(self, "x_" + n.type, None)
        if method is None:
            raise self.error(f"unexpected {n.type} in an expression", n)
        return method(n)

    def x_parentheses(self, n):
        return self.expr(_kids(n)[0])

    def x_nat_number(self, n):
        return S.Num(self.loc(n), int(self.text(n)))

    def _radix(self, n, base):
        return S.Num(self.loc(n), int(self.text(_kids(n)[1]), base))

    def x_binary_number(self, n):
        return self._radix(n, 2)

    def x_octal_number(self, n):
        return self._radix(n, 8)

    def x_hex_number(self, n):
        return self._radix(n, 16)

    def x_real_number(self, n):
        return S.Decimal(self.loc(n), self.text(n))

    def x_string(self, n):
        return S.Str(self.loc(n), self.string_value(n))

    def x_boolean(self, n):
        return S.Bool(self.loc(n), self.text(n) == "TRUE")

    def x_string_set(self, n):
        return S.Name(self.loc(n), "STRING")

    def x_boolean_set(self, n):
        return S.Name(self.loc(n), "BOOLEAN")

    def x_nat_number_set(self, n):
        return S.Name(self.loc(n), "Nat")

    def x_int_number_set(self, n):
        return S.Name(self.loc(n), "Int")

    def x_real_number_set(self, n):
        return S.Name(self.loc(n), "Real")

    def x_identifier_ref(self, n):
        return S.Name(self.loc(n), self.text(n))

    def x_bound_op(self, n):
        name = self.text(n.child_by_field_name("name"))
        args = tuple(self.op_or_expr(c) for c in n.children_by_field_name("parameter")
                     if c.is_named)
        return S.Name(self.loc(n), name, args)

    def x_bound_nonfix_op(self, n):
        sym = n.child_by_field_name("symbol")
        args = tuple(self.expr(c) for c in _kids(n) if c is not sym
                     and c.type not in ("prefix_op_symbol", "infix_op_symbol",
                                        "postfix_op_symbol"))
        name = self.op_symbol(sym)
        if name == "'":
            return S.Prime(self.loc(n), args[0])
        return S.Name(self.loc(n), name, args)

    def x_prefixed_op(self, n):
        prefix = []
        for c in _kids(n.child_by_field_name("prefix")):
            if c.type == "subexpr_component":
                (inner,) = _kids(c)
                if inner.type == "identifier_ref":
                    prefix.append((self.text(inner), ()))
                elif inner.type == "bound_op":
                    call = self.x_bound_op(inner)
                    prefix.append((call.name, call.args))
                else:
                    return S.Unsupported(self.loc(n), "subexpression names (Op!+!1)")
            else:
                return S.Unsupported(self.loc(n), "subexpression names (Op!1)")
        op = n.child_by_field_name("op")
        if op.type == "bound_op":
            call = self.x_bound_op(op)
            return S.Name(self.loc(n), call.name, call.args, tuple(prefix))
        if op.type == "bound_nonfix_op":
            call = self.x_bound_nonfix_op(op)
            return S.Name(self.loc(n), call.name, call.args, tuple(prefix))
        target = self.expr(op)
        return S.Name(self.loc(n), target.name, (), tuple(prefix))

    def x_subexpression(self, n):
        prefix_node, nav = _kids(n)
        comps, path = [], []
        for c in _kids(prefix_node) + [nav]:
            if c.type == "subexpr_component":
                if path:
                    return S.Unsupported(self.loc(n), "subexpression names after a selector")
                (inner,) = _kids(c)
                if inner.type == "identifier_ref":
                    comps.append((self.text(inner), ()))
                elif inner.type == "bound_op":
                    call = self.x_bound_op(inner)
                    comps.append((call.name, call.args))
                else:
                    return S.Unsupported(self.loc(n), "subexpression names of operators")
            elif c.type == "subexpr_tree_nav":
                (sel,) = _kids(c)
                if sel.type == "child_id":
                    path.append(int(self.text(sel)))
                elif sel.type == "colon":
                    path.append(":")
                elif self.text(sel) in ("<<", ">>"):
                    path.append(self.text(sel))
                else:
                    return S.Unsupported(self.loc(n), f"subexpression selector {self.text(sel)}")
            else:
                return S.Unsupported(self.loc(n), "subexpression names (Op!1, Op!<<)")
        if not comps:
            return S.Unsupported(self.loc(n), "subexpression names (Op!1, Op!<<)")
        name, args = comps[-1]
        ref = S.Name(self.loc(n), name, args, tuple(comps[:-1]))
        return S.SubExpr(self.loc(n), ref, tuple(path))

    def x_proof_step_ref(self, n):
        return S.Unsupported(self.loc(n), "proof step references")

    def x_label(self, n):
        return self.expr(n.child_by_field_name("expression"))

    def x_bounded_quantification(self, n):
        q = n.child_by_field_name("quantifier").type
        bounds = tuple(self.bound(c) for c in n.children_by_field_name("bound")
                       if c.type == "quantifier_bound")
        return S.Quant(self.loc(n), "A" if q == "forall" else "E", bounds,
                       self.expr(n.child_by_field_name("expression")))

    def x_unbounded_quantification(self, n):
        q = n.child_by_field_name("quantifier").type
        kind = {"forall": "A", "exists": "E", "temporal_forall": "AA",
                "temporal_exists": "EE"}[q]
        names = tuple(self.text(c) for c in n.children_by_field_name("intro")
                      if c.type == "identifier")
        return S.UQuant(self.loc(n), kind, names,
                        self.expr(n.child_by_field_name("expression")))

    def x_choose(self, n):
        intro = n.child_by_field_name("intro")
        if intro.type == "tuple_of_identifiers":
            names = tuple(self.text(i) for i in _kids(intro) if i.type == "identifier")
            is_tuple = True
        else:
            names, is_tuple = (self.text(intro),), False
        s = n.child_by_field_name("set")
        return S.Choose(self.loc(n), names, is_tuple, self.expr(s) if s else None,
                        self.expr(n.child_by_field_name("expression")))

    def x_finite_set_literal(self, n):
        return S.SetEnum(self.loc(n), self.exprs(_kids(n)))

    def x_set_filter(self, n):
        return S.SetFilter(self.loc(n), self.bound(n.child_by_field_name("generator")),
                           self.expr(n.child_by_field_name("filter")))

    def x_set_map(self, n):
        bounds = tuple(self.bound(c) for c in n.children_by_field_name("generator")
                       if c.type == "quantifier_bound")
        return S.SetMap(self.loc(n), self.expr(n.child_by_field_name("map")), bounds)

    def x_function_evaluation(self, n):
        parts = _kids(n)
        return S.FnApp(self.loc(n), self.expr(parts[0]), self.exprs(parts[1:]))

    def x_function_literal(self, n):
        bounds = tuple(self.bound(c) for c in _kids(n) if c.type == "quantifier_bound")
        return S.FnCons(self.loc(n), bounds, self.expr(_kids(n)[-1]))

    def x_set_of_functions(self, n):
        a, _arrow, b = _kids(n)
        return S.FnSet(self.loc(n), self.expr(a), self.expr(b))

    def _fields(self, n, sep):
        kids = [c for c in _kids(n) if c.type != sep]
        return tuple((self.text(kids[i]), self.expr(kids[i + 1]))
                     for i in range(0, len(kids), 2))

    def x_record_literal(self, n):
        fields = self._fields(n, "all_map_to")
        self._distinct_fields(fields, n)
        return S.RecordCons(self.loc(n), fields)

    def x_set_of_records(self, n):
        fields = self._fields(n, "colon")
        self._distinct_fields(fields, n)
        return S.RecordSet(self.loc(n), fields)

    def _distinct_fields(self, fields, n):
        seen = set()
        for name, _ in fields:
            if name in seen:
                raise self.error(f"Parse error: the field {name} appears twice in a record", n)
            seen.add(name)

    def x_record_value(self, n):
        target, field = _kids(n)
        return S.Dot(self.loc(n), self.expr(target), self.text(field))

    def x_except(self, n):
        base = self.expr(n.child_by_field_name("expr_to_update"))
        updates = []
        for u in _kids(n):
            if u.type != "except_update":
                continue
            spec = [c for c in u.children_by_field_name("update_specifier") if c.is_named][0]
            path = []
            for step in _kids(spec):
                if step.type == "except_update_record_field":
                    path.append((".", self.text(_kids(step)[0])))
                else:
                    path.append(("[", self.exprs(_kids(step))))
            updates.append((tuple(path), self.expr(u.child_by_field_name("new_val"))))
        return S.Except(self.loc(n), base, tuple(updates))

    def x_prev_func_val(self, n):
        return S.At(self.loc(n))

    def x_tuple_literal(self, n):
        return S.Tuple(self.loc(n), self.exprs(c for c in _kids(n)
                                               if c.type not in ("langle_bracket",
                                                                 "rangle_bracket")))

    def x_step_expr_or_stutter(self, n):
        a, v = _kids(n)
        return S.BoxAction(self.loc(n), self.expr(a), self.expr(v))

    def x_step_expr_no_stutter(self, n):
        kids = [c for c in _kids(n) if c.type not in ("langle_bracket",
                                                               "rangle_bracket_sub")]
        return S.AngleAction(self.loc(n), self.expr(kids[0]), self.expr(kids[1]))

    def x_fairness(self, n):
        kind = "WF" if self.text(n.children[0]).startswith("WF") else "SF"
        v, a = _kids(n)
        return S.Fairness(self.loc(n), kind, self.expr(v), self.expr(a))

    def x_if_then_else(self, n):
        return S.If(self.loc(n), self.expr(n.child_by_field_name("if")),
                    self.expr(n.child_by_field_name("then")),
                    self.expr(n.child_by_field_name("else")))

    def x_case(self, n):
        arms, other = [], None
        for c in _kids(n):
            if c.type == "case_arm":
                cond, _arrow, val = _kids(c)
                arms.append((self.expr(cond), self.expr(val)))
            elif c.type == "other_arm":
                other = self.expr(_kids(c)[-1])
        return S.Case(self.loc(n), tuple(arms), other)

    def x_let_in(self, n):
        defs = []
        for c in n.children_by_field_name("definitions"):
            if c.type == "recursive_declaration":
                defs.extend(self.unit(c))
            elif c.is_named:
                defs.append(self.definition(c, local=False))
        return S.Let(self.loc(n), tuple(defs), self.expr(n.child_by_field_name("expression")))

    def _list_loc(self, n, items) -> S.Loc:
        """A bulleted list spans from its first bullet to the end of its last item (the
        grammar's node runs on to where the next token starts)."""
        start = self.loc(n)
        end = items[-1].loc
        return S.Loc(start.module, start.line, start.col, end.eline, end.ecol)

    def x_conj_list(self, n):
        items = tuple(self.expr(_kids(c)[-1]) for c in _kids(n)
                      if c.type == "conj_item")
        return S.And(self._list_loc(n, items), items, True)

    def x_disj_list(self, n):
        items = tuple(self.expr(_kids(c)[-1]) for c in _kids(n)
                      if c.type == "disj_item")
        return S.Or(self._list_loc(n, items), items, True)

    def x_bound_prefix_op(self, n):
        sym = n.child_by_field_name("symbol")
        name = PREFIX[sym.type]
        rhs = n.child_by_field_name("rhs")
        self._check_prefix(name, rhs, n)
        return S.Name(self.loc(n), name, (self.expr(rhs),))

    def x_bound_infix_op(self, n):
        name = INFIX[n.child_by_field_name("symbol").type]
        lhs, rhs = n.child_by_field_name("lhs"), n.child_by_field_name("rhs")
        self._check_infix(name, lhs, rhs, n)
        if name == "\\X":
            sets = []
            x = n
            while x.type == "bound_infix_op" and \
                    INFIX[x.child_by_field_name("symbol").type] == "\\X":
                sets.append(self.expr(x.child_by_field_name("rhs")))
                x = x.child_by_field_name("lhs")
            sets.append(self.expr(x))
            return S.Times(self.loc(n), tuple(reversed(sets)))
        a, b = self.expr(lhs), self.expr(rhs)
        if name == "\\land":
            return S.And(self.loc(n), (a, b))
        if name == "\\lor":
            return S.Or(self.loc(n), (a, b))
        return S.Name(self.loc(n), name, (a, b))

    def x_bound_postfix_op(self, n):
        name = POSTFIX[n.child_by_field_name("symbol").type]
        lhs = self.expr(n.child_by_field_name("lhs"))
        if name == "'":
            return S.Prime(self.loc(n), lhs)
        return S.Name(self.loc(n), name, (lhs,))

    def x_lambda(self, n):
        return self.op_or_expr(n)

    # ------------------------------------------------------------------ SANY precedence

    def _op_of(self, n) -> str | None:
        if n.type == "bound_infix_op":
            return INFIX[n.child_by_field_name("symbol").type]
        if n.type == "bound_prefix_op":
            return PREFIX[n.child_by_field_name("symbol").type]
        return None

    def _right_spine(self, n):
        """Operators SANY compares with an operator that follows the expression ``n``."""
        while n.type in ("bound_infix_op", "bound_prefix_op"):
            yield self._op_of(n), n
            n = n.child_by_field_name("rhs")

    def _left_spine(self, n):
        """Infix operators SANY compares with an operator that precedes the expression."""
        while n.type == "bound_infix_op":
            yield self._op_of(n), n
            n = n.child_by_field_name("lhs")

    def _conflict(self, a: str, b: str, n) -> ParseError:
        return self.error(f"Parse error: precedence conflict between ops {a} and {b}; "
                          "add parentheses", n)

    def _check_infix(self, name, lhs, rhs, n) -> None:
        lo, hi, assoc = PRECEDENCE[name]
        for left, _ in self._right_spine(lhs):
            llo, lhi, lassoc = PRECEDENCE[left]
            if llo > hi or (left == name and lassoc == _L):
                continue
            raise self._conflict(left, name, n)
        for right, _ in self._left_spine(rhs):
            rlo, _rhi, _ = PRECEDENCE[right]
            if hi < rlo:
                continue
            raise self._conflict(name, right, n)

    def _check_prefix(self, name, rhs, n) -> None:
        _lo, hi, _ = PRECEDENCE[name]
        for right, _ in self._left_spine(rhs):
            if hi < PRECEDENCE[right][0]:
                continue
            raise self._conflict(name, right, n)


# --------------------------------------------------------------------------- tree helpers


def _end(n):
    """Where a node's text really ends: junction lists close with an empty token placed
    where the next token starts, which must not count."""
    x = n
    while x.child_count:
        last = None
        for c in reversed(x.children):
            if c.end_byte > c.start_byte and c.type not in ("comment", "block_comment"):
                last = c
                break
        if last is None:
            break
        x = last
    return x.end_point if x is not n or not n.child_count else n.end_point


def _kids(n) -> list:
    """Named children without the comments the grammar allows anywhere."""
    return [c for c in n.named_children if c.type not in ("comment", "block_comment")]


def _depth(n) -> int:
    d = 0
    while n.parent is not None:
        n = n.parent
        d += 1
    return d


def _leaves(n):
    stack = [n]
    while stack:
        x = stack.pop()
        if x.child_count == 0:
            yield x
        else:
            stack.extend(reversed(x.children))


def _first_leaf(n):
    while n.child_count:
        n = n.children[0]
    return n


_UNITS = {"variable_declaration", "constant_declaration", "recursive_declaration",
          "operator_definition", "function_definition", "instance", "module_definition",
          "local_definition", "assumption", "theorem", "extends", "single_line",
          "header_line", "use_or_hide", "module", "comment", "block_comment"}


def _first_broken_child(err):
    for c in err.children:
        if c.type not in _UNITS and c.type not in ("MODULE", "identifier"):
            return c
    return err
