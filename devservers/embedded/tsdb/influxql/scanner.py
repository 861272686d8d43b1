"""InfluxQL tokens: a port of influxql's scanner, reader and one-token-back buffer.

The port keeps the reader's quirks because influxd's parse errors quote them: a string token's
position is the character before its quote, a query's end is counted once more after a peek,
``\\r\\n`` reads as one newline and a NUL character reads as the end.
"""

from __future__ import annotations

from typing import Final, NamedTuple

EOF_CHAR: Final = "\0"

KEYWORDS: Final = frozenset(
    """ALL ALTER ANALYZE ANY AS ASC BEGIN BY CARDINALITY CREATE CONTINUOUS DATABASE DATABASES
    DEFAULT DELETE DESC DESTINATIONS DIAGNOSTICS DISTINCT DROP DURATION END EVERY EXACT EXPLAIN
    FIELD FOR FROM GRANT GRANTS GROUP GROUPS INF INSERT INTO KEY KEYS KILL LIMIT MEASUREMENT
    MEASUREMENTS NAME OFFSET ON ORDER PASSWORD POLICY POLICIES PRIVILEGES QUERIES QUERY READ
    REPLICATION RESAMPLE RETENTION REVOKE SELECT SERIES SET SHOW SHARD SHARDS SLIMIT SOFFSET STATS
    SUBSCRIPTION SUBSCRIPTIONS TAG TO USER USERS VALUES WHERE WITH WRITE AND OR IN""".split()  # noqa: SIM905
)
"""Words that are tokens of their own (looked up case-insensitively); ``true``/``false`` too."""

OPERATORS: Final = frozenset("+ - * / % & | ^ AND OR IN = != =~ !~ < <= > >=".split())  # noqa: SIM905
COMPARISONS: Final = frozenset("= != =~ !~ < <= > >=".split())  # noqa: SIM905
_PRECEDENCE: Final = {
    "OR": 1,
    "AND": 2,
    **dict.fromkeys(["=", "!=", "=~", "!~", "<", "<=", ">", ">=", "IN"], 3),
    **dict.fromkeys(["+", "-", "|", "^"], 4),
    **dict.fromkeys(["*", "/", "%", "&"], 5),
}
_NAMELESS: Final = frozenset({"INTEGER", "BOUNDPARAM"})
"""Kinds that influxql's token table has no text for."""


def precedence(kind: str) -> int:
    return _PRECEDENCE.get(kind, 0)


class Token(NamedTuple):
    kind: str
    """``IDENT``, ``STRING``, ``EOF``...; an operator's or keyword's own text (``>=``, ``FROM``)."""
    line: int
    char: int
    lit: str = ""

    def text(self) -> str:
        """What a parse error quotes as ``found ...``."""
        if self.lit:
            return self.lit
        return "" if self.kind in _NAMELESS else self.kind


class BadEscape(Exception):
    pass


class BadString(Exception):
    pass


def _letter(c: str) -> bool:
    return "a" <= c <= "z" or "A" <= c <= "Z"


def _digit(c: str) -> bool:
    return "0" <= c <= "9"


def ident_char(c: str) -> bool:
    return _letter(c) or _digit(c) or c == "_"


def ident_first_char(c: str) -> bool:
    return _letter(c) or c == "_"


def _whitespace(c: str) -> bool:
    return c in " \t\n"


class Reader:
    """Runes with positions and up to three of them put back."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._next = 0
        self._line = 0
        self._char = 0
        self._buf: list[tuple[str, int, int]] = [(EOF_CHAR, 0, 0)] * 3
        self._i = 0
        self._n = 0
        self._eof = False

    def read(self) -> tuple[str, int, int]:
        if self._n > 0:
            self._n -= 1
            return self.curr()
        if self._next < len(self._text):
            ch = self._text[self._next]
            self._next += 1
            if ch == "\r":
                if self._next < len(self._text) and self._text[self._next] == "\n":
                    self._next += 1
                ch = "\n"
        else:
            ch = EOF_CHAR
        self._i = (self._i + 1) % 3
        self._buf[self._i] = (ch, self._line, self._char)
        if ch == "\n":
            self._line += 1
            self._char = 0
        elif not self._eof:
            self._char += 1
        if ch == EOF_CHAR:
            self._eof = True
        return self.curr()

    def unread(self) -> None:
        self._n += 1

    def curr(self) -> tuple[str, int, int]:
        return self._buf[(self._i - self._n) % 3]

    def read_rune(self) -> str:
        return self.read()[0]


def scan_string(reader: Reader) -> str:
    """A quoted string with influxql's escapes (``\\n \\\\ \\" \\'``)."""
    ending = reader.read_rune()
    out: list[str] = []
    while True:
        ch = reader.read_rune()
        if ch == ending:
            return "".join(out)
        if ch in (EOF_CHAR, "\n"):
            raise BadString("".join(out))
        if ch == "\\":
            following = reader.read_rune()
            escaped = {"n": "\n", "\\": "\\", '"': '"', "'": "'"}.get(following)
            if escaped is None:
                raise BadEscape(ch + following)
            out.append(escaped)
        else:
            out.append(ch)


def _scan_bare_ident(reader: Reader) -> str:
    out: list[str] = []
    while True:
        ch = reader.read_rune()
        if ch == EOF_CHAR:
            break
        if not ident_char(ch):
            reader.unread()
            break
        out.append(ch)
    return "".join(out)


class Scanner:
    def __init__(self, text: str) -> None:
        self.reader = Reader(text)

    def scan(self) -> Token:
        r = self.reader
        ch, line, char = r.read()
        if _whitespace(ch):
            return self._scan_whitespace()
        if _letter(ch) or ch == "_":
            r.unread()
            return self._scan_ident(lookup=True)
        if _digit(ch):
            return self._scan_number()
        if ch == EOF_CHAR:
            return Token("EOF", line, char)
        if ch == '"':
            r.unread()
            return self._scan_ident(lookup=True)
        if ch == "'":
            return self._scan_string()
        if ch == ".":
            following = r.read_rune()
            r.unread()
            if _digit(following):
                return self._scan_number()
            return Token(".", line, char)
        if ch == "$":
            token = self._scan_ident(lookup=False)
            kind = "BOUNDPARAM" if token.kind == "IDENT" else token.kind
            return Token(kind, line, char, "$" + token.lit)
        if ch == "-":
            if r.read_rune() == "-":
                self._skip_until_newline()
                return Token("COMMENT", line, char)
            r.unread()
            return Token("-", line, char)
        if ch == "/":
            if r.read_rune() == "*":
                if not self._skip_until_end_comment():
                    return Token("ILLEGAL", line, char)
                return Token("COMMENT", line, char)
            r.unread()
            return Token("/", line, char)
        pairs = {"=": {"~": "=~"}, "!": {"=": "!=", "~": "!~"}, ">": {"=": ">="}}
        pairs["<"] = {"=": "<=", ">": "!="}
        pairs[":"] = {":": "::"}
        if ch in pairs:
            following = r.read_rune()
            if following in pairs[ch]:
                return Token(pairs[ch][following], line, char)
            r.unread()
            if ch == "!":
                return Token("ILLEGAL", line, char, ch)
            return Token(ch, line, char)
        if ch in "+*%&|^(),;":
            return Token(ch, line, char)
        if ch == "π":
            return Token("PI", line, char)
        return Token("ILLEGAL", line, char, ch)

    def _scan_whitespace(self) -> Token:
        r = self.reader
        ch, line, char = r.curr()
        out = [ch]
        while True:
            ch = r.read_rune()
            if ch == EOF_CHAR:
                break
            if not _whitespace(ch):
                r.unread()
                break
            out.append(ch)
        return Token("WS", line, char, "".join(out))

    def _skip_until_newline(self) -> None:
        while self.reader.read_rune() not in ("\n", EOF_CHAR):
            pass

    def _skip_until_end_comment(self) -> bool:
        r = self.reader
        while True:
            ch = r.read_rune()
            if ch == EOF_CHAR:
                return False
            while ch == "*":
                ch = r.read_rune()
                if ch == "/":
                    return True
                if ch == EOF_CHAR:
                    return False

    def _scan_ident(self, lookup: bool) -> Token:
        r = self.reader
        _, line, char = r.read()
        r.unread()
        out: list[str] = []
        while True:
            ch = r.read_rune()
            if ch == EOF_CHAR:
                break
            if ch == '"':
                token = self._scan_string()
                if token.kind in ("BADSTRING", "BADESCAPE"):
                    return token
                return Token("IDENT", line, char, token.lit)
            if ident_char(ch):
                r.unread()
                out.append(_scan_bare_ident(r))
            else:
                r.unread()
                break
        lit = "".join(out)
        if lookup:
            upper = lit.upper()
            if upper in KEYWORDS:
                return Token(upper, line, char)
            if upper in ("TRUE", "FALSE"):
                return Token(upper, line, char)
        return Token("IDENT", line, char, lit)

    def _scan_string(self) -> Token:
        r = self.reader
        r.unread()
        _, line, char = r.curr()
        try:
            lit = scan_string(r)
        except BadString as exc:
            return Token("BADSTRING", line, char, str(exc))
        except BadEscape as exc:
            _, line, char = r.curr()
            return Token("BADESCAPE", line, char, str(exc))
        return Token("STRING", line, char, lit)

    def scan_regex(self) -> Token:
        r = self.reader
        _, line, char = r.curr()
        if r.read_rune() != "/":
            return Token("BADREGEX", line, char)
        out: list[str] = []
        while True:
            ch = r.read_rune()
            if ch == "/":
                return Token("REGEX", line, char, "".join(out))
            if ch in (EOF_CHAR, "\n"):
                return Token("BADREGEX", line, char)
            if ch == "\\":
                following = r.read_rune()
                if following == EOF_CHAR:
                    return Token("BADREGEX", line, char)
                if following == "/":
                    out.append("/")
                    continue
                r.unread()
            out.append(ch)

    def _scan_number(self) -> Token:
        r = self.reader
        ch, line, char = r.curr()
        if ch == ".":
            following = r.read_rune()
            r.unread()
            if not _digit(following):
                return Token("ILLEGAL", line, char, ".")
        r.unread()
        out = [self._scan_digits()]
        decimal = False
        if r.read_rune() == ".":
            decimal = True
            following = r.read_rune()
            if _digit(following):
                out += [".", following, self._scan_digits()]
            else:
                r.unread()
        else:
            r.unread()
        if decimal:
            return Token("NUMBER", line, char, "".join(out))
        ch = r.read_rune()
        if not (_letter(ch) or ch == "µ"):
            r.unread()
            return Token("INTEGER", line, char, "".join(out))
        out.append(ch)
        while True:
            ch = r.read_rune()
            if not (_letter(ch) or ch == "µ" or _digit(ch)):
                r.unread()
                break
            out.append(ch)
        return Token("DURATIONVAL", line, char, "".join(out))

    def _scan_digits(self) -> str:
        out: list[str] = []
        while True:
            ch = self.reader.read_rune()
            if not _digit(ch):
                self.reader.unread()
                return "".join(out)
            out.append(ch)


class BufScanner:
    """The scanner with up to three tokens put back, as the parser uses it."""

    def __init__(self, text: str) -> None:
        self.scanner = Scanner(text)
        self._buf: list[Token] = [Token("EOF", 0, 0)] * 3
        self._i = 0
        self._n = 0

    def _next(self, regex: bool) -> Token:
        if self._n > 0:
            self._n -= 1
            return self._buf[(self._i - self._n) % 3]
        self._i = (self._i + 1) % 3
        token = self.scanner.scan_regex() if regex else self.scanner.scan()
        self._buf[self._i] = token
        return token

    def scan(self) -> Token:
        return self._next(regex=False)

    def scan_regex(self) -> Token:
        return self._next(regex=True)

    def unscan(self) -> None:
        self._n += 1

    def peek_rune(self) -> str:
        reader = self.scanner.reader
        ch = reader.read_rune()
        if ch != EOF_CHAR:
            reader.unread()
        return ch
